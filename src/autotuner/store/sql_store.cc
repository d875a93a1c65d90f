#include "autotuner/store/sql_store.h"

#include <chrono>
#include <cstdlib>
#include <random>

#include "autotuner/core/failpoint.h"
#include "autotuner/store/postgres_connection.h"
#include "autotuner/store/sqlite_connection.h"

namespace autotuner::store {
namespace {

// Schema versions, applied in order. {ID} and {REAL} are the dialect's auto-increment key and double type.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> migrations = {
      R"sql(
CREATE TABLE tasks (
  id {ID},
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  spec TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at {REAL} NOT NULL,
  started_at {REAL},
  finished_at {REAL},
  stop_reason TEXT NOT NULL DEFAULT '',
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_heartbeat {REAL}
);
CREATE TABLE experiments (
  id {ID},
  task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  number BIGINT NOT NULL,
  parameters TEXT NOT NULL,
  status TEXT NOT NULL,
  transitions TEXT NOT NULL,
  metrics TEXT,
  score {REAL},
  feasible BIGINT,
  error_class TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  engine_log TEXT NOT NULL DEFAULT '',
  created_at {REAL} NOT NULL,
  UNIQUE (task_id, number)
);
CREATE TABLE logs (
  id {ID},
  task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  experiment_id BIGINT,
  at {REAL} NOT NULL,
  level TEXT NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX logs_by_task ON logs (task_id, id);
CREATE TABLE checkpoints (
  task_id BIGINT PRIMARY KEY REFERENCES tasks(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  saved_at {REAL} NOT NULL
);
CREATE TABLE presets (
  id {ID},
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  parameters TEXT NOT NULL,
  builtin BIGINT NOT NULL DEFAULT 0,
  created_at {REAL} NOT NULL,
  updated_at {REAL} NOT NULL
);
)sql",
      // Appended in landing order; never edit one that has shipped (a fixture of each release checks it).
      "ALTER TABLE tasks ADD COLUMN cancel_requested_at {REAL};",
      // Experiment kinds (SPEC §5): search, baseline (number 0), confirm (re-measures `confirms`).
      R"sql(
ALTER TABLE experiments ADD COLUMN kind TEXT NOT NULL DEFAULT 'search';
ALTER TABLE experiments ADD COLUMN confirms BIGINT;
)sql",
      // Study provenance (issue 16): versions, task hash, GPUs; JSON, NULL until a study starts.
      "ALTER TABLE tasks ADD COLUMN provenance TEXT;",
      // Cancel of one experiment (issue 18), for the process that runs its study to see.
      "ALTER TABLE experiments ADD COLUMN cancel_requested_at {REAL};",
  };
  return migrations;
}

std::string ForDialect(std::string sql, SqlDialect dialect) {
  const auto replace = [&](const std::string& from, const std::string& to) {
    for (size_t pos = sql.find(from); pos != std::string::npos; pos = sql.find(from, pos + to.size())) {
      sql.replace(pos, from.size(), to);
    }
  };
  replace("{ID}",
          dialect == SqlDialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  replace("{REAL}", dialect == SqlDialect::kSqlite ? "REAL" : "DOUBLE PRECISION");
  return sql;
}

std::string RandomId() {
  std::random_device rd;
  std::mt19937_64 gen((uint64_t{rd()} << 32) ^ rd());
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(gen()));
  return buffer;
}

SqlValue Text(const Json& j) { return DumpJson(j); }
SqlValue Opt(const std::optional<double>& v) { return v ? SqlValue(*v) : SqlValue(std::monostate{}); }
std::optional<double> OptDouble(const SqlValue& v) {
  return IsNull(v) ? std::nullopt : std::optional<double>(AsDouble(v));
}
Json JsonColumn(const SqlValue& v) {
  if (IsNull(v)) return nullptr;
  auto parsed = ParseJson(AsString(v));
  return parsed.ok() ? std::move(*parsed) : Json(nullptr);
}

constexpr const char* kTaskColumns =
    "id, name, description, spec, status, created_at, started_at, finished_at, stop_reason, lease_owner, "
    "lease_heartbeat, provenance";

// The row's columns; the JSON ones (spec, provenance) as text.
StoredTask StoredTaskFromRow(const SqlRow& r) {
  StoredTask row;
  TaskRecord& t = row.task;
  t.id = AsInt(r[0]);
  t.name = AsString(r[1]);
  t.description = AsString(r[2]);
  row.spec_json = AsString(r[3]);
  // Only this file writes the column, from the enum; an unknown value (a newer schema's) reads as failed.
  t.status = ParseTaskStatus(AsString(r[4])).value_or(TaskStatus::kFailed);
  t.created_at = AsDouble(r[5]);
  t.started_at = OptDouble(r[6]);
  t.finished_at = OptDouble(r[7]);
  t.stop_reason = AsString(r[8]);
  t.lease_owner = AsString(r[9]);
  t.lease_heartbeat = OptDouble(r[10]);
  if (!IsNull(r[11])) row.provenance_json = AsString(r[11]);
  return row;
}

TaskRecord TaskFromRow(const SqlRow& r) { return ParseStoredTask(StoredTaskFromRow(r)); }

constexpr const char* kExperimentColumns =
    "id, task_id, number, parameters, status, transitions, metrics, score, feasible, error_class, "
    "error_message, "
    "engine_log, created_at, kind, confirms";

ExperimentRecord ExperimentFromRow(const SqlRow& r) {
  ExperimentRecord e;
  e.id = AsInt(r[0]);
  e.task_id = AsInt(r[1]);
  e.number = AsInt(r[2]);
  e.parameters = JsonColumn(r[3]);
  e.status = ParseExperimentStatus(AsString(r[4])).value_or(ExperimentStatus::kFailed);
  for (const auto& t : JsonColumn(r[5])) {
    const auto status = ParseExperimentStatus(t.value("status", ""));
    if (status) e.transitions.push_back({*status, t.value("at", 0.0)});
  }
  e.metrics = JsonColumn(r[6]);
  e.score = OptDouble(r[7]);
  if (!IsNull(r[8])) e.feasible = AsInt(r[8]) != 0;
  e.error_class = ParseFailureClass(AsString(r[9]));
  e.error_message = AsString(r[10]);
  e.engine_log = AsString(r[11]);
  e.created_at = AsDouble(r[12]);
  e.kind = ParseExperimentKind(AsString(r[13])).value_or(ExperimentKind::kSearch);
  if (!IsNull(r[14])) e.confirms = AsInt(r[14]);
  return e;
}

// The transitions column: [{status, at}, ...].
Json TransitionsJson(const std::vector<Transition>& transitions) {
  Json out = Json::array();
  for (const auto& t : transitions) out.push_back({{"status", Name(t.status)}, {"at", t.at}});
  return out;
}

constexpr const char* kPresetColumns = "id, name, description, parameters, builtin, created_at, updated_at";

PresetRecord PresetFromRow(const SqlRow& r) {
  return {AsInt(r[0]),      AsString(r[1]), AsString(r[2]), JsonColumn(r[3]),
          AsInt(r[4]) != 0, AsDouble(r[5]), AsDouble(r[6])};
}

Error NotFound(const std::string& what, const std::string& key) {
  return MakeError(ErrorCode::kNotFound, "no " + what + " " + key, {{"what", what}, {"key", key}});
}

// A fault point just after a write's statement ran, before the runner's fenced transaction (WithLease)
// commits: `name=exit` dies inside the write, which the journal must roll back; `name` fails it, which
// WithLease rolls back.
Status AfterWriteFailpoint(const char* name) {
  if (Failpoint(name)) return MakeError(ErrorCode::kIo, std::string("failpoint ") + name);
  return {};
}

}  // namespace

TaskRecord ParseStoredTask(StoredTask row) {
  auto parse = [](const std::string& text) {
    auto parsed = ParseJson(text);
    return parsed.ok() ? std::move(*parsed) : Json(nullptr);
  };
  row.task.spec = parse(row.spec_json);
  row.task.provenance = row.provenance_json.empty() ? Json(nullptr) : parse(row.provenance_json);
  return std::move(row.task);
}

Result<std::vector<TaskRecord>> Store::ListTasks(const TaskQuery& query) {
  auto rows = ListStoredTasks(query);
  if (!rows.ok()) return std::move(rows).error();
  std::vector<TaskRecord> out;
  out.reserve(rows->size());
  for (auto& row : *rows) out.push_back(ParseStoredTask(std::move(row)));
  return out;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t AsInt(const SqlValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}

double AsDouble(const SqlValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return 0;
}

std::string AsString(const SqlValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
  return "";
}

bool IsNull(const SqlValue& v) { return std::holds_alternative<std::monostate>(v); }

Result<std::unique_ptr<SqlStore>> SqlStore::Open(std::unique_ptr<SqlConnection> connection,
                                                 std::string description) {
  std::unique_ptr<SqlStore> store(new SqlStore(std::move(connection), std::move(description)));
  if (Status migrated = store->Migrate(); !migrated.ok()) return std::move(migrated).error();
  return store;
}

Status SqlStore::Migrate() {
  std::lock_guard lock(mutex_);
  if (Status s =
          db_->ExecScript("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      !s.ok()) {
    return s;
  }
  auto version_rows = db_->Query("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version_rows.ok()) return std::move(version_rows).error();
  size_t version = version_rows->empty() ? 0 : static_cast<size_t>(AsInt((*version_rows)[0][0]));
  const auto& migrations = Migrations();
  if (version > migrations.size()) {
    return MakeError(ErrorCode::kConflict, description_ + " has schema version " + std::to_string(version) +
                                               ", newer than this autotuner knows (" +
                                               std::to_string(migrations.size()) + "); upgrade autotuner");
  }
  for (; version < migrations.size(); ++version) {
    // Each version is applied with its version bump in one transaction.
    const std::string script = "BEGIN;\n" + ForDialect(migrations[version], db_->dialect()) +
                               "\nDELETE FROM meta WHERE key = 'schema_version';\n"
                               "INSERT INTO meta (key, value) VALUES ('schema_version', '" +
                               std::to_string(version + 1) + "');\nCOMMIT;";
    if (Status s = db_->ExecScript(script); !s.ok()) {
      (void)db_->ExecScript("ROLLBACK");
      return s;
    }
  }
  auto id_rows = db_->Query("SELECT value FROM meta WHERE key = 'instance_id'");
  if (!id_rows.ok()) return std::move(id_rows).error();
  if (id_rows->empty()) {
    instance_id_ = RandomId();
    auto inserted = db_->Query("INSERT INTO meta (key, value) VALUES ('instance_id', ?)", {instance_id_});
    if (!inserted.ok()) {
      // Another process created it first: use theirs.
      id_rows = db_->Query("SELECT value FROM meta WHERE key = 'instance_id'");
      if (!id_rows.ok() || id_rows->empty())
        return inserted.ok() ? Status{} : Status(std::move(inserted).error());
      instance_id_ = AsString((*id_rows)[0][0]);
    }
  } else {
    instance_id_ = AsString((*id_rows)[0][0]);
  }
  return {};
}

Result<std::vector<SqlRow>> SqlStore::Q(const std::string& sql, const std::vector<SqlValue>& params) {
  return db_->Query(sql, params);
}

Status SqlStore::UpdateOne(const std::string& what, int64_t id, const std::string& sql,
                           const std::vector<SqlValue>& params) {
  auto rows = Q(sql + " RETURNING id", params);
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return NotFound(what, std::to_string(id));
  return {};
}

Result<TaskRecord> SqlStore::TaskWhere(const std::string& where, const SqlValue& key) {
  auto rows = Q(std::string("SELECT ") + kTaskColumns + " FROM tasks WHERE " + where, {key});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return NotFound("task", AsString(key));
  return TaskFromRow((*rows)[0]);
}

Result<TaskRecord> SqlStore::CreateTask(const std::string& name, const std::string& description,
                                        const Json& spec) {
  std::lock_guard lock(mutex_);
  auto rows =
      Q("INSERT INTO tasks (name, description, spec, status, created_at) VALUES (?, ?, ?, 'pending', ?) "
        "RETURNING id",
        {name, description, Text(spec), Now()});
  if (!rows.ok()) {
    Error error = std::move(rows).error();
    if (error.code == ErrorCode::kAlreadyExists) error.message = "a task named '" + name + "' already exists";
    return error;
  }
  return TaskWhere("id = ?", AsInt((*rows)[0][0]));
}

Result<TaskRecord> SqlStore::GetTask(int64_t id) {
  std::lock_guard lock(mutex_);
  return TaskWhere("id = ?", id);
}

Result<TaskRecord> SqlStore::GetTaskByName(const std::string& name) {
  std::lock_guard lock(mutex_);
  return TaskWhere("name = ?", name);
}

Result<std::vector<StoredTask>> SqlStore::ListStoredTasks(const TaskQuery& query) {
  static const std::vector<std::string> kOrderable = {"id", "name", "created_at", "status"};
  const std::string order =
      std::find(kOrderable.begin(), kOrderable.end(), query.order_by) != kOrderable.end() ? query.order_by
                                                                                          : "id";
  std::string sql = std::string("SELECT ") + kTaskColumns + " FROM tasks";
  std::vector<SqlValue> params;
  if (query.status) {
    sql += " WHERE status = ?";
    params.emplace_back(std::string(Name(*query.status)));
  }
  sql += " ORDER BY " + order + (query.descending ? " DESC" : " ASC") + ", id LIMIT ? OFFSET ?";
  params.emplace_back(query.limit);
  params.emplace_back(query.offset);
  std::lock_guard lock(mutex_);
  auto rows = Q(sql, params);
  if (!rows.ok()) return std::move(rows).error();
  std::vector<StoredTask> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(StoredTaskFromRow(r));
  return out;
}

Result<int64_t> SqlStore::CountTasks(std::optional<TaskStatus> status) {
  std::lock_guard lock(mutex_);
  auto rows = !status ? Q("SELECT COUNT(*) FROM tasks")
                      : Q("SELECT COUNT(*) FROM tasks WHERE status = ?", {std::string(Name(*status))});
  if (!rows.ok()) return std::move(rows).error();
  return AsInt((*rows)[0][0]);
}

Result<std::string> SqlStore::UniqueTaskName(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (int n = 1; n < 100000; ++n) {
    const std::string candidate = n == 1 ? name : name + "-" + std::to_string(n);
    auto rows = Q("SELECT id FROM tasks WHERE name = ?", {candidate});
    if (!rows.ok()) return std::move(rows).error();
    if (rows->empty()) return candidate;
  }
  return MakeError(ErrorCode::kResourceExhausted, "no free name left for '" + name + "'");
}

Status SqlStore::UpdateTaskSpec(int64_t id, const std::string& description, const Json& spec) {
  std::lock_guard lock(mutex_);
  return UpdateOne("task", id, "UPDATE tasks SET description = ?, spec = ? WHERE id = ?",
                   {description, Text(spec), id});
}

Status SqlStore::SetTaskProvenance(int64_t id, const Json& provenance) {
  std::lock_guard lock(mutex_);
  return UpdateOne("task", id, "UPDATE tasks SET provenance = ? WHERE id = ?", {Text(provenance), id});
}

Status SqlStore::SetTaskStatus(int64_t id, TaskStatus task_status, const std::string& stop_reason) {
  std::lock_guard lock(mutex_);
  const double now = Now();
  const std::string status(Name(task_status));
  if (task_status == TaskStatus::kRunning) {
    return UpdateOne("task", id,
                     "UPDATE tasks SET status = ?, started_at = COALESCE(started_at, ?), finished_at = NULL, "
                     "stop_reason = '' WHERE id = ?",
                     {status, now, id});
  }
  if (IsFinal(task_status)) {
    return UpdateOne("task", id, "UPDATE tasks SET status = ?, finished_at = ?, stop_reason = ? WHERE id = ?",
                     {status, now, stop_reason, id});
  }
  return UpdateOne("task", id, "UPDATE tasks SET status = ? WHERE id = ?", {status, id});
}

Status SqlStore::DeleteTask(int64_t id) {
  std::lock_guard lock(mutex_);
  return UpdateOne("task", id, "DELETE FROM tasks WHERE id = ?", {id});
}

Status SqlStore::ClearTask(int64_t id) {
  std::lock_guard lock(mutex_);
  // One transaction: a failure half-way must not leave a task without experiments that still says
  // completed (or experiments without their logs).
  return InTransaction([&]() -> Status {
    for (const char* sql : {"DELETE FROM experiments WHERE task_id = ?", "DELETE FROM logs WHERE task_id = ?",
                            "DELETE FROM checkpoints WHERE task_id = ?"}) {
      if (auto r = Q(sql, {id}); !r.ok()) return std::move(r).error();
      if (Failpoint("store.clear_task")) return MakeError(ErrorCode::kIo, "failpoint store.clear_task");
    }
    return UpdateOne(
        "task", id,
        "UPDATE tasks SET status = 'pending', started_at = NULL, finished_at = NULL, stop_reason = '', "
        "provenance = NULL WHERE id = ?",
        {id});
  });
}

Status SqlStore::InTransaction(const std::function<Status()>& body) {
  // IMMEDIATE: SQLite takes the write lock now, so what the body read cannot change before it writes.
  if (Status begun = db_->ExecScript(db_->dialect() == SqlDialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
      !begun.ok())
    return begun;
  Status result = body();
  if (result.ok()) result = db_->ExecScript("COMMIT");
  if (!result.ok()) (void)db_->ExecScript("ROLLBACK");
  return result;
}

Result<bool> SqlStore::AcquireLease(int64_t task_id, const std::string& owner, double ttl_seconds) {
  std::lock_guard lock(mutex_);
  const double now = Now();
  // One statement, so two processes racing for the lease cannot both win.
  auto rows =
      Q("UPDATE tasks SET lease_owner = ?, lease_heartbeat = ?, cancel_requested_at = CASE WHEN lease_owner "
        "= ? "
        "THEN cancel_requested_at ELSE NULL END WHERE id = ? AND (lease_owner = '' OR lease_owner = ? OR "
        "lease_heartbeat IS NULL OR lease_heartbeat < ?) RETURNING id",
        {owner, now, owner, task_id, owner, now - ttl_seconds});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) {
    auto exists = Q("SELECT id FROM tasks WHERE id = ?", {task_id});
    if (exists.ok() && exists->empty()) return NotFound("task", std::to_string(task_id));
    return false;
  }
  return true;
}

Status SqlStore::Heartbeat(int64_t task_id, const std::string& owner) {
  std::lock_guard lock(mutex_);
  auto rows = Q("UPDATE tasks SET lease_heartbeat = ? WHERE id = ? AND lease_owner = ? RETURNING id",
                {Now(), task_id, owner});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty())
    return MakeError(ErrorCode::kConflict, "the lease on task " + std::to_string(task_id) + " is lost");
  return {};
}

Status SqlStore::WithLease(int64_t task_id, const std::string& owner, const std::function<Status()>& write) {
  std::lock_guard lock(mutex_);
  return InTransaction([&]() -> Status {
    auto rows = Q(std::string("SELECT lease_owner FROM tasks WHERE id = ?") +
                      (db_->dialect() == SqlDialect::kPostgres ? " FOR UPDATE" : ""),
                  {task_id});
    if (!rows.ok()) return std::move(rows).error();
    if (rows->empty()) return NotFound("task", std::to_string(task_id));
    const std::string holder = AsString((*rows)[0][0]);
    if (holder != owner) {
      return MakeError(ErrorCode::kConflict,
                       "the lease on task " + std::to_string(task_id) + " is lost" +
                           (holder.empty() ? "" : " (now held by " + holder + ")") + "; nothing was written",
                       {{"lease_lost", true}});
    }
    return write();
  });
}

Status SqlStore::RequestCancel(int64_t task_id) {
  std::lock_guard lock(mutex_);
  return UpdateOne("task", task_id, "UPDATE tasks SET cancel_requested_at = ? WHERE id = ?",
                   {Now(), task_id});
}

Result<bool> SqlStore::CancelRequested(int64_t task_id) {
  std::lock_guard lock(mutex_);
  auto rows = Q("SELECT cancel_requested_at FROM tasks WHERE id = ?", {task_id});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return NotFound("task", std::to_string(task_id));
  return !IsNull((*rows)[0][0]);
}

Status SqlStore::ReleaseLease(int64_t task_id, const std::string& owner) {
  std::lock_guard lock(mutex_);
  auto rows = Q("UPDATE tasks SET lease_owner = '', lease_heartbeat = NULL WHERE id = ? AND lease_owner = ?",
                {task_id, owner});
  if (!rows.ok()) return std::move(rows).error();
  return {};
}

Result<ExperimentRecord> SqlStore::CreateExperiment(int64_t task_id, int64_t number, const Json& parameters,
                                                    ExperimentStatus experiment_status, ExperimentKind kind,
                                                    std::optional<int64_t> confirms) {
  std::lock_guard lock(mutex_);
  const double now = Now();
  const std::string status(Name(experiment_status));
  const Json transitions = Json::array({{{"status", status}, {"at", now}}});
  auto rows =
      Q("INSERT INTO experiments (task_id, number, parameters, status, transitions, created_at, kind, "
        "confirms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {task_id, number, Text(parameters), status, Text(transitions), now, std::string(Name(kind)),
         confirms ? SqlValue(*confirms) : SqlValue(std::monostate{})});
  if (!rows.ok()) return std::move(rows).error();
  return GetExperimentLocked(AsInt((*rows)[0][0]));
}

Status SqlStore::SetExperimentStatus(int64_t experiment_id, ExperimentStatus experiment_status) {
  std::lock_guard lock(mutex_);
  auto current = GetExperimentLocked(experiment_id);
  if (!current.ok()) return std::move(current).error();
  const std::string status(Name(experiment_status));
  Json transitions = TransitionsJson(current->transitions);
  transitions.push_back({{"status", status}, {"at", Now()}});
  Status updated = UpdateOne("experiment", experiment_id,
                             "UPDATE experiments SET status = ?, transitions = ? WHERE id = ?",
                             {status, Text(transitions), experiment_id});
  return updated.ok() ? AfterWriteFailpoint("store.experiment_status") : updated;
}

Status SqlStore::FinishExperiment(int64_t experiment_id, const ExperimentOutcome& outcome) {
  std::lock_guard lock(mutex_);
  auto current = GetExperimentLocked(experiment_id);
  if (!current.ok()) return std::move(current).error();
  Json transitions = TransitionsJson(current->transitions);
  transitions.push_back({{"status", Name(outcome.status)}, {"at", Now()}});
  const SqlValue feasible =
      outcome.feasible ? SqlValue(int64_t{*outcome.feasible ? 1 : 0}) : SqlValue(std::monostate{});
  Status updated = UpdateOne(
      "experiment", experiment_id,
      "UPDATE experiments SET status = ?, transitions = ?, metrics = ?, score = ?, feasible = ?, "
      "error_class = ?, error_message = ? WHERE id = ?",
      {std::string(Name(outcome.status)), Text(transitions),
       outcome.metrics.is_null() ? SqlValue(std::monostate{}) : Text(outcome.metrics), Opt(outcome.score),
       feasible, std::string(FailureClassName(outcome.error_class)), outcome.error_message, experiment_id});
  return updated.ok() ? AfterWriteFailpoint("store.finish_experiment") : updated;
}

Status SqlStore::RequestExperimentCancel(int64_t experiment_id) {
  std::lock_guard lock(mutex_);
  return UpdateOne("experiment", experiment_id, "UPDATE experiments SET cancel_requested_at = ? WHERE id = ?",
                   {Now(), experiment_id});
}

Result<bool> SqlStore::ExperimentCancelRequested(int64_t experiment_id) {
  std::lock_guard lock(mutex_);
  auto rows = Q("SELECT cancel_requested_at FROM experiments WHERE id = ?", {experiment_id});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return NotFound("experiment", std::to_string(experiment_id));
  return !IsNull((*rows)[0][0]);
}

Status SqlStore::SetEngineLog(int64_t experiment_id, const std::string& log) {
  std::lock_guard lock(mutex_);
  return UpdateOne("experiment", experiment_id, "UPDATE experiments SET engine_log = ? WHERE id = ?",
                   {SanitizeUtf8(log), experiment_id});
}

Result<ExperimentRecord> SqlStore::GetExperimentLocked(int64_t experiment_id) {
  auto rows =
      Q(std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE id = ?", {experiment_id});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return NotFound("experiment", std::to_string(experiment_id));
  return ExperimentFromRow((*rows)[0]);
}

Result<ExperimentRecord> SqlStore::GetExperiment(int64_t experiment_id) {
  std::lock_guard lock(mutex_);
  return GetExperimentLocked(experiment_id);
}

Result<std::vector<ExperimentRecord>> SqlStore::ListExperiments(int64_t task_id) {
  std::lock_guard lock(mutex_);
  auto rows =
      Q(std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE task_id = ? ORDER BY number",
        {task_id});
  if (!rows.ok()) return std::move(rows).error();
  std::vector<ExperimentRecord> out;
  for (const auto& r : *rows) out.push_back(ExperimentFromRow(r));
  return out;
}

Result<int64_t> SqlStore::AppendLog(int64_t task_id, std::optional<int64_t> experiment_id,
                                    const std::string& level, const std::string& line) {
  std::lock_guard lock(mutex_);
  auto rows =
      Q("INSERT INTO logs (task_id, experiment_id, at, level, line) VALUES (?, ?, ?, ?, ?) RETURNING id",
        {task_id, experiment_id ? SqlValue(*experiment_id) : SqlValue(std::monostate{}), Now(), level,
         SanitizeUtf8(line)});
  if (!rows.ok()) return std::move(rows).error();
  return AsInt((*rows)[0][0]);
}

Result<std::vector<LogRecord>> SqlStore::ListLogs(int64_t task_id, std::optional<int64_t> experiment_id,
                                                  int64_t after_id, int64_t limit) {
  std::string sql =
      "SELECT id, task_id, experiment_id, at, level, line FROM logs WHERE task_id = ? AND id > ?";
  std::vector<SqlValue> params = {task_id, after_id};
  if (experiment_id) {
    sql += " AND experiment_id = ?";
    params.emplace_back(*experiment_id);
  }
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(limit);
  std::lock_guard lock(mutex_);
  auto rows = Q(sql, params);
  if (!rows.ok()) return std::move(rows).error();
  std::vector<LogRecord> out;
  for (const auto& r : *rows) {
    LogRecord l{AsInt(r[0]), AsInt(r[1]), std::nullopt, AsDouble(r[3]), AsString(r[4]), AsString(r[5])};
    if (!IsNull(r[2])) l.experiment_id = AsInt(r[2]);
    out.push_back(std::move(l));
  }
  return out;
}

Status SqlStore::SaveCheckpoint(int64_t task_id, const Json& state) {
  std::lock_guard lock(mutex_);
  // Both dialects take INSERT ... ON CONFLICT DO UPDATE.
  auto rows =
      Q("INSERT INTO checkpoints (task_id, state, saved_at) VALUES (?, ?, ?) ON CONFLICT (task_id) DO "
        "UPDATE SET state = excluded.state, saved_at = excluded.saved_at",
        {task_id, Text(state), Now()});
  if (!rows.ok()) return std::move(rows).error();
  return {};
}

Result<std::optional<Json>> SqlStore::LoadCheckpoint(int64_t task_id) {
  std::lock_guard lock(mutex_);
  auto rows = Q("SELECT state FROM checkpoints WHERE task_id = ?", {task_id});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return std::optional<Json>();
  return std::optional<Json>(JsonColumn((*rows)[0][0]));
}

Result<PresetRecord> SqlStore::CreatePreset(const std::string& name, const std::string& description,
                                            const Json& parameters, bool builtin) {
  std::lock_guard lock(mutex_);
  const double now = Now();
  auto rows =
      Q("INSERT INTO presets (name, description, parameters, builtin, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {name, description, Text(parameters), int64_t{builtin ? 1 : 0}, now, now});
  if (!rows.ok()) {
    Error error = std::move(rows).error();
    if (error.code == ErrorCode::kAlreadyExists)
      error.message = "a preset named '" + name + "' already exists";
    return error;
  }
  auto created =
      Q(std::string("SELECT ") + kPresetColumns + " FROM presets WHERE id = ?", {AsInt((*rows)[0][0])});
  if (!created.ok()) return std::move(created).error();
  return PresetFromRow((*created)[0]);
}

Result<PresetRecord> SqlStore::GetPreset(int64_t id) {
  std::lock_guard lock(mutex_);
  auto rows = Q(std::string("SELECT ") + kPresetColumns + " FROM presets WHERE id = ?", {id});
  if (!rows.ok()) return std::move(rows).error();
  if (rows->empty()) return NotFound("preset", std::to_string(id));
  return PresetFromRow((*rows)[0]);
}

Result<std::vector<PresetRecord>> SqlStore::ListPresets() {
  std::lock_guard lock(mutex_);
  auto rows = Q(std::string("SELECT ") + kPresetColumns + " FROM presets ORDER BY name");
  if (!rows.ok()) return std::move(rows).error();
  std::vector<PresetRecord> out;
  for (const auto& r : *rows) out.push_back(PresetFromRow(r));
  return out;
}

Status SqlStore::UpdatePreset(int64_t id, const std::string& description, const Json& parameters) {
  std::lock_guard lock(mutex_);
  return UpdateOne("preset", id,
                   "UPDATE presets SET description = ?, parameters = ?, updated_at = ? WHERE id = ?",
                   {description, Text(parameters), Now(), id});
}

Status SqlStore::DeletePreset(int64_t id) {
  std::lock_guard lock(mutex_);
  return UpdateOne("preset", id, "DELETE FROM presets WHERE id = ?", {id});
}

Result<std::unique_ptr<Store>> OpenStore(const std::string& url) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    auto connection = OpenPostgres(url);
    if (!connection.ok()) return std::move(connection).error();
    auto store = SqlStore::Open(std::move(*connection), RedactUrl(url));
    if (!store.ok()) return std::move(store).error();
    return std::unique_ptr<Store>(std::move(*store));
  }
  const std::string path = url.starts_with("sqlite:") ? url.substr(7) : url;
  auto connection = OpenSqlite(path);
  if (!connection.ok()) return std::move(connection).error();
  auto store = SqlStore::Open(std::move(*connection), "sqlite:" + path);
  if (!store.ok()) return std::move(store).error();
  return std::unique_ptr<Store>(std::move(*store));
}

std::string DefaultStoreUrl(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  if (const char* env = std::getenv("AUTOTUNER_DB"); env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/autotuner/autotuner.db";
}

}  // namespace autotuner::store
