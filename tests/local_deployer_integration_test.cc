// The local deployer against the real simulator binary: every flavor becomes ready, a start-up OOM is
// reported with the engine's message as soon as the engine exits, Stop() leaves no process behind, and a
// restarted deployer removes exactly the engines its crashed predecessor owned.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "autotuner/core/json.h"
#include "autotuner/deploy/http_probe.h"
#include "autotuner/deploy/local_deployer.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::deploy {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr char kModel[] = "meta-llama/Llama-3.2-1B-Instruct";

// The deployer starts engines with posix_spawnp: the freshly built autotuner-sim must come first on PATH.
class SimOnPath : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* path = std::getenv("PATH");
    const std::string value =
        std::string(AUTOTUNER_BIN_DIR) + (path != nullptr ? ":" + std::string(path) : "");
    ::setenv("PATH", value.c_str(), 1);
  }
};
[[maybe_unused]] ::testing::Environment* const kSimOnPath =
    ::testing::AddGlobalTestEnvironment(new SimOnPath);

const task::RuntimeCatalog& Catalog() { return autotuner::testing::ShippedRuntimes(); }

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/autotuner-deploy-it-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

LocalDeployerOptions Options(const std::string& owner, const std::string& state_dir) {
  LocalDeployerOptions options;
  options.owner = owner;
  options.state_dir = state_dir;
  options.stop_grace = seconds(5);
  options.probe_interval = milliseconds(50);
  return options;
}

// A deployment of `runtime` serving the small Llama; start-up runs at 2% of its modelled time.
DeploySpec Spec(const std::string& runtime, const std::string& experiment,
                std::vector<std::string> args = {}) {
  DeploySpec spec;
  spec.task_name = "it";
  spec.experiment = experiment;
  spec.runtime = Catalog().Find(runtime);
  EXPECT_NE(spec.runtime, nullptr) << runtime;
  spec.model = kModel;
  spec.served_model_name = "llama";
  spec.plan.args = {"--sim-startup-scale", "0.02"};
  spec.plan.args.insert(spec.plan.args.end(), args.begin(), args.end());
  return spec;
}

// The state letter (R, S, Z, ...) and process group of `pid`, from /proc/PID/status.
std::optional<std::pair<char, int>> StateAndGroup(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  char state = '?';
  int group = -1;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("State:")) state = line.substr(line.find_first_not_of(" \t", 6), 1)[0];
    if (line.starts_with("NSpgid:")) group = std::stoi(line.substr(7));
  }
  if (state == '?') return std::nullopt;
  return std::make_pair(state, group);
}

// Running, i.e. present and not a zombie (a zombie has exited and only waits to be reaped).
bool Running(int pid) {
  const auto s = StateAndGroup(pid);
  return s && s->first != 'Z';
}

// Cleanup signals a group whose leader (the engine's guard) may be gone, so it cannot wait on the leader:
// the engine exits within its stop grace.
bool StopsWithin(int pid, std::chrono::milliseconds timeout) {
  for (auto until = Clock::now() + timeout; Running(pid) && Clock::now() < until;)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return !Running(pid);
}

// Every live process of process group `group` (engines run in their own group, led by the engine's pid).
std::vector<int> LiveGroupMembers(int group) {
  std::vector<int> members;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const int pid = std::stoi(name);
    const auto s = StateAndGroup(pid);
    if (s && s->second == group && s->first != 'Z') members.push_back(pid);
  }
  return members;
}

struct EngineRecord {
  std::string owner;
  int pid = 0;
  int port = 0;
  std::string experiment;
};

// The deployer's on-disk records (engine-PID.json) in `state_dir`.
std::vector<EngineRecord> Records(const std::string& state_dir) {
  std::vector<EngineRecord> out;
  for (const auto& entry : fs::directory_iterator(state_dir)) {
    if (!entry.path().filename().string().starts_with("engine-")) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto json = ParseJson(text.str());
    if (!json.ok()) continue;
    out.push_back({json->value("owner", ""), json->value("pid", 0), json->value("port", 0),
                   json->value("experiment", "")});
  }
  return out;
}

int PidOf(const std::string& state_dir, const std::string& experiment) {
  for (const auto& r : Records(state_dir)) {
    if (r.experiment == experiment) return r.pid;
  }
  return 0;
}

// Blocks until `pid` exits (not necessarily reaped) and returns when that was seen.
Clock::time_point WaitForExit(int pid, Clock::duration limit) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return Clock::now();  // already gone
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(std::chrono::duration_cast<milliseconds>(limit).count()));
  const auto at = Clock::now();
  ::close(fd);
  return at;
}

TEST(LocalDeployerSimTest, EveryFlavorBecomesReadyAndStopLeavesNothing) {
  TempDir state;
  LocalDeployer deployer(Options("owner-ready", state.path()));
  std::map<std::string, std::unique_ptr<Deployment>> deployments;
  for (const std::string runtime : {"sim-sglang", "sim-vllm", "sim-trtllm"}) {
    DeploySpec spec = Spec(runtime, "ready-" + runtime);
    // TensorRT-LLM's settings travel in its config file: exercise that path too.
    if (runtime == "sim-trtllm") spec.plan.config_file = {{"kv_cache_config", {{"dtype", "fp8"}}}};
    auto d = deployer.Deploy(spec);
    ASSERT_TRUE(d.ok()) << d.error().message;
    deployments[runtime] = std::move(*d);
  }
  for (auto& [runtime, d] : deployments) {
    SCOPED_TRACE(runtime);
    const auto status = d->WaitReady(Clock::now() + seconds(20), {});
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_TRUE(HttpGetOk(d->base_url(), Catalog().Find(runtime)->health_path));
    EXPECT_TRUE(HttpGetOk(d->base_url(), "/v1/models"));
    EXPECT_EQ(d->Exited(), std::nullopt);
  }
  for (auto& [runtime, d] : deployments) {
    SCOPED_TRACE(runtime);
    const int pid = PidOf(state.path(), "ready-" + runtime);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(Running(pid));
    const std::string url = d->base_url();
    ASSERT_TRUE(d->Stop().ok());
    // Stop() reaps the engine: no process of its group is left, not even a zombie.
    EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid)));
    EXPECT_TRUE(LiveGroupMembers(pid).empty());
    EXPECT_FALSE(HttpGetOk(url, "/health", milliseconds(200)));
    EXPECT_TRUE(d->Stop().ok());  // idempotent
  }
  // Records and the TensorRT-LLM config file's scratch directory went with the engines.
  EXPECT_TRUE(fs::is_empty(state.path()));
}

TEST(LocalDeployerSimTest, StopDuringStartupLeavesNothing) {
  TempDir state;
  LocalDeployer deployer(Options("owner-stop", state.path()));
  // Modelled start-up time: the engine is still loading when it is stopped.
  auto d = deployer.Deploy(Spec("sim-sglang", "stop-early", {"--sim-startup-scale", "1"}));
  ASSERT_TRUE(d.ok()) << d.error().message;
  const int pid = PidOf(state.path(), "stop-early");
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(Running(pid));
  const auto started = Clock::now();
  ASSERT_TRUE((*d)->Stop().ok());
  EXPECT_LT(Clock::now() - started, seconds(5));  // the engine honours SIGTERM within the grace period
  EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid)));
  EXPECT_TRUE(LiveGroupMembers(pid).empty());
  const auto status = (*d)->WaitReady(Clock::now() + seconds(1), {});
  EXPECT_FALSE(status.ok());
}

TEST(LocalDeployerSimTest, StartupOomIsReportedWithinTwoSecondsOfTheExit) {
  TempDir state;
  // Probes far apart: only noticing the exit itself can report the failure within 2 s.
  LocalDeployerOptions options = Options("owner-oom", state.path());
  options.probe_interval = seconds(5);
  LocalDeployer deployer(options);
  // 70B in bf16 (~141 GB of weights) cannot load on one 24 GB L4.
  DeploySpec spec = Spec("sim-vllm", "oom", {"--sim-gpu-type", "L4"});
  spec.model = "meta-llama/Llama-3.1-70B-Instruct";
  auto d = deployer.Deploy(spec);
  ASSERT_TRUE(d.ok()) << d.error().message;
  const int pid = PidOf(state.path(), "oom");
  ASSERT_GT(pid, 0);

  std::optional<Clock::time_point> exited_at;
  std::jthread watcher([&] { exited_at = WaitForExit(pid, seconds(30)); });
  const auto status = (*d)->WaitReady(Clock::now() + seconds(30), {});
  const auto reported_at = Clock::now();
  watcher.join();

  ASSERT_FALSE(status.ok());
  const Error& error = status.error();
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(error.failure, FailureClass::kOom) << error.message;
  EXPECT_THAT(error.message, HasSubstr("CUDA out of memory")) << error.message;
  EXPECT_THAT(DumpJson(error.details["log_tail"]), HasSubstr("OutOfMemoryError"));
  ASSERT_TRUE(exited_at.has_value());
  const auto latency = std::chrono::duration_cast<milliseconds>(reported_at - *exited_at);
  EXPECT_LT(latency, seconds(2)) << latency.count() << " ms";
  EXPECT_TRUE((*d)->Exited().has_value());
  ASSERT_TRUE((*d)->Stop().ok());
  EXPECT_TRUE(LiveGroupMembers(pid).empty());
}

// Reaps the given children of this process (we are their subreaper once their deployer died) until stopped,
// as init does for a real crashed autotuner's engines.
std::jthread Reaper(std::vector<int> pids) {
  return std::jthread([pids = std::move(pids)](std::stop_token stop) {
    while (!stop.stop_requested()) {
      for (int pid : pids) ::waitpid(pid, nullptr, WNOHANG);
      std::this_thread::sleep_for(milliseconds(10));
    }
  });
}

TEST(LocalDeployerSimTest, RestartedDeployerRemovesOnlyItsOwnOrphans) {
  TempDir state;
  // The engines of the "crashed" helper below are reparented to this process, not to init.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

  // A helper process plays the autotuner that crashes: owner A starts two engines, owner B (another
  // autotuner sharing the state directory) one; the helper then dies without stopping anything. Each engine's
  // guard would take it down with the helper, so the helper kills the guards first (the case cleanup is for).
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    LocalDeployer* a = new LocalDeployer(Options("owner-a", state.path()));
    LocalDeployer* b = new LocalDeployer(Options("owner-b", state.path()));
    DeploySpec trtllm = Spec("sim-trtllm", "a-trtllm");
    trtllm.plan.config_file = {{"kv_cache_config", {{"dtype", "fp8"}}}};
    std::vector<Deployment*> engines;
    for (auto [deployer, spec] : {std::pair{a, Spec("sim-sglang", "a-sglang")}, std::pair{a, trtllm},
                                  std::pair{b, Spec("sim-vllm", "b-vllm")}}) {
      auto d = deployer->Deploy(spec);
      if (!d.ok()) ::_exit(2);
      engines.push_back(d->release());  // never destroyed: a crash runs no destructors
    }
    for (Deployment* d : engines) {
      if (!d->WaitReady(Clock::now() + seconds(20), {}).ok()) ::_exit(3);
    }
    for (const auto& entry : fs::directory_iterator(state.path())) {
      if (!entry.path().filename().string().starts_with("engine-")) continue;
      std::ifstream in(entry.path());
      std::stringstream text;
      text << in.rdbuf();
      auto json = ParseJson(text.str());
      if (json.ok() && json->value("pgid", 0) > 0) ::kill(json->value("pgid", 0), SIGKILL);
    }
    ::_exit(0);
  }
  int helper_status = 0;
  ASSERT_EQ(::waitpid(helper, &helper_status, 0), helper);
  ASSERT_TRUE(WIFEXITED(helper_status) && WEXITSTATUS(helper_status) == 0) << helper_status;

  std::vector<int> a_pids;
  EngineRecord b_engine;
  int a_trtllm_port = 0;
  for (const auto& r : Records(state.path())) {
    if (r.owner == "owner-a") a_pids.push_back(r.pid);
    if (r.owner == "owner-b") b_engine = r;
    if (r.experiment == "a-trtllm") a_trtllm_port = r.port;
  }
  ASSERT_EQ(a_pids.size(), 2u);
  ASSERT_GT(b_engine.pid, 0);
  std::vector<int> all = a_pids;
  all.push_back(b_engine.pid);
  std::jthread reaper = Reaper(all);
  // The orphans outlived their deployer and still serve.
  for (int pid : all) ASSERT_TRUE(Running(pid)) << pid;
  ASSERT_TRUE(fs::exists(fs::path(state.path()) / ("scratch-a-trtllm-" + std::to_string(a_trtllm_port))));

  // The restarted autotuner of owner A.
  LocalDeployer restarted(Options("owner-a", state.path()));
  const auto removed = restarted.CleanupOrphans("owner-a");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  for (int pid : a_pids) {
    EXPECT_TRUE(StopsWithin(pid, std::chrono::milliseconds(8000))) << pid;
    EXPECT_TRUE(LiveGroupMembers(pid).empty()) << pid;
  }
  // B's engine is untouched: alive, serving, its record kept.
  EXPECT_TRUE(Running(b_engine.pid));
  EXPECT_TRUE(HttpGetOk("http://127.0.0.1:" + std::to_string(b_engine.port), "/health"));
  const auto left = Records(state.path());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].owner, "owner-b");
  // A's TensorRT-LLM config file went with its engine.
  for (const auto& entry : fs::directory_iterator(state.path())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with("scratch-a-")) << entry.path();
  }
  // Cleaning up again finds nothing of A's.
  const auto again = restarted.CleanupOrphans("owner-a");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);

  // Owner B's own restart removes its engine.
  LocalDeployer b_restarted(Options("owner-b", state.path()));
  const auto removed_b = b_restarted.CleanupOrphans("owner-b");
  ASSERT_TRUE(removed_b.ok());
  EXPECT_EQ(*removed_b, 1);
  EXPECT_TRUE(StopsWithin(b_engine.pid, std::chrono::milliseconds(8000)));
  EXPECT_TRUE(LiveGroupMembers(b_engine.pid).empty());
  EXPECT_TRUE(Records(state.path()).empty());
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

}  // namespace
}  // namespace autotuner::deploy
