#include "autotuner/opt/rng.h"

#include <cmath>
#include <numbers>

namespace autotuner::opt {

namespace {

uint64_t SplitMix(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

uint64_t MixSeed(uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  SplitMix(x);
  return SplitMix(x);
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& word : s_) word = SplitMix(x);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

uint64_t Rng::Below(uint64_t n) {
  // Rejection keeps the draw unbiased for any n.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = Next();
  while (x >= limit) x = Next();
  return x % n;
}

double Rng::Normal() {
  const double u1 = 1.0 - Uniform();  // (0, 1]
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

Json Rng::ToJson() const { return Json::array({s_[0], s_[1], s_[2], s_[3]}); }

Result<Rng> Rng::FromJson(const Json& state) {
  if (!state.is_array() || state.size() != 4) {
    return MakeError(ErrorCode::kValidation, "rng state must be a list of 4 unsigned integers");
  }
  Rng rng;
  for (size_t i = 0; i < 4; ++i) {
    if (!state[i].is_number_unsigned()) {
      return MakeError(ErrorCode::kValidation, "rng state must be a list of 4 unsigned integers");
    }
    rng.s_[i] = state[i].get<uint64_t>();
  }
  if (rng.s_ == std::array<uint64_t, 4>{}) {
    return MakeError(ErrorCode::kValidation, "rng state must not be all zero");
  }
  return rng;
}

}  // namespace autotuner::opt
