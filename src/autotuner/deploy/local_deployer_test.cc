#include "autotuner/deploy/local_deployer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "autotuner/core/thread_testing.h"

namespace autotuner::deploy {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/autotuner-deploy-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A fake engine: `sh -c SCRIPT fake <engine args...>`.
task::RuntimeDefinition FakeRuntime(const std::string& script) {
  task::RuntimeDefinition rt;
  rt.name = "fake";
  rt.engine = "sglang";
  rt.command = {"sh", "-c", script, "fake"};
  rt.model_arg = "model-path";
  rt.host_flag = "host";
  rt.port_flag = "port";
  rt.ready_path = "/v1/models";
  return rt;
}

bool Alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  return stat && text.find(") Z") == std::string::npos;  // a zombie has already died
}

LocalDeployerOptions Options(const std::string& state_dir, const std::string& ready_file = "") {
  LocalDeployerOptions o;
  o.owner = "owner-a";
  o.state_dir = state_dir;
  o.stop_grace = milliseconds(2000);
  o.probe_interval = milliseconds(20);
  o.probe = [ready_file](const std::string&, const std::string&) {
    return !ready_file.empty() && fs::exists(ready_file);
  };
  return o;
}

DeploySpec Spec(const task::RuntimeDefinition& rt, std::vector<std::string>* lines = nullptr) {
  DeploySpec spec;
  spec.experiment = "task/1";
  spec.runtime = &rt;
  spec.model = "org/model";
  if (lines != nullptr) spec.on_log_line = [lines](std::string_view l) { lines->emplace_back(l); };
  return spec;
}

TEST(LocalDeployerTest, BecomesReadyStreamsLogsAndStopsCleanly) {
  TempDir dir;
  const std::string ready = dir.path() + "/ready";
  const auto rt =
      FakeRuntime("echo \"args: $*\"; echo \"owner=$AUTOTUNER_OWNER gpus=$CUDA_VISIBLE_DEVICES\"; touch " +
                  ready + "; exec sleep 60");
  LocalDeployer deployer(Options(dir.path(), ready));
  std::vector<std::string> lines;
  DeploySpec spec = Spec(rt, &lines);
  spec.gpu_ids = {2, 3};
  auto deployment = deployer.Deploy(spec);
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  EXPECT_THAT((*deployment)->base_url(), HasSubstr("http://127.0.0.1:"));
  const Status ready_status = (*deployment)->WaitReady(Clock::now() + milliseconds(10000), {});
  ASSERT_TRUE(ready_status.ok()) << ready_status.error().message;

  // One engine record on disk while it runs.
  std::vector<fs::path> records;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().filename().string().starts_with("engine-")) records.push_back(e.path());
  }
  ASSERT_EQ(records.size(), 1u);
  const std::string name = records[0].filename().string();
  const pid_t pid = std::stoi(name.substr(7, name.size() - 12));
  EXPECT_TRUE(Alive(pid));

  ASSERT_TRUE((*deployment)->Stop().ok());
  EXPECT_FALSE(Alive(pid));
  EXPECT_FALSE(fs::exists(records[0]));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("--model-path org/model --host 127.0.0.1 --port "));
  EXPECT_EQ(lines[1], "owner=owner-a gpus=2,3");
  EXPECT_EQ((*deployment)->LogTail(1), std::vector<std::string>{"owner=owner-a gpus=2,3"});
}

TEST(LocalDeployerTest, StartupOomFailsFastWithTheEngineMessage) {
  TempDir dir;
  const auto rt = FakeRuntime(
      "echo 'Loading weights'; sleep 0.2; "
      "echo 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB' >&2; exit 1");
  LocalDeployer deployer(Options(dir.path()));
  auto deployment = deployer.Deploy(Spec(rt));
  ASSERT_TRUE(deployment.ok());
  const auto start = Clock::now();
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(30000), {});
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().failure, FailureClass::kOom);
  EXPECT_EQ(status.error().details["exit"], 1);
  EXPECT_THAT(status.error().message, HasSubstr("CUDA out of memory"));
  EXPECT_LT(elapsed, milliseconds(2000 + 200));  // 2 s after the exit, with the 0.2 s start-up
}

TEST(LocalDeployerTest, OtherStartupFailuresAreDeployFailed) {
  TempDir dir;
  const auto rt = FakeRuntime("echo 'sglang serve: error: unrecognized arguments: --bogus' >&2; exit 2");
  LocalDeployer deployer(Options(dir.path()));
  auto deployment = deployer.Deploy(Spec(rt));
  ASSERT_TRUE(deployment.ok());
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(30000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().failure, FailureClass::kDeployFailed);
  EXPECT_THAT(status.error().message, HasSubstr("exited with status 2 during start-up: sglang serve: error"));
}

TEST(LocalDeployerTest, TimeoutAndCancel) {
  TempDir dir;
  const auto rt = FakeRuntime("exec sleep 60");
  LocalDeployer deployer(Options(dir.path()));
  auto slow = deployer.Deploy(Spec(rt));
  ASSERT_TRUE(slow.ok());
  const Status timed_out = (*slow)->WaitReady(Clock::now() + milliseconds(200), {});
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.error().code, ErrorCode::kTimeout);
  std::stop_source stop;
  std::thread canceller([&] {
    autotuner::testing::CatchAll("canceller", [&] {
      std::this_thread::sleep_for(milliseconds(100));
      stop.request_stop();
    });
  });
  const Status cancelled = (*slow)->WaitReady(Clock::now() + milliseconds(30000), stop.get_token());
  canceller.join();
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.error().code, ErrorCode::kCancelled);
}

TEST(LocalDeployerTest, MissingEngineBinaryIsDeployFailed) {
  TempDir dir;
  task::RuntimeDefinition rt = FakeRuntime("");
  rt.command = {"/nonexistent/engine"};
  LocalDeployer deployer(Options(dir.path()));
  auto deployment = deployer.Deploy(Spec(rt));
  ASSERT_FALSE(deployment.ok());
  EXPECT_EQ(deployment.error().failure, FailureClass::kDeployFailed);
}

// The number after "key": in an engine record.
int RecordField(const std::string& text, const std::string& key) {
  const size_t at = text.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::stoi(text.substr(at + key.size() + 3));
}

std::vector<std::string> Records(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.path().filename().string().starts_with("engine-")) continue;
    std::ifstream in(e.path());
    out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  return out;
}

// A crashing autotuner (a forked child): deploys an engine of owner-a and one of owner-b and dies without
// stopping them; with `kill_guards`, it first SIGKILLs the engines' guards (the worst case).
void CrashAfterDeploying(const std::string& dir, const task::RuntimeDefinition& rt, bool kill_guards) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    LocalDeployerOptions mine = Options(dir);
    LocalDeployerOptions theirs = Options(dir);
    theirs.owner = "owner-b";
    LocalDeployer a(mine), b(theirs);
    auto da = a.Deploy(Spec(rt));
    auto db = b.Deploy(Spec(rt));
    if (kill_guards) {
      for (const auto& record : Records(dir)) ::kill(RecordField(record, "pgid"), SIGKILL);
    }
    const char ok = (da.ok() && db.ok()) ? 'y' : 'n';
    (void)!::write(pipe_fds[1], &ok, 1);
    std::_Exit(0);
  }
  ::close(pipe_fds[1]);
  char ok = 0;
  ASSERT_EQ(::read(pipe_fds[0], &ok, 1), 1);
  ::close(pipe_fds[0]);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(ok, 'y');
}

bool DiesWithin(pid_t pid, milliseconds timeout) {
  for (auto until = Clock::now() + timeout; Alive(pid) && Clock::now() < until;)
    std::this_thread::sleep_for(milliseconds(20));
  return !Alive(pid);
}

// Before: after kill -9 of autotuner the engine kept its GPU until `--resume`.
TEST(LocalDeployerTest, EnginesDieWithTheirAutotunerEvenAfterKill9) {
  TempDir dir;
  const auto rt = FakeRuntime("sleep 60 & exec sleep 60");
  CrashAfterDeploying(dir.path(), rt, false);
  const auto records = Records(dir.path());
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    EXPECT_TRUE(DiesWithin(RecordField(record, "pid"), milliseconds(5000))) << record;
    EXPECT_NE(RecordField(record, "pgid"), RecordField(record, "pid")) << "the guard leads the group";
  }
  // The next start finds the records of a dead autotuner and removes them.
  EXPECT_EQ(LocalDeployer(Options(dir.path())).SweepDeadHolders(), 0);  // nothing left to stop
  EXPECT_TRUE(Records(dir.path()).empty());
}

TEST(LocalDeployerTest, RestartedDeployerRemovesItsOrphansAndNothingElse) {
  TempDir dir;
  const auto rt = FakeRuntime("exec sleep 60");
  CrashAfterDeploying(dir.path(), rt, true);
  if (HasFatalFailure()) return;
  // Which engine belongs to whom, from the records.
  pid_t pid_a = -1, pid_b = -1;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (!e.path().filename().string().starts_with("engine-")) continue;
    std::ifstream in(e.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const pid_t pid = std::stoi(text.substr(text.find("\"pid\":") + 6));
    (text.find("owner-a") != std::string::npos ? pid_a : pid_b) = pid;
  }
  ASSERT_GT(pid_a, 0);
  ASSERT_GT(pid_b, 0);
  ASSERT_TRUE(Alive(pid_a));
  ASSERT_TRUE(Alive(pid_b));

  LocalDeployer restarted(Options(dir.path()));
  auto removed = restarted.CleanupOrphans("owner-a");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1);
  for (int i = 0; i < 100 && Alive(pid_a); ++i) std::this_thread::sleep_for(milliseconds(20));
  EXPECT_FALSE(Alive(pid_a));
  EXPECT_TRUE(Alive(pid_b));  // not ours: untouched

  // Any later start sweeps engines whose autotuner has died, whoever owned them; their leader need not live.
  EXPECT_EQ(LocalDeployer(Options(dir.path())).SweepDeadHolders(), 1);
  EXPECT_TRUE(DiesWithin(pid_b, milliseconds(2000)));
  EXPECT_TRUE(Records(dir.path()).empty());
}

TEST(LocalDeployerTest, ConfigFileIsWrittenForTheEngine) {
  TempDir dir;
  const std::string ready = dir.path() + "/ready";
  task::RuntimeDefinition rt = FakeRuntime(
      "while [ $# -gt 0 ]; do if [ \"$1\" = --extra_llm_api_options ]; then cat \"$2\"; fi; shift; done; "
      "touch " +
      ready + "; exec sleep 60");
  rt.config_file_flag = "extra_llm_api_options";
  rt.flag_style = task::RuntimeDefinition::FlagStyle::kUnderscores;
  LocalDeployer deployer(Options(dir.path(), ready));
  std::vector<std::string> lines;
  DeploySpec spec = Spec(rt, &lines);
  spec.plan.config_file = {{"kv_cache_config", {{"dtype", "fp8"}}}};
  auto deployment = deployer.Deploy(spec);
  ASSERT_TRUE(deployment.ok());
  ASSERT_TRUE((*deployment)->WaitReady(Clock::now() + milliseconds(10000), {}).ok());
  ASSERT_TRUE((*deployment)->Stop().ok());
  std::string all;
  for (const auto& l : lines) all += l;
  EXPECT_THAT(all, HasSubstr("\"dtype\": \"fp8\""));
}

TEST(LocalDeployerTest, TheSpecsEnvironmentReachesTheEngineAndCannotMoveItsGpus) {
  TempDir dir;
  const std::string ready = dir.path() + "/ready";
  const auto rt = FakeRuntime(
      "echo \"attn=$VLLM_ATTENTION_BACKEND offline=$HF_HUB_OFFLINE gpus=$CUDA_VISIBLE_DEVICES\"; "
      "touch " +
      ready + "; exec sleep 60");
  LocalDeployer deployer(Options(dir.path(), ready));
  std::vector<std::string> lines;
  DeploySpec spec = Spec(rt, &lines);
  spec.gpu_ids = {1};
  LaunchPlan plan;
  plan.env = {{"VLLM_ATTENTION_BACKEND", "FLASHINFER"}};
  spec.env = EngineEnv(plan, {{"HF_HUB_OFFLINE", "1"}});
  auto deployment = deployer.Deploy(spec);
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  ASSERT_TRUE((*deployment)->WaitReady(Clock::now() + milliseconds(10000), {}).ok());
  ASSERT_TRUE((*deployment)->Stop().ok());
  EXPECT_THAT(lines, ::testing::Contains("attn=FLASHINFER offline=1 gpus=1"));
}

TEST(LocalDeployerTest, FreePortsAreDistinct) {
  std::set<int> used;
  for (int i = 0; i < 5; ++i) {
    auto port = FindFreePort("127.0.0.1", used);
    ASSERT_TRUE(port.ok());
    EXPECT_FALSE(used.contains(*port));
    used.insert(*port);
  }
}

}  // namespace
}  // namespace autotuner::deploy
