#include "autotuner/deploy/bench_factory.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "autotuner/deploy/kube_deployer.h"

namespace autotuner::deploy {
namespace {

using Clock = std::chrono::steady_clock;

std::string ServedModelName(const task::Task& task) {
  return task.benchmark.model_name.empty() ? task.model.id_or_path : task.benchmark.model_name;
}

Result<std::unique_ptr<bench::LoadGenerator>> MakeBenchJob(const KubeTransportFactory& transport,
                                                           const BenchTarget& target) {
  const task::Task& task = *target.task;
  auto made = transport();
  if (!made.ok()) {
    Error error = std::move(made).error();
    error.message = "cannot reach the cluster for the bench Job: " + error.message;
    return error;
  }
  BenchJobOptions options;
  options.ns = KubeDeployerOptionsForTask(task, target.owner).ns;  // the engines' namespace
  options.owner = target.owner;
  options.image = BenchImageForTask(task);
  BenchJobSpec job;
  job.task_name = task.task_name;
  job.experiment = target.experiment;
  job.bench_args = BenchArgsForTask(task, ServedModelName(task));
  return std::unique_ptr<bench::LoadGenerator>(std::make_unique<BenchJobLoadGenerator>(
      std::make_shared<KubeClient>(std::move(*made)), std::move(options), std::move(job), target.deadline));
}

}  // namespace

bool BenchesInCluster(const task::Task& task, bool autotuner_in_cluster) {
  if (task.deployment_mode != task::DeploymentMode::kKubernetes &&
      task.deployment_mode != task::DeploymentMode::kOme) {
    return false;
  }
  switch (task.kubernetes.bench) {
    case task::KubernetesOptions::Bench::kInCluster:
      return true;
    case task::KubernetesOptions::Bench::kLocal:
      return false;
    case task::KubernetesOptions::Bench::kAuto:
      return !autotuner_in_cluster;
  }
  return false;
}

bool AutotunerInCluster() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  return host != nullptr && *host != '\0';
}

std::string BenchImageForTask(const task::Task& task) {
  if (!task.kubernetes.bench_image.empty()) return task.kubernetes.bench_image;
  if (const char* image = std::getenv("AUTOTUNER_IMAGE"); image != nullptr && *image != '\0') return image;
  return kDefaultAutotunerImage;
}

Result<std::vector<bench::RunResult>> RunResultsFromSummary(const Json& summary) {
  if (!summary.is_object() || !summary.contains("raw_results") || !summary["raw_results"].is_array()) {
    return MakeError(ErrorCode::kParse, "bench summary: no raw_results");
  }
  std::vector<bench::RunResult> runs;
  for (const Json& raw : summary["raw_results"]) {
    auto metrics = bench::RunMetricsFromJson(raw);
    if (!metrics.ok()) return std::move(metrics).error();
    runs.push_back({std::move(*metrics), {}, {}});
  }
  return runs;
}

BenchJobLoadGenerator::BenchJobLoadGenerator(std::shared_ptr<KubeClient> client, BenchJobOptions options,
                                             BenchJobSpec job, Clock::time_point deadline)
    : client_(std::move(client)), options_(std::move(options)), job_(std::move(job)), deadline_(deadline) {}

Result<std::vector<bench::RunResult>> BenchJobLoadGenerator::Run(const bench::BenchSpec& spec,
                                                                 std::stop_token stop,
                                                                 const bench::ProgressCallback&) {
  BenchJobSpec job = job_;
  job.api_base = spec.api_base;  // the engine's in-cluster URL (KubeDeployment::base_url())
  BenchJobOptions options = options_;
  if (deadline_ != Clock::time_point::max()) {
    // Kubernetes ends a Job the autotuner lost track of at the experiment's deadline too.
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline_ - Clock::now()).count();
    options.active_deadline_s = std::max<int64_t>(1, left);
  }
  auto summary = RunBenchJob(*client_, options, job, deadline_, stop);
  if (!summary.ok()) return std::move(summary).error();
  auto runs = RunResultsFromSummary(*summary);
  if (!runs.ok()) {
    Error error = std::move(runs).error();
    error.failure = FailureClass::kBenchFailed;
    return error;
  }
  summary_ = std::move(*summary);
  return runs;
}

Json BenchJobLoadGenerator::Aggregate(std::span<const bench::RunResult> runs,
                                      const bench::GoodputThresholds& thresholds, int num_gpus) const {
  if (!summary_.is_object()) return bench::AggregateRuns(runs, thresholds, num_gpus);
  Json aggregate = summary_;
  aggregate.erase("metadata");  // the bench command's own arguments, not a metric
  // The Job's bench knows nothing of the engine's GPUs and divided by one.
  const double gpus = std::max(1, num_gpus);
  for (const char* name :
       {"mean_output_throughput", "max_output_throughput", "mean_total_throughput", "max_total_throughput"}) {
    aggregate[std::string(name) + "_per_gpu"] = aggregate.value(name, 0.0) / gpus;
  }
  return aggregate;
}

LoadGeneratorFactory LoadGeneratorFactoryFor(KubeTransportFactory transport, bool autotuner_in_cluster) {
  return [transport = std::move(transport),
          autotuner_in_cluster](const BenchTarget& target) -> Result<std::unique_ptr<bench::LoadGenerator>> {
    if (target.task != nullptr && BenchesInCluster(*target.task, autotuner_in_cluster))
      return MakeBenchJob(transport, target);
    return std::unique_ptr<bench::LoadGenerator>(std::make_unique<bench::HttpLoadGenerator>());
  };
}

LoadGeneratorFactory DefaultLoadGeneratorFactory() {
  return LoadGeneratorFactoryFor(
      []() -> Result<std::unique_ptr<KubeTransport>> {
        auto config = KubeConfig::Discover();
        if (!config.ok()) return std::move(config).error();
        return MakeHttpsTransport(*config);
      },
      AutotunerInCluster());
}

}  // namespace autotuner::deploy
