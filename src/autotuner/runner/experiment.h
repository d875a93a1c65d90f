#pragma once

// One experiment's lifecycle (SPEC §5), on its own thread: GPUs → deploy → ready → benchmark → score → stop,
// bounded by a watchdog (timeout_per_iteration) and the study's stop. Statuses are persisted before the step
// they announce.

#include <cstdint>
#include <stop_token>
#include <string>

#include "autotuner/core/json.h"
#include "autotuner/deploy/deployer.h"
#include "autotuner/deploy/gpu_pool.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/opt/outcome.h"
#include "autotuner/runner/preflight.h"
#include "autotuner/runner/study.h"
#include "autotuner/runner/study_publisher.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// What an experiment ended with, as stored and as the optimizer sees it.
struct ExperimentEnd {
  store::ExperimentOutcome stored;
  opt::Outcome outcome = opt::Outcome::Infeasible(opt::InfeasibleReason::kInterrupted);
  std::string engine_log;
};

// An infeasible end: `failed` with the reason as error class, or `cancelled` for kInterrupted.
ExperimentEnd Failed(opt::InfeasibleReason reason, std::string message, Json metrics = nullptr);

// What an experiment runs with, all owned by its study (which outlives it).
struct ExperimentContext {
  const RunnerEnvironment* env = nullptr;
  const task::Task* task = nullptr;
  const task::RuntimeDefinition* runtime = nullptr;
  std::string task_name;
  deploy::Deployer* deployer = nullptr;
  deploy::GpuPool* gpu_pool = nullptr;
  StudyPublisher* publisher = nullptr;
  std::stop_token stop;                       // the study's
  const StudyResources* resources = nullptr;  // tokenizer, engine model and env, real GPUs (preflight.h)
  const PreflightProbes* probes = nullptr;
  std::string owner;  // the engines' owner label (EngineOwner), which the in-cluster bench Job carries too
};

// The stored experiment `id` (number `number` in its task) with its launch plan.
struct ExperimentRun {
  int64_t id = 0;
  int64_t number = 0;
  deploy::LaunchPlan plan;
};

// Runs one experiment to its end; never throws for expected failures (they are in the ExperimentEnd).
ExperimentEnd RunExperiment(const ExperimentContext& context, const ExperimentRun& run);

}  // namespace autotuner::runner
