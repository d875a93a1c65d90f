// The in-cluster bench Job against replayed, hand-written Kubernetes API exchanges (watch streams included):
// created, watched to completion, its summary read from the pod's log, deleted; failures reported with the
// pod's log tail. Nothing here runs a real Job or `autotuner bench` in a pod.

#include "autotuner/deploy/kube_bench_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autotuner/deploy/kube_replay_test_util.h"

namespace autotuner::deploy {
namespace {

using replay::ReplayTransport;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr const char* kJobs = "/apis/batch/v1/namespaces/autotuner/jobs";
constexpr const char* kJob = "/apis/batch/v1/namespaces/autotuner/jobs/bench-at-llama-tune-3";
constexpr const char* kJobPods = "/api/v1/namespaces/autotuner/pods";
constexpr const char* kPodSelector = "?labelSelector=autotuner.io%2Fbench-job%3Dbench-at-llama-tune-3";

BenchJobOptions Options() {
  BenchJobOptions o;
  o.ns = "autotuner";
  o.image = "registry.example.com/autotuner:1.0";
  o.owner = "store-1234";
  o.retry_interval = milliseconds(10);
  return o;
}

BenchJobSpec JobSpec() {
  BenchJobSpec s;
  s.task_name = "llama-tune";
  s.experiment = "3";
  s.api_base = "http://at-llama-tune-3.autotuner.svc.cluster.local:8080";
  s.bench_args = {"--model", "llama", "--traffic-scenario", "D(512,128)", "--num-concurrency", "16"};
  return s;
}

std::string Event(const std::string& type, const std::string& status) {
  return R"({"type":")" + type +
         R"(","object":{"kind":"Job","metadata":{"name":"bench-at-llama-tune-3"},"status":)" + status + "}}";
}

TEST(KubeBenchJobTest, ManifestRunsBenchAgainstTheServiceDnsName) {
  const Json job = BenchJobManifest(Options(), JobSpec());
  EXPECT_EQ(job["apiVersion"], "batch/v1");
  EXPECT_EQ(job["kind"], "Job");
  EXPECT_EQ(job["metadata"]["name"], "bench-at-llama-tune-3");
  EXPECT_EQ(job["metadata"]["labels"]["autotuner.io/owner"], "store-1234");
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  const Json& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["automountServiceAccountToken"], false);
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"]["autotuner.io/bench-job"], "bench-at-llama-tune-3");
  const Json& container = pod["containers"][0];
  EXPECT_EQ(container["image"], "registry.example.com/autotuner:1.0");
  EXPECT_EQ(container["command"], Json::array({"autotuner"}));
  EXPECT_EQ(container["args"],
            Json::array({"bench", "--api-base", "http://at-llama-tune-3.autotuner.svc.cluster.local:8080",
                         "--model", "llama", "--traffic-scenario", "D(512,128)", "--num-concurrency", "16",
                         "--output-dir", "/results", "--summary-stdout"}));
}

TEST(KubeBenchJobTest, SummaryIsTheLastMarkedLine) {
  const std::string log =
      "run 1/1 D(512,128) c=16 100% done\n"
      "echo autotuner-bench-summary: {\"not\":\"this\"}\n"
      "autotuner-bench-summary: {\"stale\":true}\n"
      "results: /results\n"
      "autotuner-bench-summary: {\"mean_output_throughput_tokens_per_s\":812.5}\r\n";
  auto summary = ParseBenchSummary(log);
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(*summary, Json::parse(R"({"mean_output_throughput_tokens_per_s":812.5})"));
  EXPECT_EQ(ParseBenchSummary("results: /results\n").error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(ParseBenchSummary("autotuner-bench-summary: {\"cut\":\n").ok());
}

TEST(KubeBenchJobTest, CreatesWatchesToCompletionReadsTheSummaryAndDeletes) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kJobs, 201, "{}");
  replay.On("GET", kJob, 200, R"({"metadata":{"name":"bench-at-llama-tune-3"},"status":{"active":1}})");
  // The first watch ends (server timeout) before the Job finishes; the second sees it complete.
  replay.OnStream(kJobs, {Event("ADDED", R"({"active":1})")});
  replay.OnStream(kJobs,
                  {Event("MODIFIED", R"({"active":1,"ready":1})"),
                   Event("MODIFIED", R"({"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]})"),
                   Event("MODIFIED", R"({"never":"read"})")});
  replay.On(
      "GET", std::string(kJobPods) + kPodSelector, 200,
      R"({"items":[{"metadata":{"name":"bench-at-llama-tune-3-x7k2p"},"status":{"phase":"Succeeded"}}]})");
  replay.On("GET", std::string(kJobPods) + "/bench-at-llama-tune-3-x7k2p/log", 200,
            "run 1/1 D(512,128) c=16 100% done 50 err 0\n"
            "results: /results\n"
            "autotuner-bench-summary: "
            "{\"raw_results\":[{\"num_concurrency\":16}],\"metadata\":{\"model\":\"llama\"}}\n");
  replay.On("DELETE", kJob, 200, "{}");
  KubeClient client(std::move(replay_owned));

  auto summary = RunBenchJob(client, Options(), JobSpec(), Clock::now() + milliseconds(10000), {});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ((*summary)["raw_results"][0]["num_concurrency"], 16);
  EXPECT_EQ((*summary)["metadata"]["model"], "llama");

  const Json created = replay.BodyOf("POST", kJobs);
  EXPECT_EQ(created["kind"], "Job");
  EXPECT_EQ(replay.Lines("STREAM").size(), 2u);
  EXPECT_THAT(replay.Lines("STREAM")[0],
              HasSubstr("?watch=true&fieldSelector=metadata.name%3Dbench-at-llama-tune-3&timeoutSeconds="));
  std::vector<std::string> order;
  for (const auto& r : replay.Requests())
    order.push_back(r.method + " " + r.path.substr(0, r.path.find('?')));
  EXPECT_EQ(order,
            (std::vector<std::string>{"POST " + std::string(kJobs), "GET " + std::string(kJob),
                                      "STREAM " + std::string(kJobs), "GET " + std::string(kJob),
                                      "STREAM " + std::string(kJobs), "GET " + std::string(kJobPods),
                                      "GET " + std::string(kJobPods) + "/bench-at-llama-tune-3-x7k2p/log",
                                      "DELETE " + std::string(kJob)}));
}

TEST(KubeBenchJobTest, FailedJobIsReportedWithItsReasonAndThePodsLogTail) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kJobs, 201, "{}");
  replay.On("GET", kJob, 200, R"({"status":{"active":1}})");
  replay.OnStream(
      kJobs,
      {Event(
          "MODIFIED",
          R"({"failed":1,"conditions":[{"type":"Failed","status":"True",)"
          R"("reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit"}]})")});
  replay.On(
      "GET", std::string(kJobPods) + kPodSelector, 200,
      R"({"items":[{"metadata":{"name":"bench-pod"},"status":{"containerStatuses":[{"state":{"terminated":{"reason":"Error","exitCode":3}}}]}}]})");
  replay.On(
      "GET", std::string(kJobPods) + "/bench-pod/log", 200,
      "autotuner bench: cannot reach http://at-llama-tune-3.autotuner.svc.cluster.local:8080: Connection "
      "refused\n");
  replay.On("DELETE", kJob, 200, "{}");
  KubeClient client(std::move(replay_owned));

  auto summary = RunBenchJob(client, Options(), JobSpec(), Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(summary.ok());
  const Error& error = summary.error();
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_THAT(error.message, HasSubstr("BackoffLimitExceeded"));
  EXPECT_THAT(error.message, HasSubstr("bench container Error, exit 3"));
  EXPECT_EQ(error.failure, FailureClass::kBenchFailed);
  EXPECT_EQ(error.details["exit"], 3);
  ASSERT_EQ(error.details["log_tail"].size(), 1u);
  EXPECT_THAT(error.details["log_tail"][0].get<std::string>(), HasSubstr("Connection refused"));
  EXPECT_EQ(replay.Lines("DELETE"), std::vector<std::string>{kJob});
}

TEST(KubeBenchJobTest, CompletedWithoutASummaryIsABenchFailure) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On("POST", kJobs, 201, "{}");
  replay.On("GET", kJob, 200,
            R"({"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}})");
  replay.On("GET", std::string(kJobPods) + kPodSelector, 200, R"({"items":[{"metadata":{"name":"p"}}]})");
  replay.On("GET", std::string(kJobPods) + "/p/log", 200, "results: /results\n");
  replay.On("DELETE", kJob, 200, "{}");
  KubeClient client(std::move(replay_owned));
  auto summary = RunBenchJob(client, Options(), JobSpec(), Clock::now() + milliseconds(10000), {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().failure, FailureClass::kBenchFailed);
  EXPECT_THAT(summary.error().message, HasSubstr("no summary line"));
  EXPECT_EQ(summary.error().details["log_tail"], Json::array({"results: /results"}));
  EXPECT_TRUE(replay.Lines("STREAM").empty());  // finished before any watch was needed
  EXPECT_EQ(replay.Lines("DELETE"), std::vector<std::string>{kJob});
}

TEST(KubeBenchJobTest, DeadlineAndCancelStopTheWaitAndDeleteTheJob) {
  for (const bool cancel : {false, true}) {
    auto replay_owned = std::make_unique<ReplayTransport>();
    ReplayTransport& replay = *replay_owned;
    replay.On("POST", kJobs, 201, "{}");
    replay.On("GET", kJob, 200, R"({"status":{"active":1}})");
    replay.On("DELETE", kJob, 200, "{}");
    KubeClient client(std::move(replay_owned));
    std::stop_source stop;
    if (cancel) stop.request_stop();
    auto summary =
        RunBenchJob(client, Options(), JobSpec(), Clock::now() + milliseconds(200), stop.get_token());
    ASSERT_FALSE(summary.ok());
    EXPECT_EQ(summary.error().code, cancel ? ErrorCode::kCancelled : ErrorCode::kTimeout);
    EXPECT_EQ(replay.Lines("DELETE"), std::vector<std::string>{kJob});
  }
}

TEST(KubeBenchJobTest, JobThatCannotBeCreatedIsABenchFailure) {
  auto replay_owned = std::make_unique<ReplayTransport>();
  ReplayTransport& replay = *replay_owned;
  replay.On(
      "POST", kJobs, 403,
      R"({"kind":"Status","message":"jobs.batch is forbidden: User \"system:serviceaccount:autotuner:autotuner\" cannot create resource \"jobs\""})");
  KubeClient client(std::move(replay_owned));
  auto summary = RunBenchJob(client, Options(), JobSpec(), Clock::now() + milliseconds(1000), {});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(summary.error().failure, FailureClass::kBenchFailed);
  EXPECT_THAT(summary.error().message, HasSubstr("cannot create bench Job bench-at-llama-tune-3"));
  EXPECT_TRUE(replay.Lines("DELETE").empty());
}

}  // namespace
}  // namespace autotuner::deploy
