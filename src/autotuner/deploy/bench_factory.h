#pragma once

// Where an experiment's benchmark runs. Directly over HTTP from this process (bench::HttpLoadGenerator), or,
// for a Kubernetes engine the autotuner cannot reach (a study started from a laptop benchmarks Service DNS
// names), as the in-cluster bench Job of kube_bench_job.h behind the same bench::LoadGenerator interface, so
// the runner never learns which one it got.

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/kube_bench_job.h"
#include "autotuner/deploy/kube_client.h"
#include "autotuner/task/task.h"

namespace autotuner::deploy {

// Used when neither kubernetes.bench_image nor $AUTOTUNER_IMAGE names the bench Job's image: where
// deploy/Dockerfile and deploy/kubernetes/autotuner.yaml push and pull autotuner's own image.
inline constexpr const char* kDefaultAutotunerImage = "registry.example.com/autotuner:latest";

// True when a task's benchmark runs as the bench Job: kubernetes / ome mode and kubernetes.bench in_cluster,
// or auto while the autotuner runs outside the cluster (it could not reach the engine's Service).
bool BenchesInCluster(const task::Task& task, bool autotuner_in_cluster);
// Whether this process runs in a Kubernetes pod: the kubelet sets KUBERNETES_SERVICE_HOST in every one.
bool AutotunerInCluster();
// kubernetes.bench_image, else $AUTOTUNER_IMAGE, else kDefaultAutotunerImage.
std::string BenchImageForTask(const task::Task& task);

// The per-run results a bench summary (summary.json: AggregateRuns plus metadata) holds: one per
// raw_results entry, metrics only (the summary has no request records or engine samples). kParse when
// raw_results is missing or not readable.
Result<std::vector<bench::RunResult>> RunResultsFromSummary(const Json& summary);

// Runs each benchmark as a bench Job against BenchSpec::api_base (the engine's in-cluster URL). Only the
// aggregate comes back, so progress is not reported while the Job runs, and Aggregate() returns the Job's own
// (pooled over its request records) with the per-GPU throughputs for this experiment's GPU count.
class BenchJobLoadGenerator final : public bench::LoadGenerator {
 public:
  BenchJobLoadGenerator(std::shared_ptr<KubeClient> client, BenchJobOptions options, BenchJobSpec job,
                        std::chrono::steady_clock::time_point deadline);
  Result<std::vector<bench::RunResult>> Run(const bench::BenchSpec& spec, std::stop_token stop,
                                            const bench::ProgressCallback& progress) override;
  Json Aggregate(std::span<const bench::RunResult> runs, const bench::GoodputThresholds& thresholds,
                 int num_gpus) const override;

 private:
  std::shared_ptr<KubeClient> client_;
  BenchJobOptions options_;
  BenchJobSpec job_;
  std::chrono::steady_clock::time_point deadline_;
  Json summary_;  // of the last successful Run
};

// What the runner knows about the benchmark it is about to run.
struct BenchTarget {
  const task::Task* task = nullptr;
  std::string owner;       // as the deployer's (runner::EngineOwner)
  std::string experiment;  // as DeploySpec::experiment ("<task>/<number>")
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};
using LoadGeneratorFactory =
    std::function<Result<std::unique_ptr<bench::LoadGenerator>>(const BenchTarget& target)>;

// How the bench Job reaches the API server (a kubeconfig or the pod's service account).
using KubeTransportFactory = std::function<Result<std::unique_ptr<KubeTransport>>()>;
// The HTTP load generator, or the bench Job where BenchesInCluster says so, its client from `transport`.
LoadGeneratorFactory LoadGeneratorFactoryFor(KubeTransportFactory transport, bool autotuner_in_cluster);
// The above with KubeConfig::Discover() and AutotunerInCluster().
LoadGeneratorFactory DefaultLoadGeneratorFactory();

}  // namespace autotuner::deploy
