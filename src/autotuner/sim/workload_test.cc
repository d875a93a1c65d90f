#include "autotuner/sim/workload.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace autotuner::sim {
namespace {

using ::testing::HasSubstr;

ModelProfile Model(std::string_view name = "Llama-3.1-8B") { return *FindModelProfile(name); }

WorkloadResult RunOk(const EngineConfig& config, const WorkloadSpec& spec,
                     const ModelProfile& model = Model()) {
  auto result = RunWorkload(config, model, spec);
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? std::move(result).value() : WorkloadResult{};
}

WorkloadSpec ClosedLoop(int concurrency, int64_t requests, int64_t input, int64_t output) {
  WorkloadSpec spec;
  spec.concurrency = concurrency;
  spec.num_requests = requests;
  spec.input = LengthDistribution::Fixed(input);
  spec.output = LengthDistribution::Fixed(output);
  return spec;
}

TEST(SimWorkloadTest, ThroughputRisesWithConcurrencyThenSaturates) {
  std::vector<double> throughput;
  for (int c : {1, 4, 16, 64, 256, 512}) {
    throughput.push_back(
        RunOk(EngineConfig{}, ClosedLoop(c, std::max(2 * c, 8), 512, 64)).summary.output_throughput);
  }
  EXPECT_GT(throughput[1], 3 * throughput[0]);  // batching is nearly free while decode is memory-bound
  for (size_t i = 1; i < 5; ++i) EXPECT_GT(throughput[i], throughput[i - 1]) << i;
  EXPECT_LT(throughput[5], 1.15 * throughput[4]);  // compute-bound: more requests only queue
}

TEST(SimWorkloadTest, RunningRequestCapSaturatesThroughput) {
  EngineConfig capped;
  capped.max_running_requests = 8;
  const WorkloadResult at_cap = RunOk(capped, ClosedLoop(8, 32, 256, 64));
  const WorkloadResult above = RunOk(capped, ClosedLoop(32, 32, 256, 64));
  EXPECT_NEAR(above.summary.output_throughput / at_cap.summary.output_throughput, 1.0, 0.1);
  EXPECT_GT(above.summary.ttft.mean, 2 * at_cap.summary.ttft.mean);  // the excess waits in the queue
  EXPECT_EQ(above.engine.max_running, 8);
}

TEST(SimWorkloadTest, TtftRisesWithInputLength) {
  double previous = 0;
  for (int64_t input : {128, 1024, 4096, 16384}) {
    const double ttft = RunOk(EngineConfig{}, ClosedLoop(1, 3, input, 8)).summary.ttft.mean;
    EXPECT_GT(ttft, previous) << input;
    previous = ttft;
  }
}

TEST(SimWorkloadTest, Fp8KvCacheRaisesTheSaturationConcurrency) {
  // Llama-3.1-8B on a 24 GB L4 leaves a few GiB of KV cache: the pool, not compute, caps the batch. Past that
  // concurrency requests only queue (or get preempted), so the batch the engine sustains is where it
  // saturates.
  EngineConfig auto_kv;
  auto_kv.gpu_type = "L4";
  auto_kv.context_length = 4096;
  EngineConfig fp8_kv = auto_kv;
  fp8_kv.kv_cache_dtype = KvCacheDtype::kFp8E4m3;
  const WorkloadResult auto_64 = RunOk(auto_kv, ClosedLoop(64, 128, 1024, 256));
  const WorkloadResult auto_128 = RunOk(auto_kv, ClosedLoop(128, 256, 1024, 256));
  const WorkloadResult fp8_64 = RunOk(fp8_kv, ClosedLoop(64, 128, 1024, 256));
  const WorkloadResult fp8_128 = RunOk(fp8_kv, ClosedLoop(128, 256, 1024, 256));
  const int auto_saturation = auto_128.engine.max_running;
  const int fp8_saturation = fp8_128.engine.max_running;
  EXPECT_LT(auto_saturation, 64);
  EXPECT_GT(fp8_saturation, 1.6 * auto_saturation);
  EXPECT_LT(auto_128.summary.output_throughput, 1.15 * auto_64.summary.output_throughput);
  EXPECT_GT(fp8_64.summary.output_throughput, 1.3 * auto_64.summary.output_throughput);
  EXPECT_GT(fp8_128.summary.output_throughput, 1.3 * auto_128.summary.output_throughput);
  EXPECT_GT(auto_64.engine.preemptions, 0);
}

TEST(SimWorkloadTest, TensorParallelLowersPerTokenLatencyAndNeedsTwoGpus) {
  EngineConfig tp1;
  tp1.num_gpus = 2;
  EngineConfig tp2 = tp1;
  tp2.tp = 2;
  const double tpot1 = RunOk(tp1, ClosedLoop(1, 3, 512, 64)).summary.tpot.mean;
  const double tpot2 = RunOk(tp2, ClosedLoop(1, 3, 512, 64)).summary.tpot.mean;
  EXPECT_LT(tpot2, 0.8 * tpot1);
  tp2.num_gpus = 1;
  auto one_gpu = RunWorkload(tp2, Model(), ClosedLoop(1, 3, 512, 64));
  ASSERT_FALSE(one_gpu.ok());
  EXPECT_EQ(one_gpu.error().details["kind"], "insufficient_gpus");
}

TEST(SimWorkloadTest, OutOfMemoryConfigurationsFailAtStartUp) {
  auto big = RunWorkload(EngineConfig{}, Model("Llama-3.1-70B"), ClosedLoop(1, 1, 16, 16));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kResourceExhausted);
  EXPECT_THAT(big.error().message, HasSubstr("CUDA out of memory"));
  EngineConfig starved;
  starved.flavor = FlavorNamed("sglang");
  starved.memory_fraction = 0.15;
  auto small = RunWorkload(starved, Model(), ClosedLoop(1, 1, 16, 16));
  ASSERT_FALSE(small.ok());
  EXPECT_THAT(small.error().message, HasSubstr("Not enough memory"));
}

TEST(SimWorkloadTest, SmallerChunksTradeTtftForTpot) {
  WorkloadSpec spec = ClosedLoop(16, 32, 0, 0);
  spec.input = LengthDistribution::Uniform(2048, 6144);
  spec.output = LengthDistribution::Uniform(64, 192);
  // vLLM: the token budget is the chunk.
  EngineConfig small_budget;
  small_budget.max_batched_tokens = 256;
  EngineConfig large_budget;
  large_budget.max_batched_tokens = 8192;
  const WorkloadSummary vs = RunOk(small_budget, spec).summary;
  const WorkloadSummary vl = RunOk(large_budget, spec).summary;
  EXPECT_GT(vs.ttft.mean, vl.ttft.mean);
  EXPECT_LT(vs.tpot.mean, vl.tpot.mean);
  EXPECT_LT(vs.max_itl.p99, vl.max_itl.p99);
  // SGLang: --chunked-prefill-size, with decodes riding along (--enable-mixed-chunk).
  EngineConfig small_chunk;
  small_chunk.flavor = FlavorNamed("sglang");
  small_chunk.enable_mixed_chunk = true;
  small_chunk.chunked_prefill_size = 256;
  EngineConfig large_chunk = small_chunk;
  large_chunk.chunked_prefill_size = 8192;
  const WorkloadSummary ss = RunOk(small_chunk, spec).summary;
  const WorkloadSummary sl = RunOk(large_chunk, spec).summary;
  EXPECT_GT(ss.ttft.mean, sl.ttft.mean);
  EXPECT_LT(ss.tpot.mean, sl.tpot.mean);
}

TEST(SimWorkloadTest, PriorityPolicyServesImportantRequestsFirst) {
  auto ttft_by_priority = [](SchedulePolicy policy) {
    EngineConfig config;
    config.flavor = FlavorNamed("sglang");
    config.schedule_policy = policy;
    config.max_running_requests = 8;
    WorkloadSpec spec = ClosedLoop(32, 64, 512, 32);
    spec.customize = [](SimRequest& r) { r.priority = r.id % 4 == 0 ? 10 : 0; };
    const WorkloadResult result = RunOk(config, spec);
    std::vector<double> high, low;
    for (const RequestRecord& r : result.records) (r.priority == 10 ? high : low).push_back(r.Ttft());
    return std::make_pair(Summarize(high).mean, Summarize(low).mean);
  };
  const auto [fcfs_high, fcfs_low] = ttft_by_priority(SchedulePolicy::kFcfs);
  const auto [prio_high, prio_low] = ttft_by_priority(SchedulePolicy::kPriority);
  EXPECT_LT(prio_high, 0.6 * fcfs_high);
  EXPECT_LT(prio_high, prio_low);
  EXPECT_GT(prio_low, fcfs_low);
}

TEST(SimWorkloadTest, LongestPrefixMatchKeepsSharedPrefixesTogether) {
  // Twelve documents of 3000 tokens do not fit a 40k-token pool at once: lpm serves requests whose document
  // is cached, fcfs keeps reloading and pinning different ones.
  auto run = [](SchedulePolicy policy) {
    EngineConfig config;
    config.flavor = FlavorNamed("sglang");
    config.schedule_policy = policy;
    config.max_total_tokens = 40000;
    WorkloadSpec spec = ClosedLoop(120, 120, 3200, 32);
    spec.prefix_groups = 12;
    spec.prefix_tokens = 3000;
    return RunOk(config, spec).summary;
  };
  const WorkloadSummary fcfs = run(SchedulePolicy::kFcfs);
  const WorkloadSummary lpm = run(SchedulePolicy::kLpm);
  EXPECT_LT(lpm.ttft.mean, fcfs.ttft.mean);
  EXPECT_GT(lpm.output_throughput, fcfs.output_throughput);
}

TEST(SimWorkloadTest, PrefixCacheCutsTtftOfSharedPrompts) {
  WorkloadSpec spec = ClosedLoop(4, 16, 4096, 16);
  spec.prefix_groups = 1;
  spec.prefix_tokens = 3584;
  EngineConfig off;
  off.prefix_cache = false;
  const WorkloadSummary cached = RunOk(EngineConfig{}, spec).summary;
  const WorkloadSummary uncached = RunOk(off, spec).summary;
  EXPECT_LT(cached.ttft.mean, 0.6 * uncached.ttft.mean);
  EXPECT_GT(cached.cache_hit_rate, 0.7);
  EXPECT_EQ(uncached.cache_hit_rate, 0);
}

TEST(SimWorkloadTest, LogNormalLengthsKeepTheirMeanAndLongTail) {
  const LengthDistribution d = LengthDistribution::LogNormal(200, 0.9, 1000000);
  std::mt19937_64 rng(7);
  std::vector<int64_t> samples(20000);
  for (int64_t& x : samples) x = d.Sample(rng);
  double sum = 0;
  for (int64_t x : samples) sum += static_cast<double>(x);
  EXPECT_NEAR(sum / static_cast<double>(samples.size()), 200, 8);
  std::sort(samples.begin(), samples.end());
  EXPECT_LT(samples[samples.size() / 2], 150);  // median exp(mu) ≈ 133, below the mean
  EXPECT_GT(samples[samples.size() * 99 / 100], 800);
  const LengthDistribution clamped = LengthDistribution::LogNormal(200, 0.9, 256);
  for (int i = 0; i < 1000; ++i) EXPECT_LE(clamped.Sample(rng), 256);
}

TEST(SimWorkloadTest, PromptTokenCounterIncludesPrefixCacheHits) {
  // vllm:prompt_tokens_total counts every request's whole prompt once; the cache hits are a separate
  // counter, and only the rest is computed.
  WorkloadSpec spec = ClosedLoop(4, 16, 4096, 16);
  spec.prefix_groups = 1;
  spec.prefix_tokens = 3584;
  const WorkloadResult result = RunOk(EngineConfig{}, spec);
  EXPECT_EQ(result.engine.request_prompt_tokens, 16 * 4096);
  EXPECT_GT(result.engine.request_cached_tokens, 10 * 3584);
  EXPECT_EQ(result.engine.prompt_tokens,
            result.engine.request_prompt_tokens - result.engine.request_cached_tokens);
}

TEST(SimWorkloadTest, OpenLoopFollowsTheArrivalRate) {
  WorkloadSpec spec = ClosedLoop(0, 60, 256, 32);
  spec.request_rate = 2.0;
  const WorkloadResult light = RunOk(EngineConfig{}, spec);
  EXPECT_EQ(light.summary.completed, 60);
  EXPECT_NEAR(light.summary.requests_per_s, 2.0, 0.8);
  EXPECT_LT(light.summary.ttft.p99, 0.1);  // an idle engine answers at once
  // Everything at once, capped at 4 in flight: the run behaves like a closed loop of 4.
  spec.request_rate = std::numeric_limits<double>::infinity();
  spec.concurrency = 4;
  const WorkloadResult burst = RunOk(EngineConfig{}, spec);
  EXPECT_EQ(burst.engine.max_running, 4);
  spec.max_duration_s = 0.5;
  const WorkloadResult limited = RunOk(EngineConfig{}, spec);
  EXPECT_LT(limited.summary.requests, 60);
  for (const RequestRecord& r : limited.records) EXPECT_LT(r.send_s, 0.5);
}

TEST(SimWorkloadTest, ConstantRateArrivalsAreEvenlySpaced) {
  WorkloadSpec spec = ClosedLoop(0, 20, 256, 32);
  spec.request_rate = 4.0;
  spec.poisson = false;
  const WorkloadResult result = RunOk(EngineConfig{}, spec);
  ASSERT_EQ(result.records.size(), 20u);
  for (size_t i = 0; i < result.records.size(); ++i) {
    EXPECT_NEAR(result.records[i].send_s, static_cast<double>(i) / 4.0, 1e-9) << i;
  }
}

TEST(SimWorkloadTest, ReplaysATraceOfArrivalTimes) {
  WorkloadSpec spec = ClosedLoop(0, 10, 256, 32);
  spec.arrival_times = {0.0, 0.05, 0.05, 0.4, 1.25};
  const WorkloadResult result = RunOk(EngineConfig{}, spec);
  ASSERT_EQ(result.records.size(), 5u);  // the trace is shorter than num_requests
  for (size_t i = 0; i < 5; ++i) EXPECT_DOUBLE_EQ(result.records[i].send_s, spec.arrival_times[i]) << i;
  EXPECT_EQ(result.summary.completed, 5);
}

TEST(SimWorkloadTest, RefusedRequestsAreErrorsNotCompletions) {
  EngineConfig config;
  config.context_length = 2048;
  WorkloadSpec spec = ClosedLoop(2, 6, 0, 64);
  spec.input = LengthDistribution::Uniform(1000, 3000);
  const WorkloadResult result = RunOk(config, spec);
  EXPECT_GT(result.summary.errors, 0);
  EXPECT_EQ(result.summary.errors + result.summary.completed, 6);
  for (const RequestRecord& r : result.records) {
    if (!r.error.empty()) {
      EXPECT_THAT(r.error, HasSubstr("maximum context length"));
    }
  }
}

TEST(SimWorkloadTest, SeededNoiseIsReproducible) {
  EngineConfig noisy;
  noisy.noise = 0.05;
  noisy.seed = 3;
  const WorkloadSummary a = RunOk(noisy, ClosedLoop(4, 8, 256, 32)).summary;
  const WorkloadSummary b = RunOk(noisy, ClosedLoop(4, 8, 256, 32)).summary;
  EXPECT_EQ(a.e2e.mean, b.e2e.mean);
  noisy.seed = 4;
  EXPECT_NE(RunOk(noisy, ClosedLoop(4, 8, 256, 32)).summary.e2e.mean, a.e2e.mean);
}

TEST(SimWorkloadTest, RecordsFollowTheLoadGeneratorDefinitions) {
  WorkloadSpec spec = ClosedLoop(1, 2, 128, 16);
  spec.keep_token_times = true;
  const WorkloadResult result = RunOk(EngineConfig{}, spec);
  ASSERT_EQ(result.records.size(), 2u);
  const RequestRecord& r = result.records[1];
  ASSERT_EQ(r.token_times.size(), 16u);
  EXPECT_DOUBLE_EQ(r.Ttft(), r.token_times.front() - r.send_s);
  EXPECT_DOUBLE_EQ(r.E2e(), r.token_times.back() - r.send_s);
  EXPECT_NEAR(r.Tpot(), (r.token_times.back() - r.token_times.front()) / 15, 1e-12);
  EXPECT_DOUBLE_EQ(r.send_s, result.records[0].finish_s);  // closed loop: the next request follows at once
  RequestRecord one_token = r;
  one_token.received_tokens = 1;
  EXPECT_TRUE(std::isnan(one_token.Tpot()));
  EXPECT_NEAR(result.summary.output_throughput, 32 / result.summary.duration_s, 1e-9);
}

TEST(SimWorkloadTest, SummarizeInterpolatesBetweenRanks) {
  const Distribution d = Summarize({4, 1, 3, 2, std::nan("")});
  EXPECT_EQ(d.count, 4);
  EXPECT_DOUBLE_EQ(d.mean, 2.5);
  EXPECT_DOUBLE_EQ(d.min, 1);
  EXPECT_DOUBLE_EQ(d.max, 4);
  EXPECT_DOUBLE_EQ(d.p50, 2.5);
  EXPECT_DOUBLE_EQ(d.p90, 3.7);
  EXPECT_EQ(Summarize({}).count, 0);
}

TEST(SimWorkloadTest, LengthDistributionsStayInRange) {
  std::mt19937_64 rng(1);
  const LengthDistribution uniform = LengthDistribution::Uniform(10, 20);
  const LengthDistribution normal = LengthDistribution::Normal(5, 50);
  for (int i = 0; i < 200; ++i) {
    const int64_t u = uniform.Sample(rng);
    EXPECT_GE(u, 10);
    EXPECT_LE(u, 20);
    EXPECT_GE(normal.Sample(rng), 1);
  }
  EXPECT_EQ(LengthDistribution::Fixed(7).Sample(rng), 7);
}

}  // namespace
}  // namespace autotuner::sim
