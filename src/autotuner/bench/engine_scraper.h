#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "autotuner/bench/engine_metrics.h"
#include "autotuner/bench/load_generator.h"

namespace autotuner::bench {

// Samples the engine's Prometheus /metrics (at the server root) every `interval_s` on its own thread, from
// construction until Finish(); gives up on the first failure (a server without /metrics is normal).
class EngineScraper {
 public:
  EngineScraper(const Target& target, std::chrono::steady_clock::time_point start, double interval_s);
  ~EngineScraper();
  EngineScraper(const EngineScraper&) = delete;
  EngineScraper& operator=(const EngineScraper&) = delete;

  // Stops sampling; the samples taken, times from `start`.
  std::vector<EngineSample> Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotuner::bench
