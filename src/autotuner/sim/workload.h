#pragma once

// Workloads run against a VirtualEngine in virtual time: closed loop (N requests in flight, M in total) and
// open loop (Poisson arrivals at a rate, optionally capped in flight), with per-request records and a summary
// in the load generator's terms (SPEC §3: TTFT from send to first token, TPOT = (e2e − TTFT) / (output − 1),
// throughput over the run from the first send to the last completion). Closed loop is open loop with every
// request due at once and the concurrency as the cap, exactly as a load generator behaves. This is what the
// optimizer's offline landscapes and the tests sweep; a run of thousands of requests costs milliseconds of
// real time.

#include <cstdint>
#include <functional>
#include <random>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/sim/virtual_engine.h"

namespace autotuner::sim {

// Token-count distribution (genai-bench's D/N/U scenarios; lognormal for ShareGPT-like chat lengths, whose
// long right tail a normal cannot give); samples are at least 1.
struct LengthDistribution {
  enum class Shape { kFixed, kNormal, kUniform, kLogNormal };
  Shape shape = Shape::kFixed;
  int64_t mean = 128;
  int64_t stddev = 0;
  int64_t min = 128;
  int64_t max = 128;
  double sigma = 0;  // lognormal: standard deviation of ln(tokens)

  static LengthDistribution Fixed(int64_t tokens);
  static LengthDistribution Normal(int64_t mean, int64_t stddev);
  static LengthDistribution Uniform(int64_t min, int64_t max);
  // Lognormal with this mean (before clamping to [1, max]) and spread of ln(tokens).
  static LengthDistribution LogNormal(int64_t mean, double sigma, int64_t max);
  int64_t Sample(std::mt19937_64& rng) const;
};

struct WorkloadSpec {
  LengthDistribution input = LengthDistribution::Fixed(128);
  LengthDistribution output = LengthDistribution::Fixed(128);
  int64_t num_requests = 100;
  int concurrency = 1;      // closed loop: requests in flight; open loop: cap (0 = none)
  double request_rate = 0;  // requests/s with Poisson gaps; 0 = closed loop; infinity = all at once
  bool poisson = true;      // open loop: Poisson gaps; false: evenly spaced at 1 / request_rate
  // Open loop replaying a trace: request i arrives at arrival_times[i] (seconds from the start, ascending);
  // overrides request_rate, and num_requests is at most its size.
  std::vector<double> arrival_times;
  double max_duration_s = 0;  // stop sending after this much virtual time (0 = no limit); sent ones finish
  int prefix_groups = 0;      // > 0: request i shares its first `prefix_tokens` with group i % prefix_groups
  int64_t prefix_tokens = 0;
  std::function<void(SimRequest&)> customize;  // last touch on each request (priorities, token ids)
  uint64_t seed = 1;
  bool keep_token_times = false;
};

struct RequestRecord {
  uint64_t id = 0;
  double send_s = 0;
  double first_token_s = -1;
  double finish_s = -1;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;  // requested
  int64_t received_tokens = 0;
  int64_t cached_tokens = 0;
  int priority = 0;
  int preemptions = 0;
  double max_itl_s = 0;  // largest gap between consecutive tokens
  bool completed = false;
  std::string error;                // why the engine refused it
  std::vector<double> token_times;  // with keep_token_times

  double Ttft() const { return first_token_s - send_s; }
  double E2e() const { return finish_s - send_s; }
  // NaN for single-token outputs (undefined, SPEC §3).
  double Tpot() const;
};

struct Distribution {
  double mean = 0;
  double min = 0;
  double max = 0;
  double p50 = 0;
  double p90 = 0;
  double p95 = 0;
  double p99 = 0;
  int64_t count = 0;
};

// Percentiles interpolate linearly between closest ranks; NaNs are left out.
Distribution Summarize(std::vector<double> values);

struct WorkloadSummary {
  int64_t requests = 0;
  int64_t completed = 0;
  int64_t errors = 0;
  double duration_s = 0;
  double output_throughput = 0;  // tokens/s
  double input_throughput = 0;
  double total_throughput = 0;
  double requests_per_s = 0;
  Distribution ttft;
  Distribution tpot;
  Distribution e2e;
  Distribution max_itl;
  double cache_hit_rate = 0;  // cached / prompt tokens of completed requests
};

struct WorkloadResult {
  std::vector<RequestRecord> records;
  WorkloadSummary summary;
  EngineStats engine;
};

// Runs the workload on an engine from its current clock.
WorkloadResult RunWorkload(VirtualEngine& engine, const WorkloadSpec& spec);
// Creates the engine (its start-up errors: OOM, too few GPUs, ...) and runs the workload from time 0.
Result<WorkloadResult> RunWorkload(const EngineConfig& config, const ModelProfile& model,
                                   const WorkloadSpec& spec);

}  // namespace autotuner::sim
