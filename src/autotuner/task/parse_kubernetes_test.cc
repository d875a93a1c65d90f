// The `kubernetes:` task block: defaults, every field, range checks with field paths, and the warning outside
// the cluster modes.

#include <gtest/gtest.h>

#include "autotuner/task/defaults.h"
#include "autotuner/task/parse.h"

namespace autotuner::task {
namespace {

constexpr const char* kClusterBase =
    "task_name: t\nbase_runtime: vllm\ndeployment_mode: kubernetes\nmodel: {id_or_path: org/m}\n";

TaskParseResult ParseKubeYaml(const std::string& text) {
  auto doc = ParseDocument(text, "test.yaml", DocumentFormat::kYaml);
  EXPECT_TRUE(doc.ok()) << doc.error().message;
  if (!doc.ok()) return {};
  return ParseTask(*doc);
}

std::string KubeMessageAt(const std::vector<Diagnostic>& list, const std::string& path) {
  for (const auto& d : list) {
    if (d.path == path) return d.message;
  }
  std::string all;
  for (const auto& d : list) all += "[" + d.path + "] " + d.message + "; ";
  return "nothing at " + path + " (have: " + all + ")";
}

TEST(KubernetesBlockTest, DefaultsMatchTheTableAndTheStruct) {
  const auto result = ParseKubeYaml(kClusterBase);
  ASSERT_TRUE(result.ok());
  const KubernetesOptions& k = result.task->kubernetes;
  EXPECT_EQ(k, KubernetesOptions{});
  EXPECT_EQ(Name(k.bench), DefaultFor("kubernetes.bench").get<std::string>());
  EXPECT_EQ(k.unschedulable_timeout, DefaultFor("kubernetes.unschedulable_timeout").get<double>());
  EXPECT_EQ(k.multi_node, DefaultFor("kubernetes.multi_node").get<bool>());
  EXPECT_TRUE(DefaultFor("kubernetes.bench_image").is_null());
}

TEST(KubernetesBlockTest, EveryFieldIsReadAndRoundTrips) {
  const auto result =
      ParseKubeYaml(std::string(kClusterBase) +
                    "kubernetes:\n"
                    "  node_selector: {nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3, pool: a}\n"
                    "  bench: in_cluster\n"
                    "  bench_image: registry.local/autotuner:1.2\n"
                    "  unschedulable_timeout: 60\n"
                    "  multi_node: true\n");
  ASSERT_TRUE(result.ok()) << KubeMessageAt(result.errors, "");
  EXPECT_TRUE(result.warnings.empty());
  const KubernetesOptions& k = result.task->kubernetes;
  EXPECT_EQ(k.node_selector.at("nvidia.com/gpu.product"), "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(k.node_selector.at("pool"), "a");
  EXPECT_EQ(k.bench, KubernetesOptions::Bench::kInCluster);
  EXPECT_EQ(k.bench_image, "registry.local/autotuner:1.2");
  EXPECT_EQ(k.unschedulable_timeout, 60);
  EXPECT_TRUE(k.multi_node);
  const Json normalised = TaskToJson(*result.task);
  EXPECT_EQ(normalised["kubernetes"]["bench"], "in_cluster");
  const auto again = ParseTask(normalised);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.task, *result.task);
}

TEST(KubernetesBlockTest, InvalidFieldsNameTheirPath) {
  struct Case {
    std::string block, path, message;
  };
  const std::vector<Case> cases = {
      {"{nodes: 3}", "kubernetes.nodes", "unknown field 'nodes'"},
      {"{bench: remote}", "kubernetes.bench", "unknown value 'remote'"},
      {"{unschedulable_timeout: 0}", "kubernetes.unschedulable_timeout", "must be a positive number"},
      {"{unschedulable_timeout: 1e9}", "kubernetes.unschedulable_timeout", "up to 604800"},
      {"{multi_node: yes please}", "kubernetes.multi_node", "must be true or false"},
      {"{bench_image: ''}", "kubernetes.bench_image", "must be an image reference"},
      {"{bench_image: 3}", "kubernetes.bench_image", "must be a string"},
      {"{node_selector: [a]}", "kubernetes.node_selector", "must be a mapping"},
      {"{node_selector: {'bad key!': x}}", "kubernetes.node_selector.bad key!",
       "is not a Kubernetes label key"},
      {"{node_selector: {'/x': y}}", "kubernetes.node_selector./x", "is not a Kubernetes label key"},
      {"{node_selector: {gpu: true}}", "kubernetes.node_selector.gpu", "quote it"},
      {"{node_selector: {gpu: -a}}", "kubernetes.node_selector.gpu", "is not a Kubernetes label value"},
      {"[1]", "kubernetes", "must be a mapping"},
  };
  for (const auto& c : cases) {
    const auto result = ParseKubeYaml(std::string(kClusterBase) + "kubernetes: " + c.block + "\n");
    EXPECT_FALSE(result.ok()) << c.block;
    EXPECT_NE(KubeMessageAt(result.errors, c.path).find(c.message), std::string::npos)
        << c.block << ": " << KubeMessageAt(result.errors, c.path);
  }
}

TEST(KubernetesBlockTest, OutsideTheClusterModesItWarnsAndIsLeftOut) {
  const auto result = ParseKubeYaml(
      "task_name: t\nbase_runtime: sglang\nmodel: {id_or_path: org/m}\nkubernetes: {bench: local}\n");
  ASSERT_TRUE(result.ok());
  EXPECT_NE(KubeMessageAt(result.warnings, "kubernetes")
                .find("only used when deployment_mode is kubernetes or ome"),
            std::string::npos);
  EXPECT_EQ(result.task->kubernetes, KubernetesOptions{});
  EXPECT_FALSE(TaskToJson(*result.task).contains("kubernetes"));
}

}  // namespace
}  // namespace autotuner::task
