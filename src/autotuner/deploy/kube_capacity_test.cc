// Cluster capacity against replayed, hand-written Kubernetes API exchanges (nodes, pods, ResourceQuotas as
// the API server writes them); no cluster is involved.

#include "autotuner/deploy/kube_capacity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autotuner/deploy/kube_replay_test_util.h"

namespace autotuner::deploy {
namespace {

using replay::ReplayTransport;
using ::testing::HasSubstr;

constexpr const char* kNodes = "/api/v1/nodes";
constexpr const char* kAllPods = "/api/v1/pods";
constexpr const char* kQuotas = "/api/v1/namespaces/autotuner/resourcequotas";

std::string Node(const std::string& name, int gpus, const std::string& product, bool ready = true,
                 bool cordoned = false) {
  Json node = {
      {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
      {"spec", Json::object()},
      {"status",
       {{"allocatable", {{"cpu", "96"}, {"memory", "1056Gi"}, {"nvidia.com/gpu", std::to_string(gpus)}}},
        {"conditions",
         {{{"type", "MemoryPressure"}, {"status", "False"}},
          {{"type", "Ready"}, {"status", ready ? "True" : "Unknown"}}}}}}};
  if (!product.empty()) node["metadata"]["labels"]["nvidia.com/gpu.product"] = product;
  if (cordoned) node["spec"]["unschedulable"] = true;
  return DumpJson(node);
}

std::string List(const std::string& kind, const std::vector<std::string>& items) {
  std::string out =
      R"({"kind":")" + kind + R"(","apiVersion":"v1","metadata":{"resourceVersion":"81"},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]}";
}

std::string Pod(const std::string& node, const std::string& gpus, bool as_limit = false) {
  Json resources = {{as_limit ? "limits" : "requests", {{"nvidia.com/gpu", gpus}, {"cpu", "4"}}}};
  return DumpJson(
      {{"metadata", {{"name", "p-" + node}, {"namespace", "team-a"}}},
       {"spec",
        {{"nodeName", node},
         {"containers", {{{"name", "engine"}, {"resources", resources}}, {{"name", "sidecar"}}}}}},
       {"status", {{"phase", "Running"}}}});
}

constexpr const char* kEmptyQuotas = R"({"kind":"ResourceQuotaList","items":[]})";

// Four nodes of 8 H100s: one cordoned, one NotReady, one with 3 GPUs taken by another team's pods (unless the
// pod list answers otherwise); the replay answers pods and quotas as given.
std::unique_ptr<ReplayTransport> FourNodeCluster(int pods_status = 200, const std::string& pods = "",
                                                 int quotas_status = 200,
                                                 const std::string& quotas = kEmptyQuotas) {
  auto api = std::make_unique<ReplayTransport>();
  api->On("GET", kNodes, 200,
          List("NodeList",
               {Node("gpu-a", 8, "NVIDIA-H100-80GB-HBM3"), Node("gpu-b", 8, "NVIDIA-H100-80GB-HBM3"),
                Node("gpu-c", 8, "NVIDIA-H100-80GB-HBM3", /*ready=*/false),
                Node("gpu-d", 8, "NVIDIA-H100-80GB-HBM3", true, /*cordoned=*/true), Node("cpu-1", 0, "")}));
  api->On("GET", kAllPods, pods_status,
          pods.empty() ? List("PodList", {Pod("gpu-b", "2"), Pod("gpu-b", "1", /*as_limit=*/true)}) : pods);
  api->On("GET", kQuotas, quotas_status, quotas);
  return api;
}

TEST(KubeCapacityTest, CountsReadySchedulableNodesLessWhatPodsRequest) {
  auto owned = FourNodeCluster();
  ReplayTransport& api = *owned;
  KubeClient client(std::move(owned));
  auto capacity = DiscoverClusterCapacity(client, "autotuner", {});
  ASSERT_TRUE(capacity.ok()) << capacity.error().message;
  EXPECT_EQ(capacity->nodes, 2);
  EXPECT_EQ(capacity->total_gpus, 16);
  EXPECT_EQ(capacity->free_gpus, 13);
  EXPECT_EQ(capacity->largest_node_gpus, 8);
  EXPECT_EQ(capacity->gpu_type, "H100");
  EXPECT_FALSE(capacity->quota_left.has_value());
  EXPECT_THAT(capacity->notes,
              ::testing::ElementsAre("node gpu-c left out: not Ready", "node gpu-d left out: cordoned"));
  EXPECT_EQ(capacity->Summary(), "13 of 16 GPUs free on 2 nodes (H100), at most 8 on one node");
  EXPECT_THAT(
      api.Lines("GET"),
      ::testing::ElementsAre(
          "/api/v1/nodes?labelSelector=",
          "/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed", kQuotas));
}

TEST(KubeCapacityTest, TheNodeSelectorGoesToTheApiServer) {
  auto api = std::make_unique<ReplayTransport>();
  ReplayTransport& seen = *api;
  api->On("GET", kNodes, 200, List("NodeList", {Node("gpu-a", 4, "NVIDIA-L40S")}));
  api->On("GET", kAllPods, 200, List("PodList", {}));
  api->On("GET", kQuotas, 200, kEmptyQuotas);
  KubeClient client(std::move(api));
  auto capacity = DiscoverClusterCapacity(client, "autotuner",
                                          {{"nvidia.com/gpu.product", "NVIDIA-L40S"}, {"pool", "a"}});
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->gpu_type, "L40S");
  EXPECT_EQ(seen.Lines("GET").front(),
            "/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.product%3DNVIDIA-L40S%2Cpool%3Da");
}

TEST(KubeCapacityTest, PodsThatCannotBeListedFallBackToAllocatable) {
  auto api = FourNodeCluster(
      403,
      R"({"kind":"Status","status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:)"
      R"(autotuner:autotuner\" cannot list resource \"pods\" in API group \"\" at the cluster scope",)"
      R"("reason":"Forbidden","code":403})");
  KubeClient client(std::move(api));
  auto capacity = DiscoverClusterCapacity(client, "autotuner", {});
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->free_gpus, 16);
  EXPECT_THAT(capacity->notes, ::testing::Contains(AllOf(HasSubstr("pods cannot be listed cluster-wide"),
                                                         HasSubstr("forbidden"))));
}

TEST(KubeCapacityTest, TheNamespaceQuotaCapsTheFreeGpus) {
  auto api = FourNodeCluster(
      200, "", 200,
      List("ResourceQuotaList",
           {R"({"metadata":{"name":"compute"},"spec":{"hard":{"requests.nvidia.com/gpu":"12","pods":"50"}},)"
            R"("status":{"hard":{"requests.nvidia.com/gpu":"12"},"used":{"requests.nvidia.com/gpu":"4"}}})",
            R"({"metadata":{"name":"objects"},"spec":{"hard":{"configmaps":"10"}}})"}));
  KubeClient client(std::move(api));
  auto capacity = DiscoverClusterCapacity(client, "autotuner", {});
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->quota_left, 8);
  EXPECT_EQ(capacity->free_gpus, 8);
  EXPECT_THAT(capacity->Summary(), HasSubstr("; quota leaves 8"));
}

TEST(KubeCapacityTest, AnUnreadableQuotaIsNotApplied) {
  auto api = FourNodeCluster(200, "", 403,
                             R"({"kind":"Status","message":"resourcequotas is forbidden","code":403})");
  KubeClient client(std::move(api));
  auto capacity = DiscoverClusterCapacity(client, "autotuner", {});
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->free_gpus, 13);
  EXPECT_THAT(capacity->notes.back(), HasSubstr("ResourceQuotas of autotuner cannot be read"));
}

TEST(KubeCapacityTest, MixedGpuTypesLeaveTheTypeUnknown) {
  auto api = std::make_unique<ReplayTransport>();
  api->On("GET", kNodes, 200,
          List("NodeList", {Node("a", 8, "NVIDIA-A100-SXM4-80GB"), Node("b", 2, "NVIDIA-H100-80GB-HBM3")}));
  KubeClient client(std::move(api));
  auto capacity = DiscoverClusterCapacity(client, "autotuner", {});
  ASSERT_TRUE(capacity.ok());
  EXPECT_EQ(capacity->gpu_type, "");
  EXPECT_EQ(capacity->largest_node_gpus, 8);
  EXPECT_EQ(capacity->free_gpus, 10);  // pods and quotas missing from the replay (404): not subtracted
}

TEST(KubeCapacityTest, NoUsableNodeOrNoNodeListIsAnError) {
  auto cordoned = std::make_unique<ReplayTransport>();
  cordoned->On("GET", kNodes, 200, List("NodeList", {Node("a", 8, "", true, /*cordoned=*/true)}));
  KubeClient one(std::move(cordoned));
  auto none = DiscoverClusterCapacity(one, "autotuner", {{"pool", "x"}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(
      none.error().message,
      "no ready, schedulable node with nvidia.com/gpu matches the node selector pool=x; node a left out: "
      "cordoned");

  auto forbidden = std::make_unique<ReplayTransport>();
  forbidden->On("GET", kNodes, 403, R"({"kind":"Status","message":"nodes is forbidden","code":403})");
  KubeClient two(std::move(forbidden));
  auto denied = DiscoverClusterCapacity(two, "autotuner", {});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
}

TEST(KubeCapacityTest, ProductLabelsMapToTheGpuTypeTable) {
  EXPECT_EQ(GpuTypeOfProductLabel("NVIDIA-H100-80GB-HBM3"), "H100");
  EXPECT_EQ(GpuTypeOfProductLabel("NVIDIA-H200"), "H200");
  EXPECT_EQ(GpuTypeOfProductLabel("NVIDIA-A100-SXM4-40GB"), "A100");
  EXPECT_EQ(GpuTypeOfProductLabel("NVIDIA-RTX-6000-Ada-Generation"), "RTX6000-Ada");
  EXPECT_EQ(GpuTypeOfProductLabel(""), "");
}

}  // namespace
}  // namespace autotuner::deploy
