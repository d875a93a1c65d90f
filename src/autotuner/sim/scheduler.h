#pragma once

// Continuous batching of one engine replica in virtual time: which requests run in the next forward step,
// with how many tokens each, under the engine's caps (running requests, token budget per step, chunk size)
// and its KV pool (paged allocation, prefix-cache hits, preemption when the pool runs out).
//
// Two batch shapes, as the engines build them:
//   mixed (vLLM, TensorRT-LLM): every step serves the running requests first (one token per decoding request,
//     the next chunk of a prompt being prefilled), then admits waiting requests while the token budget, the
//     running cap and the pool allow; vLLM preempts the newest running request (recompute) when the pool runs
//     out, TensorRT-LLM's GUARANTEED_NO_EVICT reserves a request's whole KV at admission and never preempts.
//   prefill-first (SGLang): a step admits waiting requests into a prefill batch (at most one of them chunked,
//     --max-prefill-tokens in total) whenever one fits the pool estimate — prompt plus new_token_ratio ×
//     future output, the ratio decaying from 0.7 to 0.1 and rising after a retraction — and the running
//     requests decode only in steps without prefill (with --enable-mixed-chunk they ride along).
// Waiting-queue order follows the schedule policy: fcfs; lpm (longest cached prefix first; fcfs above 128
// waiting, as SGLang does); dfs-weight (approximated: prefix groups with most requests first); lof (longest
// output first); random (seeded shuffle); priority (vLLM: lower value first; SGLang: higher value first). A
// preempted request keeps the tokens it already streamed and recomputes prompt + output so far on
// re-admission.

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <unordered_map>
#include <vector>

#include "autotuner/sim/engine_config.h"
#include "autotuner/sim/perf_model.h"
#include "autotuner/sim/prefix_cache.h"

namespace autotuner::sim {

// One request as a client sends it.
struct SimRequest {
  uint64_t id = 0;
  double arrival_s = 0;
  int64_t input_tokens = 1;
  int64_t output_tokens = 1;  // tokens to generate (max_tokens with ignore_eos)
  int priority = 0;
  // Requests with the same non-zero key share their first `prefix_tokens` prompt tokens (a system prompt, a
  // document); ignored when `prompt_token_ids` is given, which then decides sharing token by token.
  uint64_t prefix_key = 0;
  int64_t prefix_tokens = 0;
  std::vector<int32_t> prompt_token_ids;
};

enum class EventKind {
  kScheduled,  // first admitted into a batch (end of queueing)
  kToken,      // one output token produced; `output_tokens` counts them (1 = the first token)
  kFinished,   // all output tokens produced (same time as the last kToken)
  kPreempted,  // evicted from the batch; it will recompute and continue
  kAborted,    // dropped at the client's request
};

struct Event {
  EventKind kind = EventKind::kToken;
  uint64_t request_id = 0;
  double time_s = 0;
  int64_t output_tokens = 0;  // generated so far
  int64_t cached_tokens = 0;  // prompt tokens served from the prefix cache (first admission)
};

// A request inside the scheduler.
struct RequestState {
  SimRequest spec;               // prompt_token_ids cleared once hashed
  std::vector<uint64_t> hashes;  // shareable prompt blocks
  int64_t prompt_len = 0;        // tokens to prefill: input + output produced before a preemption
  int64_t computed = 0;          // tokens whose KV is in the pool
  int64_t generated = 0;
  int64_t cache_owned = 0;  // of `computed`, tokens in pinned prefix-cache blocks
  int64_t allocated = 0;    // private pool tokens held, page-rounded
  std::vector<uint64_t> pinned;
  int64_t cached_tokens = -1;  // prefix hit at the first admission (-1 until admitted)
  int preemptions = 0;
  bool aborted = false;
  bool finished = false;
  bool queued = true;    // in the waiting queue (false once admitted)
  bool in_step = false;  // part of the step being formed or in flight

  bool InPrefill() const { return computed < prompt_len; }
  int64_t Remaining() const { return spec.output_tokens - generated; }
};

struct StepEntry {
  RequestState* request = nullptr;
  int64_t new_tokens = 0;
  bool prefill = false;
};

struct StepPlan {
  BatchWork work;
  std::vector<StepEntry> entries;
  bool empty() const { return entries.empty(); }
};

struct SchedulerStats {
  int running = 0;
  int waiting = 0;
  int64_t kv_capacity_tokens = 0;
  int64_t kv_used_tokens = 0;    // held by requests (private + pinned cache blocks)
  int64_t kv_cached_tokens = 0;  // in the prefix cache, pinned or not
  int64_t prompt_tokens = 0;     // prompt tokens computed (recomputation included)
  int64_t cached_prompt_tokens = 0;
  // Counted once per request at its first admission, as the engines' prompt-token counters count them
  // (vllm:prompt_tokens_total includes prefix-cache hits and not recomputation after a preemption).
  int64_t request_prompt_tokens = 0;
  int64_t request_cached_tokens = 0;
  int64_t generation_tokens = 0;
  int64_t preemptions = 0;
  int64_t finished = 0;
  int max_running = 0;  // largest batch seen
};

class Scheduler {
 public:
  Scheduler(const ResolvedConfig& config, const MemoryPlan& memory, uint64_t seed);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // The request has arrived; the caller validated its lengths.
  void Enqueue(SimRequest request);
  // Forms the next step at `now` (emits kScheduled / kPreempted); empty when there is nothing to run.
  StepPlan Schedule(double now, std::vector<Event>& events);
  // Applies a step that ended at `end` (emits kToken / kFinished).
  void Complete(const StepPlan& plan, double end, std::vector<Event>& events);
  // Drops a request; false when unknown or already finished.
  bool Abort(uint64_t id, double now, std::vector<Event>& events);

  bool HasWork() const { return !requests_.empty(); }
  int64_t Outstanding() const { return static_cast<int64_t>(requests_.size()); }
  SchedulerStats Stats() const;

 private:
  StepPlan FormMixed(double now, std::vector<Event>& events);
  StepPlan FormPrefillFirst(double now, std::vector<Event>& events);
  // Mixed batches without chunking: the next waiting prompt does not fit beside the running decodes.
  bool PromptNeedsOwnStep() const;
  // Admits waiting requests in order while the running cap, the token budget and the pool allow.
  void AdmitWaiting(StepPlan& plan, int64_t budget, double now, std::vector<Event>& events);
  // Adds one decode token for every running request past its prompt; with `may_preempt`, makes room by
  // retracting requests (SGLang's decode batch), otherwise skips requests that do not fit.
  void AddDecodes(StepPlan& plan, double now, std::vector<Event>& events, bool may_preempt);
  std::vector<RequestState*> WaitingOrder();
  // Admits `r` with `tokens` of its prompt (after a prefix hit of `hit` tokens) into `plan`.
  bool TryAdmit(RequestState& r, int64_t hit, int64_t tokens, double now, StepPlan& plan,
                std::vector<Event>& events);
  int64_t PrefixHit(const RequestState& r) const;
  int64_t FreeTokens() const;
  int64_t AvailableTokens() const;
  // Grows or shrinks a request's private allocation to `tokens` (page-rounded); false when the pool cannot.
  bool Resize(RequestState& r, int64_t tokens);
  int64_t PrivateTarget(const RequestState& r, int64_t extra) const;
  void Release(RequestState& r, double now);
  RequestState* PickVictim() const;
  // Returns the tokens the victim had in the plan (now refunded to the step's budget).
  int64_t Preempt(RequestState* victim, StepPlan& plan, double now, std::vector<Event>& events);
  void CompactWaiting();
  void AddEntry(StepPlan& plan, RequestState& r, int64_t tokens) const;
  int64_t FutureTokenEstimate(const RequestState& r) const;
  bool HigherPriority(const RequestState& a, const RequestState& b) const;

  ResolvedConfig config_;
  int max_running_ = 0;
  int64_t capacity_ = 0;
  int64_t private_used_ = 0;
  PrefixCache cache_;
  std::unordered_map<uint64_t, std::unique_ptr<RequestState>> requests_;  // owns every live request
  std::deque<RequestState*> waiting_;
  std::vector<RequestState*> running_;  // admission order
  int64_t admitted_in_step_ = 0;
  std::mt19937_64 rng_;
  double new_token_ratio_ = 0.7;
  double min_new_token_ratio_ = 0.1;
  double ratio_decay_ = 0.001;
  SchedulerStats stats_;
};

}  // namespace autotuner::sim
