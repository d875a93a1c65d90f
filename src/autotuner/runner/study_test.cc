#include "autotuner/runner/study.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <thread>

#include "autotuner/bench/metrics.h"
#include "autotuner/task/parse.h"

namespace autotuner::runner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const task::RuntimeCatalog& Catalog() {
  static const task::RuntimeCatalog catalog = [] {
    auto c = task::RuntimeCatalog::LoadDefault();
    if (!c.ok()) throw std::runtime_error(c.error().message);
    return std::move(*c);
  }();
  return catalog;
}

// The value that follows `flag` in an argv, or "".
std::string FlagValue(const std::vector<std::string>& args, const std::string& flag) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) return args[i + 1];
  }
  return "";
}

// What the fake engines do, decided per experiment from its launch arguments.
struct FakeWorld {
  std::mutex mutex;
  std::set<int> gpus_in_use;
  int active = 0;
  int max_active = 0;
  bool gpu_overlap = false;
  int deployed = 0;
  std::string oom_at_mem;                 // mem-fraction-static that OOMs at start
  std::string hang_at_mem;                // ... that never becomes ready
  std::string crash_at_mem;               // ... whose engine exits during the benchmark
  std::string refuse_deploys;             // every deploy fails with this message
  std::atomic<bool> block_bench = false;  // benchmarks run until stopped
  std::atomic<int> benchmarking = 0;
  std::atomic<bool> throw_in_bench = false;  // the load generator throws (a bug, bad_alloc, 1e400)
};

class FakeDeployment final : public deploy::Deployment {
 public:
  FakeDeployment(FakeWorld& world, const deploy::DeploySpec& spec) : world_(world), gpus_(spec.gpu_ids) {
    const std::string mem = FlagValue(spec.plan.args, "--mem-fraction-static");
    const std::string policy = FlagValue(spec.plan.args, "--schedule-policy");
    oom_ = mem == world.oom_at_mem;
    hang_ = mem == world.hang_at_mem;
    crash_ = mem == world.crash_at_mem;
    // Higher memory fraction and lpm are faster: the best is mem 0.9 + lpm.
    latency_ = 1.0 + (0.9 - std::stod(mem.empty() ? "0.9" : mem)) + (policy == "fcfs" ? 0.05 : 0.0);
    std::lock_guard lock(world_.mutex);
    for (int id : gpus_) {
      if (!world_.gpus_in_use.insert(id).second) world_.gpu_overlap = true;
    }
    world_.max_active = std::max(world_.max_active, ++world_.active);
    ++world_.deployed;
    if (spec.on_log_line) spec.on_log_line("fake engine starting");
  }
  ~FakeDeployment() override { (void)Stop(); }

  std::string base_url() const override { return "http://127.0.0.1:9/" + std::to_string(latency_); }
  Status WaitReady(Clock::time_point deadline, std::stop_token stop) override {
    if (oom_) {
      Error error = MakeError(ErrorCode::kUnavailable, "CUDA out of memory");
      error.details["error_class"] = "oom";
      return error;
    }
    if (hang_) {
      while (Clock::now() < deadline && !stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return MakeError(stop.stop_requested() ? ErrorCode::kCancelled : ErrorCode::kTimeout, "not ready");
    }
    return {};
  }
  std::optional<std::string> Exited() override {
    if (crash_) return std::string("exit code 1");
    return std::nullopt;
  }
  Status Stop() override {
    std::lock_guard lock(world_.mutex);
    if (stopped_) return {};
    stopped_ = true;
    for (int id : gpus_) world_.gpus_in_use.erase(id);
    --world_.active;
    return {};
  }
  std::vector<std::string> LogTail(size_t) const override { return {"fake engine starting"}; }

 private:
  FakeWorld& world_;
  std::vector<int> gpus_;
  bool oom_ = false, hang_ = false, crash_ = false, stopped_ = false;
  double latency_ = 1;
};

class FakeDeployer final : public deploy::Deployer {
 public:
  explicit FakeDeployer(FakeWorld& world) : world_(world) {}
  Result<std::unique_ptr<deploy::Deployment>> Deploy(const deploy::DeploySpec& spec) override {
    if (!world_.refuse_deploys.empty()) return MakeError(ErrorCode::kUnavailable, world_.refuse_deploys);
    return std::unique_ptr<deploy::Deployment>(std::make_unique<FakeDeployment>(world_, spec));
  }
  Result<int> CleanupOrphans(const std::string&) override { return 0; }

 private:
  FakeWorld& world_;
};

// Every request takes the latency the engine's URL carries.
class FakeLoadGenerator final : public bench::LoadGenerator {
 public:
  explicit FakeLoadGenerator(FakeWorld& world) : world_(world) {}
  Result<std::vector<bench::RunResult>> Run(const bench::BenchSpec& spec, std::stop_token stop,
                                            const bench::ProgressCallback& progress) override {
    if (world_.throw_in_bench) throw std::out_of_range("number overflow parsing '1e400'");
    ++world_.benchmarking;
    while (world_.block_bench && !stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    --world_.benchmarking;
    if (stop.stop_requested()) return MakeError(ErrorCode::kCancelled, "stopped");
    const double latency = std::stod(spec.api_base.substr(spec.api_base.rfind('/') + 1));
    std::vector<bench::RunResult> runs;
    for (const auto& run : spec.runs) {
      std::vector<bench::RequestRecord> requests(10);
      for (size_t i = 0; i < requests.size(); ++i) {
        auto& r = requests[i];
        r.send_time = static_cast<double>(i) * latency;
        r.e2e = latency;
        r.ttft = latency / 10;
        r.input_tokens = 100;
        r.output_tokens = 100;
      }
      bench::RunResult result;
      result.metrics = bench::ComputeRunMetrics(run.load, requests, spec.thresholds);
      result.requests = std::move(requests);
      runs.push_back(std::move(result));
      if (progress) progress(bench::Progress{.run_index = runs.size() - 1, .num_runs = spec.runs.size()});
    }
    return runs;
  }

 private:
  FakeWorld& world_;
};

Json BaseTask() {
  return {{"task_name", "study"},
          {"base_runtime", "sim-sglang"},
          {"model", {{"id_or_path", "meta-llama/Llama-3.2-1B-Instruct"}}},
          {"hardware", {{"gpu_type", "H100"}, {"num_gpus", 1}}},
          {"parameters", {{"mem-fraction-static", {0.7, 0.8, 0.9}}, {"schedule-policy", {"lpm", "fcfs"}}}},
          {"optimization",
           {{"strategy", "grid_search"},
            {"objective", "minimize_latency"},
            {"max_iterations", 6},
            {"timeout_per_iteration", 30}}},
          {"benchmark",
           {{"model_tokenizer", "gpt2"},
            {"traffic_scenarios", {"D(100,100)"}},
            {"num_concurrency", {1, 4}},
            {"max_requests_per_iteration", 10}}}};
}

class StudyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("study_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto opened = store::OpenStore((dir_ / "db.sqlite").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    env_.store = store_.get();
    env_.events = &bus_;
    env_.catalog = &Catalog();
    env_.make_deployer = [this](const task::Task&, const std::string&) {
      return Result<std::unique_ptr<deploy::Deployer>>(std::make_unique<FakeDeployer>(world_));
    };
    env_.make_load_generator = [this] { return std::make_unique<FakeLoadGenerator>(world_); };
    env_.heartbeat_interval = std::chrono::milliseconds(50);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  int64_t CreateTask(const Json& spec) {
    auto parsed = task::ParseTask(spec, &Catalog());
    EXPECT_TRUE(parsed.ok()) << task::ValidationError(parsed).message;
    auto created = store_->CreateTask(spec["task_name"], "", task::TaskToJson(*parsed.task));
    EXPECT_TRUE(created.ok());
    return created->id;
  }

  std::vector<store::ExperimentRecord> Experiments(int64_t task_id) {
    auto list = store_->ListExperiments(task_id);
    EXPECT_TRUE(list.ok());
    return *list;
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  EventBus bus_;
  FakeWorld world_;
  RunnerEnvironment env_;
};

std::vector<std::string> Statuses(const store::ExperimentRecord& e) {
  std::vector<std::string> out;
  for (const auto& t : e.transitions) out.push_back(t.status);
  return out;
}

TEST_F(StudyTest, GridStudyRunsEveryConfigurationAndFindsTheBest) {
  const int64_t id = CreateTask(BaseTask());
  // Each published experiment status must already be in the store (persist, then publish).
  std::atomic<int> unpersisted = 0, seen = 0;
  std::jthread checker([&](std::stop_token stop) {
    auto sub = bus_.Subscribe(id);
    while (!stop.stop_requested()) {
      for (const auto& e : sub.Next(std::chrono::milliseconds(20), stop)) {
        if (e.type != "experiment_status") continue;
        ++seen;
        auto stored = store_->GetExperiment(e.data["id"]);
        const auto statuses = Statuses(*stored);
        if (std::find(statuses.begin(), statuses.end(), e.data["status"]) == statuses.end()) ++unpersisted;
      }
    }
  });
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, "completed");
  EXPECT_TRUE(result->any_feasible);
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 6u);
  std::set<std::string> configurations;
  for (const auto& e : experiments) {
    EXPECT_EQ(e.status, "success");
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
  EXPECT_EQ(task->status, "completed");
  EXPECT_FALSE(task->stop_reason.empty());
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
  EXPECT_EQ(result->status, "completed");
  EXPECT_FALSE(result->any_feasible);
  std::map<std::string, std::string> error_by_mem;
  for (const auto& e : Experiments(id)) {
    EXPECT_EQ(e.status, "failed");
    EXPECT_FALSE(e.error_message.empty());
    EXPECT_FALSE(e.engine_log.empty());
    error_by_mem[DumpJson(e.parameters["mem-fraction-static"])] = e.error_class;
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
  EXPECT_EQ(result->status, "failed");
  EXPECT_EQ(result->stop_reason.rfind("every experiment fails the same way: deploy_failed: exec: python3", 0),
            0u)
      << result->stop_reason;
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 3u);  // of 6 in the budget
  auto task = store_->GetTask(id);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->status, "failed");
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
  EXPECT_EQ(result->status, "completed");
  EXPECT_EQ(Experiments(id).size(), 4u);
}

TEST_F(StudyTest, CancelStopsTheEngineAndMarksEverythingCancelled) {
  world_.block_bench = true;
  const int64_t id = CreateTask(BaseTask());
  std::stop_source cancel;
  std::jthread canceller([&] {
    while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cancel.request_stop();
  });
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, cancel.get_token());
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(result->status, "cancelled");
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].status, "cancelled");
  EXPECT_EQ(store_->GetTask(id)->status, "cancelled");
  EXPECT_EQ(world_.active, 0);

  // Continuing the cancelled task runs the rest, the cancelled configuration included, each exactly once.
  world_.block_bench = false;
  auto resumed = RunStudy(env_, id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->status, "completed");
  std::set<std::string> successes;
  for (const auto& e : Experiments(id)) {
    if (e.status == "success") {
      EXPECT_TRUE(successes.insert(DumpJson(e.parameters)).second);
    }
  }
  EXPECT_EQ(successes.size(), 6u);
}

TEST_F(StudyTest, InterruptedStudyResumesWithoutLosingOrRepeatingWork) {
  Json spec = BaseTask();
  spec["optimization"]["strategy"] = "random";
  spec["optimization"]["seed"] = 7;
  const int64_t id = CreateTask(spec);
  // Let two experiments finish, then pretend the process died during the third's benchmark.
  {
    std::stop_source stop;
    std::atomic<int> finished = 0;
    std::jthread watcher([&] {
      auto sub = bus_.Subscribe(id);
      while (finished < 2) {
        for (const auto& e : sub.Next(std::chrono::milliseconds(20))) {
          if (e.type == "experiment_finished") ++finished;
        }
      }
      world_.block_bench = true;
      while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      stop.request_stop();
    });
    auto result = RunStudy(env_, id, stop.get_token());
    ASSERT_TRUE(result.ok());
  }
  // What a kill -9 leaves: the task running with a dead lease, the last experiment mid-benchmark.
  auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 3u);
  const int64_t crashed_id = experiments[2].id;
  ASSERT_TRUE(store_->SetTaskStatus(id, "running").ok());
  auto e3 = store_->CreateExperiment(id, 4, experiments[2].parameters, "pending");
  ASSERT_TRUE(e3.ok());
  ASSERT_TRUE(store_->SetExperimentStatus(e3->id, "benchmarking").ok());
  ASSERT_TRUE(store_->AcquireLease(id, "otherhost:1:1", 30).ok());
  env_.lease_ttl_s = 0.2;  // the dead holder's heartbeat expires
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  world_.block_bench = false;

  auto resumed = RunStudy(env_, id, {});
  ASSERT_TRUE(resumed.ok()) << resumed.error().message;
  EXPECT_EQ(resumed->status, "completed");
  experiments = Experiments(id);
  std::set<std::string> successes;
  for (const auto& e : experiments) {
    if (e.id == e3->id) {
      EXPECT_EQ(e.status, "failed");
      EXPECT_EQ(e.error_class, "interrupted");
    }
    if (e.id == crashed_id) {
      EXPECT_EQ(e.status, "cancelled");
    }
    if (e.status == "success") {
      EXPECT_TRUE(successes.insert(DumpJson(e.parameters)).second) << "re-run";
    }
  }
  EXPECT_EQ(successes.size(), 6u);
  EXPECT_EQ(experiments[0].status, "success");
  EXPECT_EQ(experiments[1].status, "success");
}

TEST_F(StudyTest, ParallelExperimentsHoldDisjointGpus) {
  Json spec = BaseTask();
  spec["hardware"]["num_gpus"] = 4;
  spec["parallel_config"] = {{"tp", 2}};
  spec["optimization"]["parallel_experiments"] = 2;
  const int64_t id = CreateTask(spec);
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->status, "completed");
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
  EXPECT_EQ(store_->GetTask(id)->status, "pending");
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
  EXPECT_EQ(store_->GetTask(id)->status, "cancelled");
  // A pending task that never ran is cancelled directly.
  const int64_t other = CreateTask([] {
    Json spec = BaseTask();
    spec["task_name"] = "other";
    return spec;
  }());
  ASSERT_TRUE(manager.Cancel(other).ok());
  EXPECT_EQ(store_->GetTask(other)->status, "cancelled");
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
    EXPECT_EQ(e.status, "failed");
    EXPECT_EQ(e.error_class, "internal");
    EXPECT_NE(e.error_message.find("1e400"), std::string::npos) << e.error_message;
  }
  EXPECT_EQ(world_.active, 0);  // every engine stopped
  EXPECT_NE(store_->GetTask(id)->status, "running");
  EXPECT_TRUE(store_->GetTask(id)->lease_owner.empty());  // lease released
}

// Split brain: the runner is paused past its lease and another takes the task over; the old one stops at its
// next heartbeat and overwrites nothing.
TEST_F(StudyTest, ALostLeaseStopsTheStudyWithoutWritingOverTheNewRunner) {
  world_.block_bench = true;
  const int64_t id = CreateTask(BaseTask());
  std::jthread usurper([&] {
    while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(*store_->AcquireLease(id, "newhost:1:1", 0));
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
  EXPECT_EQ(task->status, "running");  // the new runner's to decide, not overwritten with failed
  const auto experiments = Experiments(id);
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].status, "benchmarking");  // not overwritten with cancelled
}

// Before: an API cancel of a study that `autotuner run` drives answered 202 and the study ran on.
TEST_F(StudyTest, ACancelRequestedThroughTheStoreStopsTheStudy) {
  world_.block_bench = true;
  const int64_t id = CreateTask(BaseTask());
  StudyManager other_process(env_);  // e.g. `autotuner serve`, which does not run this study
  std::jthread canceller([&] {
    while (world_.benchmarking.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(other_process.Cancel(id).ok());
  });
  const auto start = Clock::now();
  auto result = RunStudy(env_, id, {});
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(result->status, "cancelled");
  EXPECT_EQ(store_->GetTask(id)->status, "cancelled");
  EXPECT_EQ(world_.active, 0);
}

}  // namespace
}  // namespace autotuner::runner
