#include "autotuner/bench/engine_metrics.h"

#include <gtest/gtest.h>

namespace autotuner::bench {
namespace {

TEST(BenchEngineMetrics, ReadsTheLoadGaugesOfBothEngines) {
  const std::string text =
      "# HELP vllm:num_requests_running Number of requests in model execution batches.\n"
      "# TYPE vllm:num_requests_running gauge\n"
      "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 3.0\n"
      "vllm:num_requests_running{engine=\"1\",model_name=\"m\"} 2.0\n"
      "vllm:num_requests_waiting{model_name=\"a b\"} 7 1767225600000\n"
      "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.25\n"
      "vllm:prompt_tokens_total{model_name=\"m\"} 1234\n"
      "sglang:num_queue_reqs 4\n"
      "sglang:token_usage{tp_rank=\"0\"} NaN\n"
      "garbage line\n";
  const auto values = ParsePrometheusGauges(text);
  EXPECT_EQ(values, (std::map<std::string, double>{{"sglang:num_queue_reqs", 4},
                                                   {"vllm:kv_cache_usage_perc", 0.25},
                                                   {"vllm:num_requests_running", 5},
                                                   {"vllm:num_requests_waiting", 7}}));
}

TEST(BenchEngineMetrics, SummarisesSamples) {
  const std::vector<EngineSample> samples{{0.5, {{"vllm:num_requests_running", 2}}},
                                          {1.5, {{"vllm:num_requests_running", 6}}},
                                          {2.5, {{"vllm:num_requests_running", 4}}}};
  const Json summary = SummarizeEngineSamples(samples);
  EXPECT_DOUBLE_EQ(summary["vllm:num_requests_running"]["mean"].get<double>(), 4);
  EXPECT_DOUBLE_EQ(summary["vllm:num_requests_running"]["max"].get<double>(), 6);
  EXPECT_DOUBLE_EQ(summary["vllm:num_requests_running"]["last"].get<double>(), 4);
  EXPECT_EQ(summary["vllm:num_requests_running"]["samples"], 3);
  EXPECT_TRUE(SummarizeEngineSamples({}).empty());
}

}  // namespace
}  // namespace autotuner::bench
