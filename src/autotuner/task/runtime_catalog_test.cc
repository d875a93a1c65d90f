#include "autotuner/task/runtime_catalog.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "autotuner/task/parse.h"

namespace autotuner::task {
namespace {

const RuntimeCatalog& Shipped() {
  static const RuntimeCatalog catalog = [] {
    auto loaded = RuntimeCatalog::Load({std::string(AUTOTUNER_SOURCE_DIR) + "/runtimes"});
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    return loaded.ok() ? std::move(loaded).value() : RuntimeCatalog();
  }();
  return catalog;
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("autotuner-runtimes-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  void Write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(RuntimeCatalogTest, ShipsTheSixRuntimes) {
  const auto names = Shipped().Names();
  EXPECT_EQ(names, (std::vector<std::string_view>{"sglang", "sim-sglang", "sim-trtllm", "sim-vllm", "trtllm",
                                                  "vllm"}));
}

TEST(RuntimeCatalogTest, EngineFlagFacts) {
  const RuntimeDefinition* sglang = Shipped().Find("sglang");
  ASSERT_NE(sglang, nullptr);
  const FlagDefinition* mem = sglang->FindFlag("mem_fraction_static");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->type, FlagDefinition::Type::kFloat);
  EXPECT_TRUE(mem->tuned);
  const FlagDefinition* kv = sglang->FindFlag("--kv-cache-dtype");
  ASSERT_NE(kv, nullptr);
  // SGLang has no plain fp8 and no int8 KV cache (SPEC §4).
  EXPECT_EQ(std::count(kv->choices.begin(), kv->choices.end(), "fp8"), 0);
  EXPECT_EQ(std::count(kv->choices.begin(), kv->choices.end(), "fp8_e5m2"), 1);
  EXPECT_EQ(sglang->FindFlag("tensor-parallel-size"), sglang->FindFlag("tp-size"));  // alias
  EXPECT_EQ(sglang->parallel.at("tp"), "tp-size");

  const RuntimeDefinition* vllm = Shipped().Find("vllm");
  ASSERT_NE(vllm, nullptr);
  const FlagDefinition* prefix = vllm->FindFlag("enable-prefix-caching");
  ASSERT_NE(prefix, nullptr);
  EXPECT_TRUE(prefix->negatable);  // --no-enable-prefix-caching exists
  EXPECT_EQ(vllm->model_arg, "positional");

  const RuntimeDefinition* trtllm = Shipped().Find("trtllm");
  ASSERT_NE(trtllm, nullptr);
  EXPECT_EQ(trtllm->RenderFlag("max-batch-size"), "--max_batch_size");
  EXPECT_EQ(trtllm->config_file_flag, "extra_llm_api_options");
  EXPECT_FALSE(trtllm->parallel.contains("dp"));
}

TEST(RuntimeCatalogTest, SimRuntimesExtendTheirEngine) {
  const RuntimeDefinition* sim = Shipped().Find("sim-vllm");
  ASSERT_NE(sim, nullptr);
  EXPECT_TRUE(sim->simulated);
  EXPECT_EQ(sim->engine, "vllm");
  EXPECT_EQ(sim->command,
            (std::vector<std::string>{"autotuner-sim", "--flavor", "vllm", "--sim-startup-scale", "0.1"}));
  EXPECT_NE(sim->FindFlag("gpu-memory-utilization"), nullptr);  // inherited
  EXPECT_NE(sim->FindFlag("sim-gpu-type"), nullptr);            // its own
  EXPECT_EQ(sim->health_path, "/health");
  // The simulator's own settings keep their dashes even where the engine spells flags with underscores.
  const RuntimeDefinition* sim_trt = Shipped().Find("sim-trtllm");
  ASSERT_NE(sim_trt, nullptr);
  EXPECT_EQ(sim_trt->RenderFlag("sim_gpu_type"), "--sim-gpu-type");
  EXPECT_EQ(sim_trt->RenderFlag("max-batch-size"), "--max_batch_size");
}

TEST(RuntimeCatalogTest, UserRuntimesOverrideAndExtend) {
  TempDir dir;
  dir.Write("my-sglang.yaml",
            "name: my-sglang\nextends: sglang\ndescription: patched\ncommand: [/opt/sglang/launch]\n"
            "flags:\n  - {name: my-flag, type: int, tuned: true}\n");
  dir.Write("vllm.yaml", "name: vllm\nengine: vllm\ncommand: [my-vllm]\n");
  auto catalog = RuntimeCatalog::Load({dir.path(), std::string(AUTOTUNER_SOURCE_DIR) + "/runtimes"});
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  const RuntimeDefinition* mine = catalog->Find("my-sglang");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->engine, "sglang");
  EXPECT_NE(mine->FindFlag("my_flag"), nullptr);
  EXPECT_NE(mine->FindFlag("schedule-policy"), nullptr);
  EXPECT_EQ(catalog->Find("vllm")->command, (std::vector<std::string>{"my-vllm"}));  // the user's file wins
  EXPECT_EQ(catalog->Find("vllm")->FindFlag("max-num-seqs"), nullptr);
}

TEST(RuntimeCatalogTest, BrokenFilesAreNamed) {
  TempDir dir;
  dir.Write("a.yaml", "name: a\nextends: nowhere\n");
  auto missing_parent = RuntimeCatalog::Load({dir.path()});
  ASSERT_FALSE(missing_parent.ok());
  EXPECT_NE(missing_parent.error().message.find("a.yaml: extends: unknown runtime 'nowhere'"),
            std::string::npos)
      << missing_parent.error().message;
  dir.Write("a.yaml", "name: a\nengine: tgi\ncommand: [x]\n");
  auto bad_engine = RuntimeCatalog::Load({dir.path()});
  ASSERT_FALSE(bad_engine.ok());
  EXPECT_NE(bad_engine.error().message.find("engine: must be sglang, vllm or trtllm"), std::string::npos);
  auto empty = RuntimeCatalog::Load({dir.path() + "/none"});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, ErrorCode::kNotFound);
}

TEST(RuntimeCatalogTest, RolesNameKnownRolesAndFlags) {
  const RuntimeDefinition* vllm = Shipped().Find("sim-vllm");
  ASSERT_NE(vllm, nullptr);
  const auto memory = vllm->RoleFlags(FlagRole::kMemoryFraction);  // inherited from vllm.yaml
  ASSERT_EQ(memory.size(), 1u);
  EXPECT_EQ(memory.front()->name, "gpu-memory-utilization");
  EXPECT_TRUE(vllm->RoleFlags(FlagRole::kChunkSize).empty());
  EXPECT_TRUE(vllm->IsGpuCountFlag(*vllm->FindFlag("tensor-parallel-size")));
  EXPECT_FALSE(vllm->IsGpuCountFlag(*vllm->FindFlag("enable-expert-parallel")));
  EXPECT_EQ(Shipped().Find("sglang")->RoleFlags(FlagRole::kCudaGraphMaxBatch).size(), 2u);

  TempDir dir;
  const std::string head = "name: a\nengine: vllm\ncommand: [x]\nflags:\n  - {name: mem, type: float}\n";
  dir.Write("a.yaml", head + "roles: {memory_fractoin: mem}\n");
  auto unknown = RuntimeCatalog::Load({dir.path()});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("a.yaml: roles.memory_fractoin: unknown role 'memory_fractoin'; did "
                                         "you mean 'memory_fraction'?"),
            std::string::npos)
      << unknown.error().message;
  dir.Write("a.yaml", head + "roles: {memory_fraction: memory}\n");
  auto undefined = RuntimeCatalog::Load({dir.path()});
  ASSERT_FALSE(undefined.ok());
  EXPECT_NE(undefined.error().message.find(
                "a.yaml: roles.memory_fraction: names 'memory', which is not one of a's flags"),
            std::string::npos)
      << undefined.error().message;
  dir.Write("a.yaml", head + "roles: {memory_fraction: mem}\n");
  auto good = RuntimeCatalog::Load({dir.path()});
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->Find("a")->RoleFlags(FlagRole::kMemoryFraction).front()->name, "mem");
}

// ---- task validation against a runtime's flags
// ----------------------------------------------------------------

TaskParseResult ParseWith(const std::string& runtime, const std::string& extra) {
  auto doc = ParseDocument("task_name: t\nbase_runtime: " + runtime + "\nmodel: {id_or_path: m}\n" + extra,
                           "t.yaml");
  EXPECT_TRUE(doc.ok());
  return ParseTask(*doc, &Shipped());
}

std::string ErrorAt(const TaskParseResult& r, const std::string& path) {
  for (const auto& d : r.errors) {
    if (d.path == path) return d.message;
  }
  return "<no error at " + path + ">";
}

TEST(RuntimeValidationTest, UnknownFlagSuggestsTheRealOne) {
  const auto r = ParseWith("sglang", "parameters: {mem-frac: [0.8]}\n");
  EXPECT_EQ(ErrorAt(r, "parameters.mem-frac"),
            "unknown flag --mem-frac for sglang; did you mean --mem-fraction-static?");
}

TEST(RuntimeValidationTest, TrtllmSpellingInMessages) {
  const auto r = ParseWith("trtllm", "parameters: {max-batch-sise: [8]}\n");
  EXPECT_EQ(ErrorAt(r, "parameters.max-batch-sise"),
            "unknown flag --max_batch_sise for trtllm; did you mean --max_batch_size?");
}

TEST(RuntimeValidationTest, ValuesMustMatchTypeAndChoices) {
  const auto r =
      ParseWith("sglang",
                "parameters:\n  schedule-policy: [lpm, fastest]\n  max-running-requests: [8, 'many']\n"
                "  disable-radix-cache: [true, 1]\n  chunked-prefill-size: {type: float, low: 1, high: 2}\n");
  EXPECT_NE(ErrorAt(r, "parameters.schedule-policy[1]").find("--schedule-policy does not accept 'fastest'"),
            std::string::npos);
  EXPECT_NE(ErrorAt(r, "parameters.max-running-requests[1]").find("takes an integer"), std::string::npos);
  EXPECT_NE(ErrorAt(r, "parameters.disable-radix-cache[1]").find("takes true or false"), std::string::npos);
  EXPECT_NE(ErrorAt(r, "parameters.chunked-prefill-size").find("takes integers"), std::string::npos);
}

TEST(RuntimeValidationTest, ManagedFlagsCannotBeSearched) {
  const auto r = ParseWith("vllm", "parameters: {port: [8000, 8001], model: [a, b]}\n");
  EXPECT_NE(ErrorAt(r, "parameters.port").find("set by autotuner"), std::string::npos);
  EXPECT_NE(ErrorAt(r, "parameters.model").find("set by autotuner"), std::string::npos);
}

TEST(RuntimeValidationTest, RuntimeWithoutDataParallelism) {
  const auto r = ParseWith("sim-trtllm", "parallel_config: {dp: [1, 2]}\n");
  EXPECT_EQ(ErrorAt(r, "parallel_config.dp"), "sim-trtllm has no dp flag; it cannot run dp > 1");
}

// Value checks follow the runtime's flag roles: memory fractions, GPU counts, config-block dimensions.
TEST(RuntimeValidationTest, RolesCheckValues) {
  EXPECT_EQ(ErrorAt(ParseWith("sglang", "parameters: {mem-fraction-static: [0.8, 1.2]}\n"),
                    "parameters.mem-fraction-static[1]"),
            "is a GPU memory fraction: must be in (0, 1], got 1.2");
  EXPECT_NE(
      ErrorAt(ParseWith("vllm", "parameters: {gpu-memory-utilization: {type: float, low: 0, high: 0.9}}\n"),
              "parameters.gpu-memory-utilization.low")
          .find("must be in (0, 1]"),
      std::string::npos);
  EXPECT_NE(ErrorAt(ParseWith("sim-trtllm", "parameters: {kv_cache_free_gpu_memory_fraction: [0, 0.5]}\n"),
                    "parameters.kv_cache_free_gpu_memory_fraction[0]")
                .find("GPU memory fraction"),
            std::string::npos);
  EXPECT_NE(ErrorAt(ParseWith("sglang", "parameters: {tp-size: [0, 1]}\n"), "parameters.tp-size[0]")
                .find("GPU count: must be a positive integer"),
            std::string::npos);
  EXPECT_NE(ErrorAt(ParseWith("trtllm", "parameters: {pp_size: [0, 1]}\n"), "parameters.pp_size[0]")
                .find("GPU count"),
            std::string::npos);
  // vLLM's expert parallelism is a switch, not a count.
  EXPECT_TRUE(ParseWith("vllm", "parameters: {enable-expert-parallel: [true, false]}\n").ok());
}

TEST(RuntimeValidationTest, RolesFindDimensionsSetTwice) {
  const auto twice = [](const std::string& runtime, const std::string& extra, const std::string& path) {
    return ErrorAt(ParseWith(runtime, extra), path);
  };
  EXPECT_NE(
      twice("sglang", "parallel_config: {dp: [1, 2]}\nparameters: {dp-size: [1]}\n", "parameters.dp-size")
          .find("same dimension as parallel_config.dp"),
      std::string::npos);
  EXPECT_NE(twice("sglang", "parallel_config: {tp: 2}\nparameters: {tensor_parallel_size: [1]}\n",
                  "parameters.tensor_parallel_size")
                .find("same dimension as parallel_config.tp"),
            std::string::npos);
  EXPECT_NE(twice("vllm", "parallel_config: {ep: [1, 2]}\nparameters: {enable-expert-parallel: [true]}\n",
                  "parameters.enable-expert-parallel")
                .find("same dimension as parallel_config.ep"),
            std::string::npos);
  EXPECT_NE(twice("sglang",
                  "quantization_config: {presets: [default, kv-cache-fp8]}\nparameters: {kv-cache-dtype: "
                  "[fp8_e5m2]}\n",
                  "parameters.kv-cache-dtype")
                .find("same dimension as quantization_config.kv_cache_dtype"),
            std::string::npos);
}

TEST(RuntimeValidationTest, UnknownRuntimeListsCatalog) {
  const auto r = ParseWith("sglang-base-runtime", "");
  EXPECT_NE(ErrorAt(r, "base_runtime").find("unknown runtime 'sglang-base-runtime'"), std::string::npos);
  EXPECT_NE(ErrorAt(r, "base_runtime").find("sim-vllm"), std::string::npos);
}

TEST(RuntimeValidationTest, EveryExampleValidatesAgainstTheShippedRuntimes) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(AUTOTUNER_SOURCE_DIR) + "/examples")) {
    auto loaded = LoadTaskFile(entry.path().string(), &Shipped());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    for (const auto& e : loaded->errors) ADD_FAILURE() << entry.path() << ": " << e.path << ": " << e.message;
  }
}

}  // namespace
}  // namespace autotuner::task
