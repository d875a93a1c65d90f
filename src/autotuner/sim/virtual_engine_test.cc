#include "autotuner/sim/virtual_engine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace autotuner::sim {
namespace {

using ::testing::HasSubstr;

ModelProfile Llama8b() { return *FindModelProfile("Llama-3.1-8B"); }

VirtualEngine Engine(EngineConfig config = {}, const ModelProfile& model = Llama8b()) {
  auto engine = VirtualEngine::Create(config, model);
  EXPECT_TRUE(engine.ok()) << engine.error().message;
  return std::move(engine).value();
}

SimRequest Request(uint64_t id, double arrival, int64_t input, int64_t output) {
  SimRequest r;
  r.id = id;
  r.arrival_s = arrival;
  r.input_tokens = input;
  r.output_tokens = output;
  return r;
}

std::vector<Event> RunAll(VirtualEngine& engine) {
  std::vector<Event> events;
  while (auto t = engine.NextEventTime()) engine.AdvanceTo(*t, events);
  return events;
}

const Event& Find(const std::vector<Event>& events, uint64_t id, EventKind kind) {
  for (const Event& e : events) {
    if (e.request_id == id && e.kind == kind) return e;
  }
  ADD_FAILURE() << "no event for request " << id;
  static const Event none;
  return none;
}

TEST(SimVirtualEngineTest, StartUpFailuresComeFromCreate) {
  auto oom = VirtualEngine::Create(EngineConfig{}, *FindModelProfile("Llama-3.1-70B"));
  ASSERT_FALSE(oom.ok());
  EXPECT_EQ(oom.error().code, ErrorCode::kResourceExhausted);
  EngineConfig tp2;
  tp2.tp = 2;
  auto gpus = VirtualEngine::Create(tp2, Llama8b());
  ASSERT_FALSE(gpus.ok());
  EXPECT_EQ(gpus.error().details["kind"], "insufficient_gpus");
}

TEST(SimVirtualEngineTest, SubmitRejectsRequestsThatCanNeverRun) {
  EngineConfig vllm;
  vllm.context_length = 4096;
  VirtualEngine engine = Engine(vllm);
  const Status too_long = engine.Submit(Request(1, 0, 4000, 200));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().details["kind"], "context_length_exceeded");
  EXPECT_THAT(too_long.error().message, HasSubstr("maximum context length is 4096 tokens"));
  EXPECT_FALSE(engine.Submit(Request(2, 0, 0, 10)).ok());
  ASSERT_TRUE(engine.Submit(Request(3, 0, 10, 10)).ok());
  EXPECT_EQ(engine.Submit(Request(3, 0, 10, 10)).error().code, ErrorCode::kAlreadyExists);
  std::vector<Event> events;
  engine.AdvanceTo(1.0, events);
  EXPECT_EQ(engine.Submit(Request(4, 0.5, 10, 10)).error().details["kind"], "arrival_in_past");

  EngineConfig small_pool;
  small_pool.flavor = FlavorNamed("sglang");
  small_pool.max_total_tokens = 1000;
  VirtualEngine sglang = Engine(small_pool);
  EXPECT_EQ(sglang.Submit(Request(1, 0, 900, 200)).error().details["kind"], "exceeds_kv_pool");

  EngineConfig trt;
  trt.flavor = FlavorNamed("trtllm");
  trt.max_batched_tokens = 2048;
  VirtualEngine trtllm = Engine(trt);
  EXPECT_EQ(trtllm.Submit(Request(1, 0, 3000, 10)).error().details["kind"], "exceeds_max_num_tokens");
  trt.chunked_prefill = true;
  VirtualEngine chunked = Engine(trt);
  EXPECT_TRUE(chunked.Submit(Request(1, 0, 3000, 10)).ok());
}

TEST(SimVirtualEngineTest, TokensArriveInOrderAndTheEngineGoesIdle) {
  VirtualEngine engine = Engine();
  ASSERT_TRUE(engine.Submit(Request(1, 0, 512, 16)).ok());
  const std::vector<Event> events = RunAll(engine);
  double last = 0;
  int64_t tokens = 0;
  for (const Event& e : events) {
    EXPECT_GE(e.time_s, last);
    last = e.time_s;
    if (e.kind == EventKind::kToken) {
      EXPECT_EQ(e.output_tokens, ++tokens);
    }
  }
  EXPECT_EQ(tokens, 16);
  EXPECT_EQ(events.back().kind, EventKind::kFinished);
  EXPECT_FALSE(engine.NextEventTime().has_value());
  const EngineStats stats = engine.Stats();
  EXPECT_EQ(stats.finished, 1);
  EXPECT_EQ(stats.generation_tokens, 16);
  EXPECT_EQ(stats.kv_used_tokens, 0);
  EXPECT_GT(stats.busy_s, 0);
}

TEST(SimVirtualEngineTest, FutureArrivalsWaitForTheirTime) {
  VirtualEngine engine = Engine();
  ASSERT_TRUE(engine.Submit(Request(1, 5.0, 64, 4)).ok());
  EXPECT_DOUBLE_EQ(*engine.NextEventTime(), 5.0);
  std::vector<Event> events;
  engine.AdvanceTo(4.9, events);
  EXPECT_TRUE(events.empty());
  engine.AdvanceTo(5.0, events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kScheduled);
  EXPECT_DOUBLE_EQ(events[0].time_s, 5.0);
}

TEST(SimVirtualEngineTest, ARequestArrivingMidStepJoinsTheNextStep) {
  VirtualEngine engine = Engine();
  ASSERT_TRUE(engine.Submit(Request(1, 0, 8000, 4)).ok());
  std::vector<Event> events;
  engine.AdvanceTo(0, events);
  const double step_end = *engine.NextEventTime();
  ASSERT_GT(step_end, 0.05);  // an 8000-token prefill takes a while
  engine.AdvanceTo(step_end / 2, events);
  ASSERT_TRUE(engine.Submit(Request(2, step_end / 2, 100, 4)).ok());
  const std::vector<Event> rest = RunAll(engine);
  EXPECT_DOUBLE_EQ(Find(rest, 2, EventKind::kScheduled).time_s, step_end);
}

TEST(SimVirtualEngineTest, NoiseIsSeededAndDeterministic) {
  auto run = [](uint64_t seed, double noise) {
    EngineConfig config;
    config.seed = seed;
    config.noise = noise;
    VirtualEngine engine = Engine(config);
    for (uint64_t id = 1; id <= 4; ++id) EXPECT_TRUE(engine.Submit(Request(id, 0, 256, 32)).ok());
    std::vector<double> times;
    for (const Event& e : RunAll(engine)) times.push_back(e.time_s);
    return times;
  };
  EXPECT_EQ(run(7, 0.1), run(7, 0.1));
  EXPECT_NE(run(7, 0.1), run(8, 0.1));
  EXPECT_EQ(run(7, 0.0), run(8, 0.0));
  EXPECT_NE(run(7, 0.0), run(7, 0.1));
}

TEST(SimVirtualEngineTest, DataParallelReplicasRunSideBySide) {
  EngineConfig dp2;
  dp2.dp = 2;
  dp2.num_gpus = 2;
  dp2.max_running_requests = 1;
  VirtualEngine engine = Engine(dp2);
  EngineConfig dp1 = dp2;
  dp1.dp = 1;
  VirtualEngine single = Engine(dp1);
  EXPECT_EQ(engine.Stats().kv_capacity_tokens, 2 * single.Stats().kv_capacity_tokens);
  for (uint64_t id = 1; id <= 2; ++id) {
    ASSERT_TRUE(engine.Submit(Request(id, 0, 256, 8)).ok());
    ASSERT_TRUE(single.Submit(Request(id, 0, 256, 8)).ok());
  }
  const std::vector<Event> both = RunAll(engine);
  const std::vector<Event> queued = RunAll(single);
  EXPECT_DOUBLE_EQ(Find(both, 2, EventKind::kScheduled).time_s, 0);
  EXPECT_GT(Find(queued, 2, EventKind::kScheduled).time_s, 0);
  EXPECT_DOUBLE_EQ(Find(both, 1, EventKind::kFinished).time_s, Find(both, 2, EventKind::kFinished).time_s);
}

TEST(SimVirtualEngineTest, AbortDropsPendingAndRunningRequests) {
  VirtualEngine engine = Engine();
  ASSERT_TRUE(engine.Submit(Request(1, 0, 256, 1000)).ok());
  ASSERT_TRUE(engine.Submit(Request(2, 10, 256, 10)).ok());
  std::vector<Event> events;
  engine.AdvanceTo(0.5, events);
  EXPECT_TRUE(engine.Abort(2, events));
  EXPECT_TRUE(engine.Abort(1, events));
  EXPECT_FALSE(engine.Abort(1, events));
  const std::vector<Event> rest = RunAll(engine);
  for (const Event& e : rest) EXPECT_NE(e.kind, EventKind::kFinished);
  EXPECT_FALSE(engine.NextEventTime().has_value());
  EXPECT_EQ(engine.Stats().kv_used_tokens, 0);
  EXPECT_EQ(engine.Stats().running + engine.Stats().waiting, 0);
}

}  // namespace
}  // namespace autotuner::sim
