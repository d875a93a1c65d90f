#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "autotuner/bench/metrics.h"
#include "autotuner/bench/traffic.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::bench {

enum class Endpoint { kCompletions, kChat, kEmbeddings };

// Where requests go: `http://host[:port][/prefix]`; "/v1/…" is appended unless the prefix already ends in
// "/v1". Plain HTTP only.
struct Target {
  std::string host;
  std::string port = "80";
  std::string prefix;  // without a trailing '/'
  // The request path for an endpoint, e.g. "/v1/completions".
  std::string PathFor(Endpoint endpoint) const;
};
Result<Target> ParseTarget(std::string_view api_base);

// One (scenario × load) run.
struct RunSpec {
  RunLoad load;                    // request_rate > 0: open loop with load.num_concurrency as in-flight cap
  std::vector<RequestPlan> plans;  // request i uses plans[i % plans.size()]
  bool poisson = true;             // open loop: Poisson arrivals, else evenly spaced
  double max_time_s = 0;           // 0: no time limit
  int64_t max_requests = 0;        // counted requests; must be > 0
  int64_t warmup_requests = 0;     // sent first, at the run's concurrency, and left out of everything
};

struct BenchSpec {
  std::string api_base;
  std::string model;
  Endpoint endpoint = Endpoint::kCompletions;
  bool stream = true;      // embeddings never stream
  bool ignore_eos = true;  // sends ignore_eos and makes a token count ≠ max_tokens an error
  Json additional_params = Json::object();  // merged into every request body
  double request_timeout_s = 600;
  int num_threads = 0;  // io_context threads; 0 = one per core, at most one per stream
  uint64_t seed = 0;    // arrivals
  GoodputThresholds thresholds;
  // Samples the engine's Prometheus /metrics (at the server root) during each measured run; a server without
  // it (non-200 or no connection) is simply not sampled.
  bool scrape_engine_metrics = true;
  double engine_metrics_interval_s = 1.0;
  std::vector<RunSpec> runs;
};

// Live state of the current run, reported about five times a second on the calling thread.
struct Progress {
  size_t run_index = 0;
  size_t num_runs = 0;
  const RunSpec* run = nullptr;
  bool warming_up = false;
  int64_t completed = 0;
  int64_t errors = 0;
  int64_t in_flight = 0;
  int64_t output_tokens = 0;
  double elapsed_s = 0;
};
using ProgressCallback = std::function<void(const Progress&)>;

// Deadline rule (documented for users, docs/bench-metrics.md): at a run's max_time no new request is sent and
// requests still in flight are aborted; they are neither completed nor errors (reported as
// num_cancelled_requests) unless they received nothing for half the run (timeouts: a stalled engine), and
// the run's duration ends at the last counted response. Connections are opened before the clock starts. A
// stop request aborts the same way and returns the runs finished so far with kCancelled when none finished.
class LoadGenerator {
 public:
  virtual ~LoadGenerator() = default;
  virtual Result<std::vector<RunResult>> Run(const BenchSpec& spec, std::stop_token stop,
                                             const ProgressCallback& progress) = 0;
  // The per-experiment aggregate (SPEC §3) of what Run returned. A generator whose runs carry no request
  // records (the in-cluster bench Job: only its summary comes back) returns the aggregate measured where the
  // requests were, since pooled percentiles cannot be recomputed from per-run statistics.
  virtual Json Aggregate(std::span<const RunResult> runs, const GoodputThresholds& thresholds,
                         int num_gpus) const {
    return AggregateRuns(runs, thresholds, num_gpus);
  }
};

// The streaming client: Asio, C++20 coroutines, one io_context per thread, one connection per in-flight
// stream (opened before the run, kept alive between requests), request bytes rendered before the run
// (client_pool.h).
class HttpLoadGenerator : public LoadGenerator {
 public:
  Result<std::vector<RunResult>> Run(const BenchSpec& spec, std::stop_token stop,
                                     const ProgressCallback& progress) override;
};

// The JSON body of one request (exposed for tests and for the CLI's dry view).
Json RequestBody(const BenchSpec& spec, const RequestPlan& plan);

}  // namespace autotuner::bench
