#include "autotuner/bench/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

namespace autotuner::bench {
namespace {

RequestRecord Ok(double send, double ttft, double e2e, int64_t in, int64_t out) {
  RequestRecord r;
  r.send_time = send;
  r.ttft = ttft;
  r.e2e = e2e;
  r.input_tokens = in;
  r.output_tokens = out;
  return r;
}

RequestRecord Failed(double send, double e2e, ErrorClass error, int code) {
  RequestRecord r;
  r.send_time = send;
  r.e2e = e2e;
  r.error = error;
  r.error_code = code;
  return r;
}

TEST(BenchStats, PercentilesInterpolateLinearlyAndStddevIsPopulation) {
  const Stats s = ComputeStats({4, 1, 3, 2});
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 4);
  EXPECT_DOUBLE_EQ(s.sum, 10);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(1.25));
  EXPECT_DOUBLE_EQ(s.p25, 1.75);
  EXPECT_DOUBLE_EQ(s.p50, 2.5);
  EXPECT_DOUBLE_EQ(s.p75, 3.25);
  EXPECT_NEAR(s.p90, 3.7, 1e-12);
  EXPECT_NEAR(s.p95, 3.85, 1e-12);
  EXPECT_NEAR(s.p99, 3.97, 1e-12);
  const Stats one = ComputeStats({7});
  EXPECT_DOUBLE_EQ(one.p99, 7);
  EXPECT_DOUBLE_EQ(one.stddev, 0);
  EXPECT_EQ(ComputeStats({}).count, 0u);
}

class BenchRunMetrics : public ::testing::Test {
 protected:
  // A: tpot (1.1−0.1)/10 = 0.1; B: one token, no tpot; C: 503; D: tpot (2.3−0.3)/4 = 0.5.
  std::vector<RequestRecord> requests_{
      Ok(0.0, 0.1, 1.1, 10, 11), Ok(0.5, 0.2, 0.7, 20, 1), Failed(1.0, 0.05, ErrorClass::kHttpStatus, 503),
      Ok(1.5, 0.3, 2.3, 30, 5), Failed(1.6, 0.1, ErrorClass::kConnectionReset, 0)};
  RunLoad load_{"D(10,10)", 4, 0, 1};
};

TEST_F(BenchRunMetrics, MatchesHandComputedFixture) {
  const RunMetrics m = ComputeRunMetrics(load_, requests_, {}, 2);
  EXPECT_EQ(m.iteration_type, "num_concurrency");
  EXPECT_DOUBLE_EQ(m.run_duration, 3.8);  // first send 0 → D ends at 1.5 + 2.3
  EXPECT_EQ(m.num_requests, 5);
  EXPECT_EQ(m.num_completed_requests, 3);
  EXPECT_EQ(m.num_error_requests, 2);
  EXPECT_EQ(m.num_cancelled_requests, 2);
  EXPECT_DOUBLE_EQ(m.error_rate, 0.4);
  EXPECT_EQ(m.error_codes_frequency, (std::map<std::string, int64_t>{{"503", 1}, {"connection_reset", 1}}));
  EXPECT_DOUBLE_EQ(m.mean_output_throughput_tokens_per_s, 17 / 3.8);
  EXPECT_DOUBLE_EQ(m.mean_input_throughput_tokens_per_s, 60 / 3.8);
  EXPECT_DOUBLE_EQ(m.mean_total_tokens_throughput_tokens_per_s, 77 / 3.8);
  EXPECT_DOUBLE_EQ(m.requests_per_second, 3 / 3.8);
  EXPECT_NEAR(m.ttft.mean, 0.2, 1e-12);
  EXPECT_NEAR(m.ttft.p90, 0.28, 1e-12);
  EXPECT_NEAR(m.ttft.stddev, std::sqrt(0.02 / 3), 1e-12);
  EXPECT_EQ(m.tpot.count, 2u);  // the one-token output is left out
  EXPECT_NEAR(m.tpot.mean, 0.3, 1e-12);
  EXPECT_NEAR(m.output_inference_speed.mean, (10 + 2) / 2.0, 1e-9);
  EXPECT_NEAR(m.output_latency.sum, 1.0 + 0.5 + 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.total_tokens.max, 35);
  EXPECT_DOUBLE_EQ(m.num_output_tokens.p50, 5);
  EXPECT_DOUBLE_EQ(m.goodput, 3 / 3.8);  // no thresholds: every completed request counts
}

TEST_F(BenchRunMetrics, GoodputAppliesEachThreshold) {
  // ttft ≤ 0.25 drops D; tpot ≤ 0.2 would drop D too; B has no tpot and passes.
  EXPECT_DOUBLE_EQ(ComputeRunMetrics(load_, requests_, {0.25, 0.2, std::nullopt}).goodput, 2 / 3.8);
  EXPECT_DOUBLE_EQ(ComputeRunMetrics(load_, requests_, {std::nullopt, 0.2, std::nullopt}).goodput, 2 / 3.8);
  // e2e ≤ 1.0 keeps only B.
  EXPECT_DOUBLE_EQ(ComputeRunMetrics(load_, requests_, {std::nullopt, std::nullopt, 1.0}).goodput, 1 / 3.8);
}

TEST_F(BenchRunMetrics, OpenLoopRunsSayRequestRate) {
  RunLoad open = load_;
  open.request_rate = 5;
  EXPECT_EQ(ComputeRunMetrics(open, requests_, {}).iteration_type, "request_rate");
}

TEST_F(BenchRunMetrics, AllErrorsGiveErrorRateOne) {
  const std::vector<RequestRecord> failed{Failed(0, 1, ErrorClass::kTimeout, 0),
                                          Failed(0, 1, ErrorClass::kStreamError, 500)};
  const RunMetrics m = ComputeRunMetrics(load_, failed, {});
  EXPECT_DOUBLE_EQ(m.error_rate, 1.0);
  EXPECT_EQ(m.num_completed_requests, 0);
  EXPECT_DOUBLE_EQ(m.requests_per_second, 0);
  EXPECT_EQ(m.error_codes_frequency, (std::map<std::string, int64_t>{{"500", 1}, {"timeout", 1}}));
}

// The SPEC §3 field list, written out independently of the implementation.
TEST_F(BenchRunMetrics, JsonHasEverySpecField) {
  const Json json = RunMetricsToJson(ComputeRunMetrics(load_, requests_, {}));
  for (const char* field :
       {"scenario", "num_concurrency", "batch_size", "iteration_type", "run_duration",
        "mean_output_throughput_tokens_per_s", "mean_input_throughput_tokens_per_s",
        "mean_total_tokens_throughput_tokens_per_s", "requests_per_second", "error_rate",
        "error_codes_frequency", "num_error_requests", "num_completed_requests", "num_requests", "stats"}) {
    EXPECT_TRUE(json.contains(field)) << field;
  }
  EXPECT_TRUE(json["error_codes_frequency"].is_object());
  EXPECT_EQ(json["error_codes_frequency"]["503"], 1);
  EXPECT_TRUE(json["num_requests"].is_number_integer());
  for (const char* metric : {"ttft", "tpot", "e2e_latency", "output_latency", "output_inference_speed",
                             "num_input_tokens", "num_output_tokens", "total_tokens"}) {
    ASSERT_TRUE(json["stats"].contains(metric)) << metric;
    for (const char* stat :
         {"min", "max", "mean", "stddev", "sum", "p25", "p50", "p75", "p90", "p95", "p99"}) {
      EXPECT_TRUE(json["stats"][metric].contains(stat) && json["stats"][metric][stat].is_number())
          << metric << "." << stat;
    }
  }
  EXPECT_DOUBLE_EQ(json["stats"]["e2e_latency"]["max"].get<double>(), 2.3);
}

TEST_F(BenchRunMetrics, AggregatePoolsRequestsAndAveragesThroughputs) {
  std::vector<RunResult> runs(2);
  runs[0].requests = {Ok(0, 0.1, 1.0, 10, 11)};
  runs[1].requests = {Ok(0, 0.3, 2.0, 10, 11), Ok(0, 0.5, 3.0, 10, 11),
                      Failed(0, 1, ErrorClass::kHttpStatus, 500)};
  for (RunResult& run : runs) run.metrics = ComputeRunMetrics(load_, run.requests, {});
  const Json a = AggregateRuns(runs, {}, 2);
  EXPECT_DOUBLE_EQ(a["mean_e2e_latency"].get<double>(), 2.0);  // (1 + 2 + 3) / 3, each request once
  EXPECT_DOUBLE_EQ(a["p50_e2e_latency"].get<double>(), 2.0);
  EXPECT_NEAR(a["mean_ttft"].get<double>(), 0.3, 1e-12);
  // Run throughputs: 11/1 and 22/3.
  EXPECT_DOUBLE_EQ(a["mean_output_throughput"].get<double>(), (11.0 + 22.0 / 3) / 2);
  EXPECT_DOUBLE_EQ(a["max_output_throughput"].get<double>(), 11.0);
  EXPECT_DOUBLE_EQ(a["max_output_throughput_per_gpu"].get<double>(), 5.5);
  EXPECT_EQ(a["total_requests"], 4);
  EXPECT_EQ(a["total_error_requests"], 1);
  EXPECT_DOUBLE_EQ(a["success_rate"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(a["goodput"].get<double>(), 3 / 4.0);  // 3 good requests over 1 s + 3 s
  EXPECT_EQ(a["raw_results"].size(), 2u);
}

// The SPEC §3 per-experiment field list, written out independently of the implementation; every entry of
// raw_results is a complete per-run object.
TEST_F(BenchRunMetrics, AggregateHasEverySpecField) {
  std::vector<RunResult> runs(2);
  runs[0].requests = requests_;
  runs[1].requests = {Ok(0, 0.2, 1.5, 10, 11)};
  for (RunResult& run : runs) run.metrics = ComputeRunMetrics(load_, run.requests, {});
  const Json a = AggregateRuns(runs, {}, 2);
  for (const char* field :
       {"mean_e2e_latency", "min_e2e_latency", "max_e2e_latency", "p50_e2e_latency", "p90_e2e_latency",
        "p99_e2e_latency", "mean_ttft", "mean_tpot", "mean_output_throughput", "max_output_throughput",
        "mean_total_throughput", "max_total_throughput", "mean_output_throughput_per_gpu",
        "max_output_throughput_per_gpu", "mean_total_throughput_per_gpu", "max_total_throughput_per_gpu",
        "success_rate", "goodput"}) {
    EXPECT_TRUE(a.contains(field) && a[field].is_number()) << field;
  }
  for (const char* field : {"total_requests", "total_completed_requests", "total_error_requests"}) {
    EXPECT_TRUE(a.contains(field) && a[field].is_number_integer()) << field;
  }
  EXPECT_EQ(a["total_requests"].get<int64_t>(),
            a["total_completed_requests"].get<int64_t>() + a["total_error_requests"].get<int64_t>());
  EXPECT_DOUBLE_EQ(a["max_total_throughput_per_gpu"].get<double>(),
                   a["max_total_throughput"].get<double>() / 2);
  ASSERT_TRUE(a["raw_results"].is_array());
  ASSERT_EQ(a["raw_results"].size(), 2u);
  for (const Json& run : a["raw_results"]) {
    for (const char* field : {"scenario", "num_concurrency", "batch_size", "iteration_type", "run_duration",
                              "mean_output_throughput_tokens_per_s", "error_rate", "error_codes_frequency",
                              "num_requests", "stats"}) {
      EXPECT_TRUE(run.contains(field)) << field;
    }
  }
  EXPECT_EQ(a["raw_results"][1]["num_requests"], 1);
}

}  // namespace
}  // namespace autotuner::bench
