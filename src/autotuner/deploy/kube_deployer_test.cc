// The Kubernetes and OME deployers against replayed, hand-written API exchanges: no cluster involved. What a
// real API server or OME controller would add (defaulting, admission, pod scheduling) is not exercised here.

#include "autotuner/deploy/kube_deployer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "autotuner/deploy/kube_replay_test_util.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::deploy {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

using replay::ReplayTransport;

DeploySpec Spec(const std::string& runtime = "vllm") {
  DeploySpec spec;
  spec.task_name = "llama-tune";
  spec.experiment = "3";
  spec.image = "vllm/vllm-openai:v0.10.1";
  spec.runtime = Catalog().Find(runtime);
  spec.model = "meta-llama/Llama-3.1-8B-Instruct";
  spec.served_model_name = "llama";
  spec.plan.args = {"--gpu-memory-utilization", "0.85", "--max-num-seqs", "128"};
  spec.plan.gpus_needed = 2;
  return spec;
}

KubeDeployerOptions Options(KubeDeployerOptions::Mode mode) {
  KubeDeployerOptions o;
  o.mode = mode;
  o.owner = "store-1234";
  o.ns = "autotuner";
  o.poll_interval = milliseconds(10);
  return o;
}

constexpr const char* kDeployments = "/apis/apps/v1/namespaces/autotuner/deployments";
constexpr const char* kServices = "/api/v1/namespaces/autotuner/services";
constexpr const char* kPods = "/api/v1/namespaces/autotuner/pods";
constexpr const char* kIsvcs = "/apis/ome.io/v1beta1/namespaces/autotuner/inferenceservices";

TEST(KubeDeployerTest, PlainDeploymentCarriesTheTunedArgumentsAndGpus) {
  auto replay = std::make_unique<ReplayTransport>();
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay));
  const auto objects = deployer.Manifests(Spec());
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0]["kind"], "Service");
  const Json& deployment = objects[1];
  EXPECT_EQ(deployment["kind"], "Deployment");
  EXPECT_EQ(deployment["metadata"]["name"], "at-llama-tune-3");
  EXPECT_EQ(deployment["metadata"]["labels"]["autotuner.io/owner"], "store-1234");
  const Json& container = deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["command"], Json::array({"vllm"}));
  const std::string args = DumpJson(container["args"]);
  EXPECT_THAT(args,
              HasSubstr(R"("serve","meta-llama/Llama-3.1-8B-Instruct","--host","0.0.0.0","--port","8080")"));
  EXPECT_THAT(args, HasSubstr(R"("--gpu-memory-utilization","0.85","--max-num-seqs","128")"));
  EXPECT_EQ(container["resources"]["limits"]["nvidia.com/gpu"], "2");
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"], "/v1/models");
  EXPECT_EQ(objects[0]["spec"]["selector"]["autotuner.io/experiment"],
            deployment["spec"]["template"]["metadata"]["labels"]["autotuner.io/experiment"]);
}

TEST(KubeDeployerTest, TheTasksEnvironmentReachesTheEngineContainer) {
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::make_unique<ReplayTransport>());
  DeploySpec spec = Spec();
  spec.env = {{"NCCL_DEBUG", "INFO"}, {"VLLM_ATTENTION_BACKEND", "FLASHINFER"}};
  const auto objects = deployer.Manifests(spec);
  ASSERT_EQ(objects.size(), 2u);
  const Json& env = objects[1]["spec"]["template"]["spec"]["containers"][0]["env"];
  const Json want = {{"name", "VLLM_ATTENTION_BACKEND"}, {"value", "FLASHINFER"}};
  EXPECT_NE(std::find(env.begin(), env.end(), want), env.end()) << env.dump();
}

TEST(KubeDeployerTest, DeploysWaitsForAvailabilityFollowsLogsAndDeletes) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kServices, 201, "{}");
  replay.On("POST", kDeployments, 201, "{}");
  const std::string object = std::string(kDeployments) + "/at-llama-tune-3";
  replay.On("GET", object, 200, R"({"status":{"availableReplicas":0}})");
  replay.On("GET", object, 200, R"({"status":{"availableReplicas":0}})");
  replay.On("GET", object, 200, R"({"status":{"availableReplicas":1}})");
  replay.On(
      "GET", kPods, 200,
      R"({"items":[{"metadata":{"name":"at-llama-tune-3-7d9f"},"status":{"containerStatuses":[{"state":{"running":{}}}]}}]})");
  replay.On("DELETE", object, 200, "{}");
  replay.On("DELETE", std::string(kServices) + "/at-llama-tune-3", 200, "{}");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  std::vector<std::string> lines;
  std::mutex lines_mutex;
  DeploySpec spec = Spec();
  spec.on_log_line = [&](std::string_view l) {
    std::lock_guard lock(lines_mutex);
    lines.emplace_back(l);
  };
  auto deployment = deployer.Deploy(spec);
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  EXPECT_EQ((*deployment)->base_url(), "http://at-llama-tune-3.autotuner.svc.cluster.local:8080");
  const Status ready = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_TRUE(ready.ok()) << ready.error().message;
  ASSERT_TRUE((*deployment)->Stop().ok());

  EXPECT_EQ(replay.Lines("POST"), (std::vector<std::string>{kServices, kDeployments}));
  EXPECT_EQ(
      replay.Lines("DELETE"),
      (std::vector<std::string>{object, std::string(kServices) + "/at-llama-tune-3"}));  // workload first
  EXPECT_EQ(replay.Lines("STREAM"),
            (std::vector<std::string>{std::string(kPods) + "/at-llama-tune-3-7d9f/log?follow=true"}));
  std::lock_guard lock(lines_mutex);
  EXPECT_THAT(lines, ::testing::Contains("INFO: Uvicorn running on http://0.0.0.0:8080"));
}

TEST(KubeDeployerTest, ExistingObjectsAreReplacedWithTheirResourceVersion) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  KubeClient client(std::move(replay_owned));
  const Json service = {{"apiVersion", "v1"},
                        {"kind", "Service"},
                        {"metadata", {{"name", "svc"}, {"namespace", "autotuner"}}},
                        {"spec", Json::object()}};
  replay.On("POST", kServices, 409, R"({"kind":"Status","message":"services \"svc\" already exists"})");
  replay.On("GET", std::string(kServices) + "/svc", 200, R"({"metadata":{"resourceVersion":"4711"}})");
  replay.On("PUT", std::string(kServices) + "/svc", 200, "{}");
  ASSERT_TRUE(client.Apply(service).ok());
  EXPECT_EQ(replay.BodyOf("PUT", std::string(kServices) + "/svc")["metadata"]["resourceVersion"], "4711");
}

TEST(KubeDeployerTest, OmeInferenceServiceHasTheTunedArgumentsAndCreatesMissingModels) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  KubeDeployerOptions options = Options(KubeDeployerOptions::Mode::kOme);
  task::OmeResourceConfig model;
  model.name = "llama-3-1-8b-instruct";
  model.spec = {{"vendor", "meta"}, {"storage", {{"storageUri", "hf://meta-llama/Llama-3.1-8B-Instruct"}}}};
  model.overrides = {{"vendor", "meta-llama"}};
  options.base_model = model;
  task::OmeResourceConfig runtime;
  runtime.preset = "vllm-llama-3-1-8b-instruct";
  options.serving_runtime = runtime;
  replay.On("POST", "/apis/ome.io/v1beta1/clusterbasemodels", 201, "{}");
  replay.On("POST", kIsvcs, 201, "{}");
  const std::string isvc = std::string(kIsvcs) + "/at-llama-tune-3";
  replay.On("GET", isvc, 200, R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})");
  replay.On("GET", isvc, 200, R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})");
  replay.On("GET", kPods, 200, R"({"items":[]})");
  replay.On("DELETE", isvc, 200, "{}");
  KubeDeployer deployer(options, std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  ASSERT_TRUE((*deployment)->WaitReady(Clock::now() + milliseconds(10000), {}).ok());
  ASSERT_TRUE((*deployment)->Stop().ok());

  const Json created_model = replay.BodyOf("POST", "/apis/ome.io/v1beta1/clusterbasemodels");
  EXPECT_EQ(created_model["metadata"]["labels"]["autotuner.io/created-by-task"], "llama-tune");
  EXPECT_EQ(created_model["spec"]["vendor"], "meta-llama");  // overrides applied
  const Json body = replay.BodyOf("POST", kIsvcs);
  EXPECT_EQ(body["apiVersion"], "ome.io/v1beta1");
  EXPECT_EQ(body["spec"]["model"]["name"], "llama-3-1-8b-instruct");
  EXPECT_EQ(body["spec"]["runtime"]["name"], "vllm-llama-3-1-8b-instruct");
  EXPECT_THAT(DumpJson(body["spec"]["engine"]["runner"]["args"]),
              HasSubstr(R"("--gpu-memory-utilization","0.85","--max-num-seqs","128")"));
  EXPECT_EQ(body["spec"]["engine"]["runner"]["resources"]["limits"]["nvidia.com/gpu"], "2");
  EXPECT_EQ(replay.Lines("DELETE"), std::vector<std::string>{isvc});
}

TEST(KubeDeployerTest, OomKilledPodFailsTheStartup) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kServices, 201, "{}");
  replay.On("POST", kDeployments, 201, "{}");
  replay.On("GET", std::string(kDeployments) + "/at-llama-tune-3", 200, R"({"status":{}})");
  replay.On(
      "GET", kPods, 200,
      R"({"items":[{"metadata":{"name":"p"},"status":{"containerStatuses":[{"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}}]})");
  replay.On("DELETE", std::string(kDeployments) + "/at-llama-tune-3", 200, "{}");
  replay.On("DELETE", std::string(kServices) + "/at-llama-tune-3", 200, "{}");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok());
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().failure, FailureClass::kOom);
  EXPECT_EQ(status.error().details["exit"], 137);
}

// A Deployment whose pod keeps crashing: failed at once, with the crashed container's own last lines (the
// previous container's log: the current one is waiting in back-off).
TEST(KubeDeployerTest, CrashLoopBackOffFailsWithThePreviousContainersLogTail) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kServices, 201, "{}");
  replay.On("POST", kDeployments, 201, "{}");
  replay.On("GET", std::string(kDeployments) + "/at-llama-tune-3", 200, R"({"status":{"replicas":1}})");
  replay.On(
      "GET", kPods, 200,
      R"({"items":[{"metadata":{"name":"at-llama-tune-3-5c8f"},"status":{"containerStatuses":[{"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s restarting failed container"}},"lastState":{"terminated":{"reason":"Error","exitCode":1}}}]}}]})");
  replay.On("GET", std::string(kPods) + "/at-llama-tune-3-5c8f/log?tailLines=30&previous=true", 200,
            "INFO: Initializing a V1 LLM engine\n"
            "ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that "
            "can be stored in KV cache (46512).\n");
  replay.On("DELETE", std::string(kDeployments) + "/at-llama-tune-3", 200, "{}");
  replay.On("DELETE", std::string(kServices) + "/at-llama-tune-3", 200, "{}");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(status.error().message, HasSubstr("container Error with status 1"));
  EXPECT_EQ(status.error().failure, FailureClass::kDeployFailed);
  EXPECT_EQ(status.error().details["exit"], 1);
  const Json tail = status.error().details["log_tail"];
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_THAT(tail[1].get<std::string>(), HasSubstr("larger than the maximum number of tokens"));
  ASSERT_TRUE((*deployment)->Stop().ok());
  EXPECT_EQ(replay.Lines("DELETE").size(), 2u);
}

// A CUDA out-of-memory at start-up is told from the log even when the pod was not OOM-killed.
TEST(KubeDeployerTest, CudaOutOfMemoryInTheLogTailIsAnOom) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kServices, 201, "{}");
  replay.On("POST", kDeployments, 201, "{}");
  replay.On("GET", std::string(kDeployments) + "/at-llama-tune-3", 200, R"({"status":{}})");
  replay.On(
      "GET", kPods, 200,
      R"({"items":[{"metadata":{"name":"p"},"status":{"containerStatuses":[{"restartCount":0,"state":{"terminated":{"reason":"Error","exitCode":1}}}]}}]})");
  replay.On("GET", std::string(kPods) + "/p/log?tailLines=30", 200,
            "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
            "capacity of 79.19 GiB of which 1.02 GiB is free.\n");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok());
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().failure, FailureClass::kOom);
  EXPECT_THAT(DumpJson(status.error().details["log_tail"]), HasSubstr("CUDA out of memory"));
}

// An image that cannot be pulled never runs: failed with the kubelet's reason, not left to time out.
TEST(KubeDeployerTest, ImagePullBackOffFailsTheRolloutAtOnce) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kServices, 201, "{}");
  replay.On("POST", kDeployments, 201, "{}");
  replay.On("GET", std::string(kDeployments) + "/at-llama-tune-3", 200, R"({"status":{}})");
  replay.On(
      "GET", kPods, 200,
      R"({"items":[{"metadata":{"name":"p"},"status":{"containerStatuses":[{"restartCount":0,"state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image \"vllm/vllm-openai:v9.9\""}}}]}}]})");
  replay.On(
      "GET", std::string(kPods) + "/p/log?tailLines=30", 400,
      R"({"kind":"Status","message":"container \"engine\" in pod \"p\" is waiting to start: trying and failing to pull image"})");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok());
  const auto started = Clock::now();
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_LT(Clock::now() - started, milliseconds(5000));
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(status.error().message, HasSubstr("ImagePullBackOff"));
  EXPECT_THAT(status.error().message, HasSubstr("vllm/vllm-openai:v9.9"));
  EXPECT_EQ(status.error().failure, FailureClass::kDeployFailed);
}

// No node can take the pod (the scheduler's PodScheduled=False, reason Unschedulable): the deploy fails as
// deploy_failed with the scheduler's message once kubernetes.unschedulable_timeout has passed, well before
// the experiment's deadline; a pod the scheduler then places would have reset the clock.
TEST(KubeDeployerTest, APodUnschedulablePastItsTimeoutFailsTheDeploy) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kServices, 201, "{}");
  replay.On("POST", kDeployments, 201, "{}");
  replay.On("GET", std::string(kDeployments) + "/at-llama-tune-3", 200, R"({"status":{"replicas":1}})");
  replay.On(
      "GET", kPods, 200,
      R"({"items":[{"metadata":{"name":"p"},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled",)"
      R"("status":"False","reason":"Unschedulable","message":"0/4 nodes are available: 4 Insufficient )"
      R"(nvidia.com/gpu. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod."}]}}]})");
  KubeDeployerOptions options = Options(KubeDeployerOptions::Mode::kKubernetes);
  options.unschedulable_timeout = milliseconds(100);
  options.node_selector = {{"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"}};
  KubeDeployer deployer(options, std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok());
  const Json pod = replay.BodyOf("POST", kDeployments)["spec"]["template"]["spec"];
  EXPECT_EQ(pod["nodeSelector"]["nvidia.com/gpu.product"], "NVIDIA-H100-80GB-HBM3");
  const auto started = Clock::now();
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(20000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_GE(Clock::now() - started, milliseconds(100));
  EXPECT_LT(Clock::now() - started, milliseconds(10000));
  EXPECT_EQ(
      status.error().message,
      "unschedulable (0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are "
      "available: 4 No preemption victims found for incoming pod.)");
  EXPECT_EQ(status.error().failure, FailureClass::kDeployFailed);
  EXPECT_TRUE((*deployment)->Stop().ok());
  EXPECT_THAT(replay.Lines("DELETE"), ::testing::Contains(std::string(kDeployments) + "/at-llama-tune-3"));
}

// OME gives up on a model it cannot load: the InferenceService's Ready condition turns False with a reason,
// and the experiment fails with it instead of waiting for the deadline. Not-ready while loading is no
// failure.
TEST(KubeDeployerTest, OmeFailedModelLoadFailsWithTheConditionsReason) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kIsvcs, 201, "{}");
  const std::string isvc = std::string(kIsvcs) + "/at-llama-tune-3";
  replay.On(
      "GET", isvc, 200,
      R"({"status":{"conditions":[{"type":"Ready","status":"False","reason":"ComponentNotReady"}],"modelStatus":{"transitionStatus":"InProgress"}}})");
  replay.On(
      "GET", isvc, 200,
      R"({"status":{"conditions":[{"type":"Ready","status":"False","reason":"ComponentNotReady"}],"modelStatus":{"transitionStatus":"InProgress"}}})");
  replay.On(
      "GET", isvc, 200,
      R"({"status":{"conditions":[{"type":"Ready","status":"False","reason":"ModelLoadFailed","message":"engine exited: insufficient GPU memory"}],"modelStatus":{"transitionStatus":"BlockedByFailedLoad","modelRevisionStates":{"targetModelState":"FailedToLoad"}}}})");
  replay.On("GET", kPods, 200, R"({"items":[]})");
  replay.On("DELETE", isvc, 200, "{}");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kOme), std::move(replay_owned));
  auto deployment = deployer.Deploy(Spec());
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().message,
            "InferenceService failed: BlockedByFailedLoad, ModelLoadFailed: engine exited: insufficient GPU "
            "memory");
  EXPECT_EQ(status.error().failure, FailureClass::kDeployFailed);
  // Polled through the two loading answers before the failure.
  int gets = 0;
  for (const auto& path : replay.Lines("GET")) gets += path == isvc ? 1 : 0;
  EXPECT_EQ(gets, 3);
  ASSERT_TRUE((*deployment)->Stop().ok());
  EXPECT_EQ(replay.Lines("DELETE"), std::vector<std::string>{isvc});
}

TEST(KubeDeployerTest, CleanupRemovesOnlyThisOwnersObjects) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  const std::string selector = "?labelSelector=autotuner.io%2Fowner%3Dstore-1234";
  replay.On("GET", std::string(kIsvcs) + selector, 404,
            R"({"message":"the server could not find the resource"})");
  replay.On("GET", std::string(kDeployments) + selector, 200,
            R"({"items":[{"metadata":{"name":"at-a-1"}}]})");
  replay.On("GET", "/apis/batch/v1/namespaces/autotuner/jobs" + selector, 200,
            R"({"items":[{"metadata":{"name":"bench-at-a-1"}}]})");
  replay.On("DELETE", "/apis/batch/v1/namespaces/autotuner/jobs/bench-at-a-1", 200, "{}");
  replay.On("GET", std::string(kServices) + selector, 200, R"({"items":[{"metadata":{"name":"at-a-1"}}]})");
  replay.On("GET", "/api/v1/namespaces/autotuner/configmaps" + selector, 200, R"({"items":[]})");
  replay.On("DELETE", std::string(kDeployments) + "/at-a-1", 200, "{}");
  replay.On("DELETE", std::string(kServices) + "/at-a-1", 200, "{}");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  auto removed = deployer.CleanupOrphans("store-1234");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 3);  // the engine's Deployment and Service, and a bench Job left behind
  EXPECT_EQ(replay.Lines("DELETE").size(), 3u);
}

TEST(KubeDeployerTest, TrtllmSettingsTravelInAConfigMap) {
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::make_unique<ReplayTransport>());
  DeploySpec spec = Spec("trtllm");
  spec.plan.args = {};
  spec.plan.config_file = {{"kv_cache_config", {{"dtype", "fp8"}}}};
  const auto objects = deployer.Manifests(spec);
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0]["kind"], "ConfigMap");
  EXPECT_THAT(objects[0]["data"]["extra_llm_api_options.yaml"].get<std::string>(),
              HasSubstr("\"dtype\": \"fp8\""));
  const Json& container = objects[2]["spec"]["template"]["spec"]["containers"][0];
  EXPECT_THAT(DumpJson(container["args"]),
              HasSubstr(R"("--extra_llm_api_options","/autotuner-config/extra_llm_api_options.yaml")"));
}

TEST(KubeConfigTest, KubeconfigTokenAndInlineCa) {
  const std::string path = "/tmp/autotuner-kubeconfig-" + std::to_string(::getpid());
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: lab\n"
                         "contexts:\n- name: lab\n  context: {cluster: c1, user: u1, namespace: tuning}\n"
                         "clusters:\n- name: c1\n  cluster:\n    server: https://10.1.2.3:6443\n"
                         "    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n"
                         "users:\n- name: u1\n  user: {token: abc.def}\n";
  auto config = KubeConfig::FromKubeconfig(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.1.2.3:6443");
  EXPECT_EQ(config->token, "abc.def");
  EXPECT_EQ(config->namespace_, "tuning");
  EXPECT_EQ(config->ca_data, "-----BEGIN CERTIFICATE-----");
}

TEST(KubeConfigTest, InClusterServiceAccount) {
  const std::string dir = "/tmp/autotuner-sa-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/token") << "sa-token\n";
  std::ofstream(dir + "/namespace") << "autotuner";
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto config = KubeConfig::InCluster(dir);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->token, "sa-token");
  EXPECT_EQ(config->ca_file, dir + "/ca.crt");
  EXPECT_EQ(config->namespace_, "autotuner");
}

TEST(KubeDeployerTest, RuntimeImageTagReplacesTheDefaultImagesTag) {
  EXPECT_EQ(EngineImage("vllm/vllm-openai:latest", "v0.10.1"), "vllm/vllm-openai:v0.10.1");
  EXPECT_EQ(EngineImage("vllm/vllm-openai:latest", ""), "vllm/vllm-openai:latest");
  EXPECT_EQ(EngineImage("localhost:5000/sglang", "v0.5.2"),
            "localhost:5000/sglang:v0.5.2");  // a port is no tag
  EXPECT_EQ(EngineImage("lmsysorg/sglang@sha256:0123abcd", "v0.5.2"), "lmsysorg/sglang:v0.5.2");
  EXPECT_EQ(EngineImage("vllm/vllm-openai:latest", "registry.example.com/vllm:patched"),
            "registry.example.com/vllm:patched");
}

TEST(KubeDeployerTest, NamesAndLabelsAreValidForKubernetes) {
  DeploySpec spec = Spec();
  spec.task_name = "A_Very.Long task name that goes on and on and on and on forever";
  spec.experiment = "117";
  const std::string name = KubeDeployer::ObjectName(spec);
  EXPECT_LE(name.size(), 52u);
  EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos) << name;
  spec.task_name = "quickstart";
  spec.experiment = "quickstart/3";  // as the runner names experiments
  EXPECT_EQ(KubeDeployer::ObjectName(spec), "at-quickstart-3");
  EXPECT_EQ(LabelValue("-weird value!-"), "weird-value");
  EXPECT_EQ(LabelValue(std::string(80, 'x')).size(), 63u);
}

}  // namespace
}  // namespace autotuner::deploy
