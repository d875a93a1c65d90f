#pragma once

// A simulated engine in virtual time: `dp` replicas, each a scheduler plus the performance model, advanced as
// a discrete-event simulation. Nothing sleeps and nothing runs on threads: the caller submits requests at
// virtual arrival times and advances the clock; every step's tokens come out as events stamped with virtual
// times, which the HTTP server replays in real time and the workload helpers turn into metrics.
//
// Protocol: Submit(request) with request.arrival_s ≥ now() (a later arrival is held until its time); then
// AdvanceTo(t) runs every step that starts at or before t and completes every step that ends at or before t.
// A step's batch is fixed when it starts, so a request arriving mid-step joins the next one. Requests go to
// replicas round-robin (SGLang, TensorRT-LLM) or to the least-loaded one (vLLM). With `noise` > 0 each step's
// duration is multiplied by a log-normal factor of mean 1 drawn from the seeded generator; the same seed and
// the same calls give the same events.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/sim/engine_config.h"
#include "autotuner/sim/model_profile.h"
#include "autotuner/sim/perf_model.h"
#include "autotuner/sim/scheduler.h"

namespace autotuner::sim {

struct EngineStats {
  double now_s = 0;
  int running = 0;
  int waiting = 0;                 // queued in the schedulers (arrived, not admitted)
  int64_t kv_capacity_tokens = 0;  // all replicas
  int64_t kv_used_tokens = 0;
  int64_t kv_cached_tokens = 0;
  double kv_usage = 0;  // used / capacity
  int64_t prompt_tokens = 0;
  int64_t cached_prompt_tokens = 0;
  int64_t request_prompt_tokens = 0;  // once per request, cache hits included (SchedulerStats)
  int64_t request_cached_tokens = 0;
  int64_t generation_tokens = 0;
  int64_t preemptions = 0;
  int64_t finished = 0;
  int max_running = 0;  // largest batch of any replica
  int64_t steps = 0;
  double busy_s = 0;  // Σ step durations over replicas
};

class VirtualEngine {
 public:
  // Resolves the configuration and plans memory: too few GPUs, an impossible layout or an out-of-memory
  // start-up fail here with the engine's message (ResolveConfig, PlanMemory).
  static Result<VirtualEngine> Create(const EngineConfig& config, const ModelProfile& model);

  VirtualEngine(VirtualEngine&&) noexcept;
  VirtualEngine& operator=(VirtualEngine&&) noexcept;
  ~VirtualEngine();

  const ModelProfile& model() const { return model_; }
  const ResolvedConfig& config() const { return config_; }
  const MemoryPlan& memory() const { return memory_; }
  const PerfModel& perf() const { return *perf_; }
  double startup_seconds() const { return startup_s_; }
  double now() const { return now_; }

  // Queues a request. kInvalidArgument (details.kind) when it can never run: longer than the context
  // ("context_length_exceeded"), than the KV pool ("exceeds_kv_pool"), than TensorRT-LLM's max_num_tokens
  // without chunked prefill ("exceeds_max_num_tokens"), or when it arrives before now(); kAlreadyExists for a
  // duplicate id.
  Status Submit(SimRequest request);
  // Drops a request at now(); false when unknown or finished.
  bool Abort(uint64_t id, std::vector<Event>& events);
  // When the next step starts or ends, or the next held arrival is due; nothing when idle.
  std::optional<double> NextEventTime() const;
  void AdvanceTo(double time, std::vector<Event>& events);
  EngineStats Stats() const;

 private:
  struct Replica;
  VirtualEngine(ModelProfile model, ResolvedConfig config, MemoryPlan memory);
  double EventTime(const Replica& replica) const;
  size_t Route();  // the replica a new request goes to

  ModelProfile model_;
  ResolvedConfig config_;
  MemoryPlan memory_;
  std::unique_ptr<PerfModel> perf_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::map<uint64_t, size_t> replica_of_;  // live request → replica
  double startup_s_ = 0;
  double now_ = 0;
  size_t next_replica_ = 0;
};

}  // namespace autotuner::sim
