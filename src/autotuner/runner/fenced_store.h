#pragma once

// The store as one study's runner sees it: every write about its task goes through Store::WithLease, so a
// runner that lost its lease (paused past the heartbeat TTL: VM pause, SIGSTOP, a stalled database) writes
// nothing over the runner that took the task over. The first refused write calls `on_lease_lost` (the study
// stops); later ones are refused the same way.

#include <atomic>
#include <functional>
#include <string>

#include "autotuner/store/store.h"

namespace autotuner::runner {

class FencedStore final : public store::Store {
 public:
  FencedStore(store::Store& inner, int64_t task_id, std::function<void()> on_lease_lost)
      : inner_(inner), task_id_(task_id), on_lease_lost_(std::move(on_lease_lost)) {}

  // Fences writes by `owner` from now on (before: the runner holds no lease yet, writes pass through).
  void Bind(std::string owner) { owner_ = std::move(owner); }
  bool lease_lost() const { return lost_; }

  std::string InstanceId() const override { return inner_.InstanceId(); }
  std::string Describe() const override { return inner_.Describe(); }
  Result<store::TaskRecord> CreateTask(const std::string& name, const std::string& description,
                                       const Json& spec) override {
    return inner_.CreateTask(name, description, spec);
  }
  Result<store::TaskRecord> GetTask(int64_t id) override { return inner_.GetTask(id); }
  Result<store::TaskRecord> GetTaskByName(const std::string& name) override {
    return inner_.GetTaskByName(name);
  }
  Result<std::vector<store::StoredTask>> ListStoredTasks(const store::TaskQuery& query) override {
    return inner_.ListStoredTasks(query);
  }
  Result<int64_t> CountTasks(std::optional<TaskStatus> status) override { return inner_.CountTasks(status); }
  Result<std::string> UniqueTaskName(const std::string& name) override { return inner_.UniqueTaskName(name); }
  Status UpdateTaskSpec(int64_t id, const std::string& description, const Json& spec) override;
  Status SetTaskProvenance(int64_t id, const Json& provenance) override;
  Status SetTaskStatus(int64_t id, TaskStatus status, const std::string& stop_reason) override;
  Status DeleteTask(int64_t id) override { return inner_.DeleteTask(id); }
  Status ClearTask(int64_t id) override { return inner_.ClearTask(id); }

  Result<bool> AcquireLease(int64_t task_id, const std::string& owner, double ttl_seconds) override {
    return inner_.AcquireLease(task_id, owner, ttl_seconds);
  }
  Status Heartbeat(int64_t task_id, const std::string& owner) override;
  Status ReleaseLease(int64_t task_id, const std::string& owner) override {
    return inner_.ReleaseLease(task_id, owner);
  }
  Status WithLease(int64_t task_id, const std::string& owner, const std::function<Status()>& write) override {
    return inner_.WithLease(task_id, owner, write);
  }
  Status RequestCancel(int64_t task_id) override { return inner_.RequestCancel(task_id); }
  Result<bool> CancelRequested(int64_t task_id) override { return inner_.CancelRequested(task_id); }
  Status RequestExperimentCancel(int64_t experiment_id) override {
    return inner_.RequestExperimentCancel(experiment_id);
  }
  Result<bool> ExperimentCancelRequested(int64_t experiment_id) override {
    return inner_.ExperimentCancelRequested(experiment_id);
  }

  Result<store::ExperimentRecord> CreateExperiment(int64_t task_id, int64_t number, const Json& parameters,
                                                   ExperimentStatus status = ExperimentStatus::kPending,
                                                   ExperimentKind kind = ExperimentKind::kSearch,
                                                   std::optional<int64_t> confirms = std::nullopt) override;
  Status SetExperimentStatus(int64_t experiment_id, ExperimentStatus status) override;
  Status FinishExperiment(int64_t experiment_id, const store::ExperimentOutcome& outcome) override;
  Status SetEngineLog(int64_t experiment_id, const std::string& log) override;
  Result<store::ExperimentRecord> GetExperiment(int64_t experiment_id) override {
    return inner_.GetExperiment(experiment_id);
  }
  Result<std::vector<store::ExperimentRecord>> ListExperiments(int64_t task_id) override {
    return inner_.ListExperiments(task_id);
  }
  Result<int64_t> AppendLog(int64_t task_id, std::optional<int64_t> experiment_id, const std::string& level,
                            const std::string& line) override;
  Result<std::vector<store::LogRecord>> ListLogs(int64_t task_id, std::optional<int64_t> experiment_id,
                                                 int64_t after_id, int64_t limit) override {
    return inner_.ListLogs(task_id, experiment_id, after_id, limit);
  }
  Status SaveCheckpoint(int64_t task_id, const Json& state) override;
  Result<std::optional<Json>> LoadCheckpoint(int64_t task_id) override {
    return inner_.LoadCheckpoint(task_id);
  }

  Result<store::PresetRecord> CreatePreset(const std::string& name, const std::string& description,
                                           const Json& parameters, bool builtin) override {
    return inner_.CreatePreset(name, description, parameters, builtin);
  }
  Result<store::PresetRecord> GetPreset(int64_t id) override { return inner_.GetPreset(id); }
  Result<std::vector<store::PresetRecord>> ListPresets() override { return inner_.ListPresets(); }
  Status UpdatePreset(int64_t id, const std::string& description, const Json& parameters) override {
    return inner_.UpdatePreset(id, description, parameters);
  }
  Status DeletePreset(int64_t id) override { return inner_.DeletePreset(id); }

 private:
  // Runs `write` under the lease; marks the lease lost (once) when it is refused for that reason.
  Status Fenced(const std::function<Status()>& write);

  store::Store& inner_;
  int64_t task_id_;
  std::string owner_;
  std::function<void()> on_lease_lost_;
  std::atomic<bool> lost_{false};
};

}  // namespace autotuner::runner
