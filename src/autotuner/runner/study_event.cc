#include "autotuner/runner/study_event.h"

#include <type_traits>

#include "autotuner/core/experiment_kind.h"

namespace autotuner::runner {
namespace {

template <typename T>
Json OrNull(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json BenchJson(const BenchProgress& b) {
  return {{"experiment_id", b.number},
          {"run", b.run},
          {"runs", b.runs},
          {"warming_up", b.warming_up},
          {"completed", b.completed},
          {"errors", b.errors},
          {"elapsed_s", b.elapsed_s}};
}

Json ToData(const TaskStatusChanged& e) {
  return {{"task_id", e.task_id}, {"status", Name(e.status)}, {"stop_reason", e.stop_reason}};
}
Json ToData(const ExperimentCreated& e) { return e.experiment; }
Json ToData(const ExperimentFinished& e) { return e.experiment; }
Json ToData(const ExperimentStatusChanged& e) {
  return {{"task_id", e.task_id},     {"id", e.id}, {"number", e.number}, {"experiment_id", e.number},
          {"status", Name(e.status)}, {"at", e.at}};
}
}  // namespace

Json RefJson(const std::optional<ExperimentRef>& ref) {
  return ref ? Json{{"id", ref->id}, {"number", ref->number}} : Json(nullptr);
}

namespace {

Json ToData(const StudyProgress& e) {
  return {{"task_id", e.task_id},
          {"max_iterations", e.max_iterations},
          {"done", e.done},
          {"running", e.running},
          {"best_score", OrNull(e.best_score)},
          {"best_experiment", RefJson(e.best_experiment)},
          {"best_experiment_id", e.best_experiment ? Json(e.best_experiment->id) : Json(nullptr)},
          {"elapsed_s", e.elapsed_s},
          {"eta_s", OrNull(e.eta_s)},
          {"bench", e.bench ? BenchJson(*e.bench) : Json(nullptr)}};
}
Json ToData(const LogLine& e) {
  Json data = {{"task_id", e.task_id},
               {"experiment_id", OrNull(e.number)},
               {"level", e.level},
               {"line", e.text},
               {"at", e.at}};
  if (e.log_id) data["log_id"] = *e.log_id;
  if (!e.log_id) data["store_error"] = e.store_error;
  if (e.announces) data["status"] = Name(*e.announces);
  return data;
}
Json ToData(const StudyError& e) {
  Json data = e.error;
  data["task_id"] = e.task_id;
  return data;
}

// ---- schema: one object per alternative; names of the vocabulary's enums come from core/vocabulary.h
Json Type(const char* type) { return {{"type", type}}; }
Json Nullable(const char* type) { return {{"type", Json::array({type, "null"})}}; }

template <typename Enum, size_t N>
Json EnumOf(const std::array<Enum, N>& values) {
  Json names = Json::array();
  for (const Enum v : values) names.push_back(Name(v));
  return {{"type", "string"}, {"enum", names}};
}

Json Object(Json properties, Json required, bool closed = true) {
  Json schema = {
      {"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
  if (closed) schema["additionalProperties"] = false;
  return schema;
}

// A stored error_class: a failure class, or "" for none.
Json FailureClassSchema() {
  Json schema = EnumOf(kFailureClasses);
  schema["enum"].insert(schema["enum"].begin(), "");
  return schema;
}

Json RefSchema() {
  Json ref = Object({{"id", Type("integer")}, {"number", Type("integer")}}, {"id", "number"});
  ref["type"] = Json::array({"object", "null"});
  return ref;
}

Json ExperimentSchema() {
  // ExperimentJson (runner/results.h) is the API's experiment object; its keys are documented in docs/api.md.
  return Object({{"id", Type("integer")},
                 {"task_id", Type("integer")},
                 {"number", Type("integer")},
                 {"experiment_id", Type("integer")},
                 {"kind", EnumOf(kExperimentKinds)},
                 {"status", EnumOf(kExperimentStatuses)},
                 {"error_class", FailureClassSchema()}},
                {"id", "task_id", "number", "experiment_id", "status"}, false);
}

Json DataSchema(std::string_view type) {
  if (type == "task_status") {
    return Object(
        {{"task_id", Type("integer")}, {"status", EnumOf(kTaskStatuses)}, {"stop_reason", Type("string")}},
        {"task_id", "status", "stop_reason"});
  }
  if (type == "experiment_created" || type == "experiment_finished") return ExperimentSchema();
  if (type == "experiment_status") {
    return Object({{"task_id", Type("integer")},
                   {"id", Type("integer")},
                   {"number", Type("integer")},
                   {"experiment_id", Type("integer")},
                   {"status", EnumOf(kExperimentStatuses)},
                   {"at", Type("number")}},
                  {"task_id", "id", "number", "experiment_id", "status", "at"});
  }
  if (type == "progress") {
    Json bench = Object({{"experiment_id", Type("integer")},
                         {"run", Type("integer")},
                         {"runs", Type("integer")},
                         {"warming_up", Type("boolean")},
                         {"completed", Type("integer")},
                         {"errors", Type("integer")},
                         {"elapsed_s", Type("number")}},
                        {"experiment_id", "run", "runs", "warming_up", "completed", "errors", "elapsed_s"});
    bench["type"] = Json::array({"object", "null"});
    return Object({{"task_id", Type("integer")},
                   {"max_iterations", Type("integer")},
                   {"done", Type("integer")},
                   {"running", Type("integer")},
                   {"best_score", Nullable("number")},
                   {"best_experiment", RefSchema()},
                   {"best_experiment_id", Nullable("integer")},
                   {"elapsed_s", Type("number")},
                   {"eta_s", Nullable("number")},
                   {"bench", bench}},
                  {"task_id", "max_iterations", "done", "running", "best_score", "best_experiment",
                   "best_experiment_id", "elapsed_s", "eta_s", "bench"});
  }
  if (type == "log" || type == "log_unstored") {
    Json properties = {{"task_id", Type("integer")}, {"experiment_id", Nullable("integer")},
                       {"level", Type("string")},    {"line", Type("string")},
                       {"at", Type("number")},       {"status", EnumOf(kExperimentStatuses)}};
    Json required = {"task_id", "experiment_id", "level", "line", "at"};
    const char* key = type == "log" ? "log_id" : "store_error";
    properties[key] = Type(type == "log" ? "integer" : "string");
    required.push_back(key);
    return Object(std::move(properties), std::move(required));
  }
  // error: the REST API's error body (core/error.h) with the task it belongs to.
  return Object({{"task_id", Type("integer")}, {"error", Type("object")}}, {"task_id", "error"});
}

constexpr std::array<std::string_view, 8> kEventTypes = {"task_status",       "experiment_created",
                                                         "experiment_status", "experiment_finished",
                                                         "progress",          "log",
                                                         "log_unstored",      "error"};

}  // namespace

std::string_view TypeOf(const StudyEvent& event) {
  return std::visit(
      [](const auto& e) -> std::string_view {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, TaskStatusChanged>) return kEventTypes[0];
        if constexpr (std::is_same_v<T, ExperimentCreated>) return kEventTypes[1];
        if constexpr (std::is_same_v<T, ExperimentStatusChanged>) return kEventTypes[2];
        if constexpr (std::is_same_v<T, ExperimentFinished>) return kEventTypes[3];
        if constexpr (std::is_same_v<T, StudyProgress>) return kEventTypes[4];
        if constexpr (std::is_same_v<T, LogLine>) return e.log_id ? kEventTypes[5] : kEventTypes[6];
        if constexpr (std::is_same_v<T, StudyError>) return kEventTypes[7];
      },
      event);
}

Json DataOf(const StudyEvent& event) {
  return std::visit([](const auto& e) { return ToData(e); }, event);
}

std::span<const std::string_view> StudyEventTypes() { return kEventTypes; }

Json StudyEventSchema() {
  Json one_of = Json::array();
  for (const std::string_view type : kEventTypes) {
    one_of.push_back(Object({{"type", {{"const", type}}}, {"data", DataSchema(type)}}, {"type", "data"}));
  }
  return {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
          {"title", "autotuner study event"},
          {"description",
           "One event of GET /api/tasks/{id}/events (SSE `event:` = type, `data:` = data); written by "
           "runner/study_event_test.cc from runner/study_event.cc."},
          {"oneOf", one_of}};
}

}  // namespace autotuner::runner
