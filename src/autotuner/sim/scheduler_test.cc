#include "autotuner/sim/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

namespace autotuner::sim {
namespace {

struct Harness {
  Harness(EngineConfig config, int64_t kv_tokens, int max_running = 64) {
    const ModelProfile model = *FindModelProfile("Llama-3.1-8B");
    resolved = *ResolveConfig(config, model);
    memory.kv_tokens = kv_tokens;
    memory.max_running_requests = max_running;
    scheduler = std::make_unique<Scheduler>(resolved, memory, 1);
  }

  void Add(uint64_t id, int64_t input, int64_t output, uint64_t prefix_key = 0, int64_t prefix = 0) {
    SimRequest r;
    r.id = id;
    r.input_tokens = input;
    r.output_tokens = output;
    r.prefix_key = prefix_key;
    r.prefix_tokens = prefix;
    scheduler->Enqueue(r);
  }

  // One step at time `now`, completing one time unit later.
  StepPlan Step() {
    StepPlan plan = scheduler->Schedule(now, events);
    if (!plan.empty()) {
      steps.push_back(plan);
      scheduler->Complete(plan, now + 1, events);
    }
    now += 1;
    return plan;
  }

  int Drain(int limit = 100000) {
    int n = 0;
    while (scheduler->HasWork() && n < limit) {
      Step();
      ++n;
    }
    return n;
  }

  int64_t Count(EventKind kind, uint64_t id = 0) const {
    return std::count_if(events.begin(), events.end(),
                         [&](const Event& e) { return e.kind == kind && (id == 0 || e.request_id == id); });
  }

  ResolvedConfig resolved;
  MemoryPlan memory;
  std::unique_ptr<Scheduler> scheduler;
  std::vector<Event> events;
  std::vector<StepPlan> steps;
  double now = 0;
};

EngineConfig Vllm(int budget = 8192) {
  EngineConfig c;
  c.flavor = FlavorNamed("vllm");
  c.max_batched_tokens = budget;
  return c;
}

TEST(SimSchedulerTest, ChunkedPrefillSplitsLongPromptsAtTheBudget) {
  Harness h(Vllm(512), 100000);
  h.Add(1, 2000, 3);
  h.Drain();
  ASSERT_GE(h.steps.size(), 6u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(h.steps[static_cast<size_t>(i)].entries.size(), 1u);
    EXPECT_TRUE(h.steps[static_cast<size_t>(i)].entries[0].prefill);
    EXPECT_EQ(h.steps[static_cast<size_t>(i)].entries[0].new_tokens, i < 3 ? 512 : 2000 - 3 * 512);
  }
  // The first token comes with the last chunk, then one token per decode step.
  EXPECT_EQ(h.events[1].kind, EventKind::kToken);
  EXPECT_DOUBLE_EQ(h.events[1].time_s, 4);
  EXPECT_EQ(h.Count(EventKind::kToken, 1), 3);
  EXPECT_EQ(h.Count(EventKind::kFinished, 1), 1);
  EXPECT_EQ(h.scheduler->Stats().kv_used_tokens, 0);
  EXPECT_EQ(h.scheduler->Stats().prompt_tokens, 2000);
}

TEST(SimSchedulerTest, WithoutChunkingAPromptThatDoesNotFitBesideDecodesGetsItsOwnStep) {
  // TensorRT-LLM with max_num_tokens 2048 and 2048-token prompts (P5): each prompt runs alone, the decodes
  // wait that step, and the batch still grows instead of collapsing to one request.
  EngineConfig c;
  c.flavor = FlavorNamed("trtllm");
  c.max_batched_tokens = 2048;
  Harness h(c, 1000000, 512);
  for (uint64_t id = 1; id <= 16; ++id) h.Add(id, 2048, 64);
  for (int i = 0; i < 16; ++i) {
    const StepPlan plan = h.Step();
    ASSERT_EQ(plan.entries.size(), 1u) << i;
    EXPECT_TRUE(plan.entries[0].prefill);
    EXPECT_EQ(plan.entries[0].new_tokens, 2048);
  }
  const StepPlan decodes = h.Step();
  EXPECT_EQ(decodes.work.decode_seqs, 16);
  EXPECT_EQ(h.scheduler->Stats().max_running, 16);
  // A prompt that fits beside the decodes shares their step.
  h.Add(17, 1000, 4);
  const StepPlan mixed = h.Step();
  EXPECT_EQ(mixed.work.decode_seqs, 16);
  EXPECT_EQ(mixed.work.prefill_tokens, 1000);
}

TEST(SimSchedulerTest, RunningRequestsAreServedBeforeNewOnes) {
  Harness h(Vllm(256), 100000);
  h.Add(1, 100, 50);
  h.Step();  // request 1's prompt
  h.Add(2, 1000, 5);
  const StepPlan plan = h.Step();
  ASSERT_EQ(plan.entries.size(), 2u);
  EXPECT_EQ(plan.entries[0].request->spec.id, 1u);
  EXPECT_FALSE(plan.entries[0].prefill);
  EXPECT_EQ(plan.entries[1].new_tokens, 255);  // the rest of the budget
  EXPECT_EQ(plan.work.decode_seqs, 1);
  EXPECT_EQ(plan.work.prefill_tokens, 255);
}

TEST(SimSchedulerTest, RunningCapHoldsRequestsInTheQueue) {
  Harness h(Vllm(), 100000, 2);
  for (uint64_t id = 1; id <= 5; ++id) h.Add(id, 50, 10);
  h.Step();
  EXPECT_EQ(h.scheduler->Stats().running, 2);
  EXPECT_EQ(h.scheduler->Stats().waiting, 3);
  h.Drain();
  EXPECT_EQ(h.scheduler->Stats().finished, 5);
  EXPECT_EQ(h.scheduler->Stats().max_running, 2);
}

TEST(SimSchedulerTest, VllmPreemptsTheNewestWhenThePoolRunsOut) {
  Harness h(Vllm(), 512);
  for (uint64_t id = 1; id <= 3; ++id) h.Add(id, 100, 200);
  h.Drain();
  EXPECT_GT(h.Count(EventKind::kPreempted), 0);
  EXPECT_EQ(h.Count(EventKind::kPreempted, 1), 0);  // the oldest keeps running
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_EQ(h.Count(EventKind::kToken, id), 200) << id;  // a recompute does not repeat streamed tokens
    EXPECT_EQ(h.Count(EventKind::kFinished, id), 1) << id;
  }
  const SchedulerStats stats = h.scheduler->Stats();
  EXPECT_GT(stats.prompt_tokens, 300);  // recomputation
  EXPECT_EQ(stats.kv_used_tokens, 0);
}

TEST(SimSchedulerTest, GuaranteedNoEvictReservesWholeSequences) {
  EngineConfig trt;
  trt.flavor = FlavorNamed("trtllm");
  Harness h(trt, 512);
  for (uint64_t id = 1; id <= 3; ++id) h.Add(id, 100, 200);
  h.Drain();
  EXPECT_EQ(h.Count(EventKind::kPreempted), 0);
  EXPECT_EQ(h.scheduler->Stats().max_running, 1);  // 299 tokens reserved each, 512 in the pool
  EXPECT_EQ(h.scheduler->Stats().finished, 3);
}

TEST(SimSchedulerTest, SglangRunsPrefillBatchesWithoutDecodesUnlessMixed) {
  for (bool mixed : {false, true}) {
    EngineConfig sglang;
    sglang.flavor = FlavorNamed("sglang");
    sglang.enable_mixed_chunk = mixed;
    Harness h(sglang, 100000);
    h.Add(1, 100, 50);
    h.Step();
    h.Step();  // decoding
    h.Add(2, 100, 50);
    const StepPlan plan = h.Step();
    EXPECT_EQ(plan.work.prefill_seqs, 1);
    EXPECT_EQ(plan.work.decode_seqs, mixed ? 1 : 0) << mixed;
  }
}

TEST(SimSchedulerTest, SglangFillsTheLastChunkWithNewRequests) {
  EngineConfig sglang;
  sglang.flavor = FlavorNamed("sglang");
  sglang.chunked_prefill_size = 512;
  Harness h(sglang, 100000);
  h.Add(1, 600, 4);
  h.Add(2, 100, 4);
  h.Add(3, 1000, 4);
  const StepPlan first = h.Step();
  ASSERT_EQ(first.entries.size(), 1u);  // request 1 is chunked; nothing else joins
  EXPECT_EQ(first.entries[0].new_tokens, 512);
  const StepPlan second = h.Step();
  ASSERT_EQ(second.entries.size(), 3u);  // its last 88 tokens, all of request 2, a first chunk of request 3
  EXPECT_EQ(second.entries[0].new_tokens, 88);
  EXPECT_EQ(second.entries[1].new_tokens, 100);
  EXPECT_EQ(second.entries[2].new_tokens, 512 - 88 - 100);
  EXPECT_EQ(second.work.sampled, 2);  // requests 1 and 2 finish their prompts
}

TEST(SimSchedulerTest, SglangRetractsWhenDecodeRunsOutOfMemory) {
  EngineConfig sglang;
  sglang.flavor = FlavorNamed("sglang");
  Harness h(sglang, 600);
  for (uint64_t id = 1; id <= 4; ++id) h.Add(id, 100, 300);
  h.Drain();
  EXPECT_GT(h.Count(EventKind::kPreempted), 0);
  EXPECT_EQ(h.scheduler->Stats().finished, 4);
  EXPECT_EQ(h.scheduler->Stats().kv_used_tokens, 0);
}

TEST(SimSchedulerTest, PrefixHitsSkipCachedTokens) {
  Harness h(Vllm(), 100000);
  h.Add(1, 1000, 2, 42, 800);
  h.Drain();
  h.Add(2, 1000, 2, 42, 800);
  const StepPlan plan = h.Step();
  ASSERT_EQ(plan.entries.size(), 1u);
  EXPECT_EQ(plan.entries[0].new_tokens, 1000 - 800);
  EXPECT_EQ(plan.work.prefill_kv_reads, 800);
  h.Drain();
  EXPECT_EQ(h.events.back().cached_tokens, 800);
  EXPECT_EQ(h.scheduler->Stats().cached_prompt_tokens, 800);
  EXPECT_EQ(h.scheduler->Stats().kv_cached_tokens, 800);  // still cached, evictable
  EXPECT_EQ(h.scheduler->Stats().kv_used_tokens, 0);
}

TEST(SimSchedulerTest, AbortFreesTheRequest) {
  Harness h(Vllm(), 100000);
  h.Add(1, 100, 100);
  h.Add(2, 100, 100);
  h.Step();
  EXPECT_TRUE(h.scheduler->Abort(2, h.now, h.events));
  EXPECT_FALSE(h.scheduler->Abort(2, h.now, h.events));
  EXPECT_FALSE(h.scheduler->Abort(99, h.now, h.events));
  h.Drain();
  EXPECT_EQ(h.Count(EventKind::kAborted, 2), 1);
  EXPECT_EQ(h.Count(EventKind::kFinished, 2), 0);
  EXPECT_EQ(h.Count(EventKind::kFinished, 1), 1);
  EXPECT_EQ(h.scheduler->Stats().kv_used_tokens, 0);
}

TEST(SimSchedulerTest, PriorityPolicyOrdersTheQueue) {
  for (Flavor flavor : {FlavorNamed("vllm"), FlavorNamed("sglang")}) {
    EngineConfig config;
    config.flavor = flavor;
    config.schedule_policy = SchedulePolicy::kPriority;
    Harness h(config, 100000, 1);
    for (uint64_t id = 1; id <= 3; ++id) {
      SimRequest r;
      r.id = id;
      r.input_tokens = 10;
      r.output_tokens = 2;
      r.priority = static_cast<int>(id);
      h.scheduler->Enqueue(r);
    }
    h.Drain();
    std::vector<uint64_t> order;
    for (const Event& e : h.events) {
      if (e.kind == EventKind::kScheduled) order.push_back(e.request_id);
    }
    // vLLM serves low values first, SGLang high values first.
    const std::vector<uint64_t> expected =
        flavor == FlavorNamed("vllm") ? std::vector<uint64_t>{1, 2, 3} : std::vector<uint64_t>{3, 2, 1};
    EXPECT_EQ(order, expected) << FlavorName(flavor);
  }
}

}  // namespace
}  // namespace autotuner::sim
