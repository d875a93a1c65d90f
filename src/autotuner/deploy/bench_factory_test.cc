// Where a benchmark runs, and the bench Job behind bench::LoadGenerator against replayed Kubernetes API
// exchanges: the summary its pod prints becomes the per-run results and the aggregate the direct path would
// have computed from the same requests. No cluster, no pod, no `autotuner bench` process.

#include "autotuner/deploy/bench_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "autotuner/deploy/kube_replay_test_util.h"

namespace autotuner::deploy {
namespace {

using replay::ReplayTransport;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Bench = task::KubernetesOptions::Bench;
using Clock = std::chrono::steady_clock;
using Mode = task::DeploymentMode;

constexpr const char* kJobs = "/apis/batch/v1/namespaces/tuning/jobs";
constexpr const char* kJob = "/apis/batch/v1/namespaces/tuning/jobs/bench-at-llama-tune-3";
constexpr const char* kPods = "/api/v1/namespaces/tuning/pods";
constexpr const char* kPodLog = "/api/v1/namespaces/tuning/pods/bench-pod/log";
constexpr const char* kEngineUrl = "http://at-llama-tune-3.tuning.svc.cluster.local:8080";

task::Task KubeTask(Mode mode, Bench bench) {
  task::Task task;
  task.task_name = "llama-tune";
  task.deployment_mode = mode;
  task.model.id_or_path = "meta-llama/Llama-3.2-1B-Instruct";
  task.model.ns = "tuning";
  task.kubernetes.bench = bench;
  task.kubernetes.bench_image = "registry.example.com/autotuner:2.0";
  return task;
}

TEST(BenchFactoryTest, BenchesInClusterOnlyForClusterEnginesAsTheTaskAndThePlaceSay) {
  struct Row {
    Mode mode;
    Bench bench;
    bool autotuner_in_cluster;
    bool expected;
  };
  const Row table[] = {
      {Mode::kKubernetes, Bench::kAuto, false, true},
      {Mode::kKubernetes, Bench::kAuto, true, false},
      {Mode::kKubernetes, Bench::kInCluster, true, true},
      {Mode::kKubernetes, Bench::kInCluster, false, true},
      {Mode::kKubernetes, Bench::kLocal, false, false},
      {Mode::kKubernetes, Bench::kLocal, true, false},
      {Mode::kOme, Bench::kAuto, false, true},
      {Mode::kOme, Bench::kAuto, true, false},
      {Mode::kOme, Bench::kInCluster, true, true},
      {Mode::kOme, Bench::kLocal, false, false},
      {Mode::kLocal, Bench::kInCluster, false, false},
      {Mode::kLocal, Bench::kAuto, false, false},
      {Mode::kDocker, Bench::kInCluster, false, false},
      {Mode::kDocker, Bench::kAuto, false, false},
  };
  for (const Row& row : table) {
    EXPECT_EQ(BenchesInCluster(KubeTask(row.mode, row.bench), row.autotuner_in_cluster), row.expected)
        << "mode " << static_cast<int>(row.mode) << " bench " << static_cast<int>(row.bench) << " in cluster "
        << row.autotuner_in_cluster;
  }
}

// Two runs measured as the direct path measures them (ComputeRunMetrics over request records).
std::vector<bench::RunResult> MeasuredRuns(const bench::GoodputThresholds& thresholds) {
  std::vector<bench::RunResult> runs;
  for (int64_t concurrency : {4, 16}) {
    bench::RunLoad load{"D(512,128)", concurrency, 0, 1};
    std::vector<bench::RequestRecord> requests;
    for (int i = 0; i < 20; ++i) {
      bench::RequestRecord r;
      r.send_time = 0.05 * i;
      r.ttft = 0.02 + 0.003 * i * static_cast<double>(concurrency);
      r.e2e = r.ttft + 0.5 + 0.01 * i;
      r.input_tokens = 512;
      r.output_tokens = 128;
      if (i == 7) {
        r.error = bench::ErrorClass::kHttpStatus;
        r.error_code = 503;
      }
      requests.push_back(r);
    }
    runs.push_back({bench::ComputeRunMetrics(load, requests, thresholds), requests, {}});
  }
  return runs;
}

// What `autotuner bench --summary-stdout` prints for those runs (bench::WriteReport: one GPU, metadata).
std::string SummaryLog(const std::vector<bench::RunResult>& runs,
                       const bench::GoodputThresholds& thresholds) {
  Json summary = bench::AggregateRuns(runs, thresholds, 1);
  summary["metadata"] = {{"api_base", kEngineUrl}, {"model", "llama"}};
  return "run 2/2 D(512,128) c=16 100% done\nresults: /results\n" + std::string(kBenchSummaryMarker) +
         DumpJson(summary) + "\n";
}

struct Cluster {
  std::shared_ptr<KubeClient> client;
  ReplayTransport* replay = nullptr;
};

Cluster JobThatEnds(const std::string& condition, const std::string& pod, const std::string& log) {
  auto owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *owned;
  replay.On("POST", kJobs, 201, "{}");
  replay.On("GET", kJob, 200, R"({"status":{"conditions":[)" + condition + "]}}");
  replay.On("GET", kPods, 200, R"({"items":[)" + pod + "]}");
  replay.On("GET", kPodLog, 200, log);
  replay.On("DELETE", kJob, 200, "{}");
  return {std::make_shared<KubeClient>(std::move(owned)), &replay};
}

BenchJobLoadGenerator Generator(const Cluster& cluster) {
  BenchJobOptions options;
  options.ns = "tuning";
  options.owner = "store-1-t3";
  options.image = "registry.example.com/autotuner:2.0";
  options.retry_interval = milliseconds(10);
  BenchJobSpec job;
  job.task_name = "llama-tune";
  job.experiment = "llama-tune/3";
  job.bench_args = {"--model", "llama", "--num-concurrency", "4", "--num-concurrency", "16"};
  return BenchJobLoadGenerator(cluster.client, options, job, Clock::now() + std::chrono::seconds(30));
}

TEST(BenchFactoryTest, BenchJobReturnsTheRunsOfItsSummaryAndTheDirectPathsAggregate) {
  const bench::GoodputThresholds thresholds{0.05, std::nullopt, 0.6};
  const std::vector<bench::RunResult> measured = MeasuredRuns(thresholds);
  const Cluster cluster =
      JobThatEnds(R"({"type":"Complete","status":"True"})", R"({"metadata":{"name":"bench-pod"}})",
                  SummaryLog(measured, thresholds));
  BenchJobLoadGenerator generator = Generator(cluster);
  bench::BenchSpec spec;
  spec.api_base = kEngineUrl;
  auto runs = generator.Run(spec, {}, nullptr);
  ASSERT_TRUE(runs.ok()) << runs.error().message;

  // The Job benchmarked the engine's in-cluster URL, and its per-run metrics came back whole.
  const Json created = cluster.replay->BodyOf("POST", kJobs);
  const Json& args = created["spec"]["template"]["spec"]["containers"][0]["args"];
  ASSERT_GE(args.size(), 3u);
  EXPECT_EQ(args[2], kEngineUrl);
  ASSERT_EQ(runs->size(), 2u);
  for (size_t i = 0; i < runs->size(); ++i) {
    EXPECT_EQ(bench::RunMetricsToJson((*runs)[i].metrics), bench::RunMetricsToJson(measured[i].metrics));
    EXPECT_TRUE((*runs)[i].requests.empty());
  }
  EXPECT_EQ((*runs)[1].metrics.load.num_concurrency, 16);
  EXPECT_EQ((*runs)[0].metrics.num_error_requests, 1);

  // What the runner stores: the aggregate the direct path computes from the request records, for 4 GPUs.
  const Json aggregate = generator.Aggregate(*runs, thresholds, 4);
  EXPECT_EQ(aggregate, bench::AggregateRuns(measured, thresholds, 4));
  EXPECT_GT(aggregate["p99_e2e_latency"].get<double>(), 0.5);
  EXPECT_FALSE(aggregate.contains("metadata"));
  EXPECT_EQ(cluster.replay->Lines("DELETE"), std::vector<std::string>{kJob});
}

TEST(BenchFactoryTest, FailedBenchJobIsABenchFailureWithTheJobsReason) {
  const Cluster cluster = JobThatEnds(
      R"({"type":"Failed","status":"True","reason":"DeadlineExceeded","message":"Job was active longer"})",
      R"({"metadata":{"name":"bench-pod"},"status":{"containerStatuses":[{"state":{"terminated":{"exitCode":1}}}]}})",
      "autotuner bench: cannot reach the engine\n");
  BenchJobLoadGenerator generator = Generator(cluster);
  bench::BenchSpec spec;
  spec.api_base = kEngineUrl;
  auto runs = generator.Run(spec, {}, nullptr);
  ASSERT_FALSE(runs.ok());
  EXPECT_EQ(runs.error().failure, FailureClass::kBenchFailed);
  EXPECT_THAT(runs.error().message, HasSubstr("DeadlineExceeded"));
  EXPECT_THAT(runs.error().details["log_tail"][0].get<std::string>(), HasSubstr("cannot reach the engine"));
}

TEST(BenchFactoryTest, SummaryWithoutRunsIsAParseError) {
  EXPECT_EQ(RunResultsFromSummary(Json::parse(R"({"mean_ttft":0.1})")).error().code, ErrorCode::kParse);
  EXPECT_EQ(RunResultsFromSummary(Json::parse(R"({"raw_results":[{"run_duration":"long"}]})")).error().code,
            ErrorCode::kParse);
  auto none = RunResultsFromSummary(Json::parse(R"({"raw_results":[]})"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(BenchFactoryTest, FactoryPicksTheBenchJobOnlyWhereTheDecisionSaysSo) {
  int transports = 0;
  auto factory = [&](bool in_cluster) {
    return LoadGeneratorFactoryFor(
        [&]() -> Result<std::unique_ptr<KubeTransport>> {
          ++transports;
          return std::unique_ptr<KubeTransport>(std::make_unique<ReplayTransport>());
        },
        in_cluster);
  };
  const task::Task kube = KubeTask(Mode::kKubernetes, Bench::kAuto);
  const task::Task local = KubeTask(Mode::kLocal, Bench::kAuto);
  BenchTarget target{&kube, "store-1-t3", "llama-tune/3", Clock::now() + std::chrono::seconds(30)};
  auto outside = factory(false)(target);
  ASSERT_TRUE(outside.ok()) << outside.error().message;
  EXPECT_NE(dynamic_cast<BenchJobLoadGenerator*>(outside->get()), nullptr);
  EXPECT_EQ(transports, 1);
  auto inside = factory(true)(target);
  ASSERT_TRUE(inside.ok());
  EXPECT_NE(dynamic_cast<bench::HttpLoadGenerator*>(inside->get()), nullptr);
  target.task = &local;
  auto direct = factory(false)(target);
  ASSERT_TRUE(direct.ok());
  EXPECT_NE(dynamic_cast<bench::HttpLoadGenerator*>(direct->get()), nullptr);
  EXPECT_EQ(transports, 1);  // the direct path never touches the cluster

  auto unreachable = LoadGeneratorFactoryFor(
      []() -> Result<std::unique_ptr<KubeTransport>> {
        return MakeError(ErrorCode::kNotFound, "no kubeconfig");
      },
      false)({&kube, "o", "llama-tune/3"});
  ASSERT_FALSE(unreachable.ok());
  EXPECT_THAT(unreachable.error().message, HasSubstr("no kubeconfig"));
}

TEST(BenchFactoryTest, BenchImageIsTheTasksElseTheEnvironmentsElseTheDefault) {
  task::Task task = KubeTask(Mode::kKubernetes, Bench::kAuto);
  EXPECT_EQ(BenchImageForTask(task), "registry.example.com/autotuner:2.0");
  task.kubernetes.bench_image.clear();
  ::setenv("AUTOTUNER_IMAGE", "mirror.local/autotuner:9", 1);
  EXPECT_EQ(BenchImageForTask(task), "mirror.local/autotuner:9");
  ::unsetenv("AUTOTUNER_IMAGE");
  EXPECT_EQ(BenchImageForTask(task), kDefaultAutotunerImage);
}

// The Job's `autotuner bench` measures what the direct path measures: same seed, goodput against the SLO.
TEST(BenchFactoryTest, BenchArgsCarryTheStudysSeedAndGoodputThresholds) {
  task::Task task = KubeTask(Mode::kKubernetes, Bench::kAuto);
  task.optimization.seed = 7;
  task.slo.ttft["p50"].threshold = 0.2;
  task.slo.ttft["p90"].threshold = 0.5;
  task.slo.latency["p99"].threshold = 3;
  const std::vector<std::string> args = BenchArgsForTask(task, "llama");
  auto value_of = [&](const std::string& flag) -> std::string {
    auto at = std::find(args.begin(), args.end(), flag);
    return at == args.end() || at + 1 == args.end() ? "(absent)" : *(at + 1);
  };
  EXPECT_EQ(value_of("--seed"), "7");
  EXPECT_EQ(value_of("--slo-ttft"), "0.5");  // the largest, as bench::GoodputThresholdsFromSlo
  EXPECT_EQ(value_of("--slo-e2e"), "3");
  EXPECT_EQ(value_of("--slo-tpot"), "(absent)");
}

}  // namespace
}  // namespace autotuner::deploy
