#include "autotuner/runner/units.h"

#include <gtest/gtest.h>

namespace autotuner::runner {
namespace {

TEST(Units, ObjectivesReadInTheirOwnMetricUnitAndDirection) {
  const ObjectiveInfo tput = DescribeObjective(task::Objective::kMaximizeThroughput);
  EXPECT_EQ(tput.metric, "mean_total_throughput_per_gpu");
  EXPECT_EQ(tput.unit, "tok/s/GPU");
  EXPECT_TRUE(tput.higher_is_better);
  const ObjectiveInfo latency = DescribeObjective(task::Objective::kMinimizeLatency);
  EXPECT_EQ(latency.unit, "s");
  EXPECT_FALSE(latency.higher_is_better);
  EXPECT_EQ(DescribeObjective(task::Objective::kMaximizeGoodput).unit, "req/s");
  EXPECT_TRUE(DescribeObjective(task::Objective::kMaximizeGoodput).higher_is_better);
}

TEST(Units, FlattenedStatisticsTakeTheirMetricsUnit) {
  EXPECT_EQ(MetricUnit("ttft_p90"), "s");
  EXPECT_EQ(MetricUnit("num_output_tokens_mean"), "tokens");
  EXPECT_EQ(MetricUnit("output_inference_speed_p50"), "tok/s");
  EXPECT_EQ(MetricUnit("mean_output_throughput"), "tok/s");
  EXPECT_EQ(MetricUnit("success_rate"), "");
  EXPECT_EQ(MetricUnit("ttft_p42"), "");  // not a statistic
  EXPECT_EQ(MetricUnit("ttft"), "");
  const Json table = UnitTableJson();
  EXPECT_EQ(table["metrics"]["e2e_latency_p99"], "s");
  EXPECT_EQ(table["objectives"]["minimize_tpot"]["metric"], "mean_tpot");
  EXPECT_EQ(table["objectives"].size(), 5u);
}

TEST(Units, ObjectiveValueIsTheMetricOfASuccessAndThePenaltyComesFromTheScore) {
  store::ExperimentRecord e;
  e.status = ExperimentStatus::kSuccess;
  e.metrics = {{"mean_total_throughput_per_gpu", 1500.0}, {"score_breakdown", {{"penalty", 0.25}}}};
  const Json objective = ObjectiveValueJson(e, task::Objective::kMaximizeThroughput);
  EXPECT_EQ(objective["name"], "maximize_throughput");
  EXPECT_EQ(objective["value"], 1500.0);
  EXPECT_EQ(objective["unit"], "tok/s/GPU");
  EXPECT_EQ(objective["higher_is_better"], true);
  EXPECT_EQ(SloPenaltyJson(e), 0.25);
  e.status = ExperimentStatus::kFailed;
  EXPECT_TRUE(ObjectiveValueJson(e, task::Objective::kMaximizeThroughput)["value"].is_null());
  e.metrics = Json::object();
  EXPECT_TRUE(SloPenaltyJson(e).is_null());
}

}  // namespace
}  // namespace autotuner::runner
