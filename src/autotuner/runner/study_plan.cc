#include "autotuner/runner/study_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "autotuner/runner/tuning_plan.h"
#include "autotuner/task/search_space.h"

namespace autotuner::runner {

StudyPlan::StudyPlan(const task::Task& task, bool simulated, double started_at, store::Store& store,
                     int64_t task_id, StudyPublisher& publisher)
    : task_(task),
      confirm_count_(ConfirmCount(task.optimization, simulated)),
      started_at_(started_at),
      store_(store),
      task_id_(task_id),
      publisher_(publisher),
      phase_(BaselineEnabled(task.optimization) ? Phase::kBaseline : Phase::kSearch) {}

void StudyPlan::Resume(const std::vector<store::ExperimentRecord>& stored,
                       std::vector<opt::Candidate> queued) {
  const bool has_baseline = std::any_of(stored.begin(), stored.end(),
                                        [](const auto& e) { return e.kind == ExperimentKind::kBaseline; });
  if (phase_ == Phase::kBaseline && has_baseline) phase_ = Phase::kSearch;
  queued_ = std::move(queued);
}

Result<std::vector<PlannedRun>> StudyPlan::Next(size_t free, bool search_running, opt::Strategy& strategy) {
  if (free == 0) return std::vector<PlannedRun>{};
  if (phase_ == Phase::kBaseline) {
    phase_ = Phase::kSearch;
    PlannedRun baseline;
    baseline.candidate.values = BaselineAssignment(task::BuildSearchSpace(task_), task_.optimization);
    baseline.kind = ExperimentKind::kBaseline;
    return std::vector<PlannedRun>{std::move(baseline)};
  }
  if (phase_ == Phase::kSearch) {
    auto runs = Search(free, strategy);
    if (!runs.empty()) return runs;
    phase_ = Phase::kConfirm;
  }
  if (phase_ == Phase::kConfirm) {
    if (search_running) return std::vector<PlannedRun>{};  // the targets are not known yet
    return Confirm(free);
  }
  return std::vector<PlannedRun>{};
}

std::vector<PlannedRun> StudyPlan::Search(size_t free, opt::Strategy& strategy) {
  std::vector<PlannedRun> runs;
  duration_spent_ = DurationSpent(task_.optimization, store::Now() - started_at_);
  if (duration_spent_) {
    publisher_.Log(std::nullopt, "info", "Stopping the search: " + *duration_spent_);
    queued_.clear();
    return runs;
  }
  std::vector<opt::Candidate> batch;
  if (!queued_.empty()) {
    batch.push_back(std::move(queued_.front()));
    queued_.erase(queued_.begin());
  } else {
    batch = strategy.Propose(free);
    (void)store_.SaveCheckpoint(task_id_, strategy.SaveState());
  }
  for (auto& candidate : batch) {
    PlannedRun run;
    run.candidate = std::move(candidate);
    runs.push_back(std::move(run));
  }
  return runs;
}

Result<std::vector<PlannedRun>> StudyPlan::Confirm(size_t free) {
  std::vector<PlannedRun> runs;
  if (duration_spent_) {
    // max_duration is the whole study's: no re-measurements after it.
    if (confirm_count_ > 0)
      publisher_.Log(std::nullopt, "info", "No confirmation runs: the study's max_duration is spent");
    phase_ = Phase::kDone;
    return runs;
  }
  auto stored = store_.ListExperiments(task_id_);
  if (!stored.ok()) return std::move(stored).error();
  const auto pending = PendingConfirmRuns(*stored, confirm_count_);
  if (pending.empty()) {
    phase_ = Phase::kDone;
    return runs;
  }
  if (!confirm_announced_) {
    std::set<int64_t> targets;
    for (const auto& p : pending) targets.insert(p.confirms);
    publisher_.Log(std::nullopt, "info",
                   fmt::format("Confirmation: measuring the best and the runner-up (experiment(s) {}) again, "
                               "{} more run(s)",
                               fmt::join(targets, ", "), pending.size()));
    confirm_announced_ = true;
  }
  for (size_t i = 0; i < std::min(free, pending.size()); ++i) {
    PlannedRun run;
    run.candidate.values = pending[i].parameters;
    run.kind = ExperimentKind::kConfirm;
    run.confirms = pending[i].confirms;
    runs.push_back(std::move(run));
  }
  return runs;
}

std::string StudyPlan::SearchStopReason(const opt::Strategy& strategy) const {
  if (duration_spent_) return *duration_spent_;
  const auto reason = strategy.stop_reason();
  const std::string& detail = strategy.stop_detail();
  if (reason == opt::StopReason::kBudget && !detail.empty()) return detail;  // names max_iterations
  if (reason == opt::StopReason::kConverged) return "early stop: " + detail;
  const std::string name = reason ? std::string(Name(*reason)) : "exhausted";
  return detail.empty() ? name : name + ": " + detail;
}

bool TellBaseline(opt::Strategy& strategy, const Json& parameters, const opt::Outcome& outcome) {
  auto candidate = strategy.space().Encode(parameters);
  if (!candidate.ok()) return false;
  const auto& prior = strategy.prior_observations();
  if (std::none_of(prior.begin(), prior.end(), [&](const auto& p) { return p.candidate == *candidate; })) {
    const opt::PriorObservation observation{parameters, outcome};
    strategy.AddPriorObservations({&observation, 1});
  }
  return true;
}

}  // namespace autotuner::runner
