#pragma once

// The engines' own metrics, as each serves them: Prometheus text with the engine's names (vLLM `vllm:*` at
// /metrics; SGLang `sglang:*` at /metrics with --enable-metrics; TensorRT-LLM `trtllm_*` at
// /prometheus/metrics) and TensorRT-LLM's JSON iteration stats at /metrics. Latencies are observed in wall
// time, as a client sees them.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "autotuner/sim/engine_config.h"
#include "autotuner/sim/virtual_engine.h"

namespace autotuner::sim {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // The `_bucket`, `_sum` and `_count` lines of metric `name` with `labels` ("a=\"b\"").
  std::string Render(const std::string& name, const std::string& labels) const;
  int64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<int64_t> counts_;  // per bucket, not cumulative
  int64_t count_ = 0;
  double sum_ = 0;
};

class ServerMetrics {
 public:
  ServerMetrics();
  void ObserveTtft(double seconds) { ttft_.Observe(seconds); }
  void ObserveItl(double seconds) { itl_.Observe(seconds); }
  void ObserveE2e(double seconds) { e2e_.Observe(seconds); }
  void RequestFinished() { ++finished_; }

  std::string Prometheus(Flavor flavor, const EngineStats& stats, const std::string& model_name) const;
  // TensorRT-LLM's /metrics: a JSON list with one iteration-stats object.
  std::string IterationStatsJson(const EngineStats& stats, int tokens_per_block) const;

 private:
  Histogram ttft_;
  Histogram itl_;
  Histogram e2e_;
  int64_t finished_ = 0;
};

}  // namespace autotuner::sim
