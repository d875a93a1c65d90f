#include "autotuner/sim/perf_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace autotuner::sim {
namespace {

using ::testing::HasSubstr;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

ModelProfile Model(std::string_view name) { return *FindModelProfile(name); }

EngineConfig Config(Flavor flavor, std::string gpu = "H100", int tp = 1) {
  EngineConfig config;
  config.flavor = flavor;
  config.gpu_type = std::move(gpu);
  config.tp = tp;
  config.num_gpus = tp;
  return config;
}

Result<MemoryPlan> Plan(const EngineConfig& config, const ModelProfile& model) {
  auto resolved = ResolveConfig(config, model);
  if (!resolved) return std::move(resolved).error();
  return PlanMemory(model, *resolved);
}

MemoryPlan PlanOk(const EngineConfig& config, const ModelProfile& model) {
  auto plan = Plan(config, model);
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan.ok() ? *plan : MemoryPlan{};
}

Error PlanError(const EngineConfig& config, const ModelProfile& model) {
  auto plan = Plan(config, model);
  EXPECT_FALSE(plan.ok());
  return plan.ok() ? Error{} : plan.error();
}

PerfModel Perf(const EngineConfig& config, const ModelProfile& model) {
  return PerfModel(model, *ResolveConfig(config, model));
}

BatchWork Decode(int seqs, int64_t context) {
  BatchWork w;
  w.decode_seqs = seqs;
  w.decode_kv_tokens = seqs * context;
  w.sampled = seqs;
  return w;
}

BatchWork Prefill(int64_t tokens) {
  BatchWork w;
  w.prefill_seqs = 1;
  w.prefill_tokens = tokens;
  w.prefill_pairs = tokens * (tokens + 1) / 2.0;
  w.sampled = 1;
  return w;
}

TEST(SimMemoryPlanTest, PoolGrowsWithTheMemoryFractionAndFp8Kv) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  EngineConfig config = Config(FlavorNamed("vllm"));
  const MemoryPlan base = PlanOk(config, llama);
  EXPECT_NEAR(base.weight_bytes / kGiB, 14.96, 0.1);
  EXPECT_LE(base.kv_tokens * base.kv_bytes_per_token, base.kv_bytes);
  EXPECT_EQ(base.kv_tokens % 16, 0);
  config.memory_fraction = 0.8;
  EXPECT_LT(PlanOk(config, llama).kv_tokens, base.kv_tokens * 0.9);
  config.memory_fraction = 0.9;
  config.kv_cache_dtype = KvCacheDtype::kFp8E5m2;
  EXPECT_NEAR(static_cast<double>(PlanOk(config, llama).kv_tokens) / base.kv_tokens, 2.0, 0.01);
  config = Config(FlavorNamed("vllm"));
  config.max_total_tokens = 10010;
  config.context_length = 8192;
  EXPECT_EQ(PlanOk(config, llama).kv_tokens, 10000);  // whole 16-token blocks
  // vLLM refuses a pool shorter than one max-model-len sequence.
  config.context_length = 16384;
  EXPECT_THAT(PlanError(config, llama).message, HasSubstr("max seq len (16384)"));
}

TEST(SimMemoryPlanTest, TensorParallelShardsWeightsAndKv) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  const MemoryPlan tp1 = PlanOk(Config(FlavorNamed("sglang")), llama);
  const MemoryPlan tp2 = PlanOk(Config(FlavorNamed("sglang"), "H100", 2), llama);
  EXPECT_NEAR(tp2.weight_bytes, tp1.weight_bytes / 2, 1e6);
  EXPECT_DOUBLE_EQ(tp2.kv_bytes_per_token, tp1.kv_bytes_per_token / 2);
  EXPECT_GT(tp2.kv_tokens, 2 * tp1.kv_tokens);
  // With 2 KV heads, tp 4 replicates them: each GPU still holds a whole head, as at tp 2.
  ModelProfile two_kv_heads = llama;
  two_kv_heads.num_kv_heads = 2;
  EXPECT_DOUBLE_EQ(PlanOk(Config(FlavorNamed("vllm"), "H100", 4), two_kv_heads).kv_bytes_per_token,
                   PlanOk(Config(FlavorNamed("vllm"), "H100", 2), two_kv_heads).kv_bytes_per_token);
}

TEST(SimMemoryPlanTest, SglangDerivesItsRunningCapFromThePool) {
  const MemoryPlan plan = PlanOk(Config(FlavorNamed("sglang")), Model("Llama-3.1-8B"));
  EXPECT_EQ(plan.max_running_requests, 2048);
  EngineConfig small = Config(FlavorNamed("sglang"));
  small.max_total_tokens = 3000;
  EXPECT_EQ(PlanOk(small, Model("Llama-3.1-8B")).max_running_requests, 1500);
  ASSERT_EQ(plan.log_lines.size(), 3u);
  EXPECT_THAT(plan.log_lines[1],
              HasSubstr("KV Cache is allocated. #tokens: " + std::to_string(plan.kv_tokens)));
}

TEST(SimMemoryPlanTest, WeightsTooBigForTheGpuFailWithCudaOom) {
  for (Flavor flavor : {FlavorNamed("sglang"), FlavorNamed("vllm"), FlavorNamed("trtllm")}) {
    const Error error = PlanError(Config(flavor), Model("Llama-3.1-70B"));
    EXPECT_EQ(error.code, ErrorCode::kResourceExhausted);
    EXPECT_THAT(error.message, HasSubstr("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate"));
    EXPECT_EQ(error.details["kind"], "oom");
    EXPECT_EQ(error.details["stage"], "load_weights");
  }
  // Four H100s hold it.
  EXPECT_GT(PlanOk(Config(FlavorNamed("vllm"), "H100", 4), Model("Llama-3.1-70B")).kv_tokens, 100000);
}

TEST(SimMemoryPlanTest, MemoryFractionTooSmallFailsWithTheEnginesMessage) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  EngineConfig sglang = Config(FlavorNamed("sglang"));
  sglang.memory_fraction = 0.15;
  const Error s = PlanError(sglang, llama);
  EXPECT_EQ(s.code, ErrorCode::kResourceExhausted);
  EXPECT_THAT(s.message, HasSubstr("Not enough memory. Please try to increase --mem-fraction-static."));

  EngineConfig vllm = Config(FlavorNamed("vllm"));
  vllm.memory_fraction = 0.15;
  EXPECT_THAT(PlanError(vllm, llama).message,
              HasSubstr("No available memory for the cache blocks. Try increasing `gpu_memory_utilization`"));
}

TEST(SimMemoryPlanTest, VllmNeedsRoomForOneMaxLengthSequence) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  const Error error = PlanError(Config(FlavorNamed("vllm"), "L4"), llama);
  EXPECT_THAT(error.message,
              HasSubstr("To serve at least one request with the model's max seq len (131072)"));
  EXPECT_THAT(error.message, HasSubstr("estimated maximum model length is"));
  EngineConfig shorter = Config(FlavorNamed("vllm"), "L4");
  shorter.context_length = 8192;
  EXPECT_GE(PlanOk(shorter, llama).kv_tokens, 8192);
}

TEST(SimMemoryPlanTest, MemoryFractionTooLargeAlsoFails) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  EngineConfig vllm = Config(FlavorNamed("vllm"));
  vllm.memory_fraction = 0.999;
  EXPECT_THAT(PlanError(vllm, llama).message,
              HasSubstr("on startup is less than desired GPU memory utilization"));

  EngineConfig sglang = Config(FlavorNamed("sglang"));
  sglang.memory_fraction = 0.99;
  const Error graphs = PlanError(sglang, llama);
  EXPECT_THAT(graphs.message, HasSubstr("Capture cuda graph failed: torch.OutOfMemoryError"));
  EXPECT_THAT(graphs.message, HasSubstr("set --mem-fraction-static to a smaller value"));
  sglang.cuda_graphs = false;
  const Error eager = PlanError(sglang, llama);
  EXPECT_THAT(eager.message, HasSubstr("CUDA out of memory"));
  EXPECT_THAT(eager.message, ::testing::Not(HasSubstr("Capture cuda graph")));
}

TEST(SimMemoryPlanTest, TrtllmCapsTheAttentionWindowUnlessToldToFail) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  const MemoryPlan capped = PlanOk(Config(FlavorNamed("trtllm"), "L4"), llama);
  EXPECT_EQ(capped.context_length, capped.kv_tokens);
  EXPECT_LT(capped.context_length, 131072);
  EXPECT_THAT(capped.log_lines.front(), HasSubstr("They are reduced to"));
  EngineConfig strict = Config(FlavorNamed("trtllm"), "L4");
  strict.fail_fast_on_attention_window_too_large = true;
  EXPECT_THAT(PlanError(strict, llama).message, HasSubstr("fail_fast_on_attention_window_too_large"));
}

TEST(SimStepTimeTest, DecodeIsMemoryBoundAndBatchingAmortisesWeights) {
  const PerfModel perf = Perf(Config(FlavorNamed("vllm")), Model("Llama-3.1-8B"));
  const StepTime one = perf.Step(Decode(1, 1024));
  const StepTime many = perf.Step(Decode(64, 1024));
  // One token reads every weight once: ~15 GiB at the H100's effective bandwidth, a handful of milliseconds.
  EXPECT_GT(one.seconds, 0.004);
  EXPECT_LT(one.seconds, 0.009);
  EXPECT_GT(many.seconds, one.seconds);
  EXPECT_LT(many.seconds, 4 * one.seconds);
  EXPECT_EQ(perf.Step(BatchWork{}).seconds, 0);
}

TEST(SimStepTimeTest, PrefillIsComputeBoundAndAttentionGrowsQuadratically) {
  const PerfModel perf = Perf(Config(FlavorNamed("vllm")), Model("Llama-3.1-8B"));
  const StepTime small = perf.Step(Prefill(2048));
  const StepTime large = perf.Step(Prefill(8192));
  EXPECT_GT(large.linear_s, 3.9 * small.linear_s);
  EXPECT_GT(large.attention_s, 12 * small.attention_s);
  EXPECT_GT(large.seconds, 4 * small.seconds);
}

TEST(SimStepTimeTest, TensorParallelCutsPerTokenTimeButPaysForAllReduce) {
  // A 70B model's weights dominate its decode step: TP4 streams half of TP2's bytes per GPU.
  const ModelProfile big = Model("Llama-3.1-70B");
  const StepTime tp2 = Perf(Config(FlavorNamed("vllm"), "H100", 2), big).Step(Decode(32, 1024));
  const StepTime tp4 = Perf(Config(FlavorNamed("vllm"), "H100", 4), big).Step(Decode(32, 1024));
  EXPECT_GT(tp2.comm_s, 0);
  EXPECT_GT(tp4.comm_s, tp2.comm_s);
  EXPECT_LT(tp4.seconds, tp2.seconds);
  // An 8B model at batch 1 too, though 64 all-reduces of 20 µs eat part of the halved weight time.
  const ModelProfile llama = Model("Llama-3.1-8B");
  const StepTime one = Perf(Config(FlavorNamed("vllm")), llama).Step(Decode(1, 512));
  const StepTime two = Perf(Config(FlavorNamed("vllm"), "H100", 2), llama).Step(Decode(1, 512));
  EXPECT_EQ(one.comm_s, 0);
  EXPECT_LT(two.seconds, 0.8 * one.seconds);
  EXPECT_GT(two.seconds, 0.6 * one.seconds);  // half the weights, plus the all-reduces
  // Over PCIe the all-reduces cost several times more.
  const StepTime pcie = Perf(Config(FlavorNamed("vllm"), "L40S", 2), llama).Step(Decode(1, 512));
  EXPECT_GT(pcie.comm_s, 2 * two.comm_s);
}

TEST(SimStepTimeTest, Fp8ComputeSpeedsUpHopperButIsWeightOnlyOnAmpere) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  for (const char* gpu : {"H100", "A100-80GB"}) {
    EngineConfig bf16 = Config(FlavorNamed("vllm"), gpu);
    EngineConfig fp8 = bf16;
    fp8.fp8_compute = true;
    const double prefill_ratio =
        Perf(fp8, llama).Step(Prefill(4096)).linear_s / Perf(bf16, llama).Step(Prefill(4096)).linear_s;
    const double decode_ratio =
        Perf(fp8, llama).Step(Decode(1, 512)).seconds / Perf(bf16, llama).Step(Decode(1, 512)).seconds;
    EXPECT_LT(decode_ratio, 0.75) << gpu;  // half the weight bytes either way
    if (std::string(gpu) == "H100") {
      EXPECT_LT(prefill_ratio, 0.7) << gpu;
    } else {
      EXPECT_GE(prefill_ratio, 1.0) << gpu;  // dequantizing kernels, no FP8 tensor cores
    }
  }
}

TEST(SimStepTimeTest, AllReduceLatencyGrowsWithTheRingAtBatchOne) {
  // 70B: 80 layers × 2 all-reduces of one token; each pays 10 µs per call plus 2(n − 1) NVLink hops of 5 µs.
  const ModelProfile llama = Model("Llama-3.1-70B");
  const double tp2 = Perf(Config(FlavorNamed("trtllm"), "H100", 2), llama).Step(Decode(1, 2048)).comm_s;
  const double tp4 = Perf(Config(FlavorNamed("trtllm"), "H100", 4), llama).Step(Decode(1, 2048)).comm_s;
  EXPECT_NEAR(tp2, 160 * 20e-6, 0.1e-3);
  EXPECT_NEAR(tp4, 160 * 40e-6, 0.1e-3);
  // A large batch pays the bandwidth term: 512 tokens × 8192 × 2 bytes per all-reduce.
  const double big = Perf(Config(FlavorNamed("trtllm"), "H100", 2), llama).Step(Decode(512, 2048)).comm_s;
  EXPECT_NEAR(big - tp2, 160 * 512 * 8192 * 2.0 / (450e9 * 0.8), 0.2e-3);
}

TEST(SimStepTimeTest, BlockScaledFp8GainsLessThanPerTensorFp8) {
  ModelProfile qwen = Model("Qwen/Qwen3-14B-FP8");
  ASSERT_TRUE(qwen.fp8_block_scaled);
  const ModelProfile bf16 = Model("Qwen/Qwen3-14B");
  const EngineConfig config = Config(FlavorNamed("sglang"));
  const double block = Perf(config, qwen).Step(Prefill(8192)).linear_s;
  qwen.fp8_block_scaled = false;
  const double per_tensor = Perf(config, qwen).Step(Prefill(8192)).linear_s;
  const double base = Perf(config, bf16).Step(Prefill(8192)).linear_s;
  EXPECT_LT(per_tensor, block);
  EXPECT_NEAR(base / block, 1.25, 0.05);  // compute-bound prefill: the block-FP8 speed-up alone
}

TEST(SimStepTimeTest, Int4WeightsSaveBytesButPayForDequantizing) {
  // Batch-1 decode reads ≈ 3.4× fewer bytes with GPTQ-Int4; dequantizing streams them more slowly
  // (P9: 1.83×).
  const EngineConfig config = Config(FlavorNamed("vllm"), "A100-80GB");
  const double bf16 = Perf(config, Model("Qwen/Qwen2.5-7B-Instruct")).Step(Decode(1, 1024)).linear_s;
  const double int4 =
      Perf(config, Model("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4")).Step(Decode(1, 1024)).linear_s;
  EXPECT_GT(bf16 / int4, 1.6);
  EXPECT_LT(bf16 / int4, 2.6);
}

TEST(SimStepTimeTest, ComputeAndMemoryOverlapImperfectlyNearTheRidge) {
  // Decode batches around the ridge point cost more than the larger of compute and memory time.
  const ModelProfile llama = Model("Llama-3.1-8B");
  const PerfModel perf = Perf(Config(FlavorNamed("trtllm")), llama);
  const double small = perf.Step(Decode(1, 16)).linear_s;    // memory-bound: weights only
  const double ridge = perf.Step(Decode(160, 16)).linear_s;  // 160 × 16 GFLOP ≈ the weights' read time
  EXPECT_GT(ridge, 1.25 * small);
  EXPECT_LT(ridge, 2.0 * small);
}

TEST(SimStepTimeTest, Fp8KvSpeedsUpLongContextDecode) {
  const ModelProfile llama = Model("Llama-3.1-8B");
  EngineConfig fp8 = Config(FlavorNamed("vllm"));
  fp8.kv_cache_dtype = KvCacheDtype::kFp8E4m3;
  const StepTime a = Perf(Config(FlavorNamed("vllm")), llama).Step(Decode(64, 8192));
  const StepTime b = Perf(fp8, llama).Step(Decode(64, 8192));
  EXPECT_NEAR(b.attention_s / a.attention_s, 0.5, 0.05);
  EXPECT_LT(b.seconds, a.seconds);
}

TEST(SimStepTimeTest, CudaGraphsRemoveLaunchOverhead) {
  const ModelProfile small = Model("Llama-3.2-1B");
  EngineConfig eager = Config(FlavorNamed("sglang"));
  eager.cuda_graphs = false;
  const StepTime graphed = Perf(Config(FlavorNamed("sglang")), small).Step(Decode(1, 512));
  const StepTime launched = Perf(eager, small).Step(Decode(1, 512));
  EXPECT_TRUE(graphed.cuda_graph);
  EXPECT_FALSE(launched.cuda_graph);
  EXPECT_GT(launched.seconds, 1.2 * graphed.seconds);
  // Batches above --cuda-graph-max-bs run eagerly.
  EngineConfig capped = Config(FlavorNamed("sglang"));
  capped.cuda_graph_max_bs = 8;
  EXPECT_FALSE(Perf(capped, small).Step(Decode(16, 512)).cuda_graph);
  EXPECT_TRUE(Perf(capped, small).Step(Decode(8, 512)).cuda_graph);
}

TEST(SimStepTimeTest, OverlapHidesSchedulerTime) {
  const ModelProfile small = Model("Qwen2.5-0.5B");
  EngineConfig serial = Config(FlavorNamed("sglang"));
  serial.overlap_schedule = false;
  const StepTime overlapped = Perf(Config(FlavorNamed("sglang")), small).Step(Decode(128, 256));
  const StepTime sequential = Perf(serial, small).Step(Decode(128, 256));
  EXPECT_LT(overlapped.seconds, sequential.seconds);
}

TEST(SimStepTimeTest, MoeDecodeReadsOnlyTheExpertsItTouches) {
  const PerfModel perf = Perf(Config(FlavorNamed("vllm"), "H100", 2), Model("Mixtral-8x7B"));
  const StepTime one = perf.Step(Decode(1, 512));
  const StepTime many = perf.Step(Decode(32, 512));
  // One token touches 2 of 8 experts per layer; 32 tokens touch nearly all of them.
  EXPECT_GT(many.linear_s, 2.5 * one.linear_s);
}

TEST(SimStartupTest, FollowsWeightLoadingAndCompilation) {
  auto startup = [](EngineConfig config, std::string_view model) {
    const ModelProfile m = Model(model);
    const ResolvedConfig r = *ResolveConfig(config, m);
    return StartupSeconds(m, r, *PlanMemory(m, r));
  };
  const double small = startup(Config(FlavorNamed("sglang")), "Llama-3.2-1B");
  const double medium = startup(Config(FlavorNamed("sglang")), "Llama-3.1-8B");
  const double large = startup(Config(FlavorNamed("sglang"), "H100", 4), "Llama-3.1-70B");
  EXPECT_LT(small, medium);
  EXPECT_LT(medium, large);
  // 140 GB more of checkpoint to read than the 1B model: tens of seconds.
  EXPECT_GT(large - small, 40);
  EngineConfig compiled = Config(FlavorNamed("sglang"));
  compiled.torch_compile = true;
  EXPECT_GT(startup(compiled, "Llama-3.1-8B"), medium + 20);
  EngineConfig eager = Config(FlavorNamed("vllm"));
  eager.cuda_graphs = false;
  EXPECT_LT(startup(eager, "Llama-3.1-8B"), startup(Config(FlavorNamed("vllm")), "Llama-3.1-8B") - 20);
}

}  // namespace
}  // namespace autotuner::sim
