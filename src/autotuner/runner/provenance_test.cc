#include "autotuner/runner/provenance.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autotuner/core/version.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::runner {
namespace {

using ::testing::HasSubstr;

Json Spec(const std::string& runtime, const std::string& mode) {
  return {{"task_name", "prov"},
          {"base_runtime", runtime},
          {"deployment_mode", mode},
          {"model", {{"id_or_path", "org/model"}}},
          {"benchmark", {{"model_tokenizer", "gpt2"}}}};
}

task::Task Parsed(const Json& spec) {
  auto parsed = task::ParseTask(spec, &Catalog());
  if (!parsed.task) throw std::runtime_error(task::ValidationError(parsed).message);
  return *parsed.task;
}

// The fake nvidia-smi's 4 x H100 machine, on which GPUs 1 and 2 carry other people's processes.
PreflightProbes FakeMachine() {
  PreflightProbes probes;
  probes.gpu_inventory = [] {
    return deploy::QueryGpuInventory([](const std::vector<std::string>& argv) {
      std::vector<std::string> fake = argv;
      fake[0] = std::string(AUTOTUNER_SOURCE_DIR) + "/src/autotuner/deploy/testdata/nvidia-smi/nvidia-smi";
      return deploy::RunCommandOutput(fake);
    });
  };
  probes.is_our_process = [](int) { return false; };
  return probes;
}

TEST(ProvenanceTest, TaskHashIsStableAndTellsTasksApart) {
  const Json a = Spec("sglang", "local");
  Json b = a;
  b["model"]["id_or_path"] = "org/other";
  EXPECT_EQ(TaskHash(a), TaskHash(Json::parse(a.dump())));
  EXPECT_NE(TaskHash(a), TaskHash(b));
  EXPECT_THAT(TaskHash(a), ::testing::MatchesRegex("fnv1a64:[0-9a-f]{16}"));
}

TEST(ProvenanceTest, RealLocalRuntimeRecordsTheChosenGpusDriverCudaAndEngineVersion) {
  const Json spec = Spec("sglang", "local");
  const task::Task task = Parsed(spec);
  const auto& runtime = *Catalog().Find("sglang");
  PreflightProbes probes = FakeMachine();
  std::vector<std::string> probed;
  probes.command_output = [&](const std::vector<std::string>& argv) -> Result<std::string> {
    probed = argv;
    return std::string("\n0.5.2\n");
  };
  auto resources = ResolveStudyResources(task, runtime, probes, "");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  const Json p = StudyProvenance(spec, task, runtime, *resources, probes);
  EXPECT_EQ(p["autotuner_version"], kVersion);
  EXPECT_EQ(p["task_hash"], TaskHash(spec));
  EXPECT_EQ(p["runtime"], "sglang");
  EXPECT_EQ(p["driver_version"], "550.54.15");
  EXPECT_EQ(p["cuda_version"], "12.4");
  EXPECT_EQ(p["gpu_type"], "H100");
  ASSERT_EQ(p["gpus"].size(), 2u);  // the busy GPUs 1 and 2 are not the study's
  EXPECT_EQ(p["gpus"][0]["index"], 0);
  EXPECT_EQ(p["gpus"][1]["index"], 3);
  EXPECT_EQ(p["gpus"][1]["uuid"], "GPU-3b7e9c1a-1111-2222-3333-444455556666");
  EXPECT_EQ(p["gpus"][1]["compute_cap"], "9.0");
  EXPECT_EQ(p["engine"]["version"], "0.5.2");
  EXPECT_EQ(probed, runtime.version_probe);
  EXPECT_THAT(probed.back(), HasSubstr("sglang.__version__"));
  EXPECT_EQ(ProvenanceLine(p), std::string("autotuner ") + kVersion + " · task " + TaskHash(spec) +
                                   " · sglang · 2x NVIDIA H100 80GB HBM3 · driver 550.54.15 · CUDA 12.4 · "
                                   "engine 0.5.2");
}

TEST(ProvenanceTest, DockerRecordsTheImageDigestAndAFailedProbeIsNull) {
  const Json spec = Spec("vllm", "docker");
  const task::Task task = Parsed(spec);
  const auto& runtime = *Catalog().Find("vllm");
  PreflightProbes probes = FakeMachine();
  std::string asked;
  probes.docker_image_digest = [&](const std::string& image) -> Result<std::string> {
    asked = image;
    return std::string("vllm/vllm-openai@sha256:abc");
  };
  auto resources = ResolveStudyResources(task, runtime, probes, "");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  Json p = StudyProvenance(spec, task, runtime, *resources, probes);
  EXPECT_EQ(asked, runtime.image);
  EXPECT_EQ(p["engine"]["image"], runtime.image);
  EXPECT_EQ(p["engine"]["image_digest"], "vllm/vllm-openai@sha256:abc");
  EXPECT_TRUE(p["engine"]["version"].is_null());

  probes.docker_image_digest = [](const std::string&) -> Result<std::string> {
    return MakeError(ErrorCode::kUnavailable, "cannot reach the Docker API");
  };
  p = StudyProvenance(spec, task, runtime, *resources, probes);
  EXPECT_TRUE(p["engine"]["image_digest"].is_null());
  EXPECT_THAT(ProvenanceLine(p), HasSubstr("engine " + runtime.image));
}

TEST(ProvenanceTest, SimulatedRuntimeNamesTheSimulatorAndItsVirtualGpus) {
  Json spec = Spec("sim-sglang", "local");
  spec["hardware"] = {{"gpu_type", "L4"}, {"num_gpus", 2}};
  const task::Task task = Parsed(spec);
  const auto& runtime = *Catalog().Find("sim-sglang");
  PreflightProbes probes;  // nvidia-smi is never asked
  auto resources = ResolveStudyResources(task, runtime, probes, "");
  ASSERT_TRUE(resources.ok()) << resources.error().message;
  const Json p = StudyProvenance(spec, task, runtime, *resources, probes);
  EXPECT_EQ(p["simulated"], true);
  EXPECT_TRUE(p["gpus"].empty());
  EXPECT_EQ(p["gpu_count"], 2);
  EXPECT_TRUE(p["driver_version"].is_null());
  EXPECT_EQ(p["engine"]["version"], std::string("autotuner-sim ") + kVersion);
  EXPECT_THAT(ProvenanceLine(p), HasSubstr(" · 2x simulated L4 · engine autotuner-sim "));
}

}  // namespace
}  // namespace autotuner::runner
