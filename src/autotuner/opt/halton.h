#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace autotuner::opt {

// Scrambled Halton sequence in [0, 1)^d: a seeded, low-discrepancy order whose every prefix spreads over the
// box and its one-dimensional projections (unlike maximin designs, which crowd the corners first). Each
// dimension uses the next prime base with a random digit permutation (0 fixed) and a random shift mod 1.
class Halton {
 public:
  Halton(size_t dims, uint64_t seed);
  void Point(uint64_t index, std::span<double> out) const;

 private:
  std::vector<uint32_t> bases_;
  std::vector<std::vector<uint32_t>> permutations_;
  std::vector<double> shifts_;
};

}  // namespace autotuner::opt
