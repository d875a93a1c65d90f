#include "autotuner/runner/study.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "autotuner/core/thread_testing.h"
#include "autotuner/runner/study_testing.h"

namespace autotuner::runner {
namespace {

using Clock = std::chrono::steady_clock;

TEST_F(StudyTest, GridStudyRunsEveryConfigurationAndFindsTheBest) {
  const int64_t id = CreateTask(BaseTask());
  // Each published experiment status must already be in the store (persist, then publish).
  std::atomic<int> unpersisted = 0, seen = 0;
  std::jthread checker([&](std::stop_token stop) {
    autotuner::testing::CatchAll("checker", [&] {
      auto sub = bus_.Subscribe(id);
      while (!stop.stop_requested()) {
        for (const auto& e : sub.Next(std::chrono::milliseconds(20), stop)) {
          const auto* status = std::get_if<ExperimentStatusChanged>(&e.event);
          if (status == nullptr) continue;
          ++seen;
          auto stored = store_->GetExperiment(status->id);
          const auto statuses = Statuses(*stored);
          if (std::find(statuses.begin(), statuses.end(), Name(status->status)) == statuses.end())
            ++unpersisted;
        }
      }
    });
  });
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_TRUE(result->any_feasible);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 6u);
  std::set<std::string> configurations;
  for (const auto& e : experiments) {
    EXPECT_EQ(e.status, ExperimentStatus::kSuccess);
    EXPECT_EQ(Statuses(e), (std::vector<std::string>{"pending", "deploying", "benchmarking", "success"}));
    EXPECT_TRUE(e.metrics.contains("raw_results"));
    EXPECT_EQ(e.metrics["raw_results"].size(), 2u);  // one run per concurrency
    configurations.insert(DumpJson(e.parameters));
  }
  EXPECT_EQ(configurations.size(), 6u);
  const auto best = std::find_if(experiments.begin(), experiments.end(),
                                 [&](const auto& e) { return e.id == *result->best_experiment_id; });
  EXPECT_EQ(best->parameters["mem-fraction-static"], 0.9);
  EXPECT_EQ(best->parameters["schedule-policy"], "lpm");
  EXPECT_NEAR(*best->score, 1.0, 1e-9);
  auto task = store_->GetTask(id);
  EXPECT_EQ(task->status, TaskStatus::kCompleted);
  EXPECT_EQ(task->stop_reason, "max_iterations (6) experiments are done or running");
  // baseline: auto is off for grids.
  EXPECT_TRUE(std::all_of(experiments.begin(), experiments.end(),
                          [](const auto& e) { return e.kind == ExperimentKind::kSearch && e.number > 0; }));
  EXPECT_TRUE(task->lease_owner.empty());
  EXPECT_EQ(world_.active, 0);
  checker.request_stop();
  checker.join();
  EXPECT_EQ(seen.load(), 12);  // deploying + benchmarking per experiment
  EXPECT_EQ(unpersisted.load(), 0);
  // The log carries every status line with its experiment.
  auto logs = store_->ListLogs(id, experiments[0].id, 0, 1000);
  ASSERT_TRUE(logs.ok());
  std::string all;
  for (const auto& l : *logs) all += l.line + "\n";
  EXPECT_NE(all.find("[Experiment 1] Status: DEPLOYING"), std::string::npos) << all;
  EXPECT_NE(all.find("fake engine starting"), std::string::npos) << all;
}

TEST_F(StudyTest, FailuresAreClassifiedAndTheStudyGoesOn) {
  world_.oom_at_mem = "0.9";
  world_.hang_at_mem = "0.7";
  world_.crash_at_mem = "0.8";
  Json spec = BaseTask();
  spec["parameters"] = {{"mem-fraction-static", {0.7, 0.8, 0.9}}};
  spec["optimization"]["max_iterations"] = 3;
  spec["optimization"]["timeout_per_iteration"] = 1;
  const int64_t id = CreateTask(spec);
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_FALSE(result->any_feasible);
  std::map<std::string, std::string> error_by_mem;
  for (const auto& e : Experiments(id)) {
    EXPECT_EQ(e.status, ExperimentStatus::kFailed);
    EXPECT_FALSE(e.error_message.empty());
    EXPECT_FALSE(e.engine_log.empty());
    error_by_mem[DumpJson(e.parameters["mem-fraction-static"])] =
        std::string(FailureClassName(e.error_class));
  }
  EXPECT_EQ(error_by_mem["0.9"], "oom");
  EXPECT_EQ(error_by_mem["0.7"], "timeout");
  EXPECT_EQ(error_by_mem["0.8"], "crashed");
  EXPECT_EQ(world_.active, 0);
}

TEST_F(StudyTest, FailuresThatDoNotDependOnTheConfigurationStopTheStudy) {
  world_.refuse_deploys = "exec: python3: No such file or directory";
  const int64_t id = CreateTask(BaseTask());
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kFailed);
  EXPECT_EQ(result->stop_reason.rfind("every experiment fails the same way: deploy_failed: exec: python3", 0),
            0u)
      << result->stop_reason;
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 3u);  // of 6 in the budget
  auto task = store_->GetTask(id);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->status, TaskStatus::kFailed);
}

TEST_F(StudyTest, ATransientDeployFailureIsRetriedOnceAndTheRetryIsLogged) {
  world_.refuse_once = "OSError: [Errno 98] Address already in use";
  Json spec = BaseTask();
  spec["parameters"] = {{"mem-fraction-static", {0.7, 0.8}}};
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  const auto experiments = Experiments(id);
  ASSERT_FALSE(experiments.empty());
  for (const auto& e : experiments) EXPECT_EQ(e.status, ExperimentStatus::kSuccess) << e.error_message;
  auto logs = store_->ListLogs(id, experiments[0].id, 0, 1000);
  ASSERT_TRUE(logs.ok());
  bool retried = false;
  for (const auto& line : *logs)
    retried |= line.line.find("Retrying once after a transient failure: OSError") != std::string::npos;
  EXPECT_TRUE(retried) << "the retry is stored with the experiment's log";

  // A failure that is not transient is not retried: it counts at once.
  world_.refuse_once = "ModuleNotFoundError: No module named 'sglang'";
  world_.refused_once.clear();
  spec["task_name"] = "study-not-transient";
  const int64_t second = CreateTask(spec);
  result = RunStudy(env_, second, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  for (const auto& e : Experiments(second)) EXPECT_EQ(e.status, ExperimentStatus::kFailed);
}

TEST_F(StudyTest, OomProneSpacesRunTheirWholeBudget) {
  world_.oom_at_mem = "0.9";
  world_.hang_at_mem = "0.8";
  Json spec = BaseTask();
  spec["parameters"] = {{"mem-fraction-static", {0.8, 0.9}}, {"schedule-policy", {"lpm", "fcfs"}}};
  spec["optimization"]["max_iterations"] = 4;
  spec["optimization"]["timeout_per_iteration"] = 1;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_EQ(Experiments(id).size(), 4u);
}

TEST_F(StudyTest, CancellingOneHungExperimentLetsTheStudyGoOn) {
  world_.hang_at_mem = "0.7";  // never ready; the deadline is far away
  env_.experiment_cancel_poll = std::chrono::milliseconds(20);
  Json spec = BaseTask();
  spec["parameters"] = {{"mem-fraction-static", {0.7, 0.8, 0.9}}};
  spec["optimization"]["max_iterations"] = 3;
  spec["optimization"]["timeout_per_iteration"] = 600;
  const int64_t id = CreateTask(spec);
  std::atomic<int64_t> cancelled_id = 0;
  std::jthread canceller([&](std::stop_token stop) {
    autotuner::testing::CatchAll("experiment canceller", [&] {
      // What `autotuner cancel-experiment` and the API do: a request in the store, from outside the study.
      while (!stop.stop_requested() && cancelled_id == 0) {
        auto experiments = store_->ListExperiments(id);
        for (const auto& e : experiments.ok() ? *experiments : std::vector<store::ExperimentRecord>{}) {
          if (e.status == ExperimentStatus::kDeploying &&
              DumpJson(e.parameters["mem-fraction-static"]) == "0.7") {
            ASSERT_TRUE(store_->RequestExperimentCancel(e.id).ok());
            cancelled_id = e.id;
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  });
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, {});
  canceller.request_stop();
  canceller.join();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_TRUE(result->any_feasible);
  ASSERT_NE(cancelled_id.load(), 0);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 3u);
  for (const auto& e : experiments) {
    if (e.id == cancelled_id) {
      EXPECT_EQ(e.status, ExperimentStatus::kCancelled);
      EXPECT_EQ(e.error_message, "this experiment was cancelled during deployment");
    } else {
      EXPECT_EQ(e.status, ExperimentStatus::kSuccess) << e.error_message;
    }
  }
  EXPECT_FALSE(*store_->CancelRequested(id));
  EXPECT_EQ(store_->GetTask(id)->status, TaskStatus::kCompleted);
  EXPECT_EQ(world_.active, 0);
}

TEST_F(StudyTest, CancelStopsTheEngineAndMarksEverythingCancelled) {
  world_.block_bench = true;
  const int64_t id = CreateTask(BaseTask());
  std::stop_source cancel;
  std::jthread canceller([&] {
    autotuner::testing::CatchAll(
        "canceller",
        [&] {
          while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          cancel.request_stop();
        },
        [&] { cancel.request_stop(); });
  });
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, cancel.get_token());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(result->status, TaskStatus::kCancelled);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].status, ExperimentStatus::kCancelled);
  EXPECT_EQ(store_->GetTask(id)->status, TaskStatus::kCancelled);
  EXPECT_EQ(world_.active, 0);

  // Continuing the cancelled task runs the rest, the cancelled configuration included, each exactly once.
  world_.block_bench = false;
  auto resumed = RunStudy(env_, id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->status, TaskStatus::kCompleted);
  std::set<std::string> successes;
  for (const auto& e : Experiments(id)) {
    if (e.status == ExperimentStatus::kSuccess) {
      EXPECT_TRUE(successes.insert(DumpJson(e.parameters)).second);
    }
  }
  EXPECT_EQ(successes.size(), 6u);
}

TEST_F(StudyTest, InterruptedStudyResumesWithoutLosingOrRepeatingWork) {
  Json spec = BaseTask();
  spec["optimization"]["strategy"] = "random";
  spec["optimization"]["seed"] = 7;
  spec["optimization"]["baseline"] = false;  // StudyPlanTest covers a resumed baseline
  const int64_t id = CreateTask(spec);
  // Let two experiments finish, then pretend the process died during the third's benchmark.
  {
    std::stop_source stop;
    std::atomic<int> finished = 0;
    std::jthread watcher([&] {
      autotuner::testing::CatchAll(
          "watcher",
          [&] {
            auto sub = bus_.Subscribe(id);
            while (finished < 2) {
              for (const auto& e : sub.Next(std::chrono::milliseconds(20))) {
                if (std::holds_alternative<ExperimentFinished>(e.event)) ++finished;
              }
            }
            world_.block_bench = true;
            while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
            stop.request_stop();
          },
          [&] { stop.request_stop(); });
    });
    auto result = RunStudy(env_, id, stop.get_token());
    ASSERT_TRUE(result.ok());
  }
  // What a kill -9 leaves: the task running with a dead lease, the last experiment mid-benchmark.
  auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 3u);
  const int64_t crashed_id = experiments[2].id;
  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kRunning).ok());
  auto e3 = store_->CreateExperiment(id, 4, experiments[2].parameters, ExperimentStatus::kPending);
  ASSERT_TRUE(e3.ok());
  ASSERT_TRUE(store_->SetExperimentStatus(e3->id, ExperimentStatus::kBenchmarking).ok());
  ASSERT_TRUE(store_->AcquireLease(id, "otherhost:1:1", 30).ok());
  env_.lease_ttl_s = 0.2;  // the dead holder's heartbeat expires
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  world_.block_bench = false;

  auto resumed = RunStudy(env_, id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->status, TaskStatus::kCompleted);
  experiments = Experiments(id);
  std::set<std::string> successes;
  for (const auto& e : experiments) {
    if (e.id == e3->id) {
      EXPECT_EQ(e.status, ExperimentStatus::kFailed);
      EXPECT_EQ(e.error_class, FailureClass::kInterrupted);
    }
    if (e.id == crashed_id) {
      EXPECT_EQ(e.status, ExperimentStatus::kCancelled);
    }
    if (e.status == ExperimentStatus::kSuccess) {
      EXPECT_TRUE(successes.insert(DumpJson(e.parameters)).second) << "re-run";
    }
  }
  EXPECT_EQ(successes.size(), 6u);
  EXPECT_EQ(experiments[0].status, ExperimentStatus::kSuccess);
  EXPECT_EQ(experiments[1].status, ExperimentStatus::kSuccess);
}

TEST_F(StudyTest, ParallelExperimentsHoldDisjointGpus) {
  Json spec = BaseTask();
  spec["hardware"]["num_gpus"] = 4;
  spec["parallel_config"] = {{"tp", 2}};
  spec["optimization"]["parallel_experiments"] = 2;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, TaskStatus::kCompleted);
  EXPECT_EQ(Experiments(id).size(), 6u);
  EXPECT_FALSE(world_.gpu_overlap);
  EXPECT_LE(world_.max_active, 2);
  EXPECT_EQ(world_.deployed, 6);
}

TEST_F(StudyTest, ALiveLeaseHolderBlocksASecondRunner) {
  const int64_t id = CreateTask(BaseTask());
  ASSERT_TRUE(*store_->AcquireLease(id, "otherhost:1:1", 30));
  auto result = RunStudy(env_, id, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store_->GetTask(id)->status, TaskStatus::kPending);
}

TEST_F(StudyTest, ManagerStartsCancelsAndRefusesDoubleStarts) {
  world_.block_bench = true;
  StudyManager manager(env_);
  const int64_t id = CreateTask(BaseTask());
  ASSERT_TRUE(manager.Start(id).ok());
  EXPECT_EQ(manager.Start(id).error().code, ErrorCode::kConflict);
  while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(manager.IsRunning(id));
  ASSERT_TRUE(manager.Cancel(id).ok());
  EXPECT_TRUE(manager.Wait(id, std::chrono::seconds(5)));
  EXPECT_FALSE(manager.IsRunning(id));
  EXPECT_EQ(store_->GetTask(id)->status, TaskStatus::kCancelled);
  // A pending task that never ran is cancelled directly.
  const int64_t other = CreateTask([] {
    Json spec = BaseTask();
    spec["task_name"] = "other";
    return spec;
  }());
  ASSERT_TRUE(manager.Cancel(other).ok());
  EXPECT_EQ(store_->GetTask(other)->status, TaskStatus::kCancelled);
}

TEST_F(StudyTest, BayesianStudiesAreWarmStartedByEarlierOnesOfTheSameSetup) {
  Json spec = BaseTask();
  spec["optimization"]["strategy"] = "bayesian";
  spec["optimization"]["max_iterations"] = 3;
  spec["optimization"]["n_initial_random"] = 2;
  const int64_t first = CreateTask(spec);
  ASSERT_TRUE(RunStudy(env_, first, {}).ok());
  spec["task_name"] = "second";
  const int64_t second = CreateTask(spec);
  ASSERT_TRUE(RunStudy(env_, second, {}).ok());
  // Another model is not the same setup.
  spec["task_name"] = "third";
  spec["model"]["id_or_path"] = "Qwen/Qwen2.5-7B-Instruct";
  const int64_t third = CreateTask(spec);
  ASSERT_TRUE(RunStudy(env_, third, {}).ok());
  const auto warm_line = [&](int64_t task_id) {
    auto logs = store_->ListLogs(task_id, std::nullopt, 0, 1000);
    for (const auto& l : *logs) {
      if (l.line.starts_with("Warm start:")) return l.line;
    }
    return std::string();
  };
  EXPECT_EQ(warm_line(first), "");
  EXPECT_EQ(warm_line(second), "Warm start: 3 observation(s) of earlier studies");
  EXPECT_EQ(warm_line(third), "");
}

// Before: an exception on an experiment thread aborted the process (engine orphaned, task left running).
TEST_F(StudyTest, AnExceptionOnAnExperimentThreadIsRecordedAsInternal) {
  world_.throw_in_bench = true;
  Json spec = BaseTask();
  spec["optimization"]["max_iterations"] = 2;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  const auto experiments = Experiments(id);
  ASSERT_FALSE(experiments.empty());
  for (const auto& e : experiments) {
    EXPECT_EQ(e.status, ExperimentStatus::kFailed);
    EXPECT_EQ(e.error_class, FailureClass::kInternal);
    EXPECT_NE(e.error_message.find("1e400"), std::string::npos) << e.error_message;
  }
  EXPECT_EQ(world_.active, 0);  // every engine stopped
  EXPECT_NE(store_->GetTask(id)->status, TaskStatus::kRunning);
  EXPECT_TRUE(store_->GetTask(id)->lease_owner.empty());  // lease released
}

// Split brain: the runner is paused past its lease and another takes the task over; the old one stops at its
// next heartbeat and overwrites nothing.
TEST_F(StudyTest, ALostLeaseStopsTheStudyWithoutWritingOverTheNewRunner) {
  world_.block_bench = true;
  const int64_t id = CreateTask(BaseTask());
  std::jthread usurper([&] {
    autotuner::testing::CatchAll(
        "usurper",
        [&] {
          while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          ASSERT_TRUE(*store_->AcquireLease(id, "newhost:1:1", 0));
        },
        [&] { world_.block_bench = false; });
  });
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kConflict);
  EXPECT_NE(result.error().message.find("lease"), std::string::npos) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(world_.active, 0);
  const auto task = store_->GetTask(id);
  EXPECT_EQ(task->lease_owner, "newhost:1:1");
  EXPECT_EQ(task->status, TaskStatus::kRunning);  // the new runner's to decide, not overwritten with failed
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].status, ExperimentStatus::kBenchmarking);  // not overwritten with cancelled
}

// Before: an API cancel of a study that `autotuner run` drives answered 202 and the study ran on.
TEST_F(StudyTest, ACancelRequestedThroughTheStoreStopsTheStudy) {
  world_.block_bench = true;
  const int64_t id = CreateTask(BaseTask());
  StudyManager other_process(env_);  // e.g. `autotuner serve`, which does not run this study
  std::jthread canceller([&] {
    autotuner::testing::CatchAll(
        "canceller",
        [&] {
          while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
          ASSERT_TRUE(other_process.Cancel(id).ok());
        },
        [&] { world_.block_bench = false; });
  });
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(result->status, TaskStatus::kCancelled);
  EXPECT_EQ(store_->GetTask(id)->status, TaskStatus::kCancelled);
  EXPECT_EQ(world_.active, 0);
}

}  // namespace
}  // namespace autotuner::runner
