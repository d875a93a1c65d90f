#pragma once

// What a study does before its loop: take the task's lease, recover from a crash (interrupted experiments,
// orphaned engines, the optimizer's checkpoint) or warm-start from earlier studies of the same setup.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/deploy/deployer.h"
#include "autotuner/opt/outcome.h"
#include "autotuner/opt/strategy.h"
#include "autotuner/runner/study_publisher.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// "host:pid:start" — the start time tells a live holder from a reused pid.
std::string DefaultLeaseHolder();

// True when `holder` names a process of this host that no longer runs: its lease can be taken at once
// instead of waiting for the heartbeat to expire (the common case after `kill -9` and `run --resume`).
bool HolderIsDeadHere(const std::string& holder);

// Takes the lease of `record` for `holder`; kConflict while another live process holds it.
Status AcquireTaskLease(store::Store& store, const store::TaskRecord& record, const std::string& holder,
                        double ttl_s);

// The optimizer's view of a stored experiment (resume and warm start). Scores are recomputed from the
// stored metrics so every objective of a multi-objective task is available.
std::optional<opt::Outcome> OutcomeOf(const store::ExperimentRecord& e, const task::Task& task);

// A study's parts that recovery and warm start work on.
struct StudyParts {
  store::Store* store = nullptr;
  const task::RuntimeCatalog* catalog = nullptr;
  int64_t task_id = 0;
  const task::Task* task = nullptr;
  deploy::Deployer* deployer = nullptr;
  opt::Strategy* strategy = nullptr;
  StudyPublisher* publisher = nullptr;
};

// What recovery hands the study loop.
struct Recovered {
  int64_t next_number = 1;             // after every stored experiment's number
  std::vector<opt::Candidate> queued;  // proposed before the crash but never started: run first
};

// After a crash: interrupted experiments are marked failed and their engines removed, the optimizer is
// restored from its checkpoint and told every outcome the checkpoint missed.
Result<Recovered> Recover(const StudyParts& study);

// Earlier studies of the same model, runtime and GPU seed the model (Bayesian only).
void WarmStart(const StudyParts& study);

}  // namespace autotuner::runner
