#pragma once

// In-cluster benchmarking: a Kubernetes Job runs `autotuner bench` against the engine's Service DNS name, so
// the load never crosses a port-forward whose latency would pollute the numbers. The Job's container prints
// the aggregate (summary.json) as its last stdout line after a marker (`autotuner bench --summary-stdout`);
// the autotuner reads it from the pod's log once the Job completes, then deletes the Job.

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/kube_client.h"
#include "autotuner/task/task.h"

namespace autotuner::deploy {

// Prefix of the stdout line carrying the benchmark's aggregate JSON (one line, compact).
inline constexpr std::string_view kBenchSummaryMarker = "autotuner-bench-summary: ";

struct BenchJobOptions {
  std::string ns = "autotuner";
  std::string image;            // the autotuner image (deploy/Dockerfile), e.g. registry/autotuner:1.0
  std::string owner;            // label autotuner.io/owner, as the engines carry
  std::string service_account;  // empty: the namespace's default (the Job needs no API access)
  int64_t active_deadline_s = 3600;
  int watch_timeout_s = 60;  // one watch request; a new one starts when the server ends it
  std::chrono::milliseconds retry_interval{1000};
};

struct BenchJobSpec {
  std::string task_name;
  std::string experiment;               // as DeploySpec::experiment
  std::string api_base;                 // the engine's in-cluster URL (KubeDeployment::base_url())
  std::vector<std::string> bench_args;  // `autotuner bench` flags other than --api-base and --output-dir
};

// `autotuner bench` flags (SPEC §6) for a task's benchmark section: --model, --api, --task, --tokenizer,
// one --traffic-scenario / --num-concurrency / --request-rate per value, per-run limits, request params, the
// study's --seed and the goodput thresholds of its SLO (--slo-ttft / --slo-tpot / --slo-e2e).
std::vector<std::string> BenchArgsForTask(const task::Task& task, const std::string& served_model_name);

// "bench-" + the experiment's object name; a DNS-1123 name of at most 58 characters.
std::string BenchJobName(const BenchJobSpec& spec);

// The batch/v1 Job: one pod, no retries, `autotuner bench --api-base URL ARGS --output-dir /results
// --summary-stdout`, labelled like the engines (task, experiment, owner) plus autotuner.io/bench-job.
Json BenchJobManifest(const BenchJobOptions& options, const BenchJobSpec& spec);

// The aggregate JSON from a bench pod's log: the last line starting with kBenchSummaryMarker.
Result<Json> ParseBenchSummary(std::string_view log);

// Creates the Job, watches it to completion, returns the summary parsed from its pod's log, and deletes the
// Job (and its pod) whatever happened. Failures are kUnavailable with failure bench_failed, details the Job's
// failure reason and the pod's log_tail; kTimeout at the deadline, kCancelled on stop.
Result<Json> RunBenchJob(KubeClient& client, const BenchJobOptions& options, const BenchJobSpec& spec,
                         std::chrono::steady_clock::time_point deadline, std::stop_token stop);

}  // namespace autotuner::deploy
