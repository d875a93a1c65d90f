#include "autotuner/opt/score.h"

#include <gtest/gtest.h>

#include <cmath>

namespace autotuner::opt {
namespace {

using task::Objective;

task::SloEntry Entry(double threshold, double weight = 1.0, bool hard_fail = false, double fail_ratio = 0.5) {
  return {threshold, weight, hard_fail, fail_ratio};
}

Metrics BaseMetrics() {
  return {{"mean_e2e_latency", 2.0}, {"p50_e2e_latency", 1.8},
          {"p90_e2e_latency", 3.0},  {"p99_e2e_latency", 4.0},
          {"mean_ttft", 0.2},        {"mean_tpot", 0.02},
          {"p90_ttft", 0.5},         {"mean_total_throughput_per_gpu", 1500.0},
          {"goodput", 12.5}};
}

TEST(ScoreTest, BaseScoresFollowTheObjective) {
  const Metrics m = BaseMetrics();
  EXPECT_EQ(*BaseScore(m, Objective::kMinimizeLatency), 2.0);
  EXPECT_EQ(*BaseScore(m, Objective::kMaximizeThroughput), -1500.0);
  EXPECT_EQ(*BaseScore(m, Objective::kMinimizeTtft), 0.2);
  EXPECT_EQ(*BaseScore(m, Objective::kMinimizeTpot), 0.02);
  EXPECT_EQ(*BaseScore(m, Objective::kMaximizeGoodput), -12.5);
}

TEST(ScoreTest, MissingOrNonFiniteMetricIsAnError) {
  Metrics m = BaseMetrics();
  m.erase("goodput");
  auto r = BaseScore(m, Objective::kMaximizeGoodput);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("goodput"), std::string::npos);
  m["mean_ttft"] = std::nan("");
  EXPECT_FALSE(BaseScore(m, Objective::kMinimizeTtft).ok());
}

TEST(ScoreTest, PenaltyIsZeroAtAndBelowTheThreshold) {
  EXPECT_EQ(SloPenalty(5.0, Entry(5.0, 3.0), 0.1), 0.0);
  EXPECT_EQ(SloPenalty(4.0, Entry(5.0, 3.0), 0.1), 0.0);
  // Continuous just above: no jump by `weight` as in the original formula.
  EXPECT_LT(SloPenalty(5.0 * (1 + 1e-9), Entry(5.0, 3.0), 0.1), 1e-6);
}

TEST(ScoreTest, PenaltyFollowsTheSpecFormula) {
  // r = (6 − 5) / 5 = 0.2; weight · (exp(0.2 / 0.1) − 1).
  EXPECT_NEAR(SloPenalty(6.0, Entry(5.0, 2.0), 0.1), 2.0 * (std::exp(2.0) - 1), 1e-12);
  // The exponent is capped at 50.
  EXPECT_NEAR(SloPenalty(500.0, Entry(5.0, 1.0), 0.1), std::exp(50.0) - 1, std::exp(50.0) * 1e-12);
}

TEST(ScoreTest, HardFailOnlyBeyondTheFailRatio) {
  const auto e = Entry(5.0, 1.0, true, 0.2);
  EXPECT_FALSE(SloHardFails(5.0, e));
  EXPECT_FALSE(SloHardFails(6.0, e));  // r = 0.2 exactly: penalised, not infeasible
  EXPECT_TRUE(SloHardFails(6.0001, e));
  EXPECT_FALSE(SloHardFails(100.0, Entry(5.0, 1.0, false, 0.2)));  // not a hard SLO
}

TEST(ScoreTest, ScoreAddsPenaltiesScaledByTheBase) {
  task::Slo slo;
  slo.steepness = 0.1;
  slo.latency["p90"] = Entry(2.5, 2.0);  // actual 3.0: r = 0.2
  slo.ttft["mean"] = Entry(1.0);         // actual 0.2: no penalty
  auto s = ScoreExperiment(BaseMetrics(), slo, Objective::kMinimizeLatency);
  ASSERT_TRUE(s.ok()) << s.error().message;
  const double penalty = 2.0 * (std::exp(2.0) - 1);
  EXPECT_NEAR(s->penalty, penalty, 1e-12);
  EXPECT_NEAR(s->score, 2.0 + penalty * 2.0, 1e-12);
  ASSERT_EQ(s->checks.size(), 2u);
  EXPECT_EQ(s->checks[0].metric, "p90_e2e_latency");
  EXPECT_EQ(s->checks[1].metric, "mean_ttft");
  EXPECT_FALSE(s->infeasible.has_value());

  // A maximised objective gets worse (less negative) with a penalty.
  auto t = ScoreExperiment(BaseMetrics(), slo, Objective::kMaximizeThroughput);
  ASSERT_TRUE(t.ok());
  EXPECT_NEAR(t->score, -1500.0 + penalty * 1500.0, 1e-9);
}

TEST(ScoreTest, StatisticsMapToTheirMetrics) {
  EXPECT_EQ(SloMetricName("latency", "p90"), "p90_e2e_latency");
  EXPECT_EQ(SloMetricName("latency", "mean"), "mean_e2e_latency");
  EXPECT_EQ(SloMetricName("ttft", "mean"), "mean_ttft");
  EXPECT_EQ(SloMetricName("ttft", "p90"), "p90_ttft");
  EXPECT_EQ(SloMetricName("tpot", "p99"), "p99_tpot");

  task::Slo slo;
  slo.steepness = 0.1;
  slo.ttft["p90"] = Entry(0.4);  // checked against p90_ttft (0.5), not mean_ttft (0.2)
  auto s = ScoreExperiment(BaseMetrics(), slo, Objective::kMinimizeLatency);
  ASSERT_TRUE(s.ok());
  EXPECT_GT(s->penalty, 0);

  slo.tpot["p99"] = Entry(0.1);  // p99_tpot is not in the metrics
  auto missing = ScoreExperiment(BaseMetrics(), slo, Objective::kMinimizeLatency);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("p99_tpot"), std::string::npos);
}

TEST(ScoreTest, HardFailMakesTheOutcomeInfeasible) {
  task::Slo slo;
  slo.steepness = 0.1;
  slo.latency["p90"] = Entry(2.0, 1.0, true, 0.2);  // actual 3.0: r = 0.5 > 0.2
  const Objective objectives[] = {Objective::kMinimizeLatency};
  auto outcome = ScoreOutcome(BaseMetrics(), slo, objectives);
  ASSERT_TRUE(outcome.ok());
  ASSERT_FALSE(outcome->feasible());
  EXPECT_EQ(outcome->reason(), InfeasibleReason::kSloViolation);
  EXPECT_NE(outcome->message().find("latency.p90"), std::string::npos);

  slo.latency["p90"] = Entry(2.5, 1.0, true, 0.2);  // r = 0.2: at the fail ratio, still feasible
  auto at_boundary = ScoreOutcome(BaseMetrics(), slo, objectives);
  ASSERT_TRUE(at_boundary.ok());
  EXPECT_TRUE(at_boundary->feasible());
}

TEST(ScoreTest, OutcomeCarriesEveryObjectivePrimaryFirst) {
  task::Slo slo;
  slo.steepness = 0.1;
  const Objective objectives[] = {Objective::kMaximizeThroughput, Objective::kMinimizeLatency};
  auto outcome = ScoreOutcome(BaseMetrics(), slo, objectives);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->score(), -1500.0);
  EXPECT_EQ(outcome->objectives(), (std::vector<double>{-1500.0, 2.0}));
  EXPECT_FALSE(ScoreOutcome(BaseMetrics(), slo, {}).ok());
}

TEST(ScoreTest, NonPositiveThresholdIsRejected) {
  task::Slo slo;
  slo.steepness = 0.1;
  slo.latency["mean"] = Entry(0.0);
  EXPECT_FALSE(ScoreExperiment(BaseMetrics(), slo, Objective::kMinimizeLatency).ok());
}

TEST(ScoreTest, MetricsFromJsonKeepsNumbers) {
  const Json j = {{"mean_ttft", 0.5}, {"total_requests", 10}, {"raw_results", Json::array()}, {"name", "x"}};
  const Metrics m = MetricsFromJson(j);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.at("total_requests"), 10.0);
}

}  // namespace
}  // namespace autotuner::opt
