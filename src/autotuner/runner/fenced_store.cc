#include "autotuner/runner/fenced_store.h"

namespace autotuner::runner {

Status FencedStore::Fenced(const std::function<Status()>& write) {
  if (owner_.empty()) return write();
  if (lost_) {
    return MakeError(ErrorCode::kConflict,
                     "the lease on task " + std::to_string(task_id_) + " is lost; nothing was written",
                     {{"lease_lost", true}});
  }
  Status status = inner_.WithLease(task_id_, owner_, write);
  if (!status.ok() && status.error().details.value("lease_lost", false) && !lost_.exchange(true)) {
    if (on_lease_lost_) on_lease_lost_();
  }
  return status;
}

Status FencedStore::Heartbeat(int64_t task_id, const std::string& owner) {
  Status status = inner_.Heartbeat(task_id, owner);
  if (!status.ok() && status.error().code == ErrorCode::kConflict && task_id == task_id_ &&
      !lost_.exchange(true)) {
    if (on_lease_lost_) on_lease_lost_();
  }
  return status;
}

Status FencedStore::UpdateTaskSpec(int64_t id, const std::string& description, const Json& spec) {
  if (id != task_id_) return inner_.UpdateTaskSpec(id, description, spec);
  return Fenced([&] { return inner_.UpdateTaskSpec(id, description, spec); });
}

Status FencedStore::SetTaskProvenance(int64_t id, const Json& provenance) {
  if (id != task_id_) return inner_.SetTaskProvenance(id, provenance);
  return Fenced([&] { return inner_.SetTaskProvenance(id, provenance); });
}

Status FencedStore::SetTaskStatus(int64_t id, TaskStatus status, const std::string& stop_reason) {
  if (id != task_id_) return inner_.SetTaskStatus(id, status, stop_reason);
  return Fenced([&] { return inner_.SetTaskStatus(id, status, stop_reason); });
}

Result<store::ExperimentRecord> FencedStore::CreateExperiment(int64_t task_id, int64_t number,
                                                              const Json& parameters, ExperimentStatus status,
                                                              ExperimentKind kind,
                                                              std::optional<int64_t> confirms) {
  if (task_id != task_id_)
    return inner_.CreateExperiment(task_id, number, parameters, status, kind, confirms);
  Result<store::ExperimentRecord> created = MakeError(ErrorCode::kInternal, "not written");
  Status fenced = Fenced([&]() -> Status {
    created = inner_.CreateExperiment(task_id, number, parameters, status, kind, confirms);
    return created.ok() ? Status{} : Status(created.error());
  });
  if (!fenced.ok()) return std::move(fenced).error();
  return created;
}

// Experiment ids belong to this runner's task: the study only writes its own experiments.
Status FencedStore::SetExperimentStatus(int64_t experiment_id, ExperimentStatus status) {
  return Fenced([&] { return inner_.SetExperimentStatus(experiment_id, status); });
}

Status FencedStore::FinishExperiment(int64_t experiment_id, const store::ExperimentOutcome& outcome) {
  return Fenced([&] { return inner_.FinishExperiment(experiment_id, outcome); });
}

Status FencedStore::SetEngineLog(int64_t experiment_id, const std::string& log) {
  return Fenced([&] { return inner_.SetEngineLog(experiment_id, log); });
}

Result<int64_t> FencedStore::AppendLog(int64_t task_id, std::optional<int64_t> experiment_id,
                                       const std::string& level, const std::string& line) {
  if (task_id != task_id_) return inner_.AppendLog(task_id, experiment_id, level, line);
  Result<int64_t> appended = MakeError(ErrorCode::kInternal, "not written");
  Status fenced = Fenced([&]() -> Status {
    appended = inner_.AppendLog(task_id, experiment_id, level, line);
    return appended.ok() ? Status{} : Status(appended.error());
  });
  if (!fenced.ok()) return std::move(fenced).error();
  return appended;
}

Status FencedStore::SaveCheckpoint(int64_t task_id, const Json& state) {
  if (task_id != task_id_) return inner_.SaveCheckpoint(task_id, state);
  return Fenced([&] { return inner_.SaveCheckpoint(task_id, state); });
}

}  // namespace autotuner::runner
