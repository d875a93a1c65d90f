// Integration tests of the Docker deployer with the real simulator in a container: the sim-* runtimes' image
// (localhost/autotuner-sim:latest, imported from the freshly built autotuner-sim by tests/podman_service.sh)
// run through podman's Docker-compatible service. A deployment becomes ready, is benchmarked over HTTP and
// removed; a start-up OOM is reported with the container's log; stop and orphan cleanup leave no container,
// as the daemon's own container list shows.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/plan.h"
#include "autotuner/deploy/docker_deployer.h"
#include "autotuner/deploy/http_probe.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::deploy {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr char kModel[] = "meta-llama/Llama-3.2-1B-Instruct";

DockerDeployerOptions Options(const std::string& owner) {
  DockerDeployerOptions options;
  options.owner = owner;
  options.stop_grace = seconds(5);
  options.probe_interval = milliseconds(50);
  options.pull_missing = false;  // the image is local; nothing is ever pulled
  return options;
}

// Collects an engine's log lines.
class LogLines {
 public:
  std::function<void(std::string_view)> Sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex_);
      text_ += std::string(line) + "\n";
    };
  }
  std::string Text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

// A deployment of `runtime` serving `model` from the runtime's own image, on `num_gpus` virtual GPUs as the
// study runner asks for them: ids from its pool and --sim-num-gpus with their count.
DeploySpec Spec(const std::string& runtime, const std::string& experiment, const std::string& model,
                int num_gpus, std::vector<std::string> args = {}) {
  DeploySpec spec;
  spec.task_name = "docker-sim";
  spec.experiment = experiment;
  spec.runtime = Catalog().Find(runtime);
  EXPECT_NE(spec.runtime, nullptr) << runtime;
  if (spec.runtime != nullptr) spec.image = spec.runtime->image;
  spec.model = model;
  spec.served_model_name = "llama";
  for (int i = 0; i < num_gpus; ++i) spec.gpu_ids.push_back(i);
  spec.plan.args = {"--sim-num-gpus", std::to_string(num_gpus)};
  spec.plan.args.insert(spec.plan.args.end(), args.begin(), args.end());
  return spec;
}

size_t CountContainers(const DockerClient& client, const std::string& owner) {
  auto listed = client.ListContainers("autotuner.owner=" + owner);
  EXPECT_TRUE(listed.ok()) << listed.error().message;
  return listed.ok() ? listed->size() : 0;
}

TEST(DockerSimTest, SimRuntimesNameTheLocalSimulatorImage) {
  for (const char* name : {"sim-sglang", "sim-vllm", "sim-trtllm"}) {
    const task::RuntimeDefinition* runtime = Catalog().Find(name);
    ASSERT_NE(runtime, nullptr) << name;
    EXPECT_TRUE(runtime->simulated);
    EXPECT_EQ(runtime->image, "localhost/autotuner-sim:latest") << name;
    auto exists = DockerClient::FromEnvironment().ImageExists(runtime->image);
    ASSERT_TRUE(exists.ok()) << exists.error().message;
    EXPECT_TRUE(*exists) << runtime->image << " was not built by the podman fixture";
  }
}

TEST(DockerSimTest, SimSglangContainerBecomesReadyIsBenchmarkedAndRemoved) {
  const std::string owner = "docker-sim-bench";
  DockerDeployer deployer(Options(owner));
  LogLines log;
  DeploySpec spec = Spec("sim-sglang", "bench", kModel, 2);
  spec.on_log_line = log.Sink();
  const auto started = Clock::now();
  auto deployment = deployer.Deploy(spec);
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  const Status ready = (*deployment)->WaitReady(Clock::now() + seconds(60), {});
  ASSERT_TRUE(ready.ok()) << ready.error().message << "\n" << log.Text();
  const auto ready_after = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  RecordProperty("ready_ms", static_cast<int>(ready_after.count()));

  // One container, labelled for this task and experiment, running the simulator on two virtual GPUs and no
  // real ones: no device request reached the daemon.
  auto listed = deployer.client().ListContainers("autotuner.owner=" + owner);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0]["Labels"]["autotuner.task"], "docker-sim");
  EXPECT_EQ((*listed)[0]["Labels"]["autotuner.experiment"], "bench");
  auto inspected = deployer.client().InspectContainer((*listed)[0].value("Id", ""));
  ASSERT_TRUE(inspected.ok()) << inspected.error().message;
  const Json requests = inspected->value("HostConfig", Json::object()).value("DeviceRequests", Json());
  EXPECT_TRUE(requests.is_null() || requests.empty()) << requests.dump();
  EXPECT_THAT(log.Text(), HasSubstr("on 2 × H100"));
  EXPECT_THAT(log.Text(), HasSubstr("counting tokens with the llama3.1 tokenizer"));

  // A short closed-loop benchmark with the real load generator, then one plain request.
  bench::PlanOptions plan;
  auto scenario = task::ParseScenario("D(128,32)");
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  plan.scenarios = {*scenario};
  plan.num_concurrency = {4};
  plan.max_requests = 16;
  plan.seed = 3;
  auto runs = bench::PlanRuns(plan);
  ASSERT_TRUE(runs.ok()) << runs.error().message;
  bench::BenchSpec bench_spec;
  bench_spec.api_base = (*deployment)->base_url();
  bench_spec.model = "llama";
  bench_spec.num_threads = 1;
  bench_spec.request_timeout_s = 60;
  bench_spec.runs = std::move(*runs);
  bench::HttpLoadGenerator generator;
  auto results = generator.Run(bench_spec, {}, {});
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 1u);
  const bench::RunMetrics& metrics = results->front().metrics;
  EXPECT_EQ(metrics.num_completed_requests, 16);
  EXPECT_EQ(metrics.num_error_requests, 0);
  EXPECT_EQ(metrics.num_output_tokens.mean, 32);
  EXPECT_GT(metrics.mean_output_throughput_tokens_per_s, 0);
  EXPECT_GT(metrics.ttft.mean, 0);
  // The engine's Prometheus metrics were reachable from the host too.
  EXPECT_FALSE(results->front().engine_samples.empty());

  const Status stopped = (*deployment)->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(CountContainers(deployer.client(), owner), 0u);
  EXPECT_FALSE(HttpGetOk((*deployment)->base_url(), "/health"));
}

TEST(DockerSimTest, StartupOomInTheContainerIsReportedWithItsLogTail) {
  const std::string owner = "docker-sim-oom";
  DockerDeployer deployer(Options(owner));
  // 70B in bf16 (~141 GB of weights) cannot load on one 24 GB L4.
  auto deployment = deployer.Deploy(
      Spec("sim-vllm", "oom", "meta-llama/Llama-3.1-70B-Instruct", 1, {"--sim-gpu-type", "L4"}));
  ASSERT_TRUE(deployment.ok()) << deployment.error().message;
  const auto started = Clock::now();
  const Status status = (*deployment)->WaitReady(Clock::now() + seconds(60), {});
  ASSERT_FALSE(status.ok());
  EXPECT_LT(Clock::now() - started, seconds(20));
  const Error& error = status.error();
  EXPECT_EQ(error.code, ErrorCode::kUnavailable) << error.message;
  EXPECT_EQ(error.failure, FailureClass::kOom) << error.message;
  EXPECT_THAT(error.message, HasSubstr("container exited with status"));
  EXPECT_NE(error.details.value("exit", 0), 0);
  // The container's own output, read through the daemon's log stream.
  std::string tail;
  for (const auto& line : error.details.value("log_tail", Json::array()))
    tail += line.get<std::string>() + "\n";
  EXPECT_THAT(tail, HasSubstr("CUDA out of memory"));
  EXPECT_THAT(tail, HasSubstr("total capacity of 22.49 GiB"));  // an L4's: the flag reached the container
  std::string engine_tail;
  for (const auto& line : (*deployment)->LogTail(50)) engine_tail += line + "\n";
  EXPECT_THAT(engine_tail, HasSubstr("CUDA out of memory"));

  // The exited container is still there until Stop, which removes it.
  EXPECT_EQ(CountContainers(deployer.client(), owner), 1u);
  const Status stopped = (*deployment)->Stop();
  EXPECT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(CountContainers(deployer.client(), owner), 0u);
}

TEST(DockerSimTest, RestartedDeployerRemovesExactlyItsOwnOrphanedSimulators) {
  const std::string mine = "docker-sim-orphans-a", theirs = "docker-sim-orphans-b";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    // A crashing autotuner: two ready simulators of its own and one of another owner, never stopped.
    ::close(fds[0]);
    DockerDeployer a(Options(mine)), b(Options(theirs));
    bool ok = true;
    std::vector<std::unique_ptr<Deployment>> running;
    for (auto [deployer, experiment] : {std::pair{&a, "a1"}, std::pair{&a, "a2"}, std::pair{&b, "b1"}}) {
      auto d = deployer->Deploy(Spec("sim-sglang", experiment, kModel, 1));
      ok = ok && d.ok() && (*d)->WaitReady(Clock::now() + seconds(60), {}).ok();
      if (d.ok()) running.push_back(std::move(d).value());
    }
    const char answer = ok ? 'y' : 'n';
    (void)!::write(fds[1], &answer, 1);
    std::_Exit(0);  // no destructor runs: the containers are orphaned
  }
  ::close(fds[1]);
  char answer = 0;
  ASSERT_EQ(::read(fds[0], &answer, 1), 1);
  ::close(fds[0]);
  int child_status = 0;
  ::waitpid(child, &child_status, 0);
  ASSERT_EQ(answer, 'y');

  DockerDeployer restarted(Options(mine));
  ASSERT_EQ(CountContainers(restarted.client(), mine), 2u);
  ASSERT_EQ(CountContainers(restarted.client(), theirs), 1u);
  auto removed = restarted.CleanupOrphans(mine);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ(CountContainers(restarted.client(), mine), 0u);

  // The other owner's simulator is untouched and still serving.
  auto listed = restarted.client().ListContainers("autotuner.owner=" + theirs);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  auto inspected = restarted.client().InspectContainer((*listed)[0].value("Id", ""));
  ASSERT_TRUE(inspected.ok()) << inspected.error().message;
  EXPECT_TRUE(inspected->value("State", Json::object()).value("Running", false));

  auto others = DockerDeployer(Options(theirs)).CleanupOrphans(theirs);
  ASSERT_TRUE(others.ok()) << others.error().message;
  EXPECT_EQ(*others, 1);
  EXPECT_EQ(CountContainers(restarted.client(), theirs), 0u);
}

}  // namespace
}  // namespace autotuner::deploy
