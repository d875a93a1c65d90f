#include "autotuner/bench/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "autotuner/bench/plan.h"

namespace autotuner::bench {
namespace {

std::vector<RunResult> TwoRuns() {
  std::vector<RunResult> runs(2);
  RequestRecord ok;
  ok.ttft = 0.1;
  ok.e2e = 0.5;
  ok.input_tokens = 10;
  ok.output_tokens = 5;
  ok.token_times = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
  RequestRecord failed;
  failed.e2e = 0.2;
  failed.error = ErrorClass::kHttpStatus;
  failed.error_code = 503;
  failed.error_message = "busy";
  runs[0].requests = {ok, failed};
  runs[1].requests = {ok};
  runs[0].metrics = ComputeRunMetrics({"N(480,240)/(300,150)", 4, 0, 1}, runs[0].requests, {});
  runs[1].metrics = ComputeRunMetrics({"D(10,5)", 0, 2.5, 1}, runs[1].requests, {});
  return runs;
}

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(BenchReport, WritesEveryFile) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "bench_report";
  std::filesystem::remove_all(dir);
  const auto runs = TwoRuns();
  ASSERT_TRUE(WriteReport(dir, runs, {}, {true, 2, Json{{"model", "m"}}}).ok());
  const Json run0 = Json::parse(Read(dir / "run_0_N_480_240_300_150_concurrency_4.json"));
  EXPECT_EQ(run0["aggregated_metrics"]["num_requests"], 2);
  EXPECT_EQ(run0["individual_request_metrics"].size(), 2u);
  EXPECT_EQ(run0["individual_request_metrics"][1]["error_code"], "503");
  EXPECT_TRUE(std::filesystem::exists(dir / "run_1_D_10_5_rate_2.5.json"));
  const Json summary = Json::parse(Read(dir / "summary.json"));
  EXPECT_EQ(summary["total_requests"], 3);
  EXPECT_EQ(summary["raw_results"].size(), 2u);
  EXPECT_EQ(summary["metadata"]["model"], "m");
  std::istringstream jsonl(Read(dir / "requests.jsonl"));
  std::string line;
  int lines = 0;
  while (std::getline(jsonl, line)) {
    const Json request = Json::parse(line);
    if (lines == 0) {
      EXPECT_EQ(request["token_times"].size(), 5u);
    }
    ++lines;
  }
  EXPECT_EQ(lines, 3);
  std::istringstream csv(Read(dir / "summary.csv"));
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  EXPECT_NE(header.find("ttft_p90"), std::string::npos);
  EXPECT_NE(header.find("num_output_tokens_mean"), std::string::npos);
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(row.begin(), row.end(), ',') - 2);
  EXPECT_NE(row.find("\"{\"\"503\"\":1}\""), std::string::npos);  // error codes as one quoted field
  EXPECT_NE(RunsTable(runs).find("2.5/s"), std::string::npos);
}

TEST(BenchPlan, OneRunPerScenarioAndLoad) {
  PlanOptions options;
  options.scenarios = {*task::ParseScenario("D(20,4)"), *task::ParseScenario("U(5,30)/(1,8)")};
  options.num_concurrency = {1, 8};
  options.max_requests = 5;
  options.warmup_requests = 2;
  auto runs = PlanRuns(options);
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  ASSERT_EQ(runs->size(), 4u);
  EXPECT_EQ((*runs)[1].load.num_concurrency, 8);
  EXPECT_EQ((*runs)[0].plans.size(), 7u);  // counted + warm-up
  EXPECT_EQ((*runs)[0].plans[0].input_tokens, 20);
  EXPECT_EQ((*runs)[2].load.scenario, "U(5,30)/(1,8)");

  options.request_rate = {std::numeric_limits<double>::infinity(), 3};
  runs = PlanRuns(options);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 6u);  // per scenario: c=1, c=8, and 3/s capped at 8 in flight
  EXPECT_DOUBLE_EQ((*runs)[2].load.request_rate, 3);
  EXPECT_EQ((*runs)[2].load.num_concurrency, 8);
}

TEST(BenchPlan, TaskBenchmarkAndSloBecomeABenchSpec) {
  task::Benchmark benchmark;
  benchmark.model_name = "llama";
  benchmark.api = task::Api::kChat;
  benchmark.traffic_scenarios = {*task::ParseScenario("D(8,2)")};
  benchmark.num_concurrency = {2};
  benchmark.max_time_per_iteration = 5;
  benchmark.max_requests_per_iteration = 4;
  benchmark.additional_params = Json{{"temperature", 0.0}};
  task::Slo slo;
  slo.latency["p50"] = {2.0, 1, false, 0.5};
  slo.latency["p99"] = {10.0, 1, true, 0.5};
  slo.ttft["mean"] = {1.0, 1, false, 0.5};
  auto spec = MakeBenchSpec(benchmark, slo, "http://127.0.0.1:9", 7);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->endpoint, Endpoint::kChat);
  EXPECT_EQ(spec->model, "llama");
  EXPECT_EQ(spec->thresholds.e2e, 10.0);  // the largest latency threshold
  EXPECT_EQ(spec->thresholds.ttft, 1.0);
  EXPECT_FALSE(spec->thresholds.tpot.has_value());
  ASSERT_EQ(spec->runs.size(), 1u);
  EXPECT_EQ(spec->runs[0].max_requests, 4);
  EXPECT_DOUBLE_EQ(spec->runs[0].max_time_s, 5);
  EXPECT_EQ(RequestBody(*spec, spec->runs[0].plans[0])["temperature"], 0.0);
  // A dataset_url comes from the dataset cache only (bench/dataset_cache.h): this one is not there.
  benchmark.dataset_url = "https://example.com/not-cached-" + std::to_string(::getpid()) + ".jsonl";
  EXPECT_EQ(MakeBenchSpec(benchmark, slo, "http://127.0.0.1:9", 7).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace autotuner::bench
