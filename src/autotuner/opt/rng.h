#pragma once

#include <array>
#include <cstdint>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::opt {

// xoshiro256** generator. Its whole state is four words, so a study can save it and resume with the exact
// same draws; the distributions below are written out (not <random>'s) so results do not depend on the
// standard library's implementation.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t Next();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform integer in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Standard normal (Box–Muller; one draw per call so the state stays a plain word array).
  double Normal();

  Json ToJson() const;
  static Result<Rng> FromJson(const Json& state);

  bool operator==(const Rng&) const = default;

 private:
  std::array<uint64_t, 4> s_{};
};

// Deterministic 64-bit mix of a seed and a stream tag, so independent streams derive from one task seed.
uint64_t MixSeed(uint64_t seed, uint64_t stream);

}  // namespace autotuner::opt
