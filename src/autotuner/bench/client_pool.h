#pragma once

// The load generator's connection pool and streaming client (internal to the bench area). Kept apart from
// load_generator.cc so that only client_pool.cc compiles Asio.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/metrics.h"

namespace autotuner::bench {

using Clock = std::chrono::steady_clock;

// A request rendered once before the run.
struct PreparedRequest {
  std::string bytes;  // full HTTP/1.1 request
  int64_t input_tokens = 0;
  int64_t max_tokens = 0;
};

// Counters the progress reporter reads while the run goes on.
struct LiveCounters {
  std::atomic<int64_t> completed{0}, errors{0}, in_flight{0}, output_tokens{0};
};

// One phase (warm-up or measured) of one run, shared by all threads.
struct Phase {
  const std::vector<PreparedRequest>* requests = nullptr;
  const std::vector<double>* arrivals = nullptr;  // open loop: send offsets from `start`; null = closed loop
  int64_t total = 0;                              // requests to send
  int64_t workers = 1;                            // concurrent streams (≤ the pool's connections)
  Clock::time_point start;
  Clock::time_point deadline = Clock::time_point::max();
  // A request in flight at the deadline that has received nothing for this long is a timeout (a stalled or
  // silent engine), not a cancelled request.
  Clock::duration stall_window = Clock::duration::max();
  std::atomic<int64_t> next{0};
  LiveCounters counters;
};

struct PhaseOutcome {
  std::vector<RequestRecord> records;  // unsorted
  int64_t cancelled = 0;
  std::vector<double> connect_times;  // seconds, connections opened during the phase
  bool stopped = false;               // the stop token fired
};

// `connections` keep-alive connections spread over `num_threads` io threads (one io_context each). Connect()
// opens them all, TCP only, before a run's clock starts; RunPhase() then drives one stream per connection.
class ClientPool {
 public:
  ClientPool(const Target& target, const BenchSpec& spec, int64_t connections, int64_t num_threads);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // kUnavailable when the host does not resolve. A connection that fails to open is retried by its first
  // request (which then fails as connect_failed). Returns the seconds each successful connect took; `tick`
  // as in RunPhase, and `stop` ends the connecting early.
  Result<std::vector<double>> Connect(std::stop_token stop, const std::function<void()>& tick);

  // Runs `phase` to its end; `tick` is called on this thread about five times a second. With
  // `scrape_engine`, the engine's /metrics is sampled every `scrape_interval_s` into `samples`.
  PhaseOutcome RunPhase(Phase& phase, std::stop_token stop, const std::function<void()>& tick,
                        std::vector<EngineSample>* samples);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotuner::bench
