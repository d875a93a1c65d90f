// Golden manifests: what examples/ome.yaml and examples/kubernetes.yaml become on a cluster for their first
// grid candidate (the experiment's objects and the in-cluster bench Job), compared with files checked in
// under testdata/golden/. After an intended change, regenerate them with
//   AUTOTUNER_UPDATE_GOLDEN=1 build/<dir>/bin/autotuner_unit_tests --gtest_filter='KubeGolden*'
// and review the diff: it is exactly what changes on users' clusters.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autotuner/core/golden_testing.h"
#include "autotuner/deploy/kube_bench_job.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog_testing.h"
#include "autotuner/task/search_space.h"

namespace autotuner::deploy {
namespace {

using ::testing::HasSubstr;

class NoApi final : public KubeTransport {
 public:
  Result<KubeResponse> Send(const std::string&, const std::string&, const std::string&,
                            const std::string&) override {
    return MakeError(ErrorCode::kUnavailable, "rendering only");
  }
  Status Stream(const std::string&, const std::function<void(std::string_view)>&,
                const std::atomic<bool>&) override {
    return MakeError(ErrorCode::kUnavailable, "rendering only");
  }
};

// Everything a task's first grid candidate puts on the cluster, in creation order, with how it was made.
Json Render(const std::string& example) {
  auto loaded = task::LoadTaskFile(std::string(AUTOTUNER_SOURCE_DIR) + "/examples/" + example, &Catalog());
  EXPECT_TRUE(loaded.ok() && loaded->ok()) << example;
  if (!loaded.ok() || !loaded->ok()) return nullptr;
  const task::Task& task = *loaded->task;
  const task::RuntimeDefinition* runtime = Catalog().Find(task.base_runtime);
  EXPECT_NE(runtime, nullptr) << task.base_runtime;
  if (runtime == nullptr) return nullptr;

  MappingInput input;
  input.task = &task;
  input.runtime = runtime;
  input.gpu_type = "H100";
  input.gpus_available = 8;
  for (const auto& dimension : task::BuildSearchSpace(task).dimensions)
    input.assignment[dimension.name] = dimension.values.front();
  const MappingOutcome mapped = MapCandidate(input);
  EXPECT_FALSE(mapped.pruned()) << mapped.pruned_reason;
  if (mapped.pruned()) return nullptr;

  DeploySpec spec;
  spec.task_name = task.task_name;
  spec.experiment = task.task_name + "/1";
  spec.image = EngineImage(runtime->image, task.runtime_image_tag);
  spec.runtime = runtime;
  spec.model = task.model.id_or_path;
  spec.served_model_name =
      task.benchmark.model_name.empty() ? task.model.id_or_path : task.benchmark.model_name;
  spec.plan = *mapped.plan;
  spec.env = EngineEnv(spec.plan, {});
  const KubeDeployer deployer(KubeDeployerOptionsForTask(task, "golden-owner"), std::make_unique<NoApi>());

  Json objects = Json::array();
  for (Json& object : deployer.ModelManifests(task.task_name)) objects.push_back(std::move(object));
  for (Json& object : deployer.Manifests(spec)) objects.push_back(std::move(object));
  BenchJobOptions bench;
  bench.ns = deployer.options().ns;
  bench.owner = "golden-owner";
  bench.image = "registry.example.com/autotuner:latest";
  BenchJobSpec job;
  job.task_name = spec.task_name;
  job.experiment = spec.experiment;
  job.api_base = "http://" + KubeDeployer::ObjectName(spec) + "." + bench.ns +
                 ".svc.cluster.local:" + std::to_string(deployer.options().port);
  job.bench_args = BenchArgsForTask(task, spec.served_model_name);
  objects.push_back(BenchJobManifest(bench, job));
  return {{"example", "examples/" + example}, {"candidate", input.assignment}, {"objects", objects}};
}

// Compares with the golden file, or rewrites it when AUTOTUNER_UPDATE_GOLDEN is set.
void ExpectGolden(const Json& rendered, const std::string& name) {
  autotuner::testing::ExpectGoldenFile("src/autotuner/deploy/testdata/golden/" + name,
                                       DumpJson(rendered, 2) + "\n", "KubeGolden*");
}

const Json* FindKind(const Json& rendered, const std::string& kind) {
  for (const auto& object : rendered["objects"]) {
    if (object["kind"] == kind) return &object;
  }
  return nullptr;
}

TEST(KubeGoldenTest, OmeInferenceServiceCarriesTheTunedArguments) {
  const Json rendered = Render("ome.yaml");
  ASSERT_TRUE(rendered.is_object());
  const Json* isvc = FindKind(rendered, "InferenceService");
  ASSERT_NE(isvc, nullptr);
  const Json& runner = (*isvc)["spec"]["engine"]["runner"];
  // The candidate's values, not the runtime's defaults, are on the engine's command line.
  EXPECT_THAT(DumpJson(runner["args"]), HasSubstr(R"("--gpu-memory-utilization","0.85")"));
  EXPECT_THAT(DumpJson(runner["args"]), HasSubstr(R"("--max-num-seqs","128")"));
  EXPECT_EQ(runner["args"][0], "serve");
  EXPECT_EQ(runner["args"][1], "/mnt/models");  // weights from the PVC, not downloaded
  EXPECT_EQ(runner["image"], "vllm/vllm-openai:v0.10.1");
  EXPECT_EQ((*isvc)["spec"]["model"]["name"], "llama-3-1-8b-instruct");
  EXPECT_EQ((*isvc)["spec"]["runtime"]["name"], "vllm-llama-3-1-8b-instruct");
  const Json* job = FindKind(rendered, "Job");
  ASSERT_NE(job, nullptr);
  EXPECT_THAT(DumpJson((*job)["spec"]["template"]["spec"]["containers"][0]["args"]),
              HasSubstr(R"("--api-base","http://at-ome-llama-8b-1.autotuner.svc.cluster.local:8080")"));
  ExpectGolden(rendered, "ome.json");
}

TEST(KubeGoldenTest, PlainDeploymentCarriesTheTunedArguments) {
  const Json rendered = Render("kubernetes.yaml");
  ASSERT_TRUE(rendered.is_object());
  const Json* deployment = FindKind(rendered, "Deployment");
  ASSERT_NE(deployment, nullptr);
  const Json& container = (*deployment)["spec"]["template"]["spec"]["containers"][0];
  const std::string args = DumpJson(container["args"]);
  EXPECT_THAT(args, HasSubstr(R"("--gpu-memory-utilization","0.9")"));
  EXPECT_THAT(args, HasSubstr(R"("--max-num-seqs","256")"));
  EXPECT_THAT(args, HasSubstr(R"("--tensor-parallel-size","2")"));
  EXPECT_EQ(container["resources"]["limits"]["nvidia.com/gpu"], "2");
  // The task's env: its fixed variable and the candidate's value of the searched one.
  const std::string env = DumpJson(container["env"]);
  EXPECT_THAT(env, HasSubstr(R"({"name":"NCCL_DEBUG","value":"WARN"})"));
  EXPECT_THAT(env, HasSubstr(R"({"name":"VLLM_ATTENTION_BACKEND","value":"FLASH_ATTN"})"));
  ASSERT_NE(FindKind(rendered, "Service"), nullptr);
  const Json* job = FindKind(rendered, "Job");
  ASSERT_NE(job, nullptr);
  const std::string bench_args = DumpJson((*job)["spec"]["template"]["spec"]["containers"][0]["args"]);
  EXPECT_THAT(bench_args,
              HasSubstr(R"("--api-base","http://at-vllm-k8s-latency-1.autotuner.svc.cluster.local:8080")"));
  EXPECT_THAT(bench_args, HasSubstr(R"("--num-concurrency","8","--num-concurrency","32")"));
  ExpectGolden(rendered, "kubernetes.json");
}

}  // namespace
}  // namespace autotuner::deploy
