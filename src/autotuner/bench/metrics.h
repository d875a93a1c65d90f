#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/bench/engine_metrics.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::bench {

// Why a request failed. Every class except kNone counts in error_rate (SPEC §3).
enum class ErrorClass {
  kNone,
  kHttpStatus,          // HTTP status >= 400 before the stream started
  kStreamError,         // an {"error": …} event inside the stream
  kConnectFailed,       // connection refused / host unreachable
  kConnectionReset,     // the server closed or reset the connection mid-request
  kTimeout,             // the per-request timeout passed
  kBrokenStream,        // the stream ended without finishing, or a chunk was not valid JSON
  kTokenCountMismatch,  // with ignore_eos: generated tokens != max_tokens
};
std::string_view ErrorClassName(ErrorClass error);

// One measured request. Times are seconds (steady clock); `send_time` counts from the run's start, the others
// from the request's own send time.
struct RequestRecord {
  double send_time = 0;
  double ttft = 0;  // send → first content token (non-streaming: the whole response)
  double e2e = 0;   // send → last byte (errors: → the failure)
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  std::vector<float> token_times;  // arrival of each content event, since send
  ErrorClass error = ErrorClass::kNone;
  int error_code = 0;  // HTTP status, or the `code` of an in-stream error event
  std::string error_message;

  bool ok() const { return error == ErrorClass::kNone; }
  // (e2e − ttft)/(output_tokens − 1); nothing for outputs of fewer than two tokens.
  std::optional<double> Tpot() const;
  // The key of error_codes_frequency: the numeric code when there is one, else the class name.
  std::string ErrorKey() const;
};

// SPEC §3 statistics of one metric; all zero when there are no values.
struct Stats {
  double min = 0, max = 0, mean = 0, stddev = 0, sum = 0;
  double p25 = 0, p50 = 0, p75 = 0, p90 = 0, p95 = 0, p99 = 0;
  size_t count = 0;
};
// Linear interpolation between closest ranks: rank q/100·(n−1) of the sorted values.
double Percentile(std::span<const double> sorted, double q);
// Population standard deviation; percentiles as above.
Stats ComputeStats(std::vector<double> values);
Json StatsToJson(const Stats& stats);

// Goodput thresholds in seconds (SPEC §3); absent ones do not constrain.
struct GoodputThresholds {
  std::optional<double> ttft;
  std::optional<double> tpot;
  std::optional<double> e2e;
};
bool MeetsThresholds(const RequestRecord& record, const GoodputThresholds& thresholds);

// How a run was driven.
struct RunLoad {
  std::string scenario;
  int64_t num_concurrency = 1;  // closed loop: the concurrency; open loop: the in-flight cap
  double request_rate = 0;      // open loop arrivals per second; 0 = closed loop
  int64_t batch_size = 1;
};

// One (scenario × load) run, SPEC §3 `raw_results[i]`.
struct RunMetrics {
  RunLoad load;
  std::string iteration_type;  // "num_concurrency" (closed loop) or "request_rate" (open loop)
  double run_duration = 0;     // first send → last response among counted requests
  double mean_output_throughput_tokens_per_s = 0;
  double mean_input_throughput_tokens_per_s = 0;
  double mean_total_tokens_throughput_tokens_per_s = 0;
  double requests_per_second = 0;
  double error_rate = 0;
  std::map<std::string, int64_t> error_codes_frequency;
  int64_t num_error_requests = 0;
  int64_t num_completed_requests = 0;
  int64_t num_requests = 0;
  int64_t num_cancelled_requests = 0;  // in flight at the run's deadline: not counted anywhere else
  double goodput = 0;                  // completed requests per second meeting the thresholds
  Stats ttft, tpot, e2e_latency, output_latency, output_inference_speed, num_input_tokens, num_output_tokens,
      total_tokens;
  // Beyond genai-bench: seconds to open each TCP connection of the run (before its clock starts, or when a
  // closed connection is reopened); not part of TTFT or e2e.
  Stats connect_time;
};

// Metrics of one run from its counted requests (warm-up and cancelled requests already left out).
RunMetrics ComputeRunMetrics(const RunLoad& load, std::span<const RequestRecord> requests,
                             const GoodputThresholds& thresholds, int64_t num_cancelled = 0);
// genai-bench field names, stats nested under "stats".
Json RunMetricsToJson(const RunMetrics& metrics);
// The inverse, for runs measured elsewhere (the in-cluster bench Job's summary). Stats::count is not in the
// JSON and stays 0; missing fields keep their defaults, a field of the wrong type is kParse.
Result<RunMetrics> RunMetricsFromJson(const Json& json);

struct RunResult {
  RunMetrics metrics;
  std::vector<RequestRecord> requests;  // counted requests, in send order
  std::vector<EngineSample> engine_samples;
};

// Per-experiment aggregate (SPEC §3): latencies pool every completed request of every run once; throughputs
// are the mean and max of the per-run values; goodput pools good requests over the summed run durations.
Json AggregateRuns(std::span<const RunResult> runs, const GoodputThresholds& thresholds, int num_gpus = 1);

}  // namespace autotuner::bench
