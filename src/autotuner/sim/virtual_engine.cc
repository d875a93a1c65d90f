#include "autotuner/sim/virtual_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

constexpr double kNever = std::numeric_limits<double>::infinity();

Error Rejected(std::string message, std::string_view kind) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), Json{{"kind", kind}});
}

}  // namespace

struct VirtualEngine::Replica {
  Replica(const ResolvedConfig& config, const MemoryPlan& memory, uint64_t seed)
      : scheduler(config, memory, seed), rng(seed ^ 0x9e3779b97f4a7c15ULL) {}

  Scheduler scheduler;
  std::multimap<double, SimRequest> pending;  // submitted, not yet arrived
  std::mt19937_64 rng;
  double clock = 0;
  bool busy = false;
  bool stalled = false;  // has requests but nothing could be scheduled at `clock`
  double busy_until = 0;
  StepPlan plan;
  int64_t steps = 0;
  double busy_s = 0;
};

VirtualEngine::VirtualEngine(ModelProfile model, ResolvedConfig config, MemoryPlan memory)
    : model_(std::move(model)), config_(std::move(config)), memory_(std::move(memory)) {
  perf_ = std::make_unique<PerfModel>(model_, config_);
  startup_s_ = StartupSeconds(model_, config_, memory_);
  for (int i = 0; i < config_.dp; ++i) {
    replicas_.push_back(std::make_unique<Replica>(config_, memory_, config_.seed + static_cast<uint64_t>(i)));
  }
}

VirtualEngine::VirtualEngine(VirtualEngine&&) noexcept = default;
VirtualEngine& VirtualEngine::operator=(VirtualEngine&&) noexcept = default;
VirtualEngine::~VirtualEngine() = default;

Result<VirtualEngine> VirtualEngine::Create(const EngineConfig& config, const ModelProfile& model) {
  auto resolved = ResolveConfig(config, model);
  if (!resolved) return std::move(resolved).error();
  auto memory = PlanMemory(model, *resolved);
  if (!memory) return std::move(memory).error();
  return VirtualEngine(model, std::move(*resolved), std::move(*memory));
}

size_t VirtualEngine::Route() {
  if (config_.flavor->scheduler.least_loaded_dp) {
    auto load = [](const Replica& r) {
      return r.scheduler.Outstanding() + static_cast<int64_t>(r.pending.size());
    };
    size_t chosen = 0;
    for (size_t i = 1; i < replicas_.size(); ++i) {
      if (load(*replicas_[i]) < load(*replicas_[chosen])) chosen = i;
    }
    return chosen;
  }
  const size_t chosen = next_replica_;
  next_replica_ = (next_replica_ + 1) % replicas_.size();
  return chosen;
}

Status VirtualEngine::Submit(SimRequest request) {
  const int64_t input = request.input_tokens;
  const int64_t output = request.output_tokens;
  if (input < 1 || output < 1) {
    return Rejected("input and output token counts must be at least 1", "invalid_value");
  }
  if (request.arrival_s < now_) {
    return Rejected(fmt::format("request {} arrives at {} s, before the engine's clock {} s", request.id,
                                request.arrival_s, now_),
                    "arrival_in_past");
  }
  if (replica_of_.contains(request.id)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     fmt::format("request id {} is already in flight", request.id));
  }
  if (input + output > memory_.context_length) {
    return Rejected(config_.flavor->context_exceeded(memory_.context_length, input, output),
                    "context_length_exceeded");
  }
  if (input + output - 1 > memory_.kv_tokens) {
    return Rejected(
        fmt::format("The request needs {} KV cache tokens but the pool holds only {} (max_total_num_tokens)",
                    input + output - 1, memory_.kv_tokens),
        "exceeds_kv_pool");
  }
  if (config_.flavor->scheduler.refuses_prompt_over_budget && !config_.chunked_prefill &&
      input > config_.max_batched_tokens) {
    return Rejected(
        fmt::format("The number of context tokens ({}) exceeds the limit value max_num_tokens ({}); "
                    "enable chunked prefill or raise max_num_tokens",
                    input, config_.max_batched_tokens),
        "exceeds_max_num_tokens");
  }
  const size_t index = Route();
  replica_of_[request.id] = index;
  const double arrival = request.arrival_s;
  replicas_[index]->pending.emplace(arrival, std::move(request));
  return {};
}

bool VirtualEngine::Abort(uint64_t id, std::vector<Event>& events) {
  const auto it = replica_of_.find(id);
  if (it == replica_of_.end()) return false;
  Replica& replica = *replicas_[it->second];
  replica_of_.erase(it);
  for (auto p = replica.pending.begin(); p != replica.pending.end(); ++p) {
    if (p->second.id != id) continue;
    replica.pending.erase(p);
    events.push_back({EventKind::kAborted, id, now_, 0, 0});
    return true;
  }
  replica.stalled = false;  // freed memory may let waiting requests in
  return replica.scheduler.Abort(id, now_, events);
}

double VirtualEngine::EventTime(const Replica& replica) const {
  if (replica.busy) return replica.busy_until;
  if (replica.scheduler.HasWork() && !replica.stalled) return std::max(replica.clock, now_);
  if (replica.pending.empty()) return kNever;
  return std::max(replica.clock, replica.pending.begin()->first);
}

std::optional<double> VirtualEngine::NextEventTime() const {
  double next = kNever;
  for (const auto& replica : replicas_) next = std::min(next, EventTime(*replica));
  if (next == kNever) return std::nullopt;
  return next;
}

void VirtualEngine::AdvanceTo(double time, std::vector<Event>& events) {
  while (true) {
    Replica* replica = nullptr;
    double at = kNever;
    for (const auto& r : replicas_) {
      const double t = EventTime(*r);
      if (t < at) {
        at = t;
        replica = r.get();
      }
    }
    if (replica == nullptr || at > time) break;
    replica->clock = at;
    if (replica->busy && replica->busy_until <= at) {
      const size_t first = events.size();
      replica->scheduler.Complete(replica->plan, replica->busy_until, events);
      for (size_t i = first; i < events.size(); ++i) {
        if (events[i].kind == EventKind::kFinished) replica_of_.erase(events[i].request_id);
      }
      replica->busy = false;
      replica->stalled = false;
    }
    while (!replica->pending.empty() && replica->pending.begin()->first <= at) {
      replica->scheduler.Enqueue(std::move(replica->pending.begin()->second));
      replica->pending.erase(replica->pending.begin());
      replica->stalled = false;
    }
    if (replica->busy) continue;
    StepPlan plan = replica->scheduler.Schedule(at, events);
    if (plan.empty()) {
      replica->stalled = replica->scheduler.HasWork();
      continue;
    }
    double duration = perf_->Step(plan.work).seconds;
    if (config_.noise > 0) {
      std::normal_distribution<double> normal(0.0, config_.noise);
      const double factor = std::exp(normal(replica->rng) - config_.noise * config_.noise / 2);
      duration *= std::clamp(factor, 0.5, 2.0);
    }
    replica->plan = std::move(plan);
    replica->busy = true;
    replica->busy_until = at + duration;
    ++replica->steps;
    replica->busy_s += duration;
  }
  now_ = std::max(now_, time);
}

EngineStats VirtualEngine::Stats() const {
  EngineStats s;
  s.now_s = now_;
  for (const auto& replica : replicas_) {
    const SchedulerStats r = replica->scheduler.Stats();
    s.running += r.running;
    s.waiting += r.waiting;
    s.kv_capacity_tokens += r.kv_capacity_tokens;
    s.kv_used_tokens += r.kv_used_tokens;
    s.kv_cached_tokens += r.kv_cached_tokens;
    s.prompt_tokens += r.prompt_tokens;
    s.cached_prompt_tokens += r.cached_prompt_tokens;
    s.request_prompt_tokens += r.request_prompt_tokens;
    s.request_cached_tokens += r.request_cached_tokens;
    s.generation_tokens += r.generation_tokens;
    s.preemptions += r.preemptions;
    s.finished += r.finished;
    s.max_running = std::max(s.max_running, r.max_running);
    s.steps += replica->steps;
    s.busy_s += replica->busy_s;
  }
  s.kv_usage = s.kv_capacity_tokens > 0 ? static_cast<double>(s.kv_used_tokens) / s.kv_capacity_tokens : 0;
  return s;
}

}  // namespace autotuner::sim
