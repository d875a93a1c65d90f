// Api's task routes (create, read, change, start / cancel / restart / clear, export) and task summaries.

#include <array>
#include <mutex>
#include <utility>

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"
#include "autotuner/api/attachment.h"
#include "autotuner/runner/baseline.h"
#include "autotuner/runner/results.h"
#include "autotuner/runner/study_publisher.h"
#include "autotuner/runner/units.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/validation.h"

namespace autotuner::api {
namespace {

constexpr int64_t kMaxPageSize = 1000;
// The summary's count of active experiments (pending, deploying or benchmarking), named for the web.
constexpr const char* kActiveCountKey = "running";

Json Optional(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

// A hash of every stored field a task's list item shows.
size_t Fingerprint(const store::StoredTask& row) {
  const store::TaskRecord& t = row.task;
  size_t h = 0;
  auto mix = [&h](size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  for (const std::string* text :
       {&t.name, &t.description, &row.spec_json, &t.stop_reason, &row.provenance_json}) {
    mix(std::hash<std::string>{}(*text));
    mix(text->size());
  }
  mix(static_cast<size_t>(t.status));
  for (double v : {t.created_at, t.started_at.value_or(-1), t.finished_at.value_or(-1)})
    mix(std::hash<double>{}(v));
  return h;
}

}  // namespace

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
  // {total, one count per final experiment status (success, failed, pruned, cancelled), running: the active
  // ones, best_*, outcome, failures}.
  Json summary = {{"max_iterations", max_iterations}, {"total", 0}};
  for (const auto status : kExperimentStatuses) {
    if (IsFinal(status)) summary[std::string(Name(status))] = 0;
  }
  summary[kActiveCountKey] = 0;
  for (const char* key : {"best_score", "best_experiment", "best_experiment_id", "best_objective", "outcome"})
    summary[key] = nullptr;
  summary["failures"] = Json::object();
  auto experiments = store_->ListExperiments(task.id);
  if (experiments.ok()) {
    summary["total"] = experiments->size();
    std::array<int64_t, kExperimentStatuses.size()> counts{};  // indexed by the enum's value
    for (const auto& e : *experiments) ++counts[static_cast<size_t>(e.status)];
    int64_t active = 0;
    for (const auto status : kExperimentStatuses) {
      const int64_t n = counts[static_cast<size_t>(status)];
      if (IsActive(status)) {
        active += n;
      } else {
        summary[std::string(Name(status))] = n;
      }
    }
    summary[kActiveCountKey] = active;
    if (auto best = runner::BestExperiment(*experiments)) {
      summary["best_score"] = Optional(best->score);
      summary["best_experiment"] = runner::RefJson(runner::ExperimentRef{best->id, best->number});
      summary["best_experiment_id"] = best->id;
      summary["best_objective"] = runner::ObjectiveValueJson(*best, runner::PrimaryObjective(task.spec));
    }
    summary.update(runner::OutcomeJson(task.status, *experiments));
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
  for (const auto status : kTaskStatuses) {
    if (!IsFinal(status)) continue;
    query.status = status;
    for (query.offset = 0; !stop.stop_requested(); query.offset += query.limit) {
      auto rows = store_->ListStoredTasks(query);
      if (!rows.ok() || rows->empty()) break;
      for (auto& row : *rows) {
        if (stop.stop_requested()) return;
        (void)TaskItemText(std::move(row));
      }
    }
  }
}

std::string Api::TaskItemText(store::StoredTask row) {
  const int64_t id = row.task.id;
  const TaskStatus status = row.task.status;
  const bool final = IsFinal(status);
  const size_t fingerprint = final ? Fingerprint(row) : 0;
  if (final) {
    std::lock_guard lock(cache_mutex_);
    auto it = item_cache_.find(id);
    if (it != item_cache_.end() && it->second.fingerprint == fingerprint) return it->second.text;
  }
  std::string text = DumpJson(TaskJson(store::ParseStoredTask(std::move(row))));
  if (final) {
    std::lock_guard lock(cache_mutex_);
    // Kept only once its summary was: a summary that failed to read must not stick.
    auto summary = summary_cache_.find(id);
    if (summary != summary_cache_.end() && summary->second.status == status)
      item_cache_[id] = {fingerprint, text};
  }
  return text;
}

Json Api::TaskJson(const store::TaskRecord& task) {
  // Built by assignment: an initializer list would copy the spec twice, which shows on 500-task pages.
  Json out = Json::object();
  out["id"] = task.id;
  out["name"] = task.name;
  out["description"] = task.description;
  out["status"] = Name(task.status);
  out["created_at"] = task.created_at;
  out["started_at"] = Optional(task.started_at);
  out["finished_at"] = Optional(task.finished_at);
  out["stop_reason"] = task.stop_reason;
  out["spec"] = task.spec;
  out["provenance"] = task.provenance;  // null until a study starts (runner/provenance.h)
  out["summary"] = Summary(task);
  return out;
}

void Api::PublishStatus(const store::TaskRecord& task) {
  if (events_ == nullptr) return;
  auto fresh = store_->GetTask(task.id);
  const store::TaskRecord& t = fresh.ok() ? *fresh : task;
  events_->Publish(t.id, runner::TaskStatusChanged{t.id, t.status, t.stop_reason});
}

HttpResponse Api::ListTasks(const HttpRequest& request, const Params&) {
  store::TaskQuery query;
  if (const auto status = Query(request, "status"); status && !status->empty()) {
    query.status = ParseTaskStatus(*status);
    if (!query.status)
      return HttpResponse::FromError(BadRequest(
          "status must be pending, running, completed, failed or cancelled", {{"parameter", "status"}}));
  }
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
  auto rows = store_->ListStoredTasks(query);
  if (!rows.ok()) return HttpResponse::FromError(rows.error());
  auto total = store_->CountTasks(query.status);
  if (!total.ok()) return HttpResponse::FromError(total.error());
  // Assembled as text: the items are JSON text already (TaskItemText).
  HttpResponse response;
  response.body = "{\"items\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i > 0) response.body += ',';
    response.body += TaskItemText(std::move((*rows)[i]));
  }
  response.body += "],\"total\":" + std::to_string(*total) + ",\"limit\":" + std::to_string(*limit) +
                   ",\"offset\":" + std::to_string(*offset) + "}";
  return response;
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

HttpResponse Api::ValidateTask(const HttpRequest& request, const Params&) {
  // Findings are the answer here, not a failure of the request: every outcome is a 200 report.
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromJson(task::ValidationReport(body.error(), "body"));
  if (body->size() != 1 || !body->contains("yaml"))
    return HttpResponse::FromJson(task::ValidationReport(task::ParseTask(*body, catalog_), "body"));
  const Json& text = (*body)["yaml"];
  if (!text.is_string())
    return HttpResponse::FromJson(task::ValidationReport(
        BadRequest("yaml must be a string, got " + std::string(JsonTypeName(text))), "yaml"));
  auto document = task::ParseDocument(text.get<std::string>(), "yaml", task::DocumentFormat::kYaml);
  if (!document.ok()) return HttpResponse::FromJson(task::ValidationReport(document.error(), "yaml"));
  return HttpResponse::FromJson(task::ValidationReport(task::ParseTask(*document, catalog_), "yaml"));
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
  // Its results were measured under the current document: a new one would leave them describing another task.
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  if (!experiments->empty())
    return HttpResponse::FromError(MakeError(ErrorCode::kHasExperiments,
                                             "task has experiments: duplicate or clear first",
                                             {{"experiments", experiments->size()}}));
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
    item_cache_.erase(task->id);
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
        ErrorCode::kConflict,
        "task " + task->name + " is " + std::string(Name(task->status)) + ": restart it to run it again"));
  if (Status s = studies_->Start(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  auto updated = store_->GetTask(task->id);
  return HttpResponse::FromJson(TaskJson(updated.ok() ? *updated : *task), 202);
}

HttpResponse Api::CancelTask(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const bool running_here = studies_ != nullptr && studies_->IsRunning(task->id);
  if (!running_here && IsFinal(task->status))
    return HttpResponse::FromError(MakeError(
        ErrorCode::kConflict, "task " + task->name + " is already " + std::string(Name(task->status))));
  if (studies_ != nullptr) {
    if (Status s = studies_->Cancel(task->id); !s.ok()) return HttpResponse::FromError(s.error());
  } else {
    if (Status s = store_->SetTaskStatus(task->id, TaskStatus::kCancelled, std::string(kStopReasonCancelled));
        !s.ok())
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
  // A rerun is a new task (`name-2`, `name-3`, ...): the old results stay as they were, to compare with.
  auto created = CopyTask(*task, RerunBase(*task), "");
  if (!created.ok()) return HttpResponse::FromError(created.error());
  if (Status s = studies_->Start(created->id); !s.ok()) {
    (void)store_->DeleteTask(created->id);  // a rerun that cannot run is not left behind as a pending task
    return HttpResponse::FromError(s.error());
  }
  auto started = store_->GetTask(created->id);
  HttpResponse response = HttpResponse::FromJson(TaskJson(started.ok() ? *started : *created), 201);
  response.headers.emplace_back("Location", "/api/tasks/" + std::to_string(created->id));
  return response;
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
  auto created = CopyTask(*task, task->name, "_copy");
  if (!created.ok()) return HttpResponse::FromError(created.error());
  HttpResponse response = HttpResponse::FromJson(TaskJson(*created), 201);
  response.headers.emplace_back("Location", "/api/tasks/" + std::to_string(created->id));
  return response;
}

Result<store::TaskRecord> Api::CopyTask(const store::TaskRecord& task, const std::string& stem,
                                        std::string_view suffix) {
  // The stem gives way when the name and its `-N` would pass the task-name limit: a copy of a 60-character
  // name still starts.
  std::string fitted = stem;
  Result<std::string> name = store_->UniqueTaskName(fitted + std::string(suffix));
  while (name.ok() && name->size() > task::kMaxTaskNameLength && fitted.size() > 1) {
    fitted.resize(fitted.size() - std::min(fitted.size() - 1, name->size() - task::kMaxTaskNameLength));
    name = store_->UniqueTaskName(fitted + std::string(suffix));
  }
  if (!name.ok()) return std::move(name).error();
  Json spec = task.spec;
  if (spec.is_object()) spec["task_name"] = *name;
  // Validated like a new task: a copy that could not start is not made.
  const task::TaskParseResult parsed = task::ParseTask(spec, catalog_);
  if (!parsed.ok()) return task::ValidationError(parsed);
  return store_->CreateTask(*name, task.description, spec);
}

std::string Api::RerunBase(const store::TaskRecord& task) {
  // A rerun of `name-3` is `name-4`, not `name-3-2`; the suffix only counts when `name` is a task.
  const std::string& name = task.name;
  const size_t dash = name.find_last_of('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return name;
  if (name.find_first_not_of("0123456789", dash + 1) != std::string::npos) return name;
  const std::string base = name.substr(0, dash);
  return store_->GetTaskByName(base).ok() ? base : name;
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

}  // namespace autotuner::api
