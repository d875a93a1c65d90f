#include "autotuner/sim/engine_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace autotuner::sim {
namespace {

using ::testing::HasSubstr;

ModelProfile Llama8b() { return *FindModelProfile("Llama-3.1-8B"); }

ResolvedConfig Resolve(EngineConfig config, const ModelProfile& model = Llama8b()) {
  auto resolved = ResolveConfig(config, model);
  EXPECT_TRUE(resolved.ok()) << resolved.error().message;
  return resolved.ok() ? *resolved : ResolvedConfig{};
}

EngineConfig Flavored(Flavor flavor, std::string gpu = "H100") {
  EngineConfig config;
  config.flavor = flavor;
  config.gpu_type = std::move(gpu);
  return config;
}

TEST(SimEngineConfigTest, VllmDefaultsDependOnTheGpu) {
  const ResolvedConfig h100 = Resolve(Flavored(FlavorNamed("vllm")));
  EXPECT_DOUBLE_EQ(h100.memory_fraction, 0.9);
  EXPECT_EQ(h100.max_batched_tokens, 8192);
  EXPECT_EQ(h100.max_running_requests, 1024);
  EXPECT_TRUE(h100.chunked_prefill);
  EXPECT_TRUE(h100.prefix_cache);
  EXPECT_EQ(h100.page_size, 16);
  EXPECT_EQ(h100.cuda_graph_max_bs, 512);
  EXPECT_TRUE(h100.torch_compile);
  EXPECT_FALSE(h100.overlap_schedule);
  EXPECT_EQ(h100.admission, AdmissionPolicy::kOptimistic);
  const ResolvedConfig a100 = Resolve(Flavored(FlavorNamed("vllm"), "A100-80GB"));
  EXPECT_EQ(a100.max_batched_tokens, 2048);
  EXPECT_EQ(a100.max_running_requests, 256);
}

TEST(SimEngineConfigTest, VllmWithoutChunkingFitsAWholeContextPerStep) {
  EngineConfig config = Flavored(FlavorNamed("vllm"));
  config.chunked_prefill = false;
  config.context_length = 32768;
  const ResolvedConfig r = Resolve(config);
  EXPECT_FALSE(r.chunked_prefill);
  EXPECT_EQ(r.max_batched_tokens, 32768);
  EXPECT_EQ(r.chunk_size, 0);
}

TEST(SimEngineConfigTest, EagerModeDisablesGraphsAndCompilation) {
  EngineConfig config = Flavored(FlavorNamed("vllm"));
  config.cuda_graphs = false;
  const ResolvedConfig r = Resolve(config);
  EXPECT_FALSE(r.cuda_graphs);
  EXPECT_FALSE(r.torch_compile);
}

TEST(SimEngineConfigTest, SglangDefaultsFollowTpAndGpuMemory) {
  const ResolvedConfig tp1 = Resolve(Flavored(FlavorNamed("sglang")));
  EXPECT_DOUBLE_EQ(tp1.memory_fraction, 0.88);
  EXPECT_EQ(tp1.chunk_size, 8192);
  EXPECT_EQ(tp1.max_batched_tokens, 16384);
  EXPECT_EQ(tp1.page_size, 1);
  EXPECT_EQ(tp1.cuda_graph_max_bs, 256);
  EXPECT_EQ(tp1.max_running_requests, 0);  // derived from the KV pool later
  EXPECT_EQ(tp1.admission, AdmissionPolicy::kEstimated);
  EXPECT_TRUE(tp1.overlap_schedule);

  EngineConfig tp2 = Flavored(FlavorNamed("sglang"));
  tp2.tp = 2;
  tp2.num_gpus = 2;
  EXPECT_DOUBLE_EQ(Resolve(tp2).memory_fraction, 0.87);
  EXPECT_EQ(Resolve(Flavored(FlavorNamed("sglang"), "L4")).chunk_size, 2048);
  EXPECT_EQ(Resolve(Flavored(FlavorNamed("sglang"), "A100-40GB")).chunk_size, 4096);

  EngineConfig disabled = Flavored(FlavorNamed("sglang"));
  disabled.chunked_prefill_size = -1;
  EXPECT_FALSE(Resolve(disabled).chunked_prefill);
}

TEST(SimEngineConfigTest, TrtllmDefaults) {
  const ResolvedConfig r = Resolve(Flavored(FlavorNamed("trtllm")));
  EXPECT_DOUBLE_EQ(r.memory_fraction, 0.9);
  EXPECT_EQ(r.max_running_requests, 2048);
  EXPECT_EQ(r.max_batched_tokens, 8192);
  EXPECT_FALSE(r.chunked_prefill);
  EXPECT_EQ(r.page_size, 32);
  EXPECT_EQ(r.admission, AdmissionPolicy::kReserveFull);
  EngineConfig max_utilization = Flavored(FlavorNamed("trtllm"));
  max_utilization.admission = AdmissionPolicy::kOptimistic;
  EXPECT_EQ(Resolve(max_utilization).admission, AdmissionPolicy::kOptimistic);
}

TEST(SimEngineConfigTest, TooFewGpusFailsAsTheEngineWould) {
  for (Flavor flavor : {FlavorNamed("sglang"), FlavorNamed("vllm"), FlavorNamed("trtllm")}) {
    EngineConfig config = Flavored(flavor);
    config.tp = 2;
    config.num_gpus = 1;
    auto r = ResolveConfig(config, Llama8b());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().details["kind"], "insufficient_gpus");
    EXPECT_EQ(r.error().details["needed"], 2);
  }
  EngineConfig vllm = Flavored(FlavorNamed("vllm"));
  vllm.tp = 4;
  vllm.num_gpus = 2;
  EXPECT_THAT(ResolveConfig(vllm, Llama8b()).error().message,
              HasSubstr("please set tensor_parallel_size (4) to less than max local gpu count (2)"));
  EngineConfig sglang = Flavored(FlavorNamed("sglang"));
  sglang.tp = 2;
  sglang.dp = 2;
  sglang.num_gpus = 3;
  EXPECT_THAT(ResolveConfig(sglang, Llama8b()).error().message, HasSubstr("invalid device ordinal"));
  sglang.num_gpus = 4;
  EXPECT_TRUE(ResolveConfig(sglang, Llama8b()).ok());
}

TEST(SimEngineConfigTest, LayoutAndContextChecks) {
  EngineConfig odd_tp = Flavored(FlavorNamed("vllm"));
  odd_tp.tp = 3;
  odd_tp.num_gpus = 4;
  EXPECT_THAT(ResolveConfig(odd_tp, Llama8b()).error().message,
              HasSubstr("attention heads (32) must be divisible by tensor parallel size (3)"));

  EngineConfig long_context = Flavored(FlavorNamed("vllm"));
  long_context.context_length = 200000;
  auto vllm = ResolveConfig(long_context, Llama8b());
  ASSERT_FALSE(vllm.ok());
  EXPECT_THAT(vllm.error().message, HasSubstr("VLLM_ALLOW_LONG_MAX_MODEL_LEN"));
  long_context.flavor = FlavorNamed("sglang");
  EXPECT_THAT(ResolveConfig(long_context, Llama8b()).error().message, HasSubstr("context_length (200000)"));

  EngineConfig short_context = Flavored(FlavorNamed("vllm"));
  short_context.context_length = 4096;
  EXPECT_EQ(Resolve(short_context).context_length, 4096);
  EXPECT_EQ(Resolve(Flavored(FlavorNamed("vllm"))).context_length, 131072);

  EngineConfig bad_fraction = Flavored(FlavorNamed("vllm"));
  bad_fraction.memory_fraction = 1.5;
  EXPECT_FALSE(ResolveConfig(bad_fraction, Llama8b()).ok());
  EngineConfig no_slots = Flavored(FlavorNamed("trtllm"));
  no_slots.max_running_requests = 0;
  EXPECT_FALSE(ResolveConfig(no_slots, Llama8b()).ok());
  EngineConfig lpm_on_vllm = Flavored(FlavorNamed("vllm"));
  lpm_on_vllm.schedule_policy = SchedulePolicy::kLpm;
  EXPECT_FALSE(ResolveConfig(lpm_on_vllm, Llama8b()).ok());
  EngineConfig unknown_gpu = Flavored(FlavorNamed("vllm"), "B300");
  EXPECT_EQ(ResolveConfig(unknown_gpu, Llama8b()).error().code, ErrorCode::kNotFound);
}

TEST(SimEngineConfigTest, Fp8ComputeDependsOnGpuAndCheckpoint) {
  EngineConfig hopper = Flavored(FlavorNamed("vllm"));
  hopper.fp8_compute = true;
  const ResolvedConfig h = Resolve(hopper);
  EXPECT_TRUE(h.fp8_compute);
  EXPECT_FALSE(h.fp8_weight_only);

  EngineConfig ampere = Flavored(FlavorNamed("vllm"), "A100-80GB");
  ampere.fp8_compute = true;
  const ResolvedConfig a = Resolve(ampere);
  EXPECT_FALSE(a.fp8_compute);
  EXPECT_TRUE(a.fp8_weight_only);
  ASSERT_EQ(a.notes.size(), 1u);
  EXPECT_THAT(a.notes[0], HasSubstr("weight-only"));

  const ModelProfile awq = *FindModelProfile("Llama-3.1-8B-Instruct-AWQ");
  const ResolvedConfig q = Resolve(hopper, awq);
  EXPECT_FALSE(q.fp8_compute);
  ASSERT_FALSE(q.notes.empty());
  EXPECT_THAT(q.notes[0], HasSubstr("ignored"));

  // An FP8 checkpoint computes in FP8 without the flag.
  EXPECT_TRUE(Resolve(Flavored(FlavorNamed("trtllm")), *FindModelProfile("nvidia/Llama-3.1-8B-Instruct-FP8"))
                  .fp8_compute);
}

TEST(SimEngineConfigTest, KvCacheDtypeSetsBytesPerValue) {
  EngineConfig config = Flavored(FlavorNamed("vllm"));
  EXPECT_DOUBLE_EQ(Resolve(config).kv_value_bytes, 2);
  for (KvCacheDtype dtype : {KvCacheDtype::kFp8E4m3, KvCacheDtype::kFp8E5m2, KvCacheDtype::kInt8}) {
    config.kv_cache_dtype = dtype;
    EXPECT_DOUBLE_EQ(Resolve(config).kv_value_bytes, 1);
  }
  config.kv_cache_dtype = KvCacheDtype::kAuto;
  config.model_dtype = "float32";
  EXPECT_DOUBLE_EQ(Resolve(config).kv_value_bytes, 4);
  config.model_dtype = "float64";
  EXPECT_FALSE(ResolveConfig(config, Llama8b()).ok());
}

TEST(SimEngineConfigTest, NamesRoundTrip) {
  for (SchedulePolicy p : {SchedulePolicy::kFcfs, SchedulePolicy::kLpm, SchedulePolicy::kRandom,
                           SchedulePolicy::kDfsWeight, SchedulePolicy::kLof, SchedulePolicy::kPriority}) {
    EXPECT_EQ(*ParseSchedulePolicy(SchedulePolicyName(p)), p);
  }
  EXPECT_EQ(*ParseSchedulePolicy("dfs_weight"), SchedulePolicy::kDfsWeight);
  EXPECT_FALSE(ParseSchedulePolicy("sjf").ok());
  EXPECT_EQ(*ParseKvCacheDtype("fp8"), KvCacheDtype::kFp8E4m3);
  EXPECT_EQ(*ParseKvCacheDtype("FP8_E5M2"), KvCacheDtype::kFp8E5m2);
  EXPECT_EQ(*ParseKvCacheDtype("bf16"), KvCacheDtype::kBfloat16);
  EXPECT_EQ(KvCacheDtypeName(*ParseKvCacheDtype("int8")), "int8");
  EXPECT_FALSE(ParseKvCacheDtype("fp4").ok());
}

}  // namespace
}  // namespace autotuner::sim
