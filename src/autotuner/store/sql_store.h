#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "autotuner/store/sql.h"
#include "autotuner/store/store.h"

namespace autotuner::store {

// The Store over any SqlConnection. One mutex serialises every call: one writer per process; SQLite's WAL and
// PostgreSQL's MVCC keep other processes' readers going.
class SqlStore final : public Store {
 public:
  // Migrates the schema and loads (or creates) the instance id.
  static Result<std::unique_ptr<SqlStore>> Open(std::unique_ptr<SqlConnection> connection,
                                                std::string description);

  std::string InstanceId() const override { return instance_id_; }
  std::string Describe() const override { return description_; }

  Result<TaskRecord> CreateTask(const std::string& name, const std::string& description,
                                const Json& spec) override;
  Result<TaskRecord> GetTask(int64_t id) override;
  Result<TaskRecord> GetTaskByName(const std::string& name) override;
  Result<std::vector<StoredTask>> ListStoredTasks(const TaskQuery& query) override;
  Result<int64_t> CountTasks(std::optional<TaskStatus> status) override;
  Result<std::string> UniqueTaskName(const std::string& name) override;
  Status UpdateTaskSpec(int64_t id, const std::string& description, const Json& spec) override;
  Status SetTaskProvenance(int64_t id, const Json& provenance) override;
  Status SetTaskStatus(int64_t id, TaskStatus status, const std::string& stop_reason) override;
  Status DeleteTask(int64_t id) override;
  Status ClearTask(int64_t id) override;

  Result<bool> AcquireLease(int64_t task_id, const std::string& owner, double ttl_seconds) override;
  Status Heartbeat(int64_t task_id, const std::string& owner) override;
  Status ReleaseLease(int64_t task_id, const std::string& owner) override;
  Status WithLease(int64_t task_id, const std::string& owner, const std::function<Status()>& write) override;
  Status RequestCancel(int64_t task_id) override;
  Result<bool> CancelRequested(int64_t task_id) override;

  Result<ExperimentRecord> CreateExperiment(int64_t task_id, int64_t number, const Json& parameters,
                                            ExperimentStatus status = ExperimentStatus::kPending,
                                            ExperimentKind kind = ExperimentKind::kSearch,
                                            std::optional<int64_t> confirms = std::nullopt) override;
  Status SetExperimentStatus(int64_t experiment_id, ExperimentStatus status) override;
  Status FinishExperiment(int64_t experiment_id, const ExperimentOutcome& outcome) override;
  Status RequestExperimentCancel(int64_t experiment_id) override;
  Result<bool> ExperimentCancelRequested(int64_t experiment_id) override;
  Status SetEngineLog(int64_t experiment_id, const std::string& log) override;
  Result<ExperimentRecord> GetExperiment(int64_t experiment_id) override;
  Result<std::vector<ExperimentRecord>> ListExperiments(int64_t task_id) override;

  Result<int64_t> AppendLog(int64_t task_id, std::optional<int64_t> experiment_id, const std::string& level,
                            const std::string& line) override;
  Result<std::vector<LogRecord>> ListLogs(int64_t task_id, std::optional<int64_t> experiment_id,
                                          int64_t after_id, int64_t limit) override;

  Status SaveCheckpoint(int64_t task_id, const Json& state) override;
  Result<std::optional<Json>> LoadCheckpoint(int64_t task_id) override;

  Result<PresetRecord> CreatePreset(const std::string& name, const std::string& description,
                                    const Json& parameters, bool builtin) override;
  Result<PresetRecord> GetPreset(int64_t id) override;
  Result<std::vector<PresetRecord>> ListPresets() override;
  Status UpdatePreset(int64_t id, const std::string& description, const Json& parameters) override;
  Status DeletePreset(int64_t id) override;

 private:
  SqlStore(std::unique_ptr<SqlConnection> connection, std::string description)
      : db_(std::move(connection)), description_(std::move(description)) {}
  Status Migrate();
  // Runs `body` in a write transaction (ROLLBACK when it fails); the caller holds mutex_.
  Status InTransaction(const std::function<Status()>& body);
  Result<std::vector<SqlRow>> Q(const std::string& sql, const std::vector<SqlValue>& params = {});
  // Runs a statement that must touch the row `id` of `what`; kNotFound otherwise.
  Status UpdateOne(const std::string& what, int64_t id, const std::string& sql,
                   const std::vector<SqlValue>& params);
  Result<TaskRecord> TaskWhere(const std::string& where, const SqlValue& key);
  Result<ExperimentRecord> GetExperimentLocked(int64_t experiment_id);

  std::recursive_mutex mutex_;  // recursive: WithLease runs other calls inside its transaction
  std::unique_ptr<SqlConnection> db_;
  std::string description_;
  std::string instance_id_;
};

}  // namespace autotuner::store
