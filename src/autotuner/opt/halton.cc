#include "autotuner/opt/halton.h"

#include <cmath>
#include <numeric>

#include "autotuner/opt/rng.h"

namespace autotuner::opt {

namespace {

std::vector<uint32_t> FirstPrimes(size_t count) {
  std::vector<uint32_t> primes;
  for (uint32_t candidate = 2; primes.size() < count; ++candidate) {
    bool prime = true;
    for (const uint32_t p : primes) {
      if (p * p > candidate) break;
      if (candidate % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push_back(candidate);
  }
  return primes;
}

}  // namespace

Halton::Halton(size_t dims, uint64_t seed) : bases_(FirstPrimes(dims)), permutations_(dims), shifts_(dims) {
  Rng rng(seed);
  for (size_t d = 0; d < dims; ++d) {
    auto& perm = permutations_[d];
    perm.resize(bases_[d]);
    std::iota(perm.begin(), perm.end(), 0u);
    for (size_t i = perm.size() - 1; i > 1; --i) std::swap(perm[i], perm[1 + rng.Below(i)]);
    shifts_[d] = rng.Uniform();
  }
}

void Halton::Point(uint64_t index, std::span<double> out) const {
  for (size_t d = 0; d < bases_.size(); ++d) {
    const uint32_t base = bases_[d];
    const double inv = 1.0 / base;
    double factor = inv, value = 0;
    for (uint64_t i = index; i > 0; i /= base) {
      value += permutations_[d][i % base] * factor;
      factor *= inv;
    }
    value += shifts_[d];
    out[d] = value - std::floor(value);
  }
}

}  // namespace autotuner::opt
