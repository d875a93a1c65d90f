#include "autotuner/api/api.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "autotuner/api/api_internal.h"

namespace autotuner::api {

Error BadRequest(const std::string& message, Json details) {
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

namespace {

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
      {"POST", "/api/tasks/validate", &Api::ValidateTask,
       "Validate a task document (JSON, or {yaml: text}); always 200 with {valid, errors, ...}"},
      {"GET", "/api/tasks/{id}", &Api::GetTask, "Get a task"},
      {"PUT", "/api/tasks/{id}", &Api::ReplaceTask, "Replace a task's document (not while running)"},
      {"PATCH", "/api/tasks/{id}", &Api::PatchTask, "Change a task's description"},
      {"DELETE", "/api/tasks/{id}", &Api::DeleteTask, "Delete a task and its results (not while running)"},
      {"POST", "/api/tasks/{id}/start", &Api::StartTask, "Start a pending task's study"},
      {"POST", "/api/tasks/{id}/cancel", &Api::CancelTask, "Cancel a pending or running task"},
      {"POST", "/api/tasks/{id}/restart", &Api::RestartTask,
       "Run a task again as a new task <name>-N (201, Location); the old one keeps its results"},
      {"POST", "/api/tasks/{id}/clear", &Api::ClearTask, "Remove a task's results, back to pending"},
      {"POST", "/api/tasks/{id}/duplicate", &Api::DuplicateTask, "Copy a task as <name>_copy"},
      {"GET", "/api/tasks/{id}/export", &Api::ExportTask, "Export results (?format=json|yaml|csv)"},
      {"GET", "/api/tasks/{id}/experiments", &Api::ListExperiments, "A task's experiments"},
      {"GET", "/api/tasks/{id}/pareto", &Api::Pareto, "Pareto front over the task's objectives"},
      {"GET", "/api/tasks/{id}/best", &Api::Best,
       "The best configuration and how to launch it (shell, docker, manifest); 404 when none is feasible"},
      {"GET", "/api/tasks/{id}/events", &Api::TaskEvents, "Live task events (SSE, Last-Event-ID)", true},
      {"GET", "/api/events", &Api::AllEvents,
       "Live events of every task (SSE, Last-Event-ID); log lines only of ?logs=<task ids>", true},
      {"GET", "/api/tasks/{id}/logs", &Api::TaskLogs, "Task log (?follow=true: SSE)", true},
      {"GET", "/api/experiments/{id}", &Api::GetExperiment, "Get an experiment (?logs=true adds engine_log)"},
      {"GET", "/api/experiments/{id}/logs", &Api::ExperimentLogs, "Experiment log (?follow=true: SSE)", true},
      {"POST", "/api/experiments/{id}/cancel", &Api::CancelExperiment,
       "Cancel one pending or running experiment (202); its study goes on with the next"},
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
      {"GET", "/api/system/info", &Api::SystemInfo, "Version, store, task defaults, units"},
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
  return task.status == TaskStatus::kRunning || (studies_ != nullptr && studies_->IsRunning(task.id));
}

}  // namespace autotuner::api
