// Integration tests of the Docker deployer against podman's Docker-compatible service
// (tests/podman_service.sh), running a local image of a few host tools: no pulls, no network.

#include "autotuner/deploy/docker_deployer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

namespace autotuner::deploy {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using ::testing::HasSubstr;

std::string TestImage() {
  const char* image = std::getenv("AUTOTUNER_TEST_IMAGE");
  return image != nullptr ? image : "localhost/autotuner-test-shell:2";
}

task::RuntimeDefinition ShellRuntime(const std::string& script) {
  task::RuntimeDefinition rt;
  rt.name = "shell";
  rt.engine = "sglang";
  rt.command = {"/bin/sh", "-c", script, "engine"};
  rt.model_arg = "model-path";
  rt.host_flag = "host";
  rt.port_flag = "port";
  rt.ready_path = "/v1/models";
  return rt;
}

// Ready once the engine has written "READY": the shell image serves no HTTP.
struct Harness {
  std::atomic<bool> ready{false};
  std::vector<std::string> lines;
  std::mutex mutex;

  DockerDeployerOptions Options(const std::string& owner) {
    DockerDeployerOptions o;
    o.owner = owner;
    o.stop_grace = std::chrono::seconds(2);
    o.probe_interval = milliseconds(50);
    o.pull_missing = false;
    o.probe = [this](const std::string&, const std::string&) { return ready.load(); };
    return o;
  }
  DeploySpec Spec(const task::RuntimeDefinition& rt, const std::string& experiment = "1") {
    DeploySpec spec;
    spec.task_name = "docker-test";
    spec.experiment = experiment;
    spec.image = TestImage();
    spec.runtime = &rt;
    spec.model = "org/model";
    spec.on_log_line = [this](std::string_view l) {
      std::lock_guard lock(mutex);
      lines.emplace_back(l);
      if (l == "READY") ready = true;
    };
    return spec;
  }
};

TEST(DockerDeployerTest, DaemonAnswers) {
  auto version = DockerClient::FromEnvironment().Version();
  ASSERT_TRUE(version.ok()) << version.error().message;
}

TEST(DockerDeployerTest, RunsReadiesStreamsLogsAndRemovesTheContainer) {
  Harness h;
  const auto rt = ShellRuntime(
      "echo \"args: $*\"; echo \"to stderr\" >&2; echo \"owner=$AUTOTUNER_OWNER\"; "
      "echo READY; exec sleep 60");
  DockerDeployer deployer(h.Options("docker-owner-1"));
  auto deployment = deployer.Deploy(h.Spec(rt));
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  const Status ready = (*deployment)->WaitReady(Clock::now() + milliseconds(30000), {});
  ASSERT_TRUE(ready.ok()) << ready.error().message;

  auto listed = deployer.client().ListContainers("autotuner.owner=docker-owner-1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0]["Labels"]["autotuner.task"], "docker-test");
  EXPECT_EQ((*listed)[0]["Labels"]["autotuner.experiment"], "1");

  ASSERT_TRUE((*deployment)->Stop().ok());
  auto after = deployer.client().ListContainers("autotuner.owner=docker-owner-1");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  std::lock_guard lock(h.mutex);
  std::string all;
  for (const auto& l : h.lines) all += l + "\n";
  EXPECT_THAT(all, HasSubstr("--model-path org/model --host 127.0.0.1 --port "));
  EXPECT_THAT(all, HasSubstr("to stderr\n"));
  EXPECT_THAT(all, HasSubstr("owner=docker-owner-1\n"));
}

TEST(DockerDeployerTest, StartupOomIsReportedWithTheEngineMessage) {
  Harness h;
  const auto rt =
      ShellRuntime("echo 'RuntimeError: CUDA out of memory. Tried to allocate 1.00 GiB' >&2; exit 1");
  DockerDeployer deployer(h.Options("docker-owner-2"));
  auto deployment = deployer.Deploy(h.Spec(rt));
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  const Status status = (*deployment)->WaitReady(Clock::now() + milliseconds(30000), {});
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().failure, FailureClass::kOom);
  EXPECT_EQ(status.error().details["exit"], 1);
  EXPECT_THAT(status.error().message, HasSubstr("CUDA out of memory"));
  EXPECT_TRUE((*deployment)->Stop().ok());
}

TEST(DockerDeployerTest, MissingImageIsAClearDeployFailure) {
  Harness h;
  const auto rt = ShellRuntime("exit 0");
  DockerDeployer deployer(h.Options("docker-owner-3"));
  DeploySpec spec = h.Spec(rt);
  spec.image = "localhost/autotuner-no-such-image:1";
  auto deployment = deployer.Deploy(spec);
  ASSERT_FALSE(deployment.ok());
  EXPECT_EQ(deployment.error().failure, FailureClass::kDeployFailed);
  EXPECT_THAT(deployment.error().message, HasSubstr("localhost/autotuner-no-such-image:1 is not present"));
}

TEST(DockerDeployerTest, RestartedDeployerRemovesItsOrphansAndNothingElse) {
  Harness h;
  const auto rt = ShellRuntime("exec sleep 120");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // A crashing autotuner: two engines (its own and another owner's) left running.
    ::close(fds[0]);
    Harness ch;
    DockerDeployer mine(ch.Options("docker-orphans-a")), theirs(ch.Options("docker-orphans-b"));
    auto a = mine.Deploy(ch.Spec(rt, "a"));
    auto b = theirs.Deploy(ch.Spec(rt, "b"));
    const char ok = (a.ok() && b.ok()) ? 'y' : 'n';
    (void)!::write(fds[1], &ok, 1);
    std::_Exit(0);
  }
  ::close(fds[1]);
  char ok = 0;
  ASSERT_EQ(::read(fds[0], &ok, 1), 1);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_EQ(ok, 'y');

  DockerDeployer restarted(h.Options("docker-orphans-a"));
  auto removed = restarted.CleanupOrphans("docker-orphans-a");
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 1);
  EXPECT_TRUE(restarted.client().ListContainers("autotuner.owner=docker-orphans-a")->empty());
  EXPECT_EQ(restarted.client().ListContainers("autotuner.owner=docker-orphans-b")->size(), 1u);
  EXPECT_EQ(*DockerDeployer(h.Options("docker-orphans-b")).CleanupOrphans("docker-orphans-b"), 1);
}

TEST(DockerDeployerTest, ContainerBodyAsksForGpusSharedMemoryAndMounts) {
  Harness h;
  const auto rt = ShellRuntime("true");
  DockerDeployerOptions options = h.Options("body");
  options.hf_cache_dir = "/tmp";
  DockerDeployer deployer(options);
  DeploySpec spec = h.Spec(rt);
  spec.gpu_ids = {1, 3};
  spec.env = {{"HF_HUB_OFFLINE", "1"}, {"VLLM_ATTENTION_BACKEND", "FLASHINFER"}};
  const Json body = deployer.ContainerBody(spec, 30001, "/tmp/cfg");
  const Json& env = body["Env"];
  EXPECT_NE(std::find(env.begin(), env.end(), "HF_HUB_OFFLINE=1"), env.end()) << env.dump();
  EXPECT_NE(std::find(env.begin(), env.end(), "VLLM_ATTENTION_BACKEND=FLASHINFER"), env.end()) << env.dump();
  EXPECT_EQ(body["HostConfig"]["NetworkMode"], "host");
  EXPECT_EQ(body["HostConfig"]["IpcMode"], "host");
  EXPECT_EQ(body["HostConfig"]["DeviceRequests"][0]["DeviceIDs"], Json::array({"1", "3"}));
  EXPECT_EQ(body["HostConfig"]["Binds"][0], "/tmp:/root/.cache/huggingface/hub");
  EXPECT_EQ(body["HostConfig"]["Binds"][1], "/tmp/cfg:/autotuner-config:ro");
  EXPECT_EQ(body["Entrypoint"][0], "/bin/sh");
  EXPECT_EQ(body["Labels"]["autotuner.owner"], "body");
  EXPECT_EQ(DockerDeployer::ContainerName(spec, 30001), "autotuner-docker-test-1-30001");
}

TEST(DockerDeployerTest, SimulatedRuntimesAskForNoGpus) {
  Harness h;
  auto rt = ShellRuntime("true");
  rt.gpu_count_flag = "sim-num-gpus";
  DockerDeployer deployer(h.Options("body"));
  DeploySpec spec = h.Spec(rt);
  spec.gpu_ids = {0, 1};
  spec.plan.args = {"--sim-num-gpus", "2"};
  const Json body = deployer.ContainerBody(spec, 30002, "");
  EXPECT_FALSE(body["HostConfig"].contains("DeviceRequests")) << body["HostConfig"].dump();
  const Json& cmd = body["Cmd"];
  EXPECT_NE(std::find(cmd.begin(), cmd.end(), Json("--sim-num-gpus")), cmd.end()) << cmd.dump();
  rt.gpu_count_flag.clear();
  EXPECT_TRUE(deployer.ContainerBody(spec, 30002, "")["HostConfig"].contains("DeviceRequests"));
}

}  // namespace
}  // namespace autotuner::deploy
