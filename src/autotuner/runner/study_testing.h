#pragma once

// The study tests' fakes: engines whose latency follows their launch flags, a load generator that measures
// it, and a fixture with a fresh store per test. Shared by study_test.cc and study_plan_test.cc.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/bench/metrics.h"
#include "autotuner/runner/study.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::runner {

namespace fs = std::filesystem;

// The value that follows `flag` in an argv, or "".
inline std::string FlagValue(const std::vector<std::string>& args, const std::string& flag) {
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
  std::string refuse_once;                // ... only each configuration's first deploy (a transient failure)
  std::set<std::string> refused_once;     // the configurations (their flags) refused so far
  std::atomic<bool> block_bench = false;  // benchmarks run until stopped
  std::atomic<int> benchmarking = 0;
  std::atomic<bool> throw_in_bench = false;  // the load generator throws (a bug, bad_alloc, 1e400)
  std::string default_mem = "0.9";           // the engine's default mem-fraction-static (the baseline's)
  // Measurement noise: from deploy number `jitter_from` on (1-based), odd deploys are `jitter` s slower and
  // even ones `jitter` s faster.
  double jitter = 0;
  int jitter_from = 1;
  std::chrono::milliseconds bench_time{0};  // how long each benchmark takes
};

class FakeDeployment final : public deploy::Deployment {
 public:
  FakeDeployment(FakeWorld& world, const deploy::DeploySpec& spec) : world_(world), gpus_(spec.gpu_ids) {
    const std::string flag = FlagValue(spec.plan.args, "--mem-fraction-static");
    const std::string mem = flag.empty() ? world.default_mem : flag;
    const std::string policy = FlagValue(spec.plan.args, "--schedule-policy");
    oom_ = mem == world.oom_at_mem;
    hang_ = mem == world.hang_at_mem;
    crash_ = mem == world.crash_at_mem;
    // Higher memory fraction and lpm are faster: the best is mem 0.9 + lpm.
    latency_ = 1.0 + (0.9 - std::stod(mem)) + (policy == "fcfs" ? 0.05 : 0.0);
    std::lock_guard lock(world_.mutex);
    if (world_.deployed + 1 >= world_.jitter_from)
      latency_ += world_.deployed % 2 == 0 ? world_.jitter : -world_.jitter;
    for (int id : gpus_) {
      if (!world_.gpus_in_use.insert(id).second) world_.gpu_overlap = true;
    }
    world_.max_active = std::max(world_.max_active, ++world_.active);
    ++world_.deployed;
    if (spec.on_log_line) spec.on_log_line("fake engine starting");
  }
  ~FakeDeployment() override { (void)Stop(); }

  std::string base_url() const override { return "http://127.0.0.1:9/" + std::to_string(latency_); }
  Status WaitReady(std::chrono::steady_clock::time_point deadline, std::stop_token stop) override {
    if (oom_) {
      return MakeFailure(FailureClass::kOom, ErrorCode::kUnavailable, "CUDA out of memory");
    }
    if (hang_) {
      while (std::chrono::steady_clock::now() < deadline && !stop.stop_requested()) {
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
    if (!world_.refuse_once.empty()) {
      std::lock_guard lock(world_.mutex);
      std::string flags;
      for (const auto& arg : spec.plan.args) flags += arg + " ";
      if (world_.refused_once.insert(flags).second)
        return MakeError(ErrorCode::kUnavailable, world_.refuse_once);
    }
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
    if (world_.bench_time.count() > 0) std::this_thread::sleep_for(world_.bench_time);
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

inline Json BaseTask() {
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
    env_.make_load_generator =
        [this](const deploy::BenchTarget&) -> Result<std::unique_ptr<bench::LoadGenerator>> {
      return std::unique_ptr<bench::LoadGenerator>(std::make_unique<FakeLoadGenerator>(world_));
    };
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

inline std::vector<std::string> Statuses(const store::ExperimentRecord& e) {
  std::vector<std::string> out;
  for (const auto& t : e.transitions) out.emplace_back(Name(t.status));
  return out;
}

}  // namespace autotuner::runner
