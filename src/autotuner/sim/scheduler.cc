#include "autotuner/sim/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

constexpr int64_t kClipMaxNewTokens = 4096;      // SGLang caps each request's output estimate
constexpr int64_t kRetractDecodeSteps = 20;      // SGLang's headroom after a retraction
constexpr size_t kPrefixPolicyQueueLimit = 128;  // SGLang falls back to fcfs above this many waiting
constexpr int kRatioDecaySteps = 600;

int64_t RoundUp(int64_t value, int64_t page) { return (value + page - 1) / page * page; }

}  // namespace

Scheduler::Scheduler(const ResolvedConfig& config, const MemoryPlan& memory, uint64_t seed)
    : config_(config), max_running_(memory.max_running_requests), capacity_(memory.kv_tokens), rng_(seed) {
  new_token_ratio_ = std::min(0.7 * config.schedule_conservativeness, 1.0);
  min_new_token_ratio_ = std::min(0.1 * config.schedule_conservativeness, new_token_ratio_);
  ratio_decay_ = (new_token_ratio_ - min_new_token_ratio_) / kRatioDecaySteps;
  stats_.kv_capacity_tokens = capacity_;
}

void Scheduler::Enqueue(SimRequest request) {
  auto r = std::make_unique<RequestState>();
  if (config_.prefix_cache) {
    r->hashes =
        PromptBlockHashes(request.prompt_token_ids, request.prefix_key,
                          std::min(request.prefix_tokens, request.input_tokens), config_.cache_block_tokens);
  }
  request.prompt_token_ids = {};
  r->prompt_len = request.input_tokens;
  r->spec = std::move(request);
  RequestState* raw = r.get();
  requests_[raw->spec.id] = std::move(r);
  waiting_.push_back(raw);
}

int64_t Scheduler::FreeTokens() const {
  return capacity_ - private_used_ - cache_.Blocks() * config_.cache_block_tokens;
}

int64_t Scheduler::AvailableTokens() const {
  return FreeTokens() + cache_.EvictableBlocks() * config_.cache_block_tokens;
}

bool Scheduler::Resize(RequestState& r, int64_t tokens) {
  const int64_t target = RoundUp(std::max<int64_t>(0, tokens), config_.page_size);
  const int64_t delta = target - r.allocated;
  if (delta > FreeTokens()) {
    if (delta > AvailableTokens()) return false;  // evicting would not be enough: keep the cache
    const int64_t block = config_.cache_block_tokens;
    cache_.Evict((delta - FreeTokens() + block - 1) / block);
  }
  private_used_ += delta;
  r.allocated = target;
  return true;
}

int64_t Scheduler::PrivateTarget(const RequestState& r, int64_t extra) const {
  // GUARANTEED_NO_EVICT holds the whole sequence (prompt + every output token but the last) from admission
  // on.
  if (config_.admission == AdmissionPolicy::kReserveFull) {
    return r.spec.input_tokens + r.spec.output_tokens - 1 - r.cache_owned;
  }
  return r.computed + extra - r.cache_owned;
}

int64_t Scheduler::PrefixHit(const RequestState& r) const {
  if (!config_.prefix_cache || r.hashes.empty()) return 0;
  const int64_t block = config_.cache_block_tokens;
  // At least one prompt token is always computed, to produce the logits of the first output token.
  const int64_t tokens = std::min(cache_.Match(r.hashes) * block, r.prompt_len - 1);
  return std::max<int64_t>(0, tokens) / block * block;
}

void Scheduler::Release(RequestState& r, double now) {
  private_used_ -= r.allocated;
  r.allocated = 0;
  cache_.Release(r.pinned, now);
  r.pinned.clear();
  r.cache_owned = 0;
  r.computed = 0;
}

int64_t Scheduler::FutureTokenEstimate(const RequestState& r) const {
  return static_cast<int64_t>(std::ceil(std::min(r.Remaining(), kClipMaxNewTokens) * new_token_ratio_));
}

bool Scheduler::HigherPriority(const RequestState& a, const RequestState& b) const {
  if (a.spec.priority != b.spec.priority) {
    return config_.flavor->scheduler.low_priority_values_first ? a.spec.priority < b.spec.priority
                                                               : a.spec.priority > b.spec.priority;
  }
  return a.spec.arrival_s < b.spec.arrival_s;
}

std::vector<RequestState*> Scheduler::WaitingOrder() {
  SchedulePolicy policy = config_.schedule_policy;
  if ((policy == SchedulePolicy::kLpm || policy == SchedulePolicy::kDfsWeight) &&
      waiting_.size() > kPrefixPolicyQueueLimit) {
    policy = SchedulePolicy::kFcfs;
  }
  if (policy == SchedulePolicy::kFcfs) {
    // Only the head of the queue can be admitted before the first refusal stops admission.
    const size_t room =
        static_cast<size_t>(std::max<int64_t>(0, max_running_ - static_cast<int64_t>(running_.size())));
    const size_t n = std::min(waiting_.size(), room + 1);
    return {waiting_.begin(), waiting_.begin() + static_cast<std::ptrdiff_t>(n)};
  }
  std::vector<RequestState*> order(waiting_.begin(), waiting_.end());
  switch (policy) {
    case SchedulePolicy::kLpm: {
      std::unordered_map<const RequestState*, int64_t> hit;
      for (const RequestState* r : order) hit[r] = PrefixHit(*r);
      std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) { return hit[a] > hit[b]; });
      break;
    }
    case SchedulePolicy::kDfsWeight: {
      // Approximation of SGLang's DFS over the radix tree: the biggest prefix groups go first.
      std::unordered_map<uint64_t, int> group_size;
      auto group = [](const RequestState* r) { return r->hashes.empty() ? r->spec.id : r->hashes.front(); };
      for (const RequestState* r : order) ++group_size[group(r)];
      for (const RequestState* r : running_) ++group_size[group(r)];
      std::stable_sort(order.begin(), order.end(),
                       [&](auto* a, auto* b) { return group_size[group(a)] > group_size[group(b)]; });
      break;
    }
    case SchedulePolicy::kLof:
      std::stable_sort(order.begin(), order.end(),
                       [](auto* a, auto* b) { return a->spec.output_tokens > b->spec.output_tokens; });
      break;
    case SchedulePolicy::kRandom:
      std::shuffle(order.begin(), order.end(), rng_);
      break;
    case SchedulePolicy::kPriority:
      std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) { return HigherPriority(*a, *b); });
      break;
    case SchedulePolicy::kFcfs:
      break;
  }
  return order;
}

void Scheduler::AddEntry(StepPlan& plan, RequestState& r, int64_t tokens) const {
  const bool prefill = r.InPrefill();
  plan.entries.push_back({&r, tokens, prefill});
  r.in_step = true;
  BatchWork& w = plan.work;
  if (prefill) {
    ++w.prefill_seqs;
    w.prefill_tokens += tokens;
    w.prefill_pairs += static_cast<double>(tokens) * (static_cast<double>(r.computed) + (tokens + 1) / 2.0);
    w.prefill_kv_reads += r.computed;
    if (r.computed + tokens >= r.prompt_len) ++w.sampled;
  } else {
    ++w.decode_seqs;
    w.decode_kv_tokens += r.computed + 1;
    ++w.sampled;
  }
}

bool Scheduler::TryAdmit(RequestState& r, int64_t hit, int64_t tokens, double now, StepPlan& plan,
                         std::vector<Event>& events) {
  const int64_t blocks = hit / config_.cache_block_tokens;
  cache_.Acquire(r.hashes, blocks, now);
  r.pinned.assign(r.hashes.begin(), r.hashes.begin() + blocks);
  r.cache_owned = hit;
  r.computed = hit;
  if (!Resize(r, PrivateTarget(r, tokens))) {
    Release(r, now);
    return false;
  }
  if (r.cached_tokens < 0) {
    r.cached_tokens = hit;
    stats_.request_prompt_tokens += r.spec.input_tokens;
    stats_.request_cached_tokens += hit;
    events.push_back({EventKind::kScheduled, r.spec.id, now, r.generated, hit});
  }
  stats_.cached_prompt_tokens += hit;
  r.queued = false;
  ++admitted_in_step_;
  running_.push_back(&r);
  AddEntry(plan, r, tokens);
  return true;
}

RequestState* Scheduler::PickVictim() const {
  if (running_.empty()) return nullptr;
  if (config_.flavor->scheduler.victim == VictimOrder::kFewestOutputTokens) {
    return *std::min_element(running_.begin(), running_.end(), [](auto* a, auto* b) {
      if (a->generated != b->generated) return a->generated < b->generated;
      return a->spec.input_tokens > b->spec.input_tokens;
    });
  }
  if (config_.schedule_policy == SchedulePolicy::kPriority) {
    return *std::max_element(running_.begin(), running_.end(),
                             [&](auto* a, auto* b) { return HigherPriority(*a, *b); });
  }
  return running_.back();  // the newest admitted
}

int64_t Scheduler::Preempt(RequestState* victim, StepPlan& plan, double now, std::vector<Event>& events) {
  int64_t refunded = 0;
  if (victim->in_step) {
    std::erase_if(plan.entries, [&](const StepEntry& e) {
      if (e.request != victim) return false;
      refunded += e.new_tokens;
      return true;
    });
    plan.work = BatchWork{};
    std::vector<StepEntry> entries = std::move(plan.entries);
    plan.entries.clear();
    for (const StepEntry& e : entries) AddEntry(plan, *e.request, e.new_tokens);
    victim->in_step = false;
  }
  Release(*victim, now);
  victim->prompt_len = victim->spec.input_tokens + victim->generated;
  ++victim->preemptions;
  ++stats_.preemptions;
  std::erase(running_, victim);
  victim->queued = true;
  waiting_.push_front(victim);
  events.push_back({EventKind::kPreempted, victim->spec.id, now, victim->generated, victim->cached_tokens});
  return refunded;
}

void Scheduler::CompactWaiting() {
  if (admitted_in_step_ == 0) return;
  while (!waiting_.empty() && !waiting_.front()->queued) {
    waiting_.pop_front();
    --admitted_in_step_;
  }
  if (admitted_in_step_ > 0) std::erase_if(waiting_, [](const RequestState* r) { return !r->queued; });
  admitted_in_step_ = 0;
}

StepPlan Scheduler::Schedule(double now, std::vector<Event>& events) {
  StepPlan plan = config_.admission == AdmissionPolicy::kEstimated ? FormPrefillFirst(now, events)
                                                                   : FormMixed(now, events);
  stats_.max_running = std::max(stats_.max_running, static_cast<int>(running_.size()));
  return plan;
}

StepPlan Scheduler::FormMixed(double now, std::vector<Event>& events) {
  StepPlan plan;
  int64_t budget = config_.max_batched_tokens;
  // Without chunking a whole prompt must fit one step. When the running decodes leave too little of the
  // budget for the next prompt, the prompt gets a step of its own and the decodes wait one step (vLLM V0's
  // prefill-first scheduler, TensorRT-LLM's context phase); otherwise a budget about one prompt long admits
  // nothing until the batch drains, and the engine collapses to batch 1.
  if (!config_.chunked_prefill && PromptNeedsOwnStep()) {
    AdmitWaiting(plan, budget, now, events);
    if (!plan.empty()) return plan;
  }
  bool preempted = false;
  const std::vector<RequestState*> order = running_;
  for (RequestState* r : order) {
    if (r->queued) continue;  // preempted earlier in this loop
    if (budget <= 0) break;
    const int64_t tokens =
        r->InPrefill()
            ? std::min(r->prompt_len - r->computed,
                       config_.chunked_prefill ? std::min<int64_t>(budget, config_.chunk_size) : budget)
            : 1;
    bool fits = Resize(*r, PrivateTarget(*r, tokens));
    while (!fits) {
      RequestState* victim = PickVictim();
      budget += Preempt(victim, plan, now, events);
      preempted = true;
      if (victim == r) break;
      fits = Resize(*r, PrivateTarget(*r, tokens));
    }
    if (!fits) continue;
    AddEntry(plan, *r, tokens);
    budget -= tokens;
  }
  // vLLM admits nothing in a step that had to preempt.
  if (!preempted) AdmitWaiting(plan, budget, now, events);
  return plan;
}

bool Scheduler::PromptNeedsOwnStep() const {
  if (waiting_.empty() || static_cast<int>(running_.size()) >= max_running_) return false;
  const RequestState& next = *waiting_.front();
  const int64_t remaining = next.prompt_len - PrefixHit(next);
  const auto decodes =
      std::count_if(running_.begin(), running_.end(), [](auto* r) { return !r->InPrefill(); });
  return decodes > 0 && remaining + decodes > config_.max_batched_tokens &&
         remaining <= config_.max_batched_tokens;
}

void Scheduler::AdmitWaiting(StepPlan& plan, int64_t budget, double now, std::vector<Event>& events) {
  const bool chunked = config_.chunked_prefill;
  for (RequestState* r : WaitingOrder()) {
    if (static_cast<int>(running_.size()) >= max_running_ || budget <= 0) break;
    const int64_t hit = PrefixHit(*r);
    const int64_t remaining = r->prompt_len - hit;
    if (!chunked && remaining > budget) break;
    const int64_t tokens =
        chunked ? std::min({remaining, budget, static_cast<int64_t>(config_.chunk_size)}) : remaining;
    if (!TryAdmit(*r, hit, tokens, now, plan, events)) break;
    budget -= tokens;
  }
  CompactWaiting();
}

StepPlan Scheduler::FormPrefillFirst(double now, std::vector<Event>& events) {
  StepPlan plan;
  const bool chunk_in_progress =
      std::any_of(running_.begin(), running_.end(), [](const RequestState* r) { return r->InPrefill(); });
  if (!waiting_.empty() || chunk_in_progress) {
    int64_t chunk_budget = config_.chunked_prefill ? config_.chunk_size : std::numeric_limits<int64_t>::max();
    int64_t token_budget = config_.max_batched_tokens;
    int64_t rem_total = AvailableTokens();
    for (const RequestState* r : running_) rem_total -= FutureTokenEstimate(*r);
    // The chunked request in progress continues first.
    for (RequestState* r : running_) {
      if (!r->InPrefill() || chunk_budget <= 0) continue;
      const int64_t tokens = std::min(r->prompt_len - r->computed, chunk_budget);
      if (!Resize(*r, PrivateTarget(*r, tokens))) continue;
      AddEntry(plan, *r, tokens);
      chunk_budget -= tokens;
      token_budget -= tokens;
    }
    // New requests fill what the chunk budget leaves; the first one that does not fit whole becomes the next
    // chunked request and closes the batch.
    bool chunked_one = false;
    for (RequestState* r : WaitingOrder()) {
      if (static_cast<int>(running_.size()) >= max_running_ || chunk_budget <= 0 || token_budget <= 0 ||
          chunked_one) {
        break;
      }
      const int64_t hit = PrefixHit(*r);
      const int64_t extend = r->prompt_len - hit;
      const int64_t estimate = extend + FutureTokenEstimate(*r);
      if (estimate > rem_total) break;
      const int64_t tokens = std::min(extend, chunk_budget);
      if (!TryAdmit(*r, hit, tokens, now, plan, events)) break;
      rem_total -= estimate;
      chunk_budget -= tokens;
      token_budget -= tokens;
      chunked_one = tokens < extend;
    }
    CompactWaiting();
    if (!plan.empty()) {
      if (config_.enable_mixed_chunk) AddDecodes(plan, now, events, false);
      return plan;
    }
  }
  AddDecodes(plan, now, events, true);
  new_token_ratio_ = std::max(min_new_token_ratio_, new_token_ratio_ - ratio_decay_);
  return plan;
}

void Scheduler::AddDecodes(StepPlan& plan, double now, std::vector<Event>& events, bool may_preempt) {
  bool retracted = false;
  const std::vector<RequestState*> order = running_;
  for (RequestState* r : order) {
    if (r->queued || r->InPrefill() || r->in_step) continue;
    bool fits = Resize(*r, PrivateTarget(*r, 1));
    while (!fits && may_preempt) {
      RequestState* victim = PickVictim();
      Preempt(victim, plan, now, events);
      retracted = true;
      if (victim == r) break;
      fits = Resize(*r, PrivateTarget(*r, 1));
    }
    if (fits) AddEntry(plan, *r, 1);
  }
  if (retracted && config_.admission == AdmissionPolicy::kEstimated) {
    // SGLang re-estimates the output still to come from the requests that stayed.
    double decoded = 0;
    double budget = 0;
    for (const RequestState* r : running_) {
      decoded += static_cast<double>(r->generated) + kRetractDecodeSteps;
      budget += static_cast<double>(std::min(r->spec.output_tokens, kClipMaxNewTokens));
    }
    if (budget > 0) new_token_ratio_ = std::clamp(decoded / budget, new_token_ratio_, 1.0);
  }
}

void Scheduler::Complete(const StepPlan& plan, double end, std::vector<Event>& events) {
  const int64_t block = config_.cache_block_tokens;
  bool removed = false;
  for (const StepEntry& e : plan.entries) {
    RequestState& r = *e.request;
    r.in_step = false;
    if (r.aborted) {
      removed = true;
      continue;
    }
    r.computed += e.new_tokens;
    if (e.prefill) {
      stats_.prompt_tokens += e.new_tokens;
      if (r.computed < r.prompt_len) continue;  // more chunks to go
      if (config_.prefix_cache) {
        // The finished prompt's blocks join the cache, pinned by this request until it ends.
        for (size_t i = static_cast<size_t>(r.cache_owned / block); i < r.hashes.size(); ++i) {
          if (!cache_.Insert(r.hashes[i], static_cast<int64_t>(i), end)) continue;
          r.pinned.push_back(r.hashes[i]);
          r.cache_owned += block;
        }
        Resize(r, PrivateTarget(r, 0));
      }
    }
    ++r.generated;
    ++stats_.generation_tokens;
    events.push_back({EventKind::kToken, r.spec.id, end, r.generated, r.cached_tokens});
    if (r.generated >= r.spec.output_tokens) {
      events.push_back({EventKind::kFinished, r.spec.id, end, r.generated, r.cached_tokens});
      ++stats_.finished;
      r.finished = true;
      removed = true;
    }
  }
  if (!removed) return;
  std::erase_if(running_, [&](RequestState* r) {
    if (!r->aborted && !r->finished) return false;
    Release(*r, end);
    requests_.erase(r->spec.id);
    return true;
  });
}

bool Scheduler::Abort(uint64_t id, double now, std::vector<Event>& events) {
  const auto it = requests_.find(id);
  if (it == requests_.end() || it->second->aborted || it->second->finished) return false;
  RequestState* r = it->second.get();
  events.push_back({EventKind::kAborted, id, now, r->generated, std::max<int64_t>(0, r->cached_tokens)});
  r->aborted = true;
  if (r->in_step) return true;  // the step in flight finishes first; Complete drops it
  Release(*r, now);
  if (r->queued) {
    std::erase(waiting_, r);
  } else {
    std::erase(running_, r);
  }
  requests_.erase(it);
  return true;
}

SchedulerStats Scheduler::Stats() const {
  SchedulerStats s = stats_;
  s.running = static_cast<int>(running_.size());
  s.waiting = static_cast<int>(waiting_.size());
  const int64_t block = config_.cache_block_tokens;
  s.kv_cached_tokens = cache_.Blocks() * block;
  s.kv_used_tokens = private_used_ + (cache_.Blocks() - cache_.EvictableBlocks()) * block;
  return s;
}

}  // namespace autotuner::sim
