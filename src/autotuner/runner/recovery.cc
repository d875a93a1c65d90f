#include "autotuner/runner/recovery.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "autotuner/deploy/local_deployer.h"
#include "autotuner/opt/score.h"
#include "autotuner/runner/confirm.h"
#include "autotuner/runner/study.h"
#include "autotuner/runner/study_plan.h"
#include "autotuner/task/parse.h"

namespace autotuner::runner {
namespace {

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// Marks the experiments a dead run left active as failed (`interrupted`), in the store and in `experiments`.
Status FailInterrupted(const StudyParts& study, std::vector<store::ExperimentRecord>& experiments) {
  for (auto& e : experiments) {
    if (!IsActive(e.status)) continue;
    const std::string message = "the study stopped while this experiment was " + std::string(Name(e.status));
    store::ExperimentOutcome outcome;
    outcome.status = ExperimentStatus::kFailed;
    outcome.error_class = FailureClass::kInterrupted;
    outcome.error_message = message;
    outcome.feasible = false;
    auto finished = study.store->FinishExperiment(e.id, outcome);
    if (!finished.ok()) return finished;
    e.status = ExperimentStatus::kFailed;
    e.error_class = FailureClass::kInterrupted;
    e.error_message = message;
    study.publisher->Log(e.number, "warn",
                         ExperimentPrefix(e.number) + " Status: FAILED (interrupted: " + message + ")");
    study.publisher->PublishFinished(e.id);
  }
  return {};
}

// Restores the optimizer from its checkpoint and tells it every outcome the checkpoint missed; returns how
// many were replayed. Re-measurements repeat what it knows; the baseline is a prior observation (when its
// point is in the search space), never one that counts against max_iterations.
Result<size_t> RestoreOptimizer(const StudyParts& study,
                                const std::vector<store::ExperimentRecord>& experiments) {
  opt::Strategy& strategy = *study.strategy;
  auto checkpoint = study.store->LoadCheckpoint(study.task_id);
  if (!checkpoint.ok()) return std::move(checkpoint).error();
  if (*checkpoint) {
    auto restored = strategy.Restore(**checkpoint);
    if (!restored.ok()) {
      study.publisher->Log(std::nullopt, "warn",
                           "optimizer checkpoint unusable (" + restored.error().message +
                               "); rebuilding it from the stored experiments");
    }
  }
  size_t replayed = 0;
  for (const auto& e : experiments) {
    if (e.kind == ExperimentKind::kBaseline) {
      if (const auto outcome = OutcomeOf(e, *study.task))
        (void)TellBaseline(strategy, e.parameters, *outcome);
      continue;
    }
    if (e.kind != ExperimentKind::kSearch) continue;
    auto candidate = strategy.space().Encode(e.parameters);
    if (!candidate.ok()) continue;
    const auto& pending = strategy.pending();
    const bool is_pending = std::find(pending.begin(), pending.end(), *candidate) != pending.end();
    const auto outcome = OutcomeOf(e, *study.task);
    if (!outcome) continue;
    if (!outcome->feasible() && !opt::SaysSomethingAboutTheConfiguration(outcome->reason())) {
      // Forgotten, so the configuration may run again; only a pending one has anything to forget.
      if (is_pending && strategy.Observe(*candidate, *outcome).ok()) ++replayed;
      continue;
    }
    const auto& seen = strategy.observations();
    if (std::any_of(seen.begin(), seen.end(),
                    [&](const opt::Observation& o) { return o.candidate == *candidate; })) {
      continue;
    }
    if (strategy.Observe(*candidate, *outcome).ok()) ++replayed;
  }
  return replayed;
}

// Re-measured configurations (confirmations) tell the optimizer how noisy one measurement is.
void SetNoiseFromRepeats(const StudyParts& study,
                         std::span<const std::vector<store::ExperimentRecord>> studies) {
  const auto noise = MeasuredScoreNoise(studies);
  if (!noise) return;
  study.strategy->SetMeasuredNoise(noise);
  study.publisher->Log(
      std::nullopt, "info",
      fmt::format("Measurement noise from re-measured configurations: {:.2f}% of the score", 100 * *noise));
}

}  // namespace

std::string DefaultLeaseHolder() {
  const int pid = static_cast<int>(::getpid());
  return HostName() + ":" + std::to_string(pid) + ":" +
         std::to_string(deploy::ProcessStartTime(pid).value_or(0));
}

bool HolderIsDeadHere(const std::string& holder) {
  const size_t a = holder.find(':');
  const size_t b = a == std::string::npos ? a : holder.find(':', a + 1);
  if (b == std::string::npos || holder.substr(0, a) != HostName()) return false;
  try {
    const int pid = std::stoi(holder.substr(a + 1, b - a - 1));
    const uint64_t start = std::stoull(holder.substr(b + 1));
    return deploy::ProcessStartTime(pid) != start;
  } catch (const std::exception&) {
    return false;
  }
}

Status AcquireTaskLease(store::Store& store, const store::TaskRecord& record, const std::string& holder,
                        double ttl_s) {
  auto leased = store.AcquireLease(record.id, holder, ttl_s);
  if (!leased.ok()) return std::move(leased).error();
  if (!*leased && HolderIsDeadHere(record.lease_owner)) {
    leased = store.AcquireLease(record.id, holder, 0);
    if (!leased.ok()) return std::move(leased).error();
  }
  if (!*leased) {
    return MakeError(ErrorCode::kConflict, "task '" + record.name + "' is being run by " +
                                               record.lease_owner + " (its lease is still fresh)");
  }
  return {};
}

std::optional<opt::Outcome> OutcomeOf(const store::ExperimentRecord& e, const task::Task& task) {
  if (e.status == ExperimentStatus::kSuccess ||
      (e.status == ExperimentStatus::kFailed && e.error_class == FailureClass::kSloViolation)) {
    auto outcome = opt::ScoreOutcome(opt::MetricsFromJson(e.metrics), task.slo, task.optimization.objectives);
    if (outcome.ok()) return *outcome;
    return std::nullopt;
  }
  if (e.status == ExperimentStatus::kPruned)
    return opt::Outcome::Infeasible(opt::InfeasibleReason::kPruned, e.error_message);
  if (e.status == ExperimentStatus::kFailed) {
    return opt::Outcome::Infeasible(e.error_class.value_or(FailureClass::kDeployFailed), e.error_message);
  }
  return opt::Outcome::Infeasible(opt::InfeasibleReason::kInterrupted, e.error_message);
}

Result<Recovered> Recover(const StudyParts& study) {
  auto experiments = study.store->ListExperiments(study.task_id);
  if (!experiments.ok()) return std::move(experiments).error();
  Recovered recovered;
  for (const auto& e : *experiments) {
    recovered.next_number = std::max(recovered.next_number, e.number + 1);
    study.publisher->Remember(e.number, e.id);
  }
  auto failed = FailInterrupted(study, *experiments);
  if (!failed.ok()) return std::move(failed).error();
  auto removed = study.deployer->CleanupOrphans(EngineOwner(*study.store, study.task_id));
  if (removed.ok() && *removed > 0) {
    study.publisher->Log(std::nullopt, "warn",
                         "Removed " + std::to_string(*removed) + " engine(s) left by the interrupted run");
  }
  auto replayed = RestoreOptimizer(study, *experiments);
  if (!replayed.ok()) return std::move(replayed).error();
  SetNoiseFromRepeats(study, std::span(&*experiments, 1));
  for (const auto& pending : study.strategy->pending()) recovered.queued.push_back(pending);
  study.publisher->Log(std::nullopt, "info",
                       "Recovered " + std::to_string(experiments->size()) + " stored experiment(s), " +
                           std::to_string(*replayed) + " replayed into the optimizer, " +
                           std::to_string(recovered.queued.size()) + " proposed but never started");
  return recovered;
}

void WarmStart(const StudyParts& study) {
  const task::Task& task = *study.task;
  if (task.optimization.strategy != task::Strategy::kBayesian) return;
  auto tasks =
      study.store->ListTasks({.status = std::nullopt, .order_by = "id", .descending = true, .limit = 200});
  if (!tasks.ok()) return;
  std::vector<opt::PriorObservation> prior;
  std::vector<std::vector<store::ExperimentRecord>> earlier;
  const std::string gpu = task.hardware ? task.hardware->gpu_type : "";
  for (const auto& other : *tasks) {
    if (other.id == study.task_id) continue;
    auto parsed = task::ParseTask(other.spec, study.catalog);
    if (!parsed.task || parsed.task->model.id_or_path != task.model.id_or_path ||
        parsed.task->base_runtime != task.base_runtime ||
        (parsed.task->hardware ? parsed.task->hardware->gpu_type : "") != gpu ||
        parsed.task->benchmark != task.benchmark) {
      continue;
    }
    auto experiments = study.store->ListExperiments(other.id);
    if (!experiments.ok()) continue;
    for (const auto& e : *experiments) {
      if (auto outcome = OutcomeOf(e, task)) prior.push_back({e.parameters, *outcome});
    }
    earlier.push_back(std::move(*experiments));
  }
  if (prior.empty()) return;
  SetNoiseFromRepeats(study, earlier);
  const size_t used = study.strategy->AddPriorObservations(prior);
  study.publisher->Log(std::nullopt, "info",
                       "Warm start: " + std::to_string(used) + " observation(s) of earlier studies");
}

}  // namespace autotuner::runner
