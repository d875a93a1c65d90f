#include "autotuner/runner/preflight.h"

#include <gtest/gtest.h>

#include <atomic>

#include "autotuner/core/model_files_testing.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::runner {
namespace {

using autotuner::testing::ScopedEnv;
using autotuner::testing::ScratchDir;

deploy::GpuInventory Gpus(int count, double used_mib = 0) {
  deploy::GpuInventory inventory;
  inventory.queried = true;
  for (int i = 0; i < count; ++i) {
    deploy::GpuDevice gpu;
    gpu.index = i;
    gpu.uuid = "GPU-" + std::to_string(i);
    gpu.name = "NVIDIA H100 80GB HBM3";
    gpu.type = "H100";
    gpu.compute_major = 9;
    gpu.memory_total_mib = 81559;
    gpu.memory_used_mib = i == 0 ? used_mib : 0;
    inventory.gpus.push_back(gpu);
  }
  return inventory;
}

// A machine where everything works: the tests break one thing each.
struct World {
  ScratchDir tmp{"preflight"};
  ScopedEnv model_dir{"AUTOTUNER_MODEL_DIR", (tmp.path() / "models").string()};
  ScopedEnv hub{"HF_HUB_CACHE", (tmp.path() / "hub").string()};
  PreflightProbes probes;
  PreflightOptions options;
  std::vector<std::vector<std::string>> probed;

  World() {
    autotuner::testing::WriteModelDir(tmp.path() / "models/llama-3-2-1b-instruct",
                                      {{"config.json", autotuner::testing::LlamaConfigJson()}});
    probes.on_path = [](const std::string&) { return true; };
    probes.run_probe = [this](const std::vector<std::string>& argv) -> Status {
      probed.push_back(argv);
      return {};
    };
    probes.docker_reachable = []() -> Status { return {}; };
    probes.docker_image_present = [](const std::string&) -> Result<bool> { return true; };
    probes.cluster_reachable = [](const task::Task&) -> Status { return {}; };
    probes.gpu_inventory = [] { return Gpus(2); };
    probes.is_our_process = [](int) { return false; };
    probes.free_disk_bytes = [](const std::filesystem::path&) -> std::optional<uint64_t> {
      return 100ull << 30;
    };
    options.state_dir = tmp.path() / "state";
  }

  PreflightReport Run(const Json& spec) {
    auto parsed = task::ParseTask(spec, &Catalog());
    EXPECT_TRUE(parsed.task.has_value()) << task::ValidationError(parsed).message;
    const auto* runtime = Catalog().Find(parsed.task->base_runtime);
    return RunPreflight(*parsed.task, *runtime, probes, options);
  }
};

Json Task(const std::string& runtime, const std::string& model, const std::string& mode = "local") {
  return {{"task_name", "preflight"},
          {"base_runtime", runtime},
          {"deployment_mode", mode},
          {"model", {{"id_or_path", model}}},
          {"parameters", {{"tp-size", {1, 2}}, {"mem-fraction-static", {0.8}}}},
          {"optimization",
           {{"strategy", "grid_search"}, {"objective", "minimize_latency"}, {"max_iterations", 2}}},
          {"benchmark",
           {{"model_tokenizer", "gpt2"}, {"traffic_scenarios", {"D(100,100)"}}, {"num_concurrency", {1}}}}};
}

const PreflightCheck* Find(const PreflightReport& report, const std::string& name, bool ok) {
  for (const auto& check : report.checks) {
    if (check.name == name && check.ok == ok) return &check;
  }
  return nullptr;
}

TEST(PreflightTest, EverythingInPlacePasses) {
  World world;
  const auto report = world.Run(Task("sglang", "llama-3-2-1b-instruct"));
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.gpus.ids, (std::vector<int>{0, 1}));
  EXPECT_EQ(report.gpus.type, "H100");
  EXPECT_EQ(report.gpus.compute_capability, 90);
  ASSERT_TRUE(report.model.has_value());
  EXPECT_EQ(report.model->source, ModelFiles::Source::kModelDir);
  EXPECT_EQ(report.tokenizer, "gpt2");
  // sglang declares `python3 -c "import sglang"` as its launcher probe.
  ASSERT_EQ(world.probed.size(), 1u);
  EXPECT_EQ(world.probed[0].back(), "import sglang");
}

TEST(PreflightTest, MissingModelIsAnInputErrorListingThePlacesTried) {
  World world;
  const auto report = world.Run(Task("sglang", "llama-3-1-8b-instruct"));
  ASSERT_FALSE(report.ok());
  const auto* check = Find(report, "model", false);
  ASSERT_NE(check, nullptr) << report.Summary();
  EXPECT_NE(check->message.find((world.tmp.path() / "models/llama-3-1-8b-instruct").string()),
            std::string::npos);
  const Error error = report.ToError();
  EXPECT_EQ(error.code, ErrorCode::kValidation);
  EXPECT_EQ(ExitCodeFor(error.code), kExitInvalidInput);
  EXPECT_EQ(error.details["errors"][0]["field"], "model");
}

TEST(PreflightTest, MissingTokenizerIsAnInputErrorWithTheFix) {
  World world;
  // A model of no known family, its directory without a tokenizer.json.
  autotuner::testing::WriteModelDir(world.tmp.path() / "models/acme-7b", {{"config.json", "{}"}});
  Json spec = Task("sglang", "acme-7b");
  spec["benchmark"]["model_tokenizer"] = "acme/NoSuchTokenizer";
  const auto report = world.Run(spec);
  const auto* check = Find(report, "tokenizer", false);
  ASSERT_NE(check, nullptr) << report.Summary();
  EXPECT_NE(check->message.find("models--acme--NoSuchTokenizer"), std::string::npos) << check->message;
  EXPECT_NE(check->message.find("benchmark.model_tokenizer: gpt2"), std::string::npos);
  EXPECT_EQ(report.ToError().code, ErrorCode::kValidation);
}

TEST(PreflightTest, NoDockerApiIsAnEnvironmentError) {
  World world;
  world.probes.docker_reachable = []() -> Status {
    return MakeError(ErrorCode::kUnavailable, "cannot connect to /var/run/docker.sock");
  };
  const auto report = world.Run(Task("sglang", "llama-3-2-1b-instruct", "docker"));
  const auto* check = Find(report, "docker", false);
  ASSERT_NE(check, nullptr) << report.Summary();
  EXPECT_NE(check->message.find("cannot reach the Docker API"), std::string::npos);
  const Error error = report.ToError();
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(ExitCodeFor(error.code), kExitRuntimeError);
  EXPECT_EQ(HttpStatusFor(error.code), 503);
  bool listed = false;
  for (const auto& c : error.details["checks"])
    listed = listed || (c["name"] == "docker" && c["ok"] == false);
  EXPECT_TRUE(listed) << error.details.dump();
}

TEST(PreflightTest, AbsentImageIsOnlyAWarning) {
  World world;
  world.probes.docker_image_present = [](const std::string&) -> Result<bool> { return false; };
  const auto report = world.Run(Task("sglang", "llama-3-2-1b-instruct", "docker"));
  EXPECT_TRUE(report.ok()) << report.Summary();
  const auto* check = Find(report, "docker", true);
  ASSERT_NE(check, nullptr);
  EXPECT_TRUE(check->warning);
}

TEST(PreflightTest, NoGpusForARealRuntimeIsAnErrorNotAPoolOfOne) {
  World world;
  world.probes.gpu_inventory = [] {
    deploy::GpuInventory none;
    none.error = "nvidia-smi is not on PATH";
    return none;
  };
  const auto report = world.Run(Task("sglang", "llama-3-2-1b-instruct"));
  const auto* check = Find(report, "gpus", false);
  ASSERT_NE(check, nullptr) << report.Summary();
  EXPECT_NE(check->message.find("nvidia-smi is not on PATH"), std::string::npos);
  EXPECT_TRUE(report.gpus.ids.empty());
}

TEST(PreflightTest, BusyGpusAreLeftOutAndTheSmallestCandidateMustFit) {
  World world;
  world.probes.gpu_inventory = [] { return Gpus(2, 40000); };
  Json spec = Task("sglang", "llama-3-2-1b-instruct");
  spec["parameters"]["tp-size"] = {2, 4};
  const auto report = world.Run(spec);
  EXPECT_EQ(report.gpus.ids, (std::vector<int>{1}));
  const auto* busy = Find(report, "gpus", true);
  ASSERT_NE(busy, nullptr);
  EXPECT_TRUE(busy->warning);
  EXPECT_NE(busy->message.find("GPU 0 left out"), std::string::npos);
  const auto* short_of = Find(report, "gpus", false);
  ASSERT_NE(short_of, nullptr) << report.Summary();
  EXPECT_NE(short_of->message.find("smallest candidate needs 2"), std::string::npos) << short_of->message;
}

TEST(PreflightTest, GpusOverrideNarrowsThePool) {
  World world;
  world.options.gpu_ids = "1";
  const auto report = world.Run(Task("sglang", "llama-3-2-1b-instruct"));
  EXPECT_EQ(report.gpus.ids, (std::vector<int>{1}));
}

TEST(PreflightTest, LauncherMissingOrBroken) {
  World world;
  world.probes.on_path = [](const std::string& program) { return program != "vllm"; };
  Json vllm = Task("vllm", "llama-3-2-1b-instruct");
  vllm["parameters"] = {{"gpu-memory-utilization", {0.8, 0.9}}};
  const auto missing = world.Run(vllm);
  const auto* check = Find(missing, "launcher", false);
  ASSERT_NE(check, nullptr) << missing.Summary();
  EXPECT_NE(check->message.find("'vllm'"), std::string::npos);
  world.probes.run_probe = [](const std::vector<std::string>&) -> Status {
    return MakeError(ErrorCode::kUnavailable, "ModuleNotFoundError: No module named 'sglang'");
  };
  const auto broken = world.Run(Task("sglang", "llama-3-2-1b-instruct"));
  ASSERT_NE(Find(broken, "launcher", false), nullptr) << broken.Summary();
}

TEST(PreflightTest, SimulatedRuntimesUseBuiltInProfilesAndVirtualGpus) {
  World world;
  world.probes.gpu_inventory = [] { return deploy::GpuInventory{}; };
  world.probes.simulator_knows_model = [](const std::string& m) {
    return m == "meta-llama/Llama-3.1-8B-Instruct";
  };
  Json spec = Task("sim-sglang", "meta-llama/Llama-3.1-8B-Instruct");
  spec["benchmark"].erase("model_tokenizer");
  const auto report = world.Run(spec);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.tokenizer, "llama3.1");
  EXPECT_TRUE(world.probed.empty());  // sim runtimes declare no probe beyond their command
  const auto unknown = world.Run(Task("sim-sglang", "acme/Mystery-7B"));
  ASSERT_NE(Find(unknown, "model", false), nullptr) << unknown.Summary();
}

TEST(PreflightTest, LowDiskIsAnEnvironmentError) {
  World world;
  world.probes.free_disk_bytes = [](const std::filesystem::path&) -> std::optional<uint64_t> {
    return 1 << 20;
  };
  const auto report = world.Run(Task("sglang", "llama-3-2-1b-instruct"));
  ASSERT_NE(Find(report, "disk", false), nullptr) << report.Summary();
}

TEST(PreflightTest, RevisionFlagPicksTheSnapshot) {
  World world;
  Json spec = Task("sglang", "meta-llama/Llama-3.2-1B-Instruct");
  spec["parameters"]["revision"] = {"v2"};
  autotuner::testing::WriteHubSnapshot(world.tmp.path() / "hub", "meta-llama/Llama-3.2-1B-Instruct", "abc",
                                       {{"config.json", "{}"}}, "v2");
  const auto report = world.Run(spec);
  ASSERT_TRUE(report.model.has_value()) << report.Summary();
  EXPECT_EQ(report.model->revision, "abc");
  // A cached Hub model keeps its id and runs offline.
  auto resources = ResolveStudyResources(*task::ParseTask(spec, &Catalog()).task, *Catalog().Find("sglang"),
                                         world.probes, "");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(resources->engine_model, "meta-llama/Llama-3.2-1B-Instruct");
  EXPECT_EQ(resources->engine_env.at("HF_HUB_OFFLINE"), "1");
}

TEST(PreflightTest, StudyResourcesForRealAndSimulatedRuntimes) {
  World world;
  auto parse = [](const Json& spec) { return *task::ParseTask(spec, &Catalog()).task; };
  const task::Task real = parse(Task("sglang", "llama-3-2-1b-instruct"));
  auto resources = ResolveStudyResources(real, *Catalog().Find("sglang"), world.probes, "");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(resources->gpu_ids, (std::vector<int>{0, 1}));
  EXPECT_EQ(resources->gpu_type, "H100");
  EXPECT_TRUE(resources->real_gpus);
  // A bare name reaches the engine as its directory.
  EXPECT_EQ(resources->engine_model, (world.tmp.path() / "models/llama-3-2-1b-instruct").string());
  EXPECT_TRUE(resources->engine_env.empty());
  world.probes.gpu_inventory = [] { return Gpus(1, 50000); };
  auto busy = ResolveStudyResources(real, *Catalog().Find("sglang"), world.probes, "");
  ASSERT_FALSE(busy.ok());
  EXPECT_NE(busy.error().message.find("GPU 0 left out"), std::string::npos) << busy.error().message;
  Json sim_spec = Task("sim-sglang", "meta-llama/Llama-3.1-8B-Instruct");
  sim_spec["hardware"] = {{"gpu_type", "H100"}, {"num_gpus", 3}};
  sim_spec["benchmark"].erase("model_tokenizer");
  auto sim = ResolveStudyResources(parse(sim_spec), *Catalog().Find("sim-sglang"), world.probes, "");
  ASSERT_TRUE(sim.ok()) << sim.error().message;
  EXPECT_EQ(sim->gpu_ids, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(sim->tokenizer, "llama3.1");
  EXPECT_FALSE(sim->real_gpus);
}

TEST(PreflightTest, TheGpusCheckSaysWhatTheClusterOffers) {
  World world;
  deploy::ClusterCapacity capacity;
  capacity.free_gpus = 6;
  capacity.total_gpus = 16;
  capacity.largest_node_gpus = 8;
  capacity.nodes = 2;
  capacity.gpu_type = "H100";
  capacity.notes = {"node gpu-c left out: cordoned"};
  world.probes.cluster_capacity = [&](const task::Task&) -> Result<deploy::ClusterCapacity> {
    return capacity;
  };
  const Json spec = Task("sglang", "org/big", "kubernetes");
  auto report = world.Run(spec);
  EXPECT_TRUE(report.ok()) << report.Summary();
  ASSERT_NE(Find(report, "gpus", true), nullptr);
  EXPECT_NE(report.Summary().find("! gpus: node gpu-c left out: cordoned"), std::string::npos);
  EXPECT_NE(
      report.Summary().find("✓ gpus: the cluster offers 6 of 16 GPUs free on 2 nodes (H100), at most 8 on "
                            "one node; the smallest candidate needs 1"),
      std::string::npos)
      << report.Summary();
  // The smallest candidate larger than any node fails, naming both numbers; so does too few free GPUs.
  Json big = spec;
  big["parameters"]["tp-size"] = {16};
  report = world.Run(big);
  ASSERT_NE(Find(report, "gpus", false), nullptr) << report.Summary();
  EXPECT_NE(Find(report, "gpus", false)
                ->message.find("the smallest candidate needs 16 GPUs, but the largest "
                               "node of the cluster has 8"),
            std::string::npos);
  big["parameters"]["tp-size"] = {8};
  report = world.Run(big);
  ASSERT_NE(Find(report, "gpus", false), nullptr) << report.Summary();
  EXPECT_NE(Find(report, "gpus", false)->message.find("but the smallest candidate needs 8"),
            std::string::npos);
  // Unknown capacity: a warning, and today's pool.
  world.probes.cluster_capacity = [](const task::Task&) -> Result<deploy::ClusterCapacity> {
    return MakeError(ErrorCode::kUnavailable, "no kubeconfig");
  };
  report = world.Run(spec);
  EXPECT_TRUE(report.ok());
  EXPECT_NE(report.Summary().find("! gpus: cluster capacity unknown (no kubeconfig): a pool of 1 GPU(s)"),
            std::string::npos)
      << report.Summary();
}

TEST(PreflightTest, ClusterStudyResourcesComeFromTheCapacity) {
  World world;
  deploy::ClusterCapacity capacity;
  capacity.free_gpus = 3;
  capacity.largest_node_gpus = 2;
  capacity.gpu_type = "L40S";
  world.probes.cluster_capacity = [&](const task::Task&) -> Result<deploy::ClusterCapacity> {
    return capacity;
  };
  const task::Task cluster = *task::ParseTask(Task("sglang", "org/big", "kubernetes"), &Catalog()).task;
  auto resources = ResolveStudyResources(cluster, *Catalog().Find("sglang"), world.probes, "");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  EXPECT_EQ(resources->gpu_ids, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(resources->gpu_type, "L40S");
  EXPECT_EQ(resources->max_engine_gpus, 2);
  EXPECT_FALSE(resources->real_gpus);
  EXPECT_TRUE(resources->warnings.empty());
  EXPECT_EQ(
      BeyondOneNodeReason(cluster, 4, 2),
      "needs 4 GPUs, but the largest node of the cluster has 2 (set kubernetes.multi_node to span nodes)");
  EXPECT_EQ(BeyondOneNodeReason(cluster, 2, 2), "");
  EXPECT_EQ(BeyondOneNodeReason(cluster, 4, 0), "");  // unknown
  // --gpus still overrides the pool.
  auto narrowed = ResolveStudyResources(cluster, *Catalog().Find("sglang"), world.probes, "0,1");
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(narrowed->gpu_ids, (std::vector<int>{0, 1}));
}

TEST(PreflightTest, ForeignMemoryMidStudyIsAnEnvironmentFailure) {
  World world;
  std::atomic<int> calls = 0;
  world.probes.gpu_inventory = [&] { return Gpus(2, ++calls < 3 ? 30000 : 0); };
  // Freed on the third look: the deploy goes ahead.
  EXPECT_TRUE(WaitUntilGpusFree({0}, world.probes, std::chrono::seconds(30), {}).ok());
  world.probes.gpu_inventory = [] { return Gpus(2, 30000); };
  const Status held = WaitUntilGpusFree({0}, world.probes, std::chrono::milliseconds(0), {});
  ASSERT_FALSE(held.ok());
  EXPECT_EQ(held.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(held.error().message.find("GPU 0"), std::string::npos);
  EXPECT_TRUE(WaitUntilGpusFree({1}, world.probes, std::chrono::milliseconds(0), {}).ok());
}

}  // namespace
}  // namespace autotuner::runner
