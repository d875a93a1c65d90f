#include "autotuner/runner/baseline.h"

#include <gtest/gtest.h>

#include "autotuner/runner/confirm.h"
#include "autotuner/runner/results.h"

namespace autotuner::runner {
namespace {

store::ExperimentRecord Measured(int64_t number, double throughput,
                                 ExperimentKind kind = ExperimentKind::kSearch,
                                 std::optional<int64_t> confirms = std::nullopt) {
  store::ExperimentRecord e;
  e.id = 100 + number;
  e.number = number;
  e.kind = kind;
  e.confirms = confirms;
  e.status = ExperimentStatus::kSuccess;
  e.feasible = true;
  e.score = -throughput;
  e.metrics = {{"mean_total_throughput_per_gpu", throughput}, {"mean_ttft", 0.2}};
  return e;
}

const Json kThroughputSpec = {{"optimization", {{"objective", "maximize_throughput"}}}};

TEST(BaselineTest, ResultsShowTheImprovementOverTheDefaults) {
  const std::vector<store::ExperimentRecord> experiments = {
      Measured(0, 1000, ExperimentKind::kBaseline), Measured(1, 1200), Measured(2, 1470), Measured(3, 900)};
  store::TaskRecord task;
  task.name = "t";
  task.spec = kThroughputSpec;
  const Json r = ResultsJson(task, experiments);
  EXPECT_EQ(r["best_result"]["experiment_id"], 2);
  EXPECT_EQ(r["baseline"]["experiment_id"], 0);
  EXPECT_EQ(r["baseline"]["kind"], "baseline");
  EXPECT_EQ(r["improvement"]["text"], "+47% tok/s/GPU vs defaults");
  EXPECT_NEAR(r["improvement"]["change_percent"].get<double>(), 47.0, 1e-9);
  EXPECT_EQ(r["improvement"]["better"], true);
  EXPECT_EQ(r["all_results"][1]["kind"], "search");
  EXPECT_NE(ResultsCsv(experiments).find(",baseline\n"), std::string::npos);
  EXPECT_EQ(BestSummaryLine(experiments, task::Objective::kMaximizeThroughput),
            "best: +47% over defaults, found in 2 of 3 experiments");
  EXPECT_EQ(BestSummaryLine({Measured(1, 1200), Measured(2, 1000)}, task::Objective::kMaximizeThroughput),
            "best: found in 1 of 2 experiments");
}

TEST(BaselineTest, ABaselineThatWinsIsTheBestAndAFailedOneIsReported) {
  auto experiments =
      std::vector<store::ExperimentRecord>{Measured(0, 5000, ExperimentKind::kBaseline), Measured(1, 1200)};
  // The defaults beat every searched configuration: they are what to launch.
  EXPECT_EQ(BestExperiment(experiments)->number, 0);
  EXPECT_EQ(BestSearchExperiment(experiments)->number, 1);
  const Json worse = ImprovementJson(experiments, task::Objective::kMaximizeThroughput);
  EXPECT_EQ(worse["better"], false);
  EXPECT_EQ(worse["text"], "-76% tok/s/GPU vs defaults");
  EXPECT_EQ(
      BestSummaryLine(experiments, task::Objective::kMaximizeThroughput),
      "best: the engine defaults (baseline), not beaten in 1 search experiments (the best of them: -76% "
      "tok/s/GPU vs defaults)");
  // A re-measurement is never the best, however it scores.
  experiments.push_back(Measured(2, 9000, ExperimentKind::kConfirm, 1));
  EXPECT_EQ(BestExperiment(experiments)->number, 0);
  experiments.pop_back();
  experiments[0].status = ExperimentStatus::kFailed;
  experiments[0].error_class = FailureClass::kOom;
  EXPECT_EQ(BestExperiment(experiments)->number, 1);
  const Json failed = ImprovementJson(experiments, task::Objective::kMaximizeThroughput);
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["text"], "baseline (engine defaults) failed (oom)");
  EXPECT_TRUE(ImprovementJson({Measured(1, 1200)}, task::Objective::kMaximizeThroughput).is_null());
}

TEST(BaselineTest, LatencyImprovementIsAReduction) {
  auto base = Measured(0, 0, ExperimentKind::kBaseline), best = Measured(1, 0);
  base.metrics = {{"mean_e2e_latency", 2.0}};
  best.metrics = {{"mean_e2e_latency", 1.5}};
  const auto i = ImprovementOverBaseline(base, best, task::Objective::kMinimizeLatency);
  ASSERT_TRUE(i.has_value());
  EXPECT_TRUE(i->better);
  EXPECT_EQ(i->text, "-25% mean latency vs defaults");
  EXPECT_EQ(PrimaryObjective({{"optimization", {{"objective", {"minimize_ttft", "maximize_throughput"}}}}}),
            task::Objective::kMinimizeTtft);
}

TEST(ConfirmTest, AWinnerWithinNoiseOfTheRunnerUpSaysSo) {
  // Experiment 4 looked best (1500) but its re-measurements overlap experiment 2's.
  const std::vector<store::ExperimentRecord> experiments = {Measured(1, 1000),
                                                            Measured(2, 1480),
                                                            Measured(3, 1200),
                                                            Measured(4, 1500),
                                                            Measured(5, 1440, ExperimentKind::kConfirm, 4),
                                                            Measured(6, 1490, ExperimentKind::kConfirm, 4),
                                                            Measured(7, 1510, ExperimentKind::kConfirm, 2),
                                                            Measured(8, 1450, ExperimentKind::kConfirm, 2)};
  const auto c = ConfirmationOf(experiments, task::Objective::kMaximizeThroughput);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->within_noise) << c->text;
  EXPECT_EQ(c->best.score.n, 3u);
  EXPECT_NE(c->text.find("within noise"), std::string::npos) << c->text;
  EXPECT_NEAR(*MeasuredScoreNoise(experiments), 0.02, 0.005);  // about 30 tok/s in 1,480
  store::TaskRecord task;
  task.spec = kThroughputSpec;
  const Json r = ResultsJson(task, experiments);
  EXPECT_EQ(r["confirmation"]["within_noise"], true);
  EXPECT_EQ(r["best_result"]["experiment_id"], 4);  // the search's best; the confirmation qualifies it
}

TEST(ConfirmTest, AClearWinnerBeatsTheRunnerUp) {
  const std::vector<store::ExperimentRecord> experiments = {Measured(1, 1000),
                                                            Measured(2, 1500),
                                                            Measured(3, 1501, ExperimentKind::kConfirm, 2),
                                                            Measured(4, 1499, ExperimentKind::kConfirm, 2),
                                                            Measured(5, 1010, ExperimentKind::kConfirm, 1),
                                                            Measured(6, 990, ExperimentKind::kConfirm, 1)};
  const auto c = ConfirmationOf(experiments, task::Objective::kMaximizeThroughput);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->within_noise);
  EXPECT_EQ(c->best.number, 2);
  EXPECT_EQ(c->runner_up.number, 1);
  EXPECT_NEAR(c->best_metric.mean, 1500, 1e-9);
  EXPECT_NE(c->text.find("beats"), std::string::npos);
  EXPECT_FALSE(ConfirmationOf({Measured(1, 1000)}, task::Objective::kMaximizeThroughput).has_value());
}

}  // namespace
}  // namespace autotuner::runner
