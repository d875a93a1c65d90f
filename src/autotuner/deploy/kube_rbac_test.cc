// The shipped manifests (deploy/kubernetes/*.yaml) against the code: every manifest parses, and the RBAC
// rules grant exactly the API calls that KubeDeployer and the bench Job make (recorded from their real code
// paths against a permissive fake API), no fewer and no more. Whether a real API server accepts the manifests
// is not tested here (no cluster).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <tuple>

#include "autotuner/deploy/kube_bench_job.h"
#include "autotuner/deploy/kube_capacity.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::deploy {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// One permission: (API group, resource[/subresource], verb, cluster-scoped).
using Permission = std::tuple<std::string, std::string, std::string, bool>;

std::string Show(const Permission& p) {
  return "{group '" + std::get<0>(p) + "', " + std::get<1>(p) + ", " + std::get<2>(p) +
         (std::get<3>(p) ? ", cluster-scoped}" : "}");
}

// What the RBAC authorizer checks for a request.
Permission PermissionOf(const std::string& method, const std::string& full_path) {
  const std::string path = full_path.substr(0, full_path.find('?'));
  const std::string query =
      full_path.find('?') == std::string::npos ? "" : full_path.substr(full_path.find('?'));
  std::vector<std::string> parts;
  for (size_t start = 1; start <= path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  size_t i = 0;
  std::string group;
  if (parts.at(0) == "api") {
    i = 2;
  } else {
    group = parts.at(1);
    i = 3;
  }
  bool cluster = true;
  if (parts.size() > i && parts[i] == "namespaces") {
    cluster = false;
    i += 2;
  }
  std::string resource = parts.at(i);
  const bool named = parts.size() > i + 1;
  if (parts.size() > i + 2) resource += "/" + parts[i + 2];
  std::string verb;
  if (method == "POST") verb = "create";
  if (method == "PUT") verb = "update";
  if (method == "DELETE") verb = "delete";
  if (method == "GET")
    verb = query.find("watch=true") != std::string::npos ? "watch" : named ? "get" : "list";
  return {group, resource, verb, cluster};
}

// Accepts everything and says "exists" to every create, so that Apply's replace path runs too; objects are
// ready or complete at once; logs carry a bench summary.
class PermissiveApi final : public KubeTransport {
 public:
  Result<KubeResponse> Send(const std::string& method, const std::string& path, const std::string&,
                            const std::string&) override {
    Record(method, path);
    if (method == "POST") return KubeResponse{409, R"({"kind":"Status","message":"already exists"})"};
    if (path.find("/log") != std::string::npos) return KubeResponse{200, "autotuner-bench-summary: {}\n"};
    // A bench Job runs until its watch says it completed.
    if (path.find("/jobs/") != std::string::npos)
      return KubeResponse{200, R"({"metadata":{"name":"x","resourceVersion":"7"},"status":{"active":1}})"};
    return KubeResponse{
        200,
        R"({"metadata":{"name":"x","resourceVersion":"7"},"status":{"availableReplicas":1,"conditions":[)"
        R"({"type":"Ready","status":"True"},{"type":"Complete","status":"True"}]},)"
        R"("items":[{"metadata":{"name":"x"},"status":{"allocatable":{"nvidia.com/gpu":"1"}}}]})"};
  }
  Status Stream(const std::string& path, const std::function<void(std::string_view)>& line,
                const std::atomic<bool>&) override {
    Record("GET", path);
    if (path.find("watch=true") != std::string::npos)
      line(R"({"type":"MODIFIED","object":{"status":{"conditions":[{"type":"Complete","status":"True"}]}}})");
    return {};
  }
  std::set<Permission> Used() {
    std::lock_guard lock(mutex_);
    return used_;
  }

 private:
  void Record(const std::string& method, const std::string& path) {
    std::lock_guard lock(mutex_);
    used_.insert(PermissionOf(method, path));
  }
  std::mutex mutex_;
  std::set<Permission> used_;
};

// Every call the Kubernetes code makes: both modes deployed, waited for and stopped (with a config file and
// full OME model/runtime specs), orphan cleanup, a bench Job, and the cluster's capacity.
std::set<Permission> PermissionsUsed() {
  std::set<Permission> used;
  for (const auto mode : {KubeDeployerOptions::Mode::kKubernetes, KubeDeployerOptions::Mode::kOme}) {
    auto api_owned = std::make_unique<PermissiveApi>();
    PermissiveApi& api = *api_owned;
    KubeDeployerOptions options;
    options.mode = mode;
    options.owner = "o";
    options.poll_interval = milliseconds(5);
    task::OmeResourceConfig full;
    full.name = "m";
    full.spec = {{"vendor", "x"}};
    options.base_model = full;
    options.serving_runtime = full;
    KubeDeployer deployer(options, std::move(api_owned));
    DeploySpec spec;
    spec.task_name = "t";
    spec.experiment = "1";
    spec.image = "img";
    spec.runtime = Catalog().Find("trtllm");
    spec.model = "m";
    spec.plan.config_file = {{"kv_cache_config", {{"dtype", "fp8"}}}};
    auto deployment = deployer.Deploy(spec);
    EXPECT_TRUE(deployment.ok()) << deployment.error().message;
    if (deployment.ok()) {
      EXPECT_TRUE((*deployment)->WaitReady(Clock::now() + milliseconds(5000), {}).ok());
      EXPECT_TRUE((*deployment)->Stop().ok());
    }
    EXPECT_TRUE(deployer.CleanupOrphans("o").ok());
    BenchJobOptions bench;
    bench.image = "img";
    BenchJobSpec job;
    job.task_name = "t";
    job.experiment = "1";
    job.api_base = "http://x:8080";
    EXPECT_TRUE(RunBenchJob(deployer.client(), bench, job, Clock::now() + milliseconds(5000), {}).ok());
    // A pod that crashed: its previous container's log is read too (same permission as the log).
    (void)deployer.client().ReadLogs("autotuner", "p", 30, true);
    EXPECT_TRUE(DiscoverClusterCapacity(deployer.client(), "autotuner", {{"pool", "a"}}).ok());
    for (const auto& p : api.Used()) used.insert(p);
  }
  return used;
}

std::vector<YAML::Node> ShippedManifests() {
  std::vector<YAML::Node> docs;
  const std::filesystem::path dir = std::filesystem::path(AUTOTUNER_SOURCE_DIR) / "deploy/kubernetes";
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    EXPECT_EQ(file.extension(), ".yaml") << file;
    for (const YAML::Node& doc : YAML::LoadAllFromFile(file.string())) {
      if (doc.IsNull()) continue;
      docs.push_back(doc);
    }
  }
  return docs;
}

// The permissions the rules of the Role / ClusterRole bound to the autotuner ServiceAccount grant.
std::set<Permission> Granted(const std::vector<YAML::Node>& docs) {
  std::set<std::pair<std::string, std::string>> bound;  // (kind, name) of bound roles
  for (const auto& doc : docs) {
    const std::string kind = doc["kind"].as<std::string>();
    if (kind != "RoleBinding" && kind != "ClusterRoleBinding") continue;
    for (const auto& subject : doc["subjects"]) {
      if (subject["kind"].as<std::string>() == "ServiceAccount" &&
          subject["name"].as<std::string>() == "autotuner" &&
          subject["namespace"].as<std::string>() == "autotuner") {
        bound.insert({doc["roleRef"]["kind"].as<std::string>(), doc["roleRef"]["name"].as<std::string>()});
      }
    }
  }
  std::set<Permission> granted;
  for (const auto& doc : docs) {
    const std::string kind = doc["kind"].as<std::string>();
    if (!bound.contains({kind, doc["metadata"]["name"].as<std::string>()})) continue;
    if (kind == "Role") {
      EXPECT_EQ(doc["metadata"]["namespace"].as<std::string>(), "autotuner");
    }
    for (const auto& rule : doc["rules"]) {
      for (const auto& group : rule["apiGroups"]) {
        for (const auto& resource : rule["resources"]) {
          for (const auto& verb : rule["verbs"]) {
            EXPECT_NE(verb.as<std::string>(), "*") << "no wildcards";
            granted.insert({group.as<std::string>(), resource.as<std::string>(), verb.as<std::string>(),
                            kind == "ClusterRole"});
          }
        }
      }
    }
  }
  return granted;
}

TEST(KubeRbacTest, ShippedManifestsParseAndHangTogether) {
  const auto docs = ShippedManifests();
  ASSERT_FALSE(docs.empty());
  std::set<std::string> kinds;
  for (const auto& doc : docs) {
    ASSERT_TRUE(doc["apiVersion"] && doc["kind"] && doc["metadata"]["name"]) << YAML::Dump(doc);
    const std::string kind = doc["kind"].as<std::string>();
    kinds.insert(kind);
    if (kind != "Namespace" && kind != "ClusterRole" && kind != "ClusterRoleBinding") {
      EXPECT_EQ(doc["metadata"]["namespace"].as<std::string>(""), "autotuner") << kind;
    }
    if (kind == "Deployment") {
      const YAML::Node pod = doc["spec"]["template"]["spec"];
      EXPECT_EQ(pod["serviceAccountName"].as<std::string>(), "autotuner");
      const YAML::Node container = pod["containers"][0];
      EXPECT_EQ(container["args"][0].as<std::string>(), "serve");
      EXPECT_EQ(pod["volumes"][0]["persistentVolumeClaim"]["claimName"].as<std::string>(), "autotuner-data");
      EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/api/system/health");
    }
  }
  for (const char* kind : {"Namespace", "ServiceAccount", "Role", "RoleBinding", "ClusterRole",
                           "ClusterRoleBinding", "PersistentVolumeClaim", "Deployment", "Service"}) {
    EXPECT_TRUE(kinds.contains(kind)) << kind << " is not shipped";
  }
}

TEST(KubeRbacTest, RulesGrantExactlyTheCallsTheCodeMakes) {
  const std::set<Permission> used = PermissionsUsed();
  const std::set<Permission> granted = Granted(ShippedManifests());
  // The recording saw the calls it should (a sanity check of the recorder itself).
  EXPECT_TRUE(used.contains({"batch", "jobs", "watch", false}));
  EXPECT_TRUE(used.contains({"", "pods/log", "get", false}));
  EXPECT_TRUE(used.contains({"ome.io", "clusterbasemodels", "create", true}));
  EXPECT_TRUE(used.contains({"", "nodes", "list", true}));
  for (const auto& p : used) EXPECT_TRUE(granted.contains(p)) << "not granted by rbac.yaml: " << Show(p);
  for (const auto& p : granted) EXPECT_TRUE(used.contains(p)) << "granted but never used: " << Show(p);
}

TEST(KubeRbacTest, RequestsMapToTheirRbacPermission) {
  EXPECT_EQ(PermissionOf("GET", "/api/v1/namespaces/a/pods/p/log?follow=true"),
            Permission("", "pods/log", "get", false));
  EXPECT_EQ(PermissionOf("GET", "/apis/batch/v1/namespaces/a/jobs?watch=true&fieldSelector=x"),
            Permission("batch", "jobs", "watch", false));
  EXPECT_EQ(PermissionOf("GET", "/api/v1/namespaces/a/pods?labelSelector=x"),
            Permission("", "pods", "list", false));
  EXPECT_EQ(PermissionOf("PUT", "/apis/apps/v1/namespaces/a/deployments/d"),
            Permission("apps", "deployments", "update", false));
  EXPECT_EQ(PermissionOf("POST", "/apis/ome.io/v1beta1/clusterservingruntimes"),
            Permission("ome.io", "clusterservingruntimes", "create", true));
}

}  // namespace
}  // namespace autotuner::deploy
