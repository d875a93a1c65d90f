#include "autotuner/sim/metrics.h"

#include <fmt/format.h>

#include <algorithm>

#include "autotuner/core/json.h"
#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

// Buckets in the spirit of the engines' defaults: fine below a second for TTFT and ITL, coarse for E2E.
std::vector<double> TtftBuckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25, 0.5,
          0.75,  1.0,   2.5,  5.0,  7.5,  10.0, 20.0, 40.0, 80.0};
}
std::vector<double> ItlBuckets() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
          0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
}
std::vector<double> E2eBuckets() {
  return {0.3,  0.5,  0.8,  1.0,  1.5,  2.0,  2.5,   5.0,   10.0,
          15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0};
}

std::string Sample(const std::string& name, const char* type, const std::string& labels, double value) {
  return fmt::format("# HELP {0} {0}\n# TYPE {0} {1}\n{0}{{{2}}} {3}\n", name, type, labels, value);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[bucket];
  ++count_;
  sum_ += value;
}

std::string Histogram::Render(const std::string& name, const std::string& labels) const {
  std::string out = fmt::format("# HELP {0} {0}\n# TYPE {0} histogram\n", name);
  int64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{{},le=\"{}\"}} {}\n", name, labels, bounds_[i], cumulative);
  }
  out += fmt::format("{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels, count_);
  out += fmt::format("{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels, sum_, name, labels, count_);
  return out;
}

ServerMetrics::ServerMetrics() : ttft_(TtftBuckets()), itl_(ItlBuckets()), e2e_(E2eBuckets()) {}

std::string ServerMetrics::Prometheus(Flavor flavor, const EngineStats& stats,
                                      const std::string& model_name) const {
  const MetricNames& n = flavor->metrics;
  const std::string labels = fmt::format(fmt::runtime(n.labels), model_name);
  std::string out;
  out += Sample(n.running, "gauge", labels, stats.running);
  out += Sample(n.waiting, "gauge", labels, stats.waiting);
  out += Sample(n.kv_usage, "gauge", labels, stats.kv_usage);
  // Every engine counts a request's whole prompt once, prefix-cache hits included.
  out += Sample(n.prompt, "counter", labels, static_cast<double>(stats.request_prompt_tokens));
  out += Sample(n.cached, "counter", labels, static_cast<double>(stats.request_cached_tokens));
  if (!n.cache_queries.empty()) {
    out += Sample(n.cache_queries, "counter", labels, static_cast<double>(stats.request_prompt_tokens));
  }
  out += Sample(n.generation, "counter", labels, static_cast<double>(stats.generation_tokens));
  out += Sample(n.preemptions, "counter", labels, static_cast<double>(stats.preemptions));
  const std::string success_labels = n.success_by_reason ? labels + ",finished_reason=\"length\"" : labels;
  out += Sample(n.success, "counter", success_labels, static_cast<double>(finished_));
  out += ttft_.Render(n.ttft, labels);
  out += itl_.Render(n.itl, labels);
  if (!n.itl_alias.empty()) out += itl_.Render(n.itl_alias, labels);
  out += e2e_.Render(n.e2e, labels);
  return out;
}

std::string ServerMetrics::IterationStatsJson(const EngineStats& stats, int tokens_per_block) const {
  const int64_t block = std::max(tokens_per_block, 1);
  const int64_t max_blocks = stats.kv_capacity_tokens / block;
  const int64_t used_blocks = (stats.kv_used_tokens + block - 1) / block;
  Json kv{
      {"maxNumBlocks", max_blocks},
      {"freeNumBlocks", std::max<int64_t>(0, max_blocks - used_blocks)},
      {"usedNumBlocks", used_blocks},
      {"tokensPerBlock", block},
      {"allocTotalBlocks", used_blocks},
      {"allocNewBlocks", 0},
      {"reusedBlocks", 0},
      {"cacheHitRate", stats.request_prompt_tokens > 0 ? static_cast<double>(stats.request_cached_tokens) /
                                                             static_cast<double>(stats.request_prompt_tokens)
                                                       : 0.0}};
  Json iteration{
      {"iter", stats.steps},
      {"iterLatencyMS", stats.steps > 0 ? stats.busy_s * 1000.0 / static_cast<double>(stats.steps) : 0.0},
      {"numActiveRequests", stats.running},
      {"numQueuedRequests", stats.waiting},
      {"numCompletedRequests", stats.finished},
      {"maxNumActiveRequests", stats.max_running},
      {"kvCacheStats", kv}};
  return Json::array({iteration}).dump();
}

}  // namespace autotuner::sim
