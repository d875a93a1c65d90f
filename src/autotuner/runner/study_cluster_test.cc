// Cluster-mode studies sized by the cluster: the GPU pool is the cluster's free GPUs (a fake capacity probe),
// the GPU type comes from its nodes, engines larger than the largest node are pruned with both numbers, and
// an unknown capacity falls back to hardware.num_gpus with a warning. Engines are the fake deployer's.

#include <gtest/gtest.h>

#include "autotuner/bench/metrics.h"
#include "autotuner/deploy/bench_factory.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/deploy/kube_replay_test_util.h"
#include "autotuner/runner/preflight.h"
#include "autotuner/runner/study.h"
#include "autotuner/runner/study_testing.h"

namespace autotuner::runner {
namespace {

Json ClusterTask() {
  Json spec = BaseTask();
  spec["deployment_mode"] = "kubernetes";
  spec.erase("hardware");
  spec["parameters"] = {{"mem-fraction-static", {0.8}}};
  spec["parallel_config"] = {{"tp", {1, 2, 4, 8}}};
  spec["optimization"]["parallel_experiments"] = 4;
  return spec;
}

// 12 free GPUs, 4 on the largest node, all H100.
deploy::ClusterCapacity SmallCluster() {
  deploy::ClusterCapacity c;
  c.free_gpus = 12;
  c.total_gpus = 12;
  c.largest_node_gpus = 4;
  c.nodes = 3;
  c.gpu_type = "H100";
  return c;
}

std::vector<std::string> LogLines(store::Store& store, int64_t task_id, const std::string& level) {
  std::vector<std::string> out;
  auto logs = store.ListLogs(task_id, std::nullopt, 0, 10000);
  EXPECT_TRUE(logs.ok());
  for (const auto& l : *logs) {
    if (l.level == level) out.push_back(l.line);
  }
  return out;
}

bool AnyContains(const std::vector<std::string>& lines, const std::string& text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

class ClusterStudyTest : public StudyTest {
 protected:
  void UseCapacity(std::function<Result<deploy::ClusterCapacity>(const task::Task&)> probe) {
    PreflightProbes probes;
    probes.cluster_capacity = std::move(probe);
    env_.preflight_probes = probes;
  }
};

TEST_F(ClusterStudyTest, ThePoolIsTheClustersFreeGpusAndBiggerEnginesArePruned) {
  UseCapacity([](const task::Task&) -> Result<deploy::ClusterCapacity> { return SmallCluster(); });
  const int64_t id = CreateTask(ClusterTask());
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  int pruned = 0;
  for (const auto& e : Experiments(id)) {
    if (e.status != ExperimentStatus::kPruned) continue;
    ++pruned;
    EXPECT_EQ(e.parameters.value("parallel.tp", Json()), 8);
    EXPECT_EQ(
        e.error_message,
        "the engine needs 8 GPUs, but the largest node of the cluster has 4 (set kubernetes.multi_node to "
        "span nodes)");
  }
  EXPECT_EQ(pruned, 1);
  EXPECT_EQ(world_.deployed, 3);  // tp 1, 2 and 4 ran, at once: 7 of 12 GPUs
  EXPECT_FALSE(world_.gpu_overlap);
  const auto info = LogLines(*store_, id, "info");
  EXPECT_TRUE(AnyContains(info, "GPU pool: 12 cluster GPU(s) (H100)"));
  EXPECT_TRUE(AnyContains(info, "Cluster: 12 of 12 GPUs free on 3 nodes (H100), at most 4 on one node"));
}

TEST_F(ClusterStudyTest, MultiNodeKeepsEnginesLargerThanANode) {
  UseCapacity([](const task::Task&) -> Result<deploy::ClusterCapacity> { return SmallCluster(); });
  Json spec = ClusterTask();
  spec["kubernetes"] = {{"multi_node", true}};
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(world_.deployed, 4);
}

TEST_F(ClusterStudyTest, UnknownCapacityFallsBackToHardwareNumGpusWithAWarning) {
  UseCapacity([](const task::Task&) -> Result<deploy::ClusterCapacity> {
    return MakeError(ErrorCode::kPermissionDenied, "GET /api/v1/nodes: HTTP 403: nodes is forbidden");
  });
  Json spec = ClusterTask();
  spec["hardware"] = {{"num_gpus", 2}};
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(world_.deployed, 2);  // tp 4 and 8 do not fit a pool of 2: never proposed
  EXPECT_TRUE(
      AnyContains(LogLines(*store_, id, "warn"),
                  "cluster capacity unknown (GET /api/v1/nodes: HTTP 403: nodes is forbidden): a pool of 2 "
                  "GPU(s) from hardware.num_gpus"));
}

TEST_F(ClusterStudyTest, AClusterWithNoFreeGpuFailsTheStudy) {
  UseCapacity([](const task::Task&) -> Result<deploy::ClusterCapacity> {
    deploy::ClusterCapacity busy = SmallCluster();
    busy.free_gpus = 0;
    return busy;
  });
  const int64_t id = CreateTask(ClusterTask());
  auto result = RunStudy(env_, id, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("no free GPU in the cluster: 0 of 12 GPUs free"), std::string::npos)
      << result.error().message;
}

// The bench Job's client owns its transport; this one leaves the exchanges with the test to read afterwards.
class Forwarding final : public deploy::KubeTransport {
 public:
  explicit Forwarding(deploy::replay::ReplayTransport& replay) : replay_(replay) {}
  Result<deploy::KubeResponse> Send(const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& content_type) override {
    return replay_.Send(method, path, body, content_type);
  }
  Status Stream(const std::string& path, const std::function<void(std::string_view)>& line,
                const std::atomic<bool>& cancelled) override {
    return replay_.Stream(path, line, cancelled);
  }

 private:
  deploy::replay::ReplayTransport& replay_;
};

// A kubernetes-mode study started outside the cluster (kubernetes.bench auto) benchmarks through the bench
// Job: the Job targets the engine's URL, and the stored metrics are the ones its summary held, not what a
// direct benchmark of the (fake) engine would have measured.
TEST_F(ClusterStudyTest, OutsideTheClusterTheMetricsComeFromTheBenchJob) {
  UseCapacity([](const task::Task&) -> Result<deploy::ClusterCapacity> { return SmallCluster(); });
  Json spec = ClusterTask();
  spec["parallel_config"] = {{"tp", {1}}};
  spec["optimization"]["parallel_experiments"] = 1;
  const int64_t id = CreateTask(spec);

  std::vector<bench::RequestRecord> requests(8);
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].send_time = 0.1 * static_cast<double>(i);
    requests[i].ttft = 0.0123;
    requests[i].e2e = 0.4321;
    requests[i].input_tokens = 100;
    requests[i].output_tokens = 100;
  }
  const bench::RunLoad load{"D(100,100)", 1, 0, 1};
  std::vector<bench::RunResult> measured = {{bench::ComputeRunMetrics(load, requests, {}), requests, {}}};
  Json summary = bench::AggregateRuns(measured, {}, 1);
  summary["metadata"] = {{"model", "in-cluster"}};
  const std::string jobs = "/apis/batch/v1/namespaces/autotuner/jobs";
  const std::string job = jobs + "/bench-at-study-1";
  deploy::replay::ReplayTransport replay;
  replay.On("POST", jobs, 201, "{}");
  replay.On("GET", job, 200, R"({"status":{"conditions":[{"type":"Complete","status":"True"}]}})");
  replay.On("GET", "/api/v1/namespaces/autotuner/pods", 200, R"({"items":[{"metadata":{"name":"p"}}]})");
  replay.On("GET", "/api/v1/namespaces/autotuner/pods/p/log", 200,
            std::string(deploy::kBenchSummaryMarker) + DumpJson(summary) + "\n");
  replay.On("DELETE", job, 200, "{}");
  env_.make_load_generator = deploy::LoadGeneratorFactoryFor(
      [&]() -> Result<std::unique_ptr<deploy::KubeTransport>> {
        return std::unique_ptr<deploy::KubeTransport>(std::make_unique<Forwarding>(replay));
      },
      /*autotuner_in_cluster=*/false);

  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 1u);
  const store::ExperimentRecord& e = experiments[0];
  ASSERT_EQ(e.status, ExperimentStatus::kSuccess) << e.error_message;
  EXPECT_DOUBLE_EQ(e.metrics["mean_e2e_latency"].get<double>(), 0.4321);
  EXPECT_DOUBLE_EQ(e.metrics["mean_ttft"].get<double>(), 0.0123);
  EXPECT_EQ(e.metrics["total_completed_requests"], 8);
  EXPECT_EQ(e.metrics["raw_results"], summary["raw_results"]);
  EXPECT_FALSE(e.metrics.contains("metadata"));
  EXPECT_EQ(replay.Lines("DELETE"), std::vector<std::string>{job});
  const Json created = replay.BodyOf("POST", jobs);
  const Json& args = created["spec"]["template"]["spec"]["containers"][0]["args"];
  ASSERT_GE(args.size(), 3u);
  EXPECT_EQ(args[2].get<std::string>().rfind("http://127.0.0.1:9/", 0), 0u);  // the deployment's URL
  EXPECT_EQ(created["metadata"]["labels"]["autotuner.io/owner"],
            deploy::LabelValue(EngineOwner(*store_, id)));
}

}  // namespace
}  // namespace autotuner::runner
