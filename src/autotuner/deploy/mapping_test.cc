#include "autotuner/deploy/mapping.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Fixture {
  task::Task task;
  MappingInput input;
};

// Parses a task for `runtime` and prepares a mapping of `assignment` on an H100.
Fixture Make(const std::string& runtime, const std::string& extra, Json assignment,
             const std::string& gpu = "H100") {
  Fixture f;
  auto doc = task::ParseDocument(
      "task_name: t\nbase_runtime: " + runtime + "\nmodel: {id_or_path: m}\n" + extra, "t.yaml");
  EXPECT_TRUE(doc.ok());
  auto parsed = task::ParseTask(*doc, &Catalog());
  for (const auto& e : parsed.errors) ADD_FAILURE() << e.path << ": " << e.message;
  f.task = parsed.task.value_or(task::Task{});
  f.input.runtime = Catalog().Find(runtime);
  f.input.assignment = std::move(assignment);
  f.input.gpu_type = gpu;
  return f;
}

MappingOutcome Map(Fixture& f) {
  f.input.task = &f.task;
  return MapCandidate(f.input);
}

std::vector<std::string> Args(Fixture f) {
  const auto out = Map(f);
  EXPECT_FALSE(out.pruned()) << out.pruned_reason;
  return out.plan ? out.plan->args : std::vector<std::string>{};
}

// ---- parameters in the runtime's spelling
// ----------------------------------------------------------------------

TEST(MappingTest, ParametersUseTheEngineSpelling) {
  EXPECT_THAT(Args(Make("sglang", "parameters: {mem_fraction_static: [0.8], schedule-policy: [lpm]}\n",
                        {{"mem_fraction_static", 0.8}, {"schedule-policy", "lpm"}})),
              ElementsAre("--mem-fraction-static", "0.8", "--schedule-policy", "lpm"));
  EXPECT_THAT(Args(Make("trtllm", "parameters: {max-batch-size: [64]}\n", {{"max-batch-size", 64}})),
              ElementsAre("--max_batch_size", "64"));
}

TEST(MappingTest, EnvTakesFixedValuesAndTheCandidatesSearchedOnes) {
  Fixture f = Make("vllm", "env: {HF_TOKEN: t, VLLM_ATTENTION_BACKEND: [FLASH_ATTN, FLASHINFER]}\n",
                   {{"env.VLLM_ATTENTION_BACKEND", "FLASHINFER"}});
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned()) << out.pruned_reason;
  EXPECT_TRUE(out.plan->args.empty());  // never a flag
  const std::map<std::string, std::string> want = {{"HF_TOKEN", "t"},
                                                   {"VLLM_ATTENTION_BACKEND", "FLASHINFER"}};
  EXPECT_EQ(out.plan->env, want);
  // The user's variable wins over what resolving the model adds.
  const auto env = EngineEnv(*out.plan, {{"HF_HUB_OFFLINE", "1"}, {"HF_TOKEN", "resolved"}});
  EXPECT_EQ(env, (std::map<std::string, std::string>{
                     {"HF_HUB_OFFLINE", "1"}, {"HF_TOKEN", "t"}, {"VLLM_ATTENTION_BACKEND", "FLASHINFER"}}));
}

TEST(MappingTest, IntegerFlagsRenderWithoutDecimals) {
  EXPECT_THAT(Args(Make("vllm", "parameters: {max-num-seqs: {type: integer, low: 8, high: 512}}\n",
                        {{"max-num-seqs", 128.0}})),
              ElementsAre("--max-num-seqs", "128"));
}

TEST(MappingTest, BooleansFollowTheEngineStyle) {
  // SGLang store_true: true → bare flag, false → omitted.
  EXPECT_THAT(Args(Make("sglang", "parameters: {disable-radix-cache: [true, false]}\n",
                        {{"disable-radix-cache", true}})),
              ElementsAre("--disable-radix-cache"));
  EXPECT_TRUE(Args(Make("sglang", "parameters: {disable-radix-cache: [true, false]}\n",
                        {{"disable-radix-cache", false}}))
                  .empty());
  // vLLM BooleanOptionalAction: false → --no-x, since omitting a default-on flag cannot turn it off.
  EXPECT_THAT(Args(Make("vllm", "parameters: {enable-prefix-caching: [true, false]}\n",
                        {{"enable-prefix-caching", false}})),
              ElementsAre("--no-enable-prefix-caching"));
  // TensorRT-LLM click flags: no --no- form.
  EXPECT_TRUE(Args(Make("trtllm", "parameters: {enable_chunked_prefill: [true, false]}\n",
                        {{"enable_chunked_prefill", false}}))
                  .empty());
}

// ---- parallel_config
// -----------------------------------------------------------------------------------------

TEST(MappingTest, ParallelConfigPerEngine) {
  const Json a = {{"parallel.tp", 2}, {"parallel.pp", 1}, {"parallel.dp", 2}};
  const std::string pc = "parallel_config: {tp: [1, 2], pp: 1, dp: [1, 2]}\n";
  EXPECT_THAT(Args(Make("sglang", pc, a)), ElementsAre("--tp-size", "2", "--pp-size", "1", "--dp-size", "2"));
  EXPECT_THAT(Args(Make("vllm", pc, a)),
              ElementsAre("--tensor-parallel-size", "2", "--pipeline-parallel-size", "1",
                          "--data-parallel-size", "2"));
  const Json t = {{"parallel.tp", 2}, {"parallel.pp", 2}};
  EXPECT_THAT(Args(Make("trtllm", "parallel_config: {tp: 2, pp: 2}\n", t)),
              ElementsAre("--tp_size", "2", "--pp_size", "2"));
}

TEST(MappingTest, ExpertParallelIsABooleanOnVllm) {
  EXPECT_THAT(Args(Make("vllm", "parallel_config: {ep: [1, 2]}\n", {{"parallel.ep", 2}})),
              ElementsAre("--enable-expert-parallel"));
  EXPECT_THAT(Args(Make("sglang", "parallel_config: {ep: [1, 2]}\n", {{"parallel.ep", 2}})),
              ElementsAre("--ep-size", "2"));
}

TEST(MappingTest, GpusNeededIsTpTimesPpTimesDp) {
  auto f = Make("sglang", "parallel_config: {tp: [2], pp: [2], dp: [2]}\n",
                {{"parallel.tp", 2}, {"parallel.pp", 2}, {"parallel.dp", 2}});
  EXPECT_EQ(Map(f).plan->gpus_needed, 8);
  // An explicit engine flag counts too.
  auto g = Make("vllm", "parameters: {tensor-parallel-size: [4]}\n", {{"tensor-parallel-size", 4}});
  EXPECT_EQ(Map(g).plan->gpus_needed, 4);
}

TEST(MappingTest, PrunedWhenGpusAreTooFew) {
  auto f =
      Make("vllm", "parallel_config: {tp: [2, 4], dp: [1, 2]}\n", {{"parallel.tp", 4}, {"parallel.dp", 2}});
  f.input.gpus_available = 4;
  const auto out = Map(f);
  ASSERT_TRUE(out.pruned());
  EXPECT_EQ(out.pruned_reason, "needs 8 GPUs (tp x pp x dp) but 4 are available");
}

// ---- quantization: presets, custom fields, per-engine names
// ---------------------------------------------------

TEST(MappingTest, EveryPresetOnSglang) {
  const std::string q = "quantization_config: {presets: [default, kv-cache-fp8, dynamic-fp8, bf16-stable]}\n";
  EXPECT_TRUE(Args(Make("sglang", q, {{"quantization.preset", "default"}})).empty());
  EXPECT_THAT(Args(Make("sglang", q, {{"quantization.preset", "kv-cache-fp8"}})),
              ElementsAre("--kv-cache-dtype", "fp8_e5m2"));
  EXPECT_THAT(Args(Make("sglang", q, {{"quantization.preset", "dynamic-fp8"}})),
              ElementsAre("--kv-cache-dtype", "fp8_e5m2", "--quantization", "fp8"));
  EXPECT_THAT(Args(Make("sglang", q, {{"quantization.preset", "bf16-stable"}})),
              ElementsAre("--dtype", "bfloat16", "--kv-cache-dtype", "fp8_e5m2"));
}

TEST(MappingTest, Int8KvCacheIsPrunedOnSglang) {
  auto f = Make("sglang", "quantization_config: {preset: int8-kv-cache}\n",
                {{"quantization.preset", "int8-kv-cache"}});
  const auto out = Map(f);
  ASSERT_TRUE(out.pruned());
  EXPECT_THAT(out.pruned_reason, HasSubstr("sglang cannot store the KV cache as int8"));
}

TEST(MappingTest, PlainFp8MapsToTheNearestSglangValue) {
  auto f = Make("sglang", "quantization_config: {kv_cache_dtype: [fp8]}\n",
                {{"quantization.kv_cache_dtype", "fp8"}});
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_THAT(out.plan->args, ElementsAre("--kv-cache-dtype", "fp8_e4m3"));
  ASSERT_EQ(out.plan->notes.size(), 1u);
  EXPECT_THAT(out.plan->notes[0], HasSubstr("fp8 → fp8_e4m3"));
}

TEST(MappingTest, VllmTakesFp8AsIs) {
  const std::string q =
      "quantization_config: {kv_cache_dtype: [fp8, fp8_e5m2], enable_fp8_compute: [true]}\n";
  EXPECT_THAT(Args(Make("vllm", q,
                        {{"quantization.kv_cache_dtype", "fp8"}, {"quantization.enable_fp8_compute", true}})),
              ElementsAre("--kv-cache-dtype", "fp8", "--quantization", "fp8"));
}

TEST(MappingTest, TrtllmQuantizationGoesToTheConfigFile) {
  auto f = Make("trtllm", "quantization_config: {preset: dynamic-fp8}\n",
                {{"quantization.preset", "dynamic-fp8"}});
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_TRUE(out.plan->args.empty());
  EXPECT_EQ(out.plan->config_file["kv_cache_config"]["dtype"], "fp8");
  EXPECT_EQ(out.plan->config_file["quant_config"]["quant_algo"], "FP8");
  EXPECT_THAT(out.plan->notes[0], HasSubstr("fp8_e5m2 → fp8"));
}

TEST(MappingTest, TrtllmTakesModelDtypeFromTheCheckpoint) {
  auto f = Make("trtllm", "quantization_config: {preset: bf16-stable}\n",
                {{"quantization.preset", "bf16-stable"}});
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_THAT(out.plan->notes[0], HasSubstr("model_dtype bfloat16 ignored"));
}

// ---- interaction rules
// ---------------------------------------------------------------------------------------

TEST(MappingTest, OfflineQuantizedModelsIgnoreFp8ComputeAndModelDtype) {
  auto f = Make(
      "vllm", "quantization_config: {model_dtype: bfloat16, kv_cache_dtype: fp8, enable_fp8_compute: true}\n",
      {{"quantization.model_dtype", "bfloat16"},
       {"quantization.kv_cache_dtype", "fp8"},
       {"quantization.enable_fp8_compute", true}});
  f.input.offline_quantization = OfflineQuantization{"awq", "name pattern -AWQ"};
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_THAT(out.plan->args,
              ElementsAre("--kv-cache-dtype", "fp8"));  // the KV-cache dtype applies to any model
  ASSERT_EQ(out.plan->notes.size(), 2u);
  EXPECT_THAT(out.plan->notes[0],
              HasSubstr("enable_fp8_compute ignored: the checkpoint is already quantized (awq"));
  EXPECT_THAT(out.plan->notes[1], HasSubstr("model_dtype ignored"));
}

TEST(MappingTest, Fp8IsPrunedBeforeAmpere) {
  auto f = Make("vllm", "quantization_config: {preset: kv-cache-fp8}\n",
                {{"quantization.preset", "kv-cache-fp8"}}, "V100");
  const auto out = Map(f);
  ASSERT_TRUE(out.pruned());
  EXPECT_EQ(out.pruned_reason, "FP8 needs an Ampere or newer GPU; V100 has no FP8 kernels");
}

TEST(MappingTest, Fp8ComputeOnAmpereIsWeightOnly) {
  auto f = Make("sglang", "quantization_config: {enable_fp8_compute: true}\n",
                {{"quantization.enable_fp8_compute", true}}, "A100-80GB");
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_THAT(out.plan->notes[0], HasSubstr("weight-only"));
}

// ---- offline quantization and pruning, for each engine
// -----------------------------------------------------------

const char* const kEngines[] = {"sglang", "vllm", "trtllm"};

// All three runtime dimensions at once, on a checkpoint detected as AWQ.
Fixture OfflineAwq(const std::string& engine, const std::string& kv_cache_dtype, const std::string& gpu) {
  auto f = Make(engine,
                "quantization_config: {model_dtype: bfloat16, kv_cache_dtype: " + kv_cache_dtype +
                    ", enable_fp8_compute: true}\n",
                {{"quantization.model_dtype", "bfloat16"},
                 {"quantization.kv_cache_dtype", kv_cache_dtype},
                 {"quantization.enable_fp8_compute", true}},
                gpu);
  f.input.offline_quantization = OfflineQuantization{"awq", "name pattern in 'Qwen2.5-7B-Instruct-AWQ'"};
  return f;
}

TEST(MappingTest, OfflineQuantizationDropsWeightSettingsOnEveryEngine) {
  for (const std::string engine : kEngines) {
    SCOPED_TRACE(engine);
    auto f = OfflineAwq(engine, "auto", "H100");
    const auto out = Map(f);
    ASSERT_FALSE(out.pruned()) << out.pruned_reason;
    // Neither --dtype/--quantization nor TensorRT-LLM's quant_config: the checkpoint decides.
    EXPECT_TRUE(out.plan->args.empty());
    EXPECT_TRUE(out.plan->config_file.empty());
    ASSERT_EQ(out.plan->notes.size(), 2u);
    EXPECT_EQ(out.plan->notes[0],
              "enable_fp8_compute ignored: the checkpoint is already quantized (awq, from name pattern in "
              "'Qwen2.5-7B-Instruct-AWQ')");
    EXPECT_THAT(out.plan->notes[1], HasSubstr("model_dtype ignored: the checkpoint is already quantized"));
  }
}

TEST(MappingTest, OfflineQuantizationKeepsTheKvCacheDtypeOnEveryEngine) {
  auto sglang = OfflineAwq("sglang", "fp8_e4m3", "H100");
  EXPECT_THAT(Map(sglang).plan->args, ElementsAre("--kv-cache-dtype", "fp8_e4m3"));
  auto vllm = OfflineAwq("vllm", "fp8", "H100");
  EXPECT_THAT(Map(vllm).plan->args, ElementsAre("--kv-cache-dtype", "fp8"));
  auto trtllm = OfflineAwq("trtllm", "fp8", "H100");
  const auto out = Map(trtllm);
  ASSERT_FALSE(out.pruned());
  EXPECT_EQ(out.plan->config_file, Json({{"kv_cache_config", {{"dtype", "fp8"}}}}));
}

TEST(MappingTest, OfflineQuantizationWithoutRuntimeSettingsAddsNothing) {
  for (const std::string engine : kEngines) {
    SCOPED_TRACE(engine);
    auto f = Make(engine, "quantization_config: {preset: default}\n", {{"quantization.preset", "default"}});
    f.input.offline_quantization =
        OfflineQuantization{"fp8", "config.json quantization_config.quant_method=fp8"};
    const auto out = Map(f);
    ASSERT_FALSE(out.pruned());
    EXPECT_TRUE(out.plan->args.empty());
    EXPECT_TRUE(out.plan->config_file.empty());
    EXPECT_TRUE(out.plan->notes.empty());
  }
}

TEST(MappingTest, OfflineQuantizationIgnoresFp8ComputeBeforeAmpereButNotAnFp8KvCache) {
  for (const std::string engine : kEngines) {
    SCOPED_TRACE(engine);
    // FP8 compute alone is dropped for a quantized checkpoint, so a V100 can still run it.
    auto compute_only = OfflineAwq(engine, "auto", "V100");
    EXPECT_FALSE(Map(compute_only).pruned());
    // An FP8 KV cache is still wanted and V100 has no FP8 kernels.
    auto fp8_kv = OfflineAwq(engine, "fp8", "V100");
    const auto out = Map(fp8_kv);
    ASSERT_TRUE(out.pruned());
    EXPECT_EQ(out.pruned_reason, "FP8 needs an Ampere or newer GPU; V100 has no FP8 kernels");
  }
}

TEST(MappingTest, OfflineQuantizationSkipsTheAmpereWeightOnlyNote) {
  for (const std::string engine : kEngines) {
    SCOPED_TRACE(engine);
    auto f = Make(engine, "quantization_config: {enable_fp8_compute: true}\n",
                  {{"quantization.enable_fp8_compute", true}}, "A100-80GB");
    f.input.offline_quantization = OfflineQuantization{"gptq", "name pattern in 'x-GPTQ-Int4'"};
    const auto out = Map(f);
    ASSERT_FALSE(out.pruned());
    ASSERT_EQ(out.plan->notes.size(), 1u);
    EXPECT_THAT(out.plan->notes[0], HasSubstr("enable_fp8_compute ignored"));
  }
}

TEST(MappingTest, Fp8IsPrunedBeforeAmpereOnEveryEngine) {
  for (const std::string engine : kEngines) {
    SCOPED_TRACE(engine);
    for (const std::string preset : {"kv-cache-fp8", "dynamic-fp8"}) {
      auto f = Make(engine, "quantization_config: {preset: " + preset + "}\n",
                    {{"quantization.preset", preset}}, "T4");
      const auto out = Map(f);
      ASSERT_TRUE(out.pruned()) << preset;
      EXPECT_EQ(out.pruned_reason, "FP8 needs an Ampere or newer GPU; T4 has no FP8 kernels");
    }
    // fp8 compute alone is pruned too; the default preset is not.
    auto compute = Make(engine, "quantization_config: {enable_fp8_compute: true}\n",
                        {{"quantization.enable_fp8_compute", true}}, "T4");
    EXPECT_TRUE(Map(compute).pruned());
    auto plain =
        Make(engine, "quantization_config: {preset: default}\n", {{"quantization.preset", "default"}}, "T4");
    EXPECT_FALSE(Map(plain).pruned());
  }
}

TEST(MappingTest, Int8KvCacheOnEveryEngine) {
  const std::string q = "quantization_config: {preset: int8-kv-cache}\n";
  const Json a = {{"quantization.preset", "int8-kv-cache"}};
  auto sglang = Make("sglang", q, a);
  EXPECT_EQ(Map(sglang).pruned_reason,
            "sglang cannot store the KV cache as int8 (--kv-cache-dtype has no such choice or equivalent)");
  auto vllm = Make("vllm", q, a);
  EXPECT_EQ(Map(vllm).pruned_reason,
            "vllm cannot store the KV cache as int8 (--kv-cache-dtype has no such choice or equivalent)");
  // TensorRT-LLM quantizes its KV cache to INT8 natively.
  auto trtllm = Make("trtllm", q, a);
  const auto out = Map(trtllm);
  ASSERT_FALSE(out.pruned()) << out.pruned_reason;
  EXPECT_EQ(out.plan->config_file["kv_cache_config"]["dtype"], "int8");
}

TEST(MappingTest, PrunedWhenGpusAreTooFewOnEveryEngine) {
  for (const std::string engine : kEngines) {
    SCOPED_TRACE(engine);
    auto f =
        Make(engine, "parallel_config: {tp: [2, 4], pp: [1, 2]}\n", {{"parallel.tp", 4}, {"parallel.pp", 2}});
    f.input.gpus_available = 4;
    EXPECT_EQ(Map(f).pruned_reason, "needs 8 GPUs (tp x pp x dp) but 4 are available");
    f.input.gpus_available = 8;
    EXPECT_FALSE(Map(f).pruned());
  }
}

TEST(MappingTest, PrunedWhenTheEngineHasNoFlagForAParallelDimension) {
  // TensorRT-LLM's serve has no data-parallel flag. Task validation already refuses `dp: [1, 2]` for it; the
  // mapping still prunes an assignment that asks for it (a warm-start point from another runtime, say).
  auto trtllm = Make("trtllm", "", {{"parallel.dp", 2}});
  EXPECT_EQ(Map(trtllm).pruned_reason, "trtllm has no dp flag; it cannot run dp = 2");
  auto trtllm_one = Make("trtllm", "", {{"parallel.dp", 1}});
  EXPECT_FALSE(Map(trtllm_one).pruned());
  const std::string pc = "parallel_config: {dp: [1, 2]}\n";
  EXPECT_THAT(Args(Make("sglang", pc, {{"parallel.dp", 2}})), ElementsAre("--dp-size", "2"));
  EXPECT_THAT(Args(Make("vllm", pc, {{"parallel.dp", 2}})), ElementsAre("--data-parallel-size", "2"));
}

TEST(MappingTest, ExplicitFlagsWinOverDerivedOnes) {
  // The task's hardware would derive --sim-gpu-type H100; the user's own --sim-gpu-type wins.
  auto f = Make("sim-sglang", "parameters: {sim-gpu-type: [L4]}\n", {{"sim-gpu-type", "L4"}}, "H100");
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_THAT(out.plan->args, ElementsAre("--sim-gpu-type", "L4"));
  ASSERT_EQ(out.plan->notes.size(), 1u);
  EXPECT_THAT(out.plan->notes[0], HasSubstr("explicit --sim-gpu-type wins"));
}

TEST(MappingTest, EngineAliasesCountTowardsGpus) {
  auto f = Make("sglang", "parameters: {tensor-parallel-size: [4]}\nparallel_config: {dp: [2]}\n",
                {{"tensor-parallel-size", 4}, {"parallel.dp", 2}});
  const auto out = Map(f);
  ASSERT_FALSE(out.pruned());
  EXPECT_THAT(out.plan->args, ElementsAre("--tp-size", "4", "--dp-size", "2"));
  EXPECT_EQ(out.plan->gpus_needed, 8);
}

TEST(MappingTest, SimRuntimesGetTheGpuModel) {
  auto f = Make("sim-trtllm", "parameters: {max_batch_size: [8]}\n", {{"max_batch_size", 8}}, "A100-80GB");
  EXPECT_THAT(Args(f), ElementsAre("--max_batch_size", "8", "--sim-gpu-type", "A100-80GB"));
}

TEST(EngineArgvTest, FollowsTheRuntime) {
  struct {
    std::string model, served_model_name;
    LaunchPlan plan;
    const task::RuntimeDefinition* runtime = nullptr;
  } spec;
  spec.model = "meta-llama/Llama-3.2-1B-Instruct";
  spec.served_model_name = "llama";
  spec.plan.args = {"--mem-fraction-static", "0.8"};
  spec.runtime = Catalog().Find("sglang");
  EXPECT_THAT(
      BuildEngineArgv(*spec.runtime, spec.model, spec.served_model_name, spec.plan, "127.0.0.1", 30000, ""),
      ElementsAre("python3", "-m", "sglang.launch_server", "--model-path", "meta-llama/Llama-3.2-1B-Instruct",
                  "--host", "127.0.0.1", "--port", "30000", "--served-model-name", "llama",
                  "--enable-metrics", "--mem-fraction-static", "0.8"));
  spec.runtime = Catalog().Find("vllm");
  spec.plan.args = {};
  EXPECT_THAT(
      BuildEngineArgv(*spec.runtime, spec.model, spec.served_model_name, spec.plan, "127.0.0.1", 8000, ""),
      ElementsAre("vllm", "serve", "meta-llama/Llama-3.2-1B-Instruct", "--host", "127.0.0.1", "--port",
                  "8000", "--served-model-name", "llama"));
  spec.runtime = Catalog().Find("sim-trtllm");
  EXPECT_THAT(BuildEngineArgv(*spec.runtime, spec.model, spec.served_model_name, spec.plan, "127.0.0.1", 8001,
                              "/tmp/x/extra.yaml"),
              ElementsAre("autotuner-sim", "--flavor", "trtllm", "--sim-startup-scale", "0.1",
                          "meta-llama/Llama-3.2-1B-Instruct", "--host", "127.0.0.1", "--port", "8001",
                          "--extra_llm_api_options", "/tmp/x/extra.yaml"));
}

TEST(MappingTest, GpuGenerations) {
  EXPECT_EQ(GenerationOf("H100"), GpuGeneration::kHopper);
  EXPECT_EQ(GenerationOf("H200"), GpuGeneration::kHopper);
  EXPECT_EQ(GenerationOf("L40S"), GpuGeneration::kAda);
  EXPECT_EQ(GenerationOf("L4"), GpuGeneration::kAda);
  EXPECT_EQ(GenerationOf("A100-40GB"), GpuGeneration::kAmpere);
  EXPECT_EQ(GenerationOf("A10G"), GpuGeneration::kAmpere);
  EXPECT_EQ(GenerationOf("Tesla T4"), GpuGeneration::kUnknown);
  EXPECT_EQ(GenerationOf("T4"), GpuGeneration::kPreAmpere);
  EXPECT_EQ(GenerationOf(""), GpuGeneration::kUnknown);
}

}  // namespace
}  // namespace autotuner::deploy
