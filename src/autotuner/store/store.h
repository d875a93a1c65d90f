#pragma once

// Everything a study leaves behind (tasks, experiments with every status change, metrics, logs, optimizer
// checkpoints, presets), behind one interface with SQLite and PostgreSQL implementations.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/experiment_kind.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/core/vocabulary.h"

namespace autotuner::store {

// Seconds since the Unix epoch (wall clock: these are shown to people and compared across processes).
double Now();

struct TaskRecord {
  int64_t id = 0;
  std::string name;
  std::string description;
  Json spec = Json::object();  // the normalised task (task::TaskToJson)
  TaskStatus status = TaskStatus::kPending;
  double created_at = 0;
  std::optional<double> started_at;
  std::optional<double> finished_at;
  std::string stop_reason;
  std::string lease_owner;
  std::optional<double> lease_heartbeat;
  // Where the study's numbers come from (runner/provenance.h); null until a study starts, cleared with its
  // experiments.
  Json provenance = nullptr;
};

// A task row with its JSON columns as stored (`task.spec` and `task.provenance` left unparsed): a reader that
// keeps what it built from a row (the API's task list) compares the text and skips parsing rows it has seen.
struct StoredTask {
  TaskRecord task;
  std::string spec_json;
  std::string provenance_json;  // "" when NULL
};

// The task with its JSON columns parsed (a malformed column reads as null, as GetTask reads it).
TaskRecord ParseStoredTask(StoredTask row);

struct Transition {
  ExperimentStatus status = ExperimentStatus::kPending;
  double at = 0;
};

struct ExperimentRecord {
  int64_t id = 0;
  int64_t task_id = 0;
  int64_t number = 0;  // 1-based within the task (the baseline is 0)
  ExperimentKind kind = ExperimentKind::kSearch;
  std::optional<int64_t> confirms;  // kind confirm: the number of the experiment it re-measures
  Json parameters = Json::object();
  ExperimentStatus status = ExperimentStatus::kPending;
  std::vector<Transition> transitions;
  Json metrics;  // null until finished; SPEC §3 aggregate with raw_results
  std::optional<double> score;
  std::optional<bool> feasible;
  std::optional<FailureClass> error_class;  // stored as "" when none
  std::string error_message;
  std::string engine_log;
  double created_at = 0;
};

// The end of an experiment.
struct ExperimentOutcome {
  ExperimentStatus status = ExperimentStatus::kFailed;  // success | failed | cancelled | pruned
  Json metrics;
  std::optional<double> score;
  std::optional<bool> feasible;
  std::optional<FailureClass> error_class;
  std::string error_message;
};

struct LogRecord {
  int64_t id = 0;
  int64_t task_id = 0;
  std::optional<int64_t> experiment_id;
  double at = 0;
  std::string level;
  std::string line;
};

struct PresetRecord {
  int64_t id = 0;
  std::string name;
  std::string description;
  Json parameters = Json::object();
  bool builtin = false;
  double created_at = 0;
  double updated_at = 0;
};

struct TaskQuery {
  std::optional<TaskStatus> status;  // none = any
  std::string order_by = "id";       // id | name | created_at | status
  bool descending = false;
  int64_t limit = 100;
  int64_t offset = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // This store's identity; deployed engines carry it as their owner.
  virtual std::string InstanceId() const = 0;
  // "sqlite:/path" or "postgresql://host/db" (no password).
  virtual std::string Describe() const = 0;

  // Tasks. Names are unique: kAlreadyExists when taken (see UniqueTaskName).
  virtual Result<TaskRecord> CreateTask(const std::string& name, const std::string& description,
                                        const Json& spec) = 0;
  virtual Result<TaskRecord> GetTask(int64_t id) = 0;
  virtual Result<TaskRecord> GetTaskByName(const std::string& name) = 0;
  // One page of tasks, paged and ordered in SQL.
  virtual Result<std::vector<StoredTask>> ListStoredTasks(const TaskQuery& query) = 0;
  Result<std::vector<TaskRecord>> ListTasks(const TaskQuery& query);
  virtual Result<int64_t> CountTasks(std::optional<TaskStatus> status) = 0;
  // `name` itself when free, else `name-2`, `name-3`, ...
  virtual Result<std::string> UniqueTaskName(const std::string& name) = 0;
  virtual Status UpdateTaskSpec(int64_t id, const std::string& description, const Json& spec) = 0;
  virtual Status SetTaskProvenance(int64_t id, const Json& provenance) = 0;
  // Sets the status; running stamps started_at, a final status stamps finished_at.
  virtual Status SetTaskStatus(int64_t id, TaskStatus status, const std::string& stop_reason = "") = 0;
  virtual Status DeleteTask(int64_t id) = 0;
  // Removes a task's experiments, logs and checkpoint and sets it back to pending.
  virtual Status ClearTask(int64_t id) = 0;

  // Leases: one driver per task. Acquire succeeds when the task has no lease, holds this owner's, or its
  // heartbeat is older than `ttl_seconds`.
  virtual Result<bool> AcquireLease(int64_t task_id, const std::string& owner, double ttl_seconds) = 0;
  virtual Status Heartbeat(int64_t task_id, const std::string& owner) = 0;
  virtual Status ReleaseLease(int64_t task_id, const std::string& owner) = 0;
  // Fencing: runs `write` (calls on this store) in one transaction that first checks `owner` still holds the
  // task's lease; kConflict ("lease lost") without writing anything when another runner has taken it.
  virtual Status WithLease(int64_t task_id, const std::string& owner,
                           const std::function<Status()>& write) = 0;
  // External cancel: an API cancel of a study that another process drives is recorded here; that process's
  // runner sees it at its next heartbeat. A new lease holder starts with no request.
  virtual Status RequestCancel(int64_t task_id) = 0;
  virtual Result<bool> CancelRequested(int64_t task_id) = 0;

  // Experiments.
  virtual Result<ExperimentRecord> CreateExperiment(int64_t task_id, int64_t number, const Json& parameters,
                                                    ExperimentStatus status = ExperimentStatus::kPending,
                                                    ExperimentKind kind = ExperimentKind::kSearch,
                                                    std::optional<int64_t> confirms = std::nullopt) = 0;
  // Records a status change (appended to the transitions).
  virtual Status SetExperimentStatus(int64_t experiment_id, ExperimentStatus status) = 0;
  virtual Status FinishExperiment(int64_t experiment_id, const ExperimentOutcome& outcome) = 0;
  // Cancel of one experiment (a hung one), not of its study: recorded here for whichever process runs the
  // study, whose experiment watchdog polls it; the study goes on with the next experiment.
  virtual Status RequestExperimentCancel(int64_t experiment_id) = 0;
  virtual Result<bool> ExperimentCancelRequested(int64_t experiment_id) = 0;
  virtual Status SetEngineLog(int64_t experiment_id, const std::string& log) = 0;
  virtual Result<ExperimentRecord> GetExperiment(int64_t experiment_id) = 0;
  virtual Result<std::vector<ExperimentRecord>> ListExperiments(int64_t task_id) = 0;

  // Logs, in order; `after_id` resumes a stream.
  virtual Result<int64_t> AppendLog(int64_t task_id, std::optional<int64_t> experiment_id,
                                    const std::string& level, const std::string& line) = 0;
  virtual Result<std::vector<LogRecord>> ListLogs(int64_t task_id, std::optional<int64_t> experiment_id,
                                                  int64_t after_id, int64_t limit) = 0;

  // Optimizer checkpoints: the latest state per task.
  virtual Status SaveCheckpoint(int64_t task_id, const Json& state) = 0;
  virtual Result<std::optional<Json>> LoadCheckpoint(int64_t task_id) = 0;

  // Parameter presets.
  virtual Result<PresetRecord> CreatePreset(const std::string& name, const std::string& description,
                                            const Json& parameters, bool builtin = false) = 0;
  virtual Result<PresetRecord> GetPreset(int64_t id) = 0;
  virtual Result<std::vector<PresetRecord>> ListPresets() = 0;
  virtual Status UpdatePreset(int64_t id, const std::string& description, const Json& parameters) = 0;
  virtual Status DeletePreset(int64_t id) = 0;
};

// Opens the store a URL names: "postgresql://..." (or "postgres://...") selects PostgreSQL, anything else is
// a SQLite file path ("sqlite:" prefix optional). Migrates the schema to the current version.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url);

// --db, else AUTOTUNER_DB, else ~/.local/share/autotuner/autotuner.db.
std::string DefaultStoreUrl(const std::string& flag_value);

}  // namespace autotuner::store
