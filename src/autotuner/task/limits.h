#pragma once

// Upper bounds on the numbers a task file (or the bench CLI) may hold. Far above any real study, low enough
// that nothing derived from them (arrival schedules, GPU lists, deadlines) overflows or exhausts memory.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace autotuner::task::limits {

inline constexpr int64_t kMaxGpus = 1024;                 // hardware.num_gpus, parallel_config values
inline constexpr int64_t kMaxIterations = 100'000;        // max_iterations, n_initial_random
inline constexpr int64_t kMaxParallelExperiments = 1024;  // optimization.parallel_experiments
inline constexpr int64_t kMaxConcurrency = 100'000;       // benchmark.num_concurrency
inline constexpr int64_t kMaxRequests = 1'000'000;        // max_requests_per_iteration, warmup requests
inline constexpr double kMaxRequestRate = 1e6;            // requests per second
inline constexpr double kMaxSeconds = 7.0 * 24 * 3600;    // every timeout and time limit: a week
inline constexpr double kMaxSloSeconds = 1e6;             // SLO thresholds
inline constexpr double kMaxWeight = 1e6;                 // SLO weights and steepness

// "No bound" for the parser's optional maxima.
inline constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
inline constexpr double kNoMaxNumber = std::numeric_limits<double>::max();

// A bound for messages: 604800, 1000000, 0.5.
inline std::string Format(double bound) {
  if (bound == std::floor(bound) && std::fabs(bound) < 9e15)
    return std::to_string(static_cast<int64_t>(bound));
  std::string text = std::to_string(bound);
  while (text.back() == '0') text.pop_back();
  return text;
}

}  // namespace autotuner::task::limits
