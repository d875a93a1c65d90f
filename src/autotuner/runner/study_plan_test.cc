#include "autotuner/runner/study_plan.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "autotuner/core/thread_testing.h"
#include "autotuner/runner/baseline.h"
#include "autotuner/runner/confirm.h"
#include "autotuner/runner/results.h"
#include "autotuner/runner/study_testing.h"

namespace autotuner::runner {
namespace {

std::vector<store::ExperimentRecord> OfKind(const std::vector<store::ExperimentRecord>& experiments,
                                            ExperimentKind kind) {
  std::vector<store::ExperimentRecord> out;
  std::copy_if(experiments.begin(), experiments.end(), std::back_inserter(out),
               [&](const auto& e) { return e.kind == kind; });
  return out;
}

std::string AllLogs(store::Store& store, int64_t task_id) {
  std::string all;
  const auto logs = store.ListLogs(task_id, std::nullopt, 0, 10000);
  EXPECT_TRUE(logs.ok());
  for (const auto& l : *logs) all += l.line + "\n";
  return all;
}

// Stops the study once `finished` experiments have ended and the next one is benchmarking.
// Runs on a thread of its own: whatever happens there, the study is stopped, so the test fails, not hangs.
void StopAfter(EventBus::Subscription& sub, FakeWorld& world, int finished, std::stop_source& stop) {
  autotuner::testing::CatchAll("stopper", [&] {
    int seen = 0;
    while (seen < finished) {
      for (const auto& e : sub.Next(std::chrono::milliseconds(20))) {
        if (std::holds_alternative<ExperimentFinished>(e.event)) ++seen;
      }
    }
    world.block_bench = true;
    while (world.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  stop.request_stop();
}

Json RandomTask() {
  Json spec = BaseTask();
  spec["optimization"]["strategy"] = "random";
  return spec;
}

TEST_F(StudyTest, TheBaselineRunsFirstAsNumberZeroOutsideTheBudget) {
  world_.default_mem = "0.7";  // the engine's defaults are slower than the best (1.2 s vs 1.0 s)
  const int64_t id = CreateTask(RandomTask());  // baseline: auto is on for random
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 7u);           // max_iterations 6 search experiments + the baseline
  const auto& baseline = experiments.front();  // stored (and so started) first
  EXPECT_EQ(baseline.kind, ExperimentKind::kBaseline);
  EXPECT_EQ(baseline.number, 0);
  EXPECT_EQ(baseline.status, ExperimentStatus::kSuccess);
  EXPECT_EQ(baseline.parameters, Json::object());  // every searched flag at the engine's default
  EXPECT_NEAR(*baseline.score, 1.2, 1e-9);
  const auto search = OfKind(experiments, ExperimentKind::kSearch);
  ASSERT_EQ(search.size(), 6u);
  const auto best = BestExperiment(experiments);
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->id, *result->best_experiment_id);
  EXPECT_EQ(best->parameters, (Json{{"mem-fraction-static", 0.9}, {"schedule-policy", "lpm"}}));

  auto task = store_->GetTask(id);
  const Json results = ResultsJson(*task, experiments);
  EXPECT_EQ(results["baseline"]["experiment_id"], 0);
  EXPECT_EQ(results["improvement"]["better"], true);
  EXPECT_NEAR(results["improvement"]["change_percent"].get<double>(), -100.0 / 6, 1e-6);
  EXPECT_EQ(results["improvement"]["text"], "-17% mean latency vs defaults");
  EXPECT_EQ(BestSummaryLine(experiments, task::Objective::kMinimizeLatency),
            "best: -17% mean latency over defaults, found in " + std::to_string(best->number) +
                " of 6 experiments");
  EXPECT_NE(ResultsCsv(experiments).find(",baseline\n"), std::string::npos);
  // Its point is not in the search space: a reference, not an observation.
  const auto logs = AllLogs(*store_, id);
  EXPECT_NE(logs.find("[Experiment 0] Status: PENDING {} (baseline: engine defaults)"), std::string::npos);
  EXPECT_NE(logs.find("Baseline outside the search space"), std::string::npos) << logs;
  auto checkpoint = store_->LoadCheckpoint(id);
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  EXPECT_TRUE((**checkpoint)["prior_observations"].empty());
}

TEST_F(StudyTest, ABaselineInTheSearchSpaceIsToldToTheOptimizer) {
  Json spec = RandomTask();
  spec["optimization"]["baseline"] = {{"mem-fraction-static", 0.7}, {"schedule-policy", "fcfs"}};
  spec["optimization"]["max_iterations"] = 3;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto experiments = Experiments(id);
  EXPECT_EQ(OfKind(experiments, ExperimentKind::kSearch).size(), 3u);  // not counted against the budget
  const auto baselines = OfKind(experiments, ExperimentKind::kBaseline);
  ASSERT_EQ(baselines.size(), 1u);
  EXPECT_EQ(baselines[0].parameters, spec["optimization"]["baseline"]);
  auto checkpoint = store_->LoadCheckpoint(id);
  ASSERT_TRUE(checkpoint.ok() && checkpoint->has_value());
  const Json& prior = (**checkpoint)["prior_observations"];
  ASSERT_EQ(prior.size(), 1u);
  EXPECT_EQ(prior[0]["values"], spec["optimization"]["baseline"]);
  EXPECT_EQ((**checkpoint)["observations"].size(), 3u);
}

TEST_F(StudyTest, AFailedBaselineIsReportedAndTheStudyGoesOn) {
  world_.default_mem = "0.95";
  world_.oom_at_mem = "0.95";
  Json spec = RandomTask();
  spec["optimization"]["max_iterations"] = 2;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_TRUE(result->any_feasible);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 3u);
  EXPECT_EQ(experiments[0].kind, ExperimentKind::kBaseline);
  EXPECT_EQ(experiments[0].status, ExperimentStatus::kFailed);
  EXPECT_EQ(experiments[0].error_class, FailureClass::kOom);
  const Json improvement = ResultsJson(*store_->GetTask(id), experiments)["improvement"];
  EXPECT_EQ(improvement["text"], "baseline (engine defaults) failed (oom)");
  EXPECT_EQ(BestExperiment(experiments)->kind, ExperimentKind::kSearch);
}

Json ConfirmTask() {
  Json spec = BaseTask();  // grid: every configuration once; best mem 0.9 + lpm (1.0 s), then + fcfs (1.05 s)
  spec["optimization"]["confirm"] = 2;
  return spec;
}

TEST_F(StudyTest, ConfirmationReMeasuresTheBestAndTheRunnerUp) {
  const int64_t id = CreateTask(ConfirmTask());
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 10u);  // 6 search (max_iterations) + 2 × 2 re-measurements
  const auto search = OfKind(experiments, ExperimentKind::kSearch);
  ASSERT_EQ(search.size(), 6u);
  std::map<std::string, int64_t> number_of;
  for (const auto& e : search) number_of[DumpJson(e.parameters)] = e.number;
  const int64_t best = number_of[DumpJson(Json{{"mem-fraction-static", 0.9}, {"schedule-policy", "lpm"}})];
  const int64_t runner_up =
      number_of[DumpJson(Json{{"mem-fraction-static", 0.9}, {"schedule-policy", "fcfs"}})];
  const auto confirms = OfKind(experiments, ExperimentKind::kConfirm);
  ASSERT_EQ(confirms.size(), 4u);
  std::map<int64_t, int> per_target;
  for (const auto& c : confirms) {
    EXPECT_EQ(c.status, ExperimentStatus::kSuccess);
    ASSERT_TRUE(c.confirms.has_value());
    ++per_target[*c.confirms];
    EXPECT_GT(c.number, 6);  // after the search
    const auto target =
        std::find_if(search.begin(), search.end(), [&](const auto& e) { return e.number == *c.confirms; });
    EXPECT_EQ(c.parameters, target->parameters);
  }
  EXPECT_EQ(per_target, (std::map<int64_t, int>{{best, 2}, {runner_up, 2}}));
  // A re-measurement of the best is not a best of its own.
  EXPECT_EQ(BestExperiment(experiments)->number, best);
  const auto confirmation = ConfirmationOf(experiments, task::Objective::kMinimizeLatency);
  ASSERT_TRUE(confirmation.has_value());
  EXPECT_EQ(confirmation->best.number, best);
  EXPECT_EQ(confirmation->runner_up.number, runner_up);
  EXPECT_FALSE(confirmation->within_noise) << confirmation->text;  // the fake engines do not vary
  EXPECT_NE(confirmation->text.find("beats"), std::string::npos) << confirmation->text;
  EXPECT_EQ(ExperimentJson(confirms[0], task::Objective::kMinimizeLatency)["kind"], "confirm");
  EXPECT_EQ(ExperimentJson(confirms[0], task::Objective::kMinimizeLatency)["confirms"],
            *confirms[0].confirms);
}

TEST_F(StudyTest, AWinnerWithinNoiseOfTheRunnerUpSaysSo) {
  // The re-measurements (deploys 7 to 10) vary by ±0.1 s: more than the 0.05 s between the two.
  world_.jitter = 0.1;
  world_.jitter_from = 7;
  const int64_t id = CreateTask(ConfirmTask());
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto experiments = Experiments(id);
  ASSERT_EQ(OfKind(experiments, ExperimentKind::kConfirm).size(), 4u);
  const Json confirmation = ResultsJson(*store_->GetTask(id), experiments)["confirmation"];
  ASSERT_TRUE(confirmation.is_object());
  EXPECT_EQ(confirmation["within_noise"], true);
  EXPECT_NE(confirmation["text"].get<std::string>().find("is within noise of"), std::string::npos)
      << confirmation["text"];
  EXPECT_NEAR(confirmation["pooled_stddev"].get<double>(), 0.1, 1e-6);
  // ±0.1 s on scores of about 1 s.
  EXPECT_NEAR(*MeasuredScoreNoise(experiments), 0.1, 0.01);
}

TEST_F(StudyTest, ABayesianStudyLearnsTheMeasurementNoiseFromEarlierConfirmations) {
  world_.jitter = 0.1;
  world_.jitter_from = 7;
  Json spec = ConfirmTask();
  const int64_t first = CreateTask(spec);
  ASSERT_TRUE(RunStudy(env_, first, {}).ok());
  const auto noise = MeasuredScoreNoise(Experiments(first));
  ASSERT_TRUE(noise.has_value());
  spec["task_name"] = "second";
  spec["optimization"]["strategy"] = "bayesian";
  spec["optimization"]["max_iterations"] = 3;
  spec["optimization"]["n_initial_random"] = 2;
  spec["optimization"]["confirm"] = 0;
  const int64_t second = CreateTask(spec);
  ASSERT_TRUE(RunStudy(env_, second, {}).ok());
  const auto logs = store_->ListLogs(second, std::nullopt, 0, 1000);
  ASSERT_TRUE(logs.ok());
  const std::string expected =
      fmt::format("Measurement noise from re-measured configurations: {:.2f}% of the score", 100 * *noise);
  EXPECT_TRUE(std::any_of(logs->begin(), logs->end(), [&](const auto& l) { return l.line == expected; }))
      << expected;
}

TEST_F(StudyTest, MaxDurationStopsTheSearchWithThatReason) {
  world_.bench_time = std::chrono::milliseconds(1000);  // 6 experiments take more than 6 s
  Json spec = ConfirmTask();
  spec["optimization"]["max_duration"] = 2.5;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_EQ(result->stop_reason.rfind("max_duration (2.5 s) reached after", 0), 0u) << result->stop_reason;
  EXPECT_EQ(store_->GetTask(id)->stop_reason, result->stop_reason);
  const auto experiments = Experiments(id);
  EXPECT_GE(experiments.size(), 1u);
  EXPECT_LT(experiments.size(), 6u);  // of the 6 max_iterations allows
  // The whole study's time is spent: no re-measurements either.
  EXPECT_TRUE(OfKind(experiments, ExperimentKind::kConfirm).empty());
  EXPECT_NE(AllLogs(*store_, id).find("No confirmation runs"), std::string::npos);
}

TEST_F(StudyTest, AResumedStudyDoesNotRerunItsBaseline) {
  const int64_t id = CreateTask(RandomTask());
  {
    std::stop_source stop;
    auto sub = bus_.Subscribe(id);
    std::jthread stopper([&] { StopAfter(sub, world_, 1, stop); });  // the baseline ends first
    auto result = RunStudy(env_, id, stop.get_token());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->status, TaskStatus::kCancelled);
  }
  auto experiments = Experiments(id);
  ASSERT_EQ(OfKind(experiments, ExperimentKind::kBaseline).size(), 1u);
  EXPECT_EQ(experiments[0].status, ExperimentStatus::kSuccess);
  world_.block_bench = false;
  auto resumed = RunStudy(env_, id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->status, TaskStatus::kCompleted);
  experiments = Experiments(id);
  EXPECT_EQ(OfKind(experiments, ExperimentKind::kBaseline).size(), 1u);
  std::set<std::string> searched;
  for (const auto& e : OfKind(experiments, ExperimentKind::kSearch)) {
    if (e.status == ExperimentStatus::kSuccess) {
      EXPECT_TRUE(searched.insert(DumpJson(e.parameters)).second) << "re-run";
    }
  }
  EXPECT_EQ(searched.size(), 6u);
  EXPECT_NE(AllLogs(*store_, id).find("Resuming study"), std::string::npos);
}

TEST_F(StudyTest, AResumedStudyRunsTheConfirmationsStillOwed) {
  const int64_t id = CreateTask(ConfirmTask());
  {
    std::stop_source stop;
    auto sub = bus_.Subscribe(id);
    std::jthread stopper([&] { StopAfter(sub, world_, 7, stop); });  // 6 search + 1 re-measurement
    auto result = RunStudy(env_, id, stop.get_token());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result->status, TaskStatus::kCancelled);
  }
  world_.block_bench = false;
  auto resumed = RunStudy(env_, id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->status, TaskStatus::kCompleted);
  const auto experiments = Experiments(id);
  EXPECT_EQ(OfKind(experiments, ExperimentKind::kSearch).size(), 6u);  // the search is not repeated
  std::map<int64_t, int> successes;
  int cancelled = 0;
  for (const auto& c : OfKind(experiments, ExperimentKind::kConfirm)) {
    if (c.status == ExperimentStatus::kSuccess) ++successes[*c.confirms];
    if (c.status == ExperimentStatus::kCancelled) ++cancelled;
  }
  EXPECT_EQ(cancelled, 1);
  ASSERT_EQ(successes.size(), 2u);
  for (const auto& [target, n] : successes) EXPECT_EQ(n, 2) << "experiment " << target;
  EXPECT_TRUE(ConfirmationOf(experiments, task::Objective::kMinimizeLatency).has_value());
}

}  // namespace
}  // namespace autotuner::runner
