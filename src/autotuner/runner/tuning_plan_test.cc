#include "autotuner/runner/tuning_plan.h"

#include <gtest/gtest.h>

namespace autotuner::runner {
namespace {

store::ExperimentRecord Done(int64_t number, double score, ExperimentKind kind = ExperimentKind::kSearch,
                             std::optional<int64_t> confirms = std::nullopt) {
  store::ExperimentRecord e;
  e.number = number;
  e.kind = kind;
  e.confirms = confirms;
  e.status = ExperimentStatus::kSuccess;
  e.score = score;
  e.feasible = true;
  e.parameters = {{"x", number}};
  return e;
}

TEST(TuningPlanTest, BaselineIsOnByDefaultExceptForGrids) {
  task::Optimization o;
  o.strategy = task::Strategy::kBayesian;
  EXPECT_TRUE(BaselineEnabled(o));
  o.strategy = task::Strategy::kRandom;
  EXPECT_TRUE(BaselineEnabled(o));
  o.strategy = task::Strategy::kGridSearch;
  EXPECT_FALSE(BaselineEnabled(o));
  o.baseline = true;
  EXPECT_TRUE(BaselineEnabled(o));
  o.strategy = task::Strategy::kBayesian;
  o.baseline = false;
  EXPECT_FALSE(BaselineEnabled(o));
}

TEST(TuningPlanTest, BaselineKeepsFixedFlagsAndLeavesSearchedOnesToTheEngine) {
  task::SearchSpace space;
  space.dimensions = {
      task::Dimension::Categorical("tp-size", {2}),
      task::Dimension::Categorical("max-running-requests", {16, 64}),
      task::Dimension::Range("chunked-prefill-size", task::Parameter::Kind::kInteger, 512, 8192)};
  task::Optimization o;
  o.baseline_parameters = {{"schedule-policy", "fcfs"}};
  EXPECT_EQ(BaselineAssignment(space, o), (Json{{"tp-size", 2}, {"schedule-policy", "fcfs"}}));
}

TEST(TuningPlanTest, ConfirmAutoIsTwoOnRealEnginesOnly) {
  task::Optimization o;
  EXPECT_EQ(ConfirmCount(o, false), 2);
  EXPECT_EQ(ConfirmCount(o, true), 0);
  o.confirm = 3;
  EXPECT_EQ(ConfirmCount(o, true), 3);
}

TEST(TuningPlanTest, ConfirmsTheBestAndTheRunnerUpOnce) {
  std::vector<store::ExperimentRecord> experiments = {Done(0, -2.5, ExperimentKind::kBaseline), Done(1, -1.0),
                                                      Done(2, -3.0), Done(3, -2.0)};
  auto runs = PendingConfirmRuns(experiments, 2);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].confirms, 2);  // the best first
  EXPECT_EQ(runs[1].confirms, 2);
  EXPECT_EQ(runs[2].confirms, 0);  // a baseline that comes second is confirmed too
  EXPECT_EQ(runs[0].parameters, (Json{{"x", 2}}));
  // A resumed study runs only what is missing, and the re-measurements never change the targets; an
  // interrupted or cancelled re-measurement is owed again.
  experiments.push_back(Done(4, -9.0, ExperimentKind::kConfirm, 2));
  auto interrupted = Done(5, 0, ExperimentKind::kConfirm, 0);
  interrupted.status = ExperimentStatus::kFailed;
  interrupted.error_class = FailureClass::kInterrupted;
  experiments.push_back(interrupted);
  runs = PendingConfirmRuns(experiments, 2);
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].confirms, 2);
  EXPECT_EQ(runs[1].confirms, 0);
  EXPECT_EQ(runs[2].confirms, 0);
  EXPECT_TRUE(PendingConfirmRuns(experiments, 0).empty());
  EXPECT_TRUE(PendingConfirmRuns({Done(1, -1.0)}, 2).empty());
}

TEST(TuningPlanTest, DurationSaysWhenItIsSpent) {
  task::Optimization o;
  EXPECT_FALSE(DurationSpent(o, 1e9).has_value());
  o.max_duration = 600;
  EXPECT_FALSE(DurationSpent(o, 599).has_value());
  EXPECT_EQ(*DurationSpent(o, 601), "max_duration (600 s) reached after 601 s");
}

}  // namespace
}  // namespace autotuner::runner
