// The Kubernetes and OME deployers against replayed, hand-written API exchanges: no cluster involved. What a
// real API server or OME controller would add (defaulting, admission, pod scheduling) is not exercised here.

#include "autotuner/deploy/kube_deployer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

namespace autotuner::deploy {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

// Answers requests from per-route queues of canned responses (the last one repeats) and records every
// request.
class ReplayTransport final : public KubeTransport {
 public:
  struct Request {
    std::string method, path, body;
  };

  void On(const std::string& method, const std::string& path, int status, const std::string& body) {
    std::lock_guard lock(mutex_);
    routes_[method + " " + path].push_back({status, body});
  }
  std::vector<Request> Requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::string> Lines(const std::string& method) {
    std::vector<std::string> out;
    for (const auto& r : Requests()) {
      if (r.method == method) out.push_back(r.path);
    }
    return out;
  }
  Json BodyOf(const std::string& method, const std::string& path) {
    for (const auto& r : Requests()) {
      if (r.method == method && r.path == path) return Json::parse(r.body);
    }
    return nullptr;
  }

  Result<KubeResponse> Send(const std::string& method, const std::string& path, const std::string& body,
                            const std::string&) override {
    std::lock_guard lock(mutex_);
    requests_.push_back({method, path, body});
    // Exact route first, then the path without its query.
    for (const std::string& key : {method + " " + path, method + " " + path.substr(0, path.find('?'))}) {
      auto it = routes_.find(key);
      if (it == routes_.end()) continue;
      KubeResponse r = it->second.front();
      if (it->second.size() > 1) it->second.pop_front();
      return r;
    }
    return KubeResponse{404,
                        R"({"kind":"Status","message":"not found in replay: )" + method + " " + path + "\"}"};
  }

  Status Stream(const std::string& path, const std::function<void(std::string_view)>& line,
                const std::atomic<bool>&) override {
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({"STREAM", path, ""});
    }
    line("INFO: Started server process");
    line("INFO: Uvicorn running on http://0.0.0.0:8080");
    return {};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::deque<KubeResponse>> routes_;
  std::vector<Request> requests_;
};

const task::RuntimeCatalog& Catalog() {
  static const task::RuntimeCatalog catalog = [] {
    auto loaded = task::RuntimeCatalog::Load({std::string(AUTOTUNER_SOURCE_DIR) + "/runtimes"});
    return std::move(loaded).value();
  }();
  return catalog;
}

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
  EXPECT_EQ(status.error().details["error_class"], "oom");
  EXPECT_EQ(status.error().details["exit"], 137);
}

TEST(KubeDeployerTest, CleanupRemovesOnlyThisOwnersObjects) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  const std::string selector = "?labelSelector=autotuner.io%2Fowner%3Dstore-1234";
  replay.On("GET", std::string(kIsvcs) + selector, 404,
            R"({"message":"the server could not find the resource"})");
  replay.On("GET", std::string(kDeployments) + selector, 200,
            R"({"items":[{"metadata":{"name":"at-a-1"}}]})");
  replay.On("GET", std::string(kServices) + selector, 200, R"({"items":[{"metadata":{"name":"at-a-1"}}]})");
  replay.On("GET", "/api/v1/namespaces/autotuner/configmaps" + selector, 200, R"({"items":[]})");
  replay.On("DELETE", std::string(kDeployments) + "/at-a-1", 200, "{}");
  replay.On("DELETE", std::string(kServices) + "/at-a-1", 200, "{}");
  KubeDeployer deployer(Options(KubeDeployerOptions::Mode::kKubernetes), std::move(replay_owned));
  auto removed = deployer.CleanupOrphans("store-1234");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(replay.Lines("DELETE").size(), 2u);
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

TEST(KubeDeployerTest, NamesAndLabelsAreValidForKubernetes) {
  DeploySpec spec = Spec();
  spec.task_name = "A_Very.Long task name that goes on and on and on and on forever";
  spec.experiment = "117";
  const std::string name = KubeDeployer::ObjectName(spec);
  EXPECT_LE(name.size(), 52u);
  EXPECT_EQ(name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos) << name;
  EXPECT_EQ(LabelValue("-weird value!-"), "weird-value");
  EXPECT_EQ(LabelValue(std::string(80, 'x')).size(), 63u);
}

}  // namespace
}  // namespace autotuner::deploy
