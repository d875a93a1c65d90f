#include "autotuner/api/api.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <thread>
#include <utility>

#include "autotuner/api/attachment.h"
#include "autotuner/api/presets.h"
#include "autotuner/core/version.h"
#include "autotuner/deploy/gpu_pool.h"
#include "autotuner/opt/pareto.h"
#include "autotuner/opt/score.h"
#include "autotuner/runner/results.h"
#include "autotuner/task/defaults.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::api {
namespace {

constexpr int64_t kMaxPageSize = 1000;
constexpr int64_t kMaxLogPage = 10000;
// How long a stream waits on the bus before looking at the store again: keeps log streams within 100 ms of a
// line written by another process.
constexpr auto kStreamPoll = std::chrono::milliseconds(100);

Error BadRequest(const std::string& message, Json details = Json::object()) {
  return MakeError(ErrorCode::kInvalidArgument, message, std::move(details));
}

Result<int64_t> ParseId(const std::string& text, const std::string& what) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value <= 0)
    return BadRequest(what + " must be a positive integer, got '" + text + "'", {{"parameter", what}});
  return value;
}

// A non-negative integer query parameter (or header) with bounds.
Result<int64_t> ParseCount(const std::string& text, const std::string& what, int64_t min, int64_t max) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < min || value > max)
    return BadRequest(what + " must be an integer from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", got '" + text + "'",
                      {{"parameter", what}});
  return value;
}

std::optional<std::string> Query(const HttpRequest& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end()) return std::nullopt;
  return it->second;
}

Result<bool> QueryFlag(const HttpRequest& request, const std::string& name) {
  const auto value = Query(request, name);
  if (!value || *value == "false" || *value == "0") return false;
  if (value->empty() || *value == "true" || *value == "1") return true;
  return BadRequest(name + " must be true or false, got '" + *value + "'", {{"parameter", name}});
}

Json Optional(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

bool IsFinal(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

bool IsActiveExperiment(const std::string& status) {
  return status == "pending" || status == "deploying" || status == "benchmarking";
}

// Store ids of a task's experiments → their 1-based numbers: log lines name experiments by number, as the
// runner's `log` events and the `[Experiment N]` prefixes do (docs/api.md).
using ExperimentNumbers = std::map<int64_t, int64_t>;

ExperimentNumbers NumbersOf(store::Store& s, int64_t task_id) {
  ExperimentNumbers numbers;
  auto experiments = s.ListExperiments(task_id);
  if (experiments.ok())
    for (const auto& e : *experiments) numbers[e.id] = e.number;
  return numbers;
}

Json LogJson(const store::LogRecord& log, const ExperimentNumbers& numbers) {
  Json experiment = nullptr;
  if (log.experiment_id) {
    auto it = numbers.find(*log.experiment_id);
    experiment = it != numbers.end() ? it->second : *log.experiment_id;
  }
  return {{"task_id", log.task_id}, {"log_id", log.id}, {"experiment_id", experiment},
          {"level", log.level},     {"line", log.line}, {"at", log.at}};
}

Json PresetJson(const store::PresetRecord& preset) {
  return {{"id", preset.id},
          {"name", preset.name},
          {"description", preset.description},
          {"parameters", preset.parameters},
          {"builtin", preset.builtin},
          {"created_at", preset.created_at},
          {"updated_at", preset.updated_at}};
}

// Where a stream resumes: Last-Event-ID, else ?since=, else the start.
Result<int64_t> ResumePoint(const HttpRequest& request) {
  std::string text = request.Header("last-event-id");
  std::string what = "Last-Event-ID";
  if (text.empty()) {
    text = Query(request, "since").value_or("0");
    what = "since";
  }
  return ParseCount(text, what, 0, INT64_MAX);
}

// Splits a path into its segments ("/api/tasks/3" → api, tasks, 3).
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) out.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool Match(std::string_view pattern, std::string_view path, Api::Params& params) {
  const auto want = Segments(pattern);
  const auto got = Segments(path);
  if (want.size() != got.size()) return false;
  Api::Params captured;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{') {
      captured[std::string(want[i].substr(1, want[i].size() - 2))] = std::string(got[i]);
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

// The objectives a stored task names (optimization.objective: one name or a list).
std::vector<task::Objective> Objectives(const Json& spec) {
  std::vector<task::Objective> out;
  const Json optimization = spec.value("optimization", Json::object());
  const Json objective = optimization.value("objective", Json(nullptr));
  const Json names = objective.is_array() ? objective : Json::array({objective});
  for (const auto& name : names) {
    if (!name.is_string()) continue;
    if (auto parsed = task::ParseObjective(name.get<std::string>())) out.push_back(*parsed);
  }
  return out;
}

}  // namespace

std::string HttpRequest::Header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::FromJson(const Json& value, int status) {
  HttpResponse response;
  response.status = status;
  response.body = DumpJson(value);
  return response;
}

HttpResponse HttpResponse::FromError(const Error& error) {
  return FromJson(error.ToJson(), HttpStatusFor(error.code));
}

HttpResponse HttpResponse::FromStatus(int status, ErrorCode type, const std::string& message) {
  Json body = MakeError(type, message).ToJson();
  body["error"]["code"] = status;
  return FromJson(body, status);
}

std::string SseFrame(int64_t id, std::string_view type, const Json& data) {
  std::string frame = "id: " + std::to_string(id) + "\nevent: ";
  frame += type;
  frame += "\ndata: ";
  frame += DumpJson(data);  // one line: compact JSON escapes newlines in strings
  frame += "\n\n";
  return frame;
}

size_t JsonNestingDepth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Api::Api(store::Store* store, runner::EventBus* events, StudyControl* studies,
         const task::RuntimeCatalog* catalog, ApiOptions options)
    : store_(store),
      events_(events),
      studies_(studies),
      catalog_(catalog),
      options_(std::move(options)),
      started_at_(store::Now()) {}

const std::vector<Api::Route>& Api::Routes() {
  static const std::vector<Route> routes = {
      {"GET", "/api/tasks", &Api::ListTasks, "List tasks (status filter, paging, sorting)"},
      {"POST", "/api/tasks", &Api::CreateTask, "Create a task from a task document (SPEC §1)"},
      {"GET", "/api/tasks/name/{name}", &Api::GetTaskByName, "Get a task by name"},
      {"GET", "/api/tasks/{id}", &Api::GetTask, "Get a task"},
      {"PUT", "/api/tasks/{id}", &Api::ReplaceTask, "Replace a task's document (not while running)"},
      {"PATCH", "/api/tasks/{id}", &Api::PatchTask, "Change a task's description"},
      {"DELETE", "/api/tasks/{id}", &Api::DeleteTask, "Delete a task and its results (not while running)"},
      {"POST", "/api/tasks/{id}/start", &Api::StartTask, "Start a pending task's study"},
      {"POST", "/api/tasks/{id}/cancel", &Api::CancelTask, "Cancel a pending or running task"},
      {"POST", "/api/tasks/{id}/restart", &Api::RestartTask, "Clear a task's results and start it again"},
      {"POST", "/api/tasks/{id}/clear", &Api::ClearTask, "Remove a task's results, back to pending"},
      {"POST", "/api/tasks/{id}/duplicate", &Api::DuplicateTask, "Copy a task as <name>_copy"},
      {"GET", "/api/tasks/{id}/export", &Api::ExportTask, "Export results (?format=json|yaml|csv)"},
      {"GET", "/api/tasks/{id}/experiments", &Api::ListExperiments, "A task's experiments"},
      {"GET", "/api/tasks/{id}/pareto", &Api::Pareto, "Pareto front over the task's objectives"},
      {"GET", "/api/tasks/{id}/events", &Api::TaskEvents, "Live task events (SSE, Last-Event-ID)", true},
      {"GET", "/api/tasks/{id}/logs", &Api::TaskLogs, "Task log (?follow=true: SSE)", true},
      {"GET", "/api/experiments/{id}", &Api::GetExperiment, "Get an experiment (?logs=true adds engine_log)"},
      {"GET", "/api/experiments/{id}/logs", &Api::ExperimentLogs, "Experiment log (?follow=true: SSE)", true},
      {"GET", "/api/runtimes", &Api::ListRuntimes, "Engine runtimes"},
      {"GET", "/api/runtimes/{name}/flags", &Api::RuntimeFlags, "A runtime's flags (?tuned=true)"},
      {"GET", "/api/quantization/presets", &Api::QuantizationPresets,
       "Runtime quantization presets (SPEC §4)"},
      {"GET", "/api/presets", &Api::ListPresets, "Parameter presets"},
      {"POST", "/api/presets", &Api::CreatePreset, "Create a parameter preset"},
      {"POST", "/api/presets/import", &Api::ImportPresets, "Import presets ({presets: [...]})"},
      {"POST", "/api/presets/merge", &Api::MergePresets, "Merge presets (union | intersection | last_wins)"},
      {"GET", "/api/presets/{id}", &Api::GetPreset, "Get a preset"},
      {"PUT", "/api/presets/{id}", &Api::UpdatePreset, "Update a user preset"},
      {"DELETE", "/api/presets/{id}", &Api::DeletePreset, "Delete a user preset"},
      {"GET", "/api/presets/{id}/export", &Api::ExportPreset, "Export a preset for import elsewhere"},
      {"GET", "/api/system/info", &Api::SystemInfo, "Version, store, task defaults"},
      {"GET", "/api/system/health", &Api::SystemHealth, "Liveness and store health (no auth)"},
      {"GET", "/api/gpus", &Api::Gpus, "GPU inventory"},
      {"GET", "/api/openapi.json", &Api::OpenApiRoute, "This document"},
  };
  return routes;
}

bool Api::IsPublic(std::string_view method, std::string_view path) {
  return (method == "GET" && path == "/api/system/health") || (method == "POST" && path == "/api/auth/login");
}

HttpResponse Api::Handle(const HttpRequest& request) {
  bool path_known = false;
  for (const Route& route : Routes()) {
    Params params;
    if (!Match(route.pattern, request.path, params)) continue;
    // "/api/tasks/name/x" also matches "/api/tasks/{id}" shapes of other lengths; the table lists the literal
    // one first.
    path_known = true;
    if (route.method != request.method) continue;
    try {
      return (this->*route.handler)(request, params);
    } catch (const std::exception& e) {
      // Handlers report expected failures as Results; this is a bug, still answered in the error shape.
      return HttpResponse::FromError(
          MakeError(ErrorCode::kInternal, std::string("internal error: ") + e.what()));
    }
  }
  if (path_known)
    return HttpResponse::FromStatus(405, ErrorCode::kInvalidArgument,
                                    request.method + " is not allowed on " + request.path);
  return HttpResponse::FromError(
      MakeError(ErrorCode::kNotFound, "no route " + request.method + " " + request.path));
}

Result<Json> Api::ParseBody(const HttpRequest& request) const {
  if (request.body.empty()) return BadRequest("the request needs a JSON body");
  if (JsonNestingDepth(request.body) > options_.max_json_depth)
    return BadRequest("JSON nested deeper than " + std::to_string(options_.max_json_depth) + " levels");
  auto parsed = ParseJson(request.body, "body");
  if (!parsed.ok()) return std::move(parsed).error();
  if (!parsed->is_object())
    return BadRequest("the body must be a JSON object, got " + std::string(JsonTypeName(*parsed)));
  return parsed;
}

Result<store::TaskRecord> Api::LoadTask(const Params& params) {
  auto id = ParseId(params.at("id"), "task id");
  if (!id.ok()) return std::move(id).error();
  auto task = store_->GetTask(*id);
  if (!task.ok() && task.error().code == ErrorCode::kNotFound)
    return MakeError(ErrorCode::kNotFound, "no task " + std::to_string(*id), {{"task_id", *id}});
  return task;
}

bool Api::Running(const store::TaskRecord& task) const {
  return task.status == "running" || (studies_ != nullptr && studies_->IsRunning(task.id));
}

Json Api::Summary(const store::TaskRecord& task) {
  if (IsFinal(task.status)) {
    std::lock_guard lock(cache_mutex_);
    auto it = summary_cache_.find(task.id);
    if (it != summary_cache_.end() && it->second.status == task.status &&
        it->second.finished_at == task.finished_at.value_or(0))
      return it->second.summary;
  }
  const int64_t max_iterations =
      task.spec.value("optimization", Json::object()).value("max_iterations", int64_t{0});
  Json summary = {{"max_iterations", max_iterations},
                  {"total", 0},
                  {"success", 0},
                  {"failed", 0},
                  {"pruned", 0},
                  {"cancelled", 0},
                  {"running", 0},
                  {"best_score", nullptr},
                  {"best_experiment_id", nullptr}};
  auto experiments = store_->ListExperiments(task.id);
  if (experiments.ok()) {
    int64_t success = 0, failed = 0, pruned = 0, cancelled = 0, running = 0;
    for (const auto& e : *experiments) {
      if (e.status == "success") ++success;
      if (e.status == "failed") ++failed;
      if (e.status == "pruned") ++pruned;
      if (e.status == "cancelled") ++cancelled;
      if (IsActiveExperiment(e.status)) ++running;
    }
    summary["total"] = experiments->size();
    summary["success"] = success;
    summary["failed"] = failed;
    summary["pruned"] = pruned;
    summary["cancelled"] = cancelled;
    summary["running"] = running;
    if (auto best = runner::BestExperiment(*experiments)) {
      summary["best_score"] = Optional(best->score);
      summary["best_experiment_id"] = best->id;
    }
  }
  if (IsFinal(task.status) && experiments.ok()) {
    std::lock_guard lock(cache_mutex_);
    summary_cache_[task.id] = {task.status, task.finished_at.value_or(0), summary};
  }
  return summary;
}

void Api::WarmSummaries(std::stop_token stop) {
  store::TaskQuery query;
  query.order_by = "id";
  query.descending = true;
  query.limit = 100;
  for (const char* status : {"completed", "failed", "cancelled"}) {
    query.status = status;
    for (query.offset = 0; !stop.stop_requested(); query.offset += query.limit) {
      auto tasks = store_->ListTasks(query);
      if (!tasks.ok() || tasks->empty()) break;
      for (const auto& task : *tasks) {
        if (stop.stop_requested()) return;
        (void)Summary(task);
      }
    }
  }
}

Json Api::TaskJson(const store::TaskRecord& task) {
  // Built by assignment: an initializer list would copy the spec twice, which shows on 500-task pages.
  Json out = Json::object();
  out["id"] = task.id;
  out["name"] = task.name;
  out["description"] = task.description;
  out["status"] = task.status;
  out["created_at"] = task.created_at;
  out["started_at"] = Optional(task.started_at);
  out["finished_at"] = Optional(task.finished_at);
  out["stop_reason"] = task.stop_reason;
  out["spec"] = task.spec;
  out["summary"] = Summary(task);
  return out;
}

void Api::PublishStatus(const store::TaskRecord& task) {
  if (events_ == nullptr) return;
  auto fresh = store_->GetTask(task.id);
  const store::TaskRecord& t = fresh.ok() ? *fresh : task;
  events_->Publish(t.id, "task_status",
                   {{"task_id", t.id}, {"status", t.status}, {"stop_reason", t.stop_reason}});
}

// --- Tasks -------------------------------------------------------------------------------------------------

HttpResponse Api::ListTasks(const HttpRequest& request, const Params&) {
  store::TaskQuery query;
  query.status = Query(request, "status").value_or("");
  if (!query.status.empty() && query.status != "pending" && query.status != "running" &&
      !IsFinal(query.status))
    return HttpResponse::FromError(BadRequest(
        "status must be pending, running, completed, failed or cancelled", {{"parameter", "status"}}));
  auto limit = ParseCount(Query(request, "limit").value_or("50"), "limit", 1, kMaxPageSize);
  if (!limit.ok()) return HttpResponse::FromError(limit.error());
  auto offset = ParseCount(Query(request, "offset").value_or("0"), "offset", 0, INT64_MAX);
  if (!offset.ok()) return HttpResponse::FromError(offset.error());
  query.limit = *limit;
  query.offset = *offset;
  query.order_by = Query(request, "sort").value_or("id");
  if (query.order_by != "id" && query.order_by != "name" && query.order_by != "created_at" &&
      query.order_by != "status")
    return HttpResponse::FromError(
        BadRequest("sort must be id, name, created_at or status", {{"parameter", "sort"}}));
  const std::string order = Query(request, "order").value_or("desc");
  if (order != "asc" && order != "desc")
    return HttpResponse::FromError(BadRequest("order must be asc or desc", {{"parameter", "order"}}));
  query.descending = order == "desc";
  auto tasks = store_->ListTasks(query);
  if (!tasks.ok()) return HttpResponse::FromError(tasks.error());
  auto total = store_->CountTasks(query.status);
  if (!total.ok()) return HttpResponse::FromError(total.error());
  Json items = Json::array();
  for (const auto& t : *tasks) items.push_back(TaskJson(t));  // moved in: TaskJson returns a temporary
  return HttpResponse::FromJson(
      {{"items", items}, {"total", *total}, {"limit", *limit}, {"offset", *offset}});
}

HttpResponse Api::CreateTask(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  const task::TaskParseResult parsed = task::ParseTask(*body, catalog_);
  if (!parsed.ok()) return HttpResponse::FromError(task::ValidationError(parsed));
  auto created =
      store_->CreateTask(parsed.task->task_name, parsed.task->description, task::TaskToJson(*parsed.task));
  if (!created.ok()) return HttpResponse::FromError(created.error());
  HttpResponse response = HttpResponse::FromJson(TaskJson(*created), 201);
  response.headers.emplace_back("Location", "/api/tasks/" + std::to_string(created->id));
  return response;
}

HttpResponse Api::GetTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  return HttpResponse::FromJson(TaskJson(*task));
}

HttpResponse Api::GetTaskByName(const HttpRequest&, const Params& params) {
  auto task = store_->GetTaskByName(params.at("name"));
  if (!task.ok()) {
    if (task.error().code == ErrorCode::kNotFound)
      return HttpResponse::FromError(
          MakeError(ErrorCode::kNotFound, "no task named '" + params.at("name") + "'"));
    return HttpResponse::FromError(task.error());
  }
  return HttpResponse::FromJson(TaskJson(*task));
}

HttpResponse Api::ReplaceTask(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  if (Running(*task))
    return HttpResponse::FromError(MakeError(ErrorCode::kConflict, "task " + task->name + " is running"));
  const task::TaskParseResult parsed = task::ParseTask(*body, catalog_);
  if (!parsed.ok()) return HttpResponse::FromError(task::ValidationError(parsed));
  if (parsed.task->task_name != task->name) {
    Json errors = Json::array(
        {{{"path", "task_name"}, {"message", "cannot be changed by a replace (is '" + task->name + "')"}}});
    return HttpResponse::FromError(
        MakeError(ErrorCode::kValidation, "task_name differs", {{"errors", errors}}));
  }
  if (Status s = store_->UpdateTaskSpec(task->id, parsed.task->description, task::TaskToJson(*parsed.task));
      !s.ok())
    return HttpResponse::FromError(s.error());
  auto updated = store_->GetTask(task->id);
  if (!updated.ok()) return HttpResponse::FromError(updated.error());
  return HttpResponse::FromJson(TaskJson(*updated));
}

HttpResponse Api::PatchTask(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  Json errors = Json::array();
  for (const auto& [key, value] : body->items()) {
    if (key != "description") {
      errors.push_back({{"path", key}, {"message", "only description can be patched"}});
    } else if (!value.is_string()) {
      errors.push_back(
          {{"path", key}, {"message", "must be a string, got " + std::string(JsonTypeName(value))}});
    }
  }
  if (!body->contains("description")) errors.push_back({{"path", "description"}, {"message", "is required"}});
  if (!errors.empty())
    return HttpResponse::FromError(MakeError(ErrorCode::kValidation, "invalid patch", {{"errors", errors}}));
  const std::string description = (*body)["description"].get<std::string>();
  Json spec = task->spec;
  if (spec.is_object()) spec["description"] = description;
  if (Status s = store_->UpdateTaskSpec(task->id, description, spec); !s.ok())
    return HttpResponse::FromError(s.error());
  auto updated = store_->GetTask(task->id);
  if (!updated.ok()) return HttpResponse::FromError(updated.error());
  return HttpResponse::FromJson(TaskJson(*updated));
}

HttpResponse Api::DeleteTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  if (Running(*task))
    return HttpResponse::FromError(
        MakeError(ErrorCode::kConflict, "task " + task->name + " is running: cancel it first"));
  if (Status s = store_->DeleteTask(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  {
    std::lock_guard lock(cache_mutex_);
    summary_cache_.erase(task->id);
  }
  return HttpResponse::FromJson({{"deleted", task->id}});
}

HttpResponse Api::StartTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  if (studies_ == nullptr)
    return HttpResponse::FromError(MakeError(ErrorCode::kUnavailable, "this server does not run studies"));
  if (studies_->IsRunning(task->id))
    return HttpResponse::FromError(
        MakeError(ErrorCode::kConflict, "task " + task->name + " is already running"));
  if (IsFinal(task->status))
    return HttpResponse::FromError(MakeError(
        ErrorCode::kConflict, "task " + task->name + " is " + task->status + ": restart it to run it again"));
  if (Status s = studies_->Start(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  auto updated = store_->GetTask(task->id);
  return HttpResponse::FromJson(TaskJson(updated.ok() ? *updated : *task), 202);
}

HttpResponse Api::CancelTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const bool running_here = studies_ != nullptr && studies_->IsRunning(task->id);
  if (!running_here && IsFinal(task->status))
    return HttpResponse::FromError(
        MakeError(ErrorCode::kConflict, "task " + task->name + " is already " + task->status));
  if (studies_ != nullptr) {
    if (Status s = studies_->Cancel(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  } else {
    if (Status s = store_->SetTaskStatus(task->id, "cancelled", "cancelled"); !s.ok())
      return HttpResponse::FromError(s.error());
    PublishStatus(*task);
  }
  auto updated = store_->GetTask(task->id);
  return HttpResponse::FromJson(TaskJson(updated.ok() ? *updated : *task), 202);
}

HttpResponse Api::RestartTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  if (studies_ == nullptr)
    return HttpResponse::FromError(MakeError(ErrorCode::kUnavailable, "this server does not run studies"));
  if (Running(*task))
    return HttpResponse::FromError(
        MakeError(ErrorCode::kConflict, "task " + task->name + " is running: cancel it first"));
  if (Status s = store_->ClearTask(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  PublishStatus(*task);
  if (Status s = studies_->Start(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  auto updated = store_->GetTask(task->id);
  return HttpResponse::FromJson(TaskJson(updated.ok() ? *updated : *task), 202);
}

HttpResponse Api::ClearTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  if (Running(*task))
    return HttpResponse::FromError(
        MakeError(ErrorCode::kConflict, "task " + task->name + " is running: cancel it first"));
  if (Status s = store_->ClearTask(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  PublishStatus(*task);
  auto updated = store_->GetTask(task->id);
  if (!updated.ok()) return HttpResponse::FromError(updated.error());
  return HttpResponse::FromJson(TaskJson(*updated));
}

HttpResponse Api::DuplicateTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  auto name = store_->UniqueTaskName(task->name + "_copy");
  if (!name.ok()) return HttpResponse::FromError(name.error());
  Json spec = task->spec;
  if (spec.is_object()) spec["task_name"] = *name;
  auto created = store_->CreateTask(*name, task->description, spec);
  if (!created.ok()) return HttpResponse::FromError(created.error());
  HttpResponse response = HttpResponse::FromJson(TaskJson(*created), 201);
  response.headers.emplace_back("Location", "/api/tasks/" + std::to_string(created->id));
  return response;
}

HttpResponse Api::ExportTask(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const std::string format = Query(request, "format").value_or("json");
  if (format != "json" && format != "yaml" && format != "csv")
    return HttpResponse::FromError(BadRequest("format must be json, yaml or csv", {{"parameter", "format"}}));
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  HttpResponse response;
  if (format == "csv") {
    response.content_type = "text/csv";
    response.body = runner::ResultsCsv(*experiments);
  } else if (format == "yaml") {
    response.content_type = "application/yaml";
    response.body = runner::ToYaml(runner::ResultsJson(*task, *experiments));
  } else {
    response.body = DumpJson(runner::ResultsJson(*task, *experiments), 2) + "\n";
  }
  response.headers.emplace_back("Content-Disposition", AttachmentHeader(task->name + "_results." + format));
  return response;
}

// --- Experiments -------------------------------------------------------------------------------------------

HttpResponse Api::ListExperiments(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const std::string status = Query(request, "status").value_or("");
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  Json items = Json::array();
  for (const auto& e : *experiments)
    if (status.empty() || e.status == status) items.push_back(runner::ExperimentJson(e));
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::GetExperiment(const HttpRequest& request, const Params& params) {
  auto id = ParseId(params.at("id"), "experiment id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto logs = QueryFlag(request, "logs");
  if (!logs.ok()) return HttpResponse::FromError(logs.error());
  auto experiment = store_->GetExperiment(*id);
  if (!experiment.ok()) {
    if (experiment.error().code == ErrorCode::kNotFound)
      return HttpResponse::FromError(MakeError(ErrorCode::kNotFound, "no experiment " + std::to_string(*id)));
    return HttpResponse::FromError(experiment.error());
  }
  return HttpResponse::FromJson(runner::ExperimentJson(*experiment, *logs));
}

HttpResponse Api::Pareto(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const auto objectives = Objectives(task->spec);
  Json names = Json::array();
  for (auto o : objectives) names.push_back(task::Name(o));
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  std::vector<const store::ExperimentRecord*> candidates;
  std::vector<std::vector<double>> points;
  for (const auto& e : *experiments) {
    if (e.status != "success" || e.feasible == false || !e.metrics.is_object()) continue;
    const opt::Metrics metrics = opt::MetricsFromJson(e.metrics);
    std::vector<double> point;
    for (auto o : objectives) {
      auto score = opt::BaseScore(metrics, o);
      if (!score.ok()) break;
      point.push_back(*score);
    }
    if (point.size() != objectives.size() || point.empty()) continue;
    candidates.push_back(&e);
    points.push_back(std::move(point));
  }
  Json items = Json::array();
  for (size_t i : opt::ParetoFront(points)) items.push_back(runner::ExperimentJson(*candidates[i]));
  return HttpResponse::FromJson({{"objectives", names}, {"items", items}});
}

// --- Streams -----------------------------------------------------------------------------------------------

HttpResponse Api::TaskEvents(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  auto since = ResumePoint(request);
  if (!since.ok()) return HttpResponse::FromError(since.error());
  if (events_ == nullptr)
    return HttpResponse::FromError(MakeError(ErrorCode::kUnavailable, "this server has no event stream"));
  struct State {
    runner::EventBus::Subscription subscription;
    std::chrono::steady_clock::time_point last_sent;
    bool told_behind = false;
    std::string first;  // sent before any event
  };
  const int64_t task_id = task->id;
  // Event ids live in this process: a resume point past the last id comes from before the server restarted.
  // Such a client is told to reload, and gets the events from now on.
  const int64_t last_id = events_->last_id();
  const bool restarted = *since > last_id;
  auto state = std::make_shared<State>(State{events_->Subscribe(task_id, restarted ? last_id : *since),
                                             std::chrono::steady_clock::now(), false, ""});
  if (restarted)
    state->first =
        "event: resync\ndata: " + DumpJson(Json{{"task_id", task_id}, {"reason", "server_restarted"}}) +
        "\n\n";
  const auto heartbeat = options_.heartbeat_interval;
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.stream = [state, heartbeat, task_id](std::stop_token stop) -> std::optional<std::string> {
    if (!state->first.empty()) return std::exchange(state->first, std::string());
    const auto wait = std::min<std::chrono::milliseconds>(heartbeat, std::chrono::milliseconds(1000));
    std::vector<runner::Event> events = state->subscription.Next(wait, stop);
    if (stop.stop_requested()) return std::nullopt;
    std::string out;
    if (state->subscription.fell_behind() && !state->told_behind) {
      // Events this client had not read left the bounded history: say so, so it reloads the task.
      state->told_behind = true;
      out +=
          "event: resync\ndata: " + DumpJson(Json{{"task_id", task_id}, {"reason", "fell_behind"}}) + "\n\n";
    }
    for (const auto& e : events) out += SseFrame(e.id, e.type, e.data);
    const auto now = std::chrono::steady_clock::now();
    if (out.empty() && now - state->last_sent >= heartbeat) out = ": heartbeat\n\n";
    if (!out.empty()) state->last_sent = now;
    return out;
  };
  return response;
}

StreamNext Api::LogStream(int64_t task_id, std::optional<int64_t> experiment_id, int64_t after_id) {
  struct State {
    std::optional<runner::EventBus::Subscription> wakeup;
    ExperimentNumbers numbers;
    int64_t cursor = 0;
    std::chrono::steady_clock::time_point last_sent;
  };
  auto state = std::make_shared<State>();
  state->cursor = after_id;
  state->last_sent = std::chrono::steady_clock::now();
  if (events_ != nullptr) state->wakeup.emplace(events_->Subscribe(task_id, events_->last_id()));
  const auto heartbeat = options_.heartbeat_interval;
  store::Store* s = store_;
  return [state, heartbeat, s, task_id, experiment_id](std::stop_token stop) -> std::optional<std::string> {
    if (stop.stop_requested()) return std::nullopt;
    std::string out;
    auto logs = s->ListLogs(task_id, experiment_id, state->cursor, 500);
    if (logs.ok()) {
      for (const auto& log : *logs) {
        if (log.experiment_id && !state->numbers.count(*log.experiment_id))
          state->numbers = NumbersOf(*s, task_id);  // an experiment created since the last lookup
        out += SseFrame(log.id, "log", LogJson(log, state->numbers));
        state->cursor = log.id;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (!out.empty()) {
      state->last_sent = now;
      return out;
    }
    if (now - state->last_sent >= heartbeat) {
      state->last_sent = now;
      return std::string(": heartbeat\n\n");
    }
    // Nothing new: wait for the study to publish something (or the poll interval for other writers).
    if (state->wakeup) {
      (void)state->wakeup->Next(kStreamPoll, stop);
    } else {
      std::this_thread::sleep_for(kStreamPoll);
    }
    return std::string();
  };
}

HttpResponse Api::TaskLogs(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  auto follow = QueryFlag(request, "follow");
  if (!follow.ok()) return HttpResponse::FromError(follow.error());
  if (*follow) {
    auto since = ResumePoint(request);
    if (!since.ok()) return HttpResponse::FromError(since.error());
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = LogStream(task->id, std::nullopt, *since);
    return response;
  }
  auto after = ParseCount(Query(request, "after").value_or("0"), "after", 0, INT64_MAX);
  if (!after.ok()) return HttpResponse::FromError(after.error());
  auto limit = ParseCount(Query(request, "limit").value_or("1000"), "limit", 1, kMaxLogPage);
  if (!limit.ok()) return HttpResponse::FromError(limit.error());
  auto logs = store_->ListLogs(task->id, std::nullopt, *after, *limit);
  if (!logs.ok()) return HttpResponse::FromError(logs.error());
  const ExperimentNumbers numbers = NumbersOf(*store_, task->id);
  Json items = Json::array();
  for (const auto& log : *logs) items.push_back(LogJson(log, numbers));
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::ExperimentLogs(const HttpRequest& request, const Params& params) {
  auto id = ParseId(params.at("id"), "experiment id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto follow = QueryFlag(request, "follow");
  if (!follow.ok()) return HttpResponse::FromError(follow.error());
  auto experiment = store_->GetExperiment(*id);
  if (!experiment.ok()) {
    if (experiment.error().code == ErrorCode::kNotFound)
      return HttpResponse::FromError(MakeError(ErrorCode::kNotFound, "no experiment " + std::to_string(*id)));
    return HttpResponse::FromError(experiment.error());
  }
  if (*follow) {
    auto since = ResumePoint(request);
    if (!since.ok()) return HttpResponse::FromError(since.error());
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = LogStream(experiment->task_id, experiment->id, *since);
    return response;
  }
  auto after = ParseCount(Query(request, "after").value_or("0"), "after", 0, INT64_MAX);
  if (!after.ok()) return HttpResponse::FromError(after.error());
  auto limit = ParseCount(Query(request, "limit").value_or("1000"), "limit", 1, kMaxLogPage);
  if (!limit.ok()) return HttpResponse::FromError(limit.error());
  auto logs = store_->ListLogs(experiment->task_id, experiment->id, *after, *limit);
  if (!logs.ok()) return HttpResponse::FromError(logs.error());
  const ExperimentNumbers numbers = {{experiment->id, experiment->number}};
  Json items = Json::array();
  for (const auto& log : *logs) items.push_back(LogJson(log, numbers));
  return HttpResponse::FromJson({{"items", items}});
}

// --- Engine data -------------------------------------------------------------------------------------------

HttpResponse Api::ListRuntimes(const HttpRequest&, const Params&) {
  Json items = Json::array();
  if (catalog_ != nullptr) {
    for (const auto& r : catalog_->runtimes()) {
      items.push_back({{"name", r.name},
                       {"engine", r.engine},
                       {"simulated", r.simulated},
                       {"description", r.description},
                       {"image", r.image},
                       {"flags", r.flags.size()}});
    }
  }
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::RuntimeFlags(const HttpRequest& request, const Params& params) {
  const task::RuntimeDefinition* r = catalog_ == nullptr ? nullptr : catalog_->Find(params.at("name"));
  if (r == nullptr) {
    Json known = Json::array();
    if (catalog_ != nullptr)
      for (auto n : catalog_->Names()) known.push_back(n);
    return HttpResponse::FromError(
        MakeError(ErrorCode::kNotFound, "no runtime '" + params.at("name") + "'", {{"known", known}}));
  }
  auto tuned_only = QueryFlag(request, "tuned");
  if (!tuned_only.ok()) return HttpResponse::FromError(tuned_only.error());
  Json flags = Json::array();
  for (const auto& f : r->flags) {
    if (*tuned_only && !f.tuned) continue;
    Json j = {{"name", f.name},       {"flag", r->RenderFlag(f.name)}, {"type", task::Name(f.type)},
              {"aliases", f.aliases}, {"choices", f.choices},          {"default", f.default_text},
              {"tuned", f.tuned},     {"deprecated", f.deprecated},    {"help", f.help}};
    if (f.type == task::FlagDefinition::Type::kBool) j["negatable"] = f.negatable;
    flags.push_back(std::move(j));
  }
  return HttpResponse::FromJson({{"name", r->name}, {"engine", r->engine}, {"items", flags}});
}

HttpResponse Api::QuantizationPresets(const HttpRequest&, const Params&) {
  Json items = Json::array();
  for (const auto& p : task::kQuantizationPresets) {
    items.push_back({{"name", p.name},
                     {"model_dtype", p.model_dtype},
                     {"kv_cache_dtype", p.kv_cache_dtype},
                     {"enable_fp8_compute", p.enable_fp8_compute}});
  }
  Json fields = {{"model_dtype", Json::array()},
                 {"kv_cache_dtype", Json::array()},
                 {"enable_fp8_compute", Json::array({false, true})}};
  for (auto d : task::kModelDtypes) fields["model_dtype"].push_back(d);
  for (auto d : task::kKvCacheDtypes) fields["kv_cache_dtype"].push_back(d);
  return HttpResponse::FromJson({{"items", items}, {"fields", fields}});
}

// --- Presets -----------------------------------------------------------------------------------------------

namespace {

// {name, description?, parameters} as a preset body; kValidation with field paths.
struct PresetInput {
  std::string name;
  std::string description;
  Json parameters;
};

Result<PresetInput> ReadPreset(const Json& body, const std::string& prefix, bool name_required) {
  Json errors = Json::array();
  const std::string at = prefix.empty() ? "" : prefix + ".";
  PresetInput input;
  for (const auto& [key, value] : body.items()) {
    if (key != "name" && key != "description" && key != "parameters" && key != "id" && key != "builtin" &&
        key != "created_at" && key != "updated_at")
      errors.push_back({{"path", at + key}, {"message", "unknown field"}});
  }
  if (body.contains("name")) {
    if (!body["name"].is_string() || body["name"].get<std::string>().empty() ||
        body["name"].get<std::string>().size() > 100) {
      errors.push_back({{"path", at + "name"}, {"message", "must be a string of 1-100 characters"}});
    } else {
      input.name = body["name"].get<std::string>();
    }
  } else if (name_required) {
    errors.push_back({{"path", at + "name"}, {"message", "is required"}});
  }
  if (body.contains("description")) {
    if (!body["description"].is_string()) {
      errors.push_back({{"path", at + "description"}, {"message", "must be a string"}});
    } else {
      input.description = body["description"].get<std::string>();
    }
  }
  if (!body.contains("parameters")) {
    errors.push_back({{"path", at + "parameters"}, {"message", "is required"}});
  } else if (Status s = ValidatePresetParameters(body["parameters"], at + "parameters"); !s.ok()) {
    for (const auto& e : s.error().details["errors"]) errors.push_back(e);
  } else {
    input.parameters = body["parameters"];
  }
  if (!errors.empty()) return MakeError(ErrorCode::kValidation, "invalid preset", {{"errors", errors}});
  return input;
}

}  // namespace

Status Api::SeedBuiltinPresets() {
  auto existing = store_->ListPresets();
  if (!existing.ok()) return std::move(existing).error();
  for (const auto& preset : BuiltinPresets()) {
    const bool present = std::any_of(existing->begin(), existing->end(),
                                     [&](const store::PresetRecord& p) { return p.name == preset.name; });
    if (present) continue;
    auto created = store_->CreatePreset(preset.name, preset.description, preset.parameters, true);
    if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists) return std::move(created).error();
  }
  return {};
}

HttpResponse Api::ListPresets(const HttpRequest&, const Params&) {
  auto presets = store_->ListPresets();
  if (!presets.ok()) return HttpResponse::FromError(presets.error());
  Json items = Json::array();
  for (const auto& p : *presets) items.push_back(PresetJson(p));
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::CreatePreset(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  auto input = ReadPreset(*body, "", true);
  if (!input.ok()) return HttpResponse::FromError(input.error());
  auto created = store_->CreatePreset(input->name, input->description, input->parameters, false);
  if (!created.ok()) return HttpResponse::FromError(created.error());
  return HttpResponse::FromJson(PresetJson(*created), 201);
}

HttpResponse Api::GetPreset(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  return HttpResponse::FromJson(PresetJson(*preset));
}

HttpResponse Api::UpdatePreset(const HttpRequest& request, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  if (preset->builtin)
    return HttpResponse::FromError(MakeError(
        ErrorCode::kPermissionDenied, "preset " + preset->name + " is shipped with autotuner: copy it"));
  auto input = ReadPreset(*body, "", false);
  if (!input.ok()) return HttpResponse::FromError(input.error());
  if (!input->name.empty() && input->name != preset->name) {
    Json errors =
        Json::array({{{"path", "name"}, {"message", "cannot be changed (is '" + preset->name + "')"}}});
    return HttpResponse::FromError(MakeError(ErrorCode::kValidation, "invalid preset", {{"errors", errors}}));
  }
  const std::string description = body->contains("description") ? input->description : preset->description;
  if (Status s = store_->UpdatePreset(*id, description, input->parameters); !s.ok())
    return HttpResponse::FromError(s.error());
  auto updated = store_->GetPreset(*id);
  if (!updated.ok()) return HttpResponse::FromError(updated.error());
  return HttpResponse::FromJson(PresetJson(*updated));
}

HttpResponse Api::DeletePreset(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  if (preset->builtin)
    return HttpResponse::FromError(
        MakeError(ErrorCode::kPermissionDenied, "preset " + preset->name + " is shipped with autotuner"));
  if (Status s = store_->DeletePreset(*id); !s.ok()) return HttpResponse::FromError(s.error());
  return HttpResponse::FromJson({{"deleted", *id}});
}

HttpResponse Api::ImportPresets(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  // {"presets": [...]} (what export of several gives) or one exported preset.
  Json list = body->contains("presets") ? (*body)["presets"] : Json::array({*body});
  if (!list.is_array() || list.empty())
    return HttpResponse::FromError(BadRequest("presets must be a non-empty list"));
  const bool overwrite = Query(request, "overwrite").value_or("") == "true";
  std::vector<PresetInput> inputs;
  Json errors = Json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string prefix = body->contains("presets") ? "presets[" + std::to_string(i) + "]" : "";
    if (!list[i].is_object()) {
      errors.push_back({{"path", prefix}, {"message", "must be an object"}});
      continue;
    }
    auto input = ReadPreset(list[i], prefix, true);
    if (!input.ok()) {
      for (const auto& e : input.error().details["errors"]) errors.push_back(e);
    } else {
      inputs.push_back(std::move(*input));
    }
  }
  if (!errors.empty())
    return HttpResponse::FromError(
        MakeError(ErrorCode::kValidation, "invalid presets", {{"errors", errors}}));
  auto existing = store_->ListPresets();
  if (!existing.ok()) return HttpResponse::FromError(existing.error());
  Json imported = Json::array();
  Json skipped = Json::array();
  for (const auto& input : inputs) {
    auto same = std::find_if(existing->begin(), existing->end(),
                             [&](const store::PresetRecord& p) { return p.name == input.name; });
    if (same != existing->end()) {
      if (!overwrite || same->builtin) {
        skipped.push_back({{"name", input.name},
                           {"reason", same->builtin ? "a shipped preset has this name" : "name exists"}});
        continue;
      }
      if (Status s = store_->UpdatePreset(same->id, input.description, input.parameters); !s.ok())
        return HttpResponse::FromError(s.error());
      auto updated = store_->GetPreset(same->id);
      if (updated.ok()) imported.push_back(PresetJson(*updated));
      continue;
    }
    auto created = store_->CreatePreset(input.name, input.description, input.parameters, false);
    if (!created.ok()) return HttpResponse::FromError(created.error());
    imported.push_back(PresetJson(*created));
  }
  return HttpResponse::FromJson({{"imported", imported}, {"skipped", skipped}});
}

HttpResponse Api::ExportPreset(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  HttpResponse response = HttpResponse::FromJson(
      {{"name", preset->name}, {"description", preset->description}, {"parameters", preset->parameters}});
  response.headers.emplace_back("Content-Disposition", AttachmentHeader(preset->name + ".json"));
  return response;
}

HttpResponse Api::MergePresets(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  const Json strategy_name = body->value("strategy", Json("union"));
  const auto parsed_strategy =
      strategy_name.is_string() ? ParseMergeStrategy(strategy_name.get<std::string>()) : std::nullopt;
  const MergeStrategy strategy = parsed_strategy.value_or(MergeStrategy::kUnion);
  Json errors = Json::array();
  if (!parsed_strategy)
    errors.push_back({{"path", "strategy"}, {"message", "must be union, intersection or last_wins"}});
  std::vector<Json> blocks;
  Json sources = Json::array();
  // `ids` is the web UI's spelling of `preset_ids`.
  const std::string ids_key = body->contains("preset_ids") ? "preset_ids" : "ids";
  if (body->contains(ids_key)) {
    const Json& ids = (*body)[ids_key];
    if (!ids.is_array() || ids.empty()) {
      errors.push_back({{"path", ids_key}, {"message", "must be a non-empty list of preset ids"}});
    } else {
      for (size_t i = 0; i < ids.size(); ++i) {
        const std::string path = ids_key + "[" + std::to_string(i) + "]";
        if (!ids[i].is_number_integer()) {
          errors.push_back({{"path", path}, {"message", "must be an integer"}});
          continue;
        }
        auto preset = store_->GetPreset(ids[i].get<int64_t>());
        if (!preset.ok()) {
          if (preset.error().code != ErrorCode::kNotFound) return HttpResponse::FromError(preset.error());
          errors.push_back({{"path", path}, {"message", "no preset " + DumpJson(ids[i])}});
          continue;
        }
        blocks.push_back(preset->parameters);
        sources.push_back(preset->name);
      }
    }
  }
  if (body->contains("presets")) {
    const Json& list = (*body)["presets"];
    if (!list.is_array()) {
      errors.push_back({{"path", "presets"}, {"message", "must be a list of parameters blocks"}});
    } else {
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string path = "presets[" + std::to_string(i) + "]";
        const Json& block =
            list[i].is_object() && list[i].contains("parameters") ? list[i]["parameters"] : list[i];
        if (Status s = ValidatePresetParameters(block, path); !s.ok()) {
          for (const auto& e : s.error().details["errors"]) errors.push_back(e);
          continue;
        }
        blocks.push_back(block);
        const bool named = list[i].is_object() && list[i].contains("name") && list[i]["name"].is_string();
        sources.push_back(named ? list[i]["name"].get<std::string>() : path);
      }
    }
  }
  if (errors.empty() && blocks.size() < 2)
    errors.push_back(
        {{"path", "preset_ids"}, {"message", "name at least two presets (preset_ids or presets)"}});
  std::string save_as;
  if (body->contains("name")) {
    const Json& name = (*body)["name"];
    if (!name.is_string() || name.get<std::string>().empty() || name.get<std::string>().size() > 100) {
      errors.push_back({{"path", "name"}, {"message", "must be a string of 1-100 characters"}});
    } else {
      save_as = name.get<std::string>();
    }
  }
  if (!errors.empty())
    return HttpResponse::FromError(MakeError(ErrorCode::kValidation, "invalid merge", {{"errors", errors}}));
  const MergeResult merged = MergeParameters(blocks, strategy);
  Json conflicts = Json::array();
  for (const auto& c : merged.conflicts)
    conflicts.push_back({{"parameter", c.parameter}, {"values", c.values}, {"resolution", c.resolution}});
  Json out = {{"strategy", Name(strategy)},
              {"sources", sources},
              {"parameters", merged.parameters},
              {"conflicts", conflicts},
              {"preset", nullptr}};
  if (!save_as.empty()) {
    // With a name the merge is also stored as a new user preset.
    std::string description = "merged (" + std::string(Name(strategy)) + ") from";
    for (const auto& source : sources) description += " " + source.get<std::string>();
    auto created = store_->CreatePreset(save_as, description, merged.parameters, false);
    if (!created.ok()) return HttpResponse::FromError(created.error());
    out["preset"] = PresetJson(*created);
  }
  return HttpResponse::FromJson(out);
}

// --- System ------------------------------------------------------------------------------------------------

HttpResponse Api::SystemInfo(const HttpRequest&, const Params&) {
  Json runtimes = Json::array();
  if (catalog_ != nullptr)
    for (auto n : catalog_->Names()) runtimes.push_back(n);
  return HttpResponse::FromJson({{"name", "autotuner"},
                                 {"version", kVersion},
                                 {"store", store_->Describe()},
                                 {"instance_id", store_->InstanceId()},
                                 {"started_at", started_at_},
                                 {"uptime_s", store::Now() - started_at_},
                                 {"auth_required", options_.auth_required},
                                 {"runs_studies", studies_ != nullptr},
                                 {"runtimes", runtimes},
                                 {"task_defaults", task::TaskDefaultsJson()}});
}

HttpResponse Api::SystemHealth(const HttpRequest&, const Params&) {
  auto count = store_->CountTasks("");
  if (!count.ok())
    return HttpResponse::FromJson(
        {{"status", "unhealthy"}, {"store", "error"}, {"message", count.error().message}}, 503);
  return HttpResponse::FromJson({{"status", "ok"}, {"store", "ok"}});
}

HttpResponse Api::Gpus(const HttpRequest&, const Params&) {
  // nvidia-smi takes a while; the inventory does not change under a running server.
  std::call_once(gpus_once_, [this] { gpus_ = deploy::DiscoverGpus(options_.gpu_ids, 0); });
  Json items = Json::array();
  for (int id : gpus_) items.push_back({{"index", id}});
  return HttpResponse::FromJson({{"items", items}, {"count", gpus_.size()}});
}

HttpResponse Api::OpenApiRoute(const HttpRequest&, const Params&) {
  return HttpResponse::FromJson(OpenApi());
}

Json Api::OpenApi() const {
  Json paths = Json::object();
  const Json error_ref = {{"$ref", "#/components/schemas/Error"}};
  auto add = [&](const std::string& method, const std::string& path, const std::string& summary, bool stream,
                 bool has_body) {
    Json op = {{"summary", summary}};
    Json parameters = Json::array();
    for (auto seg : Segments(path)) {
      if (seg.front() == '{')
        parameters.push_back({{"name", std::string(seg.substr(1, seg.size() - 2))},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", seg == "{name}" ? "string" : "integer"}}}});
    }
    // Query parameters of the GET routes that take them: name → (type, description).
    static const std::map<std::string, std::vector<std::array<const char*, 3>>> kQuery = {
        {"/api/tasks",
         {{"status", "string", "pending | running | completed | failed | cancelled"},
          {"limit", "integer", "1-1000, default 50"},
          {"offset", "integer", "default 0"},
          {"sort", "string", "id | name | created_at | status"},
          {"order", "string", "asc | desc (default desc)"}}},
        {"/api/tasks/{id}/export", {{"format", "string", "json | yaml | csv"}}},
        {"/api/tasks/{id}/experiments", {{"status", "string", "only experiments in this status"}}},
        {"/api/experiments/{id}", {{"logs", "boolean", "add engine_log"}}},
        {"/api/tasks/{id}/events", {{"since", "integer", "resume after this event id (as Last-Event-ID)"}}},
        {"/api/tasks/{id}/logs",
         {{"follow", "boolean", "SSE stream instead of a JSON page"},
          {"since", "integer", "with follow: resume after this log id (as Last-Event-ID)"},
          {"after", "integer", "JSON page: lines after this log id"},
          {"limit", "integer", "JSON page size, 1-10000, default 1000"}}},
        {"/api/experiments/{id}/logs",
         {{"follow", "boolean", "SSE stream instead of a JSON page"},
          {"since", "integer", "with follow: resume after this log id (as Last-Event-ID)"},
          {"after", "integer", "JSON page: lines after this log id"},
          {"limit", "integer", "JSON page size, 1-10000, default 1000"}}},
        {"/api/runtimes/{name}/flags", {{"tuned", "boolean", "only the commonly tuned flags"}}},
        {"/api/presets/import", {{"overwrite", "boolean", "replace user presets of the same name"}}},
    };
    if (auto it = kQuery.find(path);
        it != kQuery.end() && (method == "GET" || path == "/api/presets/import")) {
      for (const auto& [name, type, description] : it->second)
        parameters.push_back(
            {{"name", name}, {"in", "query"}, {"description", description}, {"schema", {{"type", type}}}});
    }
    if (stream)
      parameters.push_back({{"name", "Last-Event-ID"}, {"in", "header"}, {"schema", {{"type", "integer"}}}});
    if (!parameters.empty()) op["parameters"] = parameters;
    if (has_body)
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    Json ok = {{"description", "success"},
               {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    if (stream) ok["content"]["text/event-stream"] = {{"schema", {{"type", "string"}}}};
    op["responses"] = {
        {"200", ok},
        {"4XX", {{"description", "error"}, {"content", {{"application/json", {{"schema", error_ref}}}}}}}};
    if (!IsPublic(method, path))
      op["security"] = Json::array({{{"bearer", Json::array()}}, {{"cookie", Json::array()}}});
    std::string lower = method;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    paths[path][lower] = op;
  };
  for (const Route& r : Routes())
    add(r.method, r.pattern, r.summary, r.stream,
        r.method == "POST" || r.method == "PUT" || r.method == "PATCH");
  add("POST", "/api/auth/login", "Exchange the token for an HttpOnly SameSite=Strict cookie", false, true);
  add("POST", "/api/auth/logout", "Clear the login cookie", false, false);
  Json error_fields = {{"code", {{"type", "integer"}}},
                       {"type", {{"type", "string"}}},
                       {"message", {{"type", "string"}}},
                       {"details", {{"type", "object"}}}};
  Json error_schema = {{"type", "object"}};
  error_schema["properties"]["error"] = {{"type", "object"}, {"properties", error_fields}};
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "autotuner"}, {"version", kVersion}}},
          {"paths", paths},
          {"components",
           {{"schemas", {{"Error", error_schema}}},
            {"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"cookie", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "autotuner_token"}}}}}}}};
}

}  // namespace autotuner::api
