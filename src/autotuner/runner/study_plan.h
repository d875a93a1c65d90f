#pragma once

// The order of a study's experiments (SPEC §1 optimization.baseline / confirm / max_duration, §5): the
// baseline (the engine's defaults, number 0) first, then the search until the optimizer, max_iterations,
// early stop or max_duration ends it, then the re-measurements of the best and the runner-up once every
// search experiment has ended. Decided from the task and the stored experiments (runner/tuning_plan.h), so a
// resumed study makes the same decisions: a stored baseline is not run again, the missing confirmations are.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/experiment_kind.h"
#include "autotuner/core/result.h"
#include "autotuner/opt/strategy.h"
#include "autotuner/runner/study_publisher.h"
#include "autotuner/store/store.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// An experiment to start: what it runs and why.
struct PlannedRun {
  opt::Candidate candidate;
  ExperimentKind kind = ExperimentKind::kSearch;
  std::optional<int64_t> confirms;  // kind confirm: the number of the experiment it re-measures
};

class StudyPlan {
 public:
  // `started_at` (store time): when the study first started, the origin of max_duration (a resumed study's
  // budget includes the time before the interruption). `simulated`: the runtime is a simulator (confirm
  // auto).
  StudyPlan(const task::Task& task, bool simulated, double started_at, store::Store& store, int64_t task_id,
            StudyPublisher& publisher);

  // What a resumed study finds: a stored baseline (whatever its status) is not run again; `queued` are
  // search candidates proposed before the interruption but never started: they run before new proposals.
  void Resume(const std::vector<store::ExperimentRecord>& stored, std::vector<opt::Candidate> queued);

  // Up to `free` runs to start now (empty: none now). `search_running`: search experiments still run (the
  // confirmation waits for their scores). Proposals are checkpointed.
  Result<std::vector<PlannedRun>> Next(size_t free, bool search_running, opt::Strategy& strategy);

  // Nothing more will be started.
  bool done() const { return phase_ == Phase::kDone; }

  // Why the search ended, naming the budget: "max_duration (600 s) reached after 601 s", "max_iterations (30)
  // experiments are done or running", "early stop: converged after ...", "exhausted: ...".
  std::string SearchStopReason(const opt::Strategy& strategy) const;

 private:
  enum class Phase { kBaseline, kSearch, kConfirm, kDone };
  std::vector<PlannedRun> Search(size_t free, opt::Strategy& strategy);
  Result<std::vector<PlannedRun>> Confirm(size_t free);

  const task::Task& task_;
  int64_t confirm_count_;
  double started_at_;
  store::Store& store_;
  int64_t task_id_;
  StudyPublisher& publisher_;
  Phase phase_;
  std::vector<opt::Candidate> queued_;
  std::optional<std::string> duration_spent_;
  bool confirm_announced_ = false;
};

// Tells the optimizer the baseline's outcome when its point lies in the search space, as a prior
// observation (it counts against no budget and is not the search's best); false when it lies outside
// (searched flags left to the engine's defaults): the baseline is then a reference only.
bool TellBaseline(opt::Strategy& strategy, const Json& parameters, const opt::Outcome& outcome);

}  // namespace autotuner::runner
