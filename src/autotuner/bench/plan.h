#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/core/result.h"
#include "autotuner/task/scenario.h"
#include "autotuner/task/task.h"

namespace autotuner::bench {

// The traffic of a benchmark, as the CLI flags or a task's `benchmark` block give it.
struct PlanOptions {
  std::vector<task::Scenario> scenarios;
  std::vector<int64_t> num_concurrency;
  std::vector<double> request_rate;  // +inf = closed loop at each concurrency; empty = closed loop only
  double max_time_s = 0;
  int64_t max_requests = 0;
  int64_t warmup_requests = 0;
  std::string tokenizer = "gpt2";
  std::optional<task::Dataset> dataset;
  bool deduplicate = false;  // drop repeated dataset prompts (benchmark.dataset_deduplicate)
  bool poisson = true;
  uint64_t seed = 0;
  size_t max_distinct_prompts = 1000;  // requests beyond this cycle over the prompts again
};

// One RunSpec per (scenario × concurrency) without finite rates, and per (scenario × rate) for each finite
// rate (the largest concurrency, if any, caps requests in flight), prompts synthesised or read from the
// dataset. Non-text, non-embedding scenarios are kUnsupported.
Result<std::vector<RunSpec>> PlanRuns(const PlanOptions& options);

// Goodput thresholds from a task's SLO (SPEC §3): the largest threshold given for each of ttft, tpot and
// latency (e2e), whatever statistic it is attached to.
GoodputThresholds GoodputThresholdsFromSlo(const task::Slo& slo);

// What the study runner benchmarks for one experiment: the task's `benchmark` block against `api_base`
// (closed loop per concurrency, open loop per finite rate), goodput thresholds from its `slo`.
// `dataset_url` is read from the dataset cache (bench/dataset_cache.h; kNotFound when it is not there).
Result<BenchSpec> MakeBenchSpec(const task::Benchmark& benchmark, const task::Slo& slo,
                                const std::string& api_base, uint64_t seed);

}  // namespace autotuner::bench
