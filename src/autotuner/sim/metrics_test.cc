#include "autotuner/sim/metrics.h"

#include <gtest/gtest.h>

#include "autotuner/core/json.h"

namespace autotuner::sim {
namespace {

TEST(SimMetrics, HistogramBucketsAreCumulative) {
  Histogram histogram({0.1, 1.0});
  histogram.Observe(0.05);
  histogram.Observe(0.5);
  histogram.Observe(5);
  const std::string text = histogram.Render("x", "a=\"b\"");
  EXPECT_NE(text.find("x_bucket{a=\"b\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_bucket{a=\"b\",le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_bucket{a=\"b\",le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("x_count{a=\"b\"} 3\n"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(histogram.sum(), 5.55);
}

TEST(SimMetrics, EachFlavorUsesItsEnginesNames) {
  ServerMetrics metrics;
  metrics.ObserveTtft(0.2);
  EngineStats stats;
  stats.running = 3;
  stats.waiting = 2;
  stats.generation_tokens = 40;
  const std::string vllm = metrics.Prometheus(FlavorNamed("vllm"), stats, "m");
  EXPECT_NE(vllm.find("vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 3\n"), std::string::npos)
      << vllm;
  EXPECT_NE(vllm.find("vllm:generation_tokens_total{engine=\"0\",model_name=\"m\"} 40\n"), std::string::npos);
  EXPECT_NE(vllm.find("vllm:time_to_first_token_seconds_count{engine=\"0\",model_name=\"m\"} 1\n"),
            std::string::npos);
  const std::string sglang = metrics.Prometheus(FlavorNamed("sglang"), stats, "m");
  EXPECT_NE(sglang.find("sglang:num_queue_reqs{model_name=\"m\"} 2\n"), std::string::npos) << sglang;
  const std::string trtllm = metrics.Prometheus(FlavorNamed("trtllm"), stats, "m");
  EXPECT_NE(trtllm.find("trtllm_num_requests_running{"), std::string::npos);
}

TEST(SimMetrics, PromptCountersIncludeCacheHitsAsTheEnginesCountThem) {
  EngineStats stats;
  stats.prompt_tokens = 600;  // computed
  stats.request_prompt_tokens = 1000;
  stats.request_cached_tokens = 400;
  const std::string labels = "{engine=\"0\",model_name=\"m\"} ";
  const std::string vllm = ServerMetrics().Prometheus(FlavorNamed("vllm"), stats, "m");
  EXPECT_NE(vllm.find("vllm:prompt_tokens_total" + labels + "1000\n"), std::string::npos) << vllm;
  EXPECT_NE(vllm.find("vllm:prefix_cache_queries_total" + labels + "1000\n"), std::string::npos);
  EXPECT_NE(vllm.find("vllm:prefix_cache_hits_total" + labels + "400\n"), std::string::npos);
  const std::string sglang = ServerMetrics().Prometheus(FlavorNamed("sglang"), stats, "m");
  EXPECT_NE(sglang.find("sglang:cached_tokens_total{model_name=\"m\"} 400\n"), std::string::npos) << sglang;
  const Json iteration = Json::parse(ServerMetrics().IterationStatsJson(stats, 32));
  EXPECT_DOUBLE_EQ(iteration[0]["kvCacheStats"]["cacheHitRate"].get<double>(), 0.4);
}

TEST(SimMetrics, IterationStatsJsonCountBlocks) {
  EngineStats stats;
  stats.kv_capacity_tokens = 320;
  stats.kv_used_tokens = 33;
  stats.running = 1;
  const Json json = Json::parse(ServerMetrics().IterationStatsJson(stats, 32));
  ASSERT_TRUE(json.is_array());
  EXPECT_EQ(json[0]["kvCacheStats"]["maxNumBlocks"], 10);
  EXPECT_EQ(json[0]["kvCacheStats"]["usedNumBlocks"], 2);
  EXPECT_EQ(json[0]["kvCacheStats"]["freeNumBlocks"], 8);
  EXPECT_EQ(json[0]["numActiveRequests"], 1);
}

}  // namespace
}  // namespace autotuner::sim
