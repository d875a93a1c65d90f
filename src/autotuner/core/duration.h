#pragma once

// Seconds read from outside (task files, flags) as clock durations without overflow.

#include <chrono>
#include <cmath>

namespace autotuner {

// `seconds` as a steady_clock duration, saturating: NaN and negatives are zero, and anything past a century
// (or infinite) is a century, so `now() + SaturatingSeconds(x)` never overflows into the past.
inline std::chrono::steady_clock::duration SaturatingSeconds(double seconds) {
  constexpr double kMaxSeconds = 100.0 * 365 * 24 * 3600;
  if (!(seconds > 0)) return std::chrono::steady_clock::duration::zero();
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(std::fmin(seconds, kMaxSeconds)));
}

}  // namespace autotuner
