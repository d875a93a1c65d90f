// The study's events as the web sees them: every alternative's JSON conforms to StudyEventSchema(); the
// schema (docs/study-events.schema.json), sample events (web/src/test/study-events.samples.json, decoded by
// web/src/test/studyEvents.test.ts) and the web's generated vocabulary (web/src/lib/vocabulary.gen.ts) are
// written from the C++ sources. After an intended change:
//   AUTOTUNER_UPDATE_GOLDEN=1 build/debug/bin/autotuner_unit_tests --gtest_filter='StudyEventTest.*'

#include "autotuner/runner/study_event.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "autotuner/core/experiment_kind.h"
#include "autotuner/core/golden_testing.h"
#include "autotuner/runner/results.h"

namespace autotuner::runner {
namespace {

// The part of JSON Schema that StudyEventSchema() uses: type, enum, const, properties, required,
// additionalProperties: false, oneOf. Returns the first problem, "" when `value` conforms.
std::string Check(const Json& schema, const Json& value, const std::string& at);

bool HasType(const Json& value, const std::string& type) {
  if (type == "null") return value.is_null();
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "object") return value.is_object();
  return type == "array" && value.is_array();
}

std::string CheckObject(const Json& schema, const Json& value, const std::string& at) {
  for (const auto& key : schema.value("required", Json::array())) {
    if (!value.contains(key.get<std::string>())) return at + ": missing " + key.get<std::string>();
  }
  const Json properties = schema.value("properties", Json::object());
  for (const auto& [key, item] : value.items()) {
    if (properties.contains(key)) {
      if (auto problem = Check(properties[key], item, at + "." + key); !problem.empty()) return problem;
    } else if (schema.value("additionalProperties", true) == false) {
      return at + ": unexpected key " + key;
    }
  }
  return "";
}

std::string Check(const Json& schema, const Json& value, const std::string& at) {
  if (schema.contains("oneOf")) {
    int matches = 0;
    for (const auto& option : schema["oneOf"]) matches += Check(option, value, at).empty() ? 1 : 0;
    return matches == 1 ? "" : at + ": matches " + std::to_string(matches) + " of oneOf";
  }
  if (schema.contains("const") && value != schema["const"]) return at + ": not " + schema["const"].dump();
  if (schema.contains("enum")) {
    const auto& names = schema["enum"];
    if (std::find(names.begin(), names.end(), value) == names.end())
      return at + ": " + value.dump() + " not in enum";
  }
  if (schema.contains("type")) {
    const Json types = schema["type"].is_array() ? schema["type"] : Json::array({schema["type"]});
    bool any = false;
    for (const auto& t : types) any = any || HasType(value, t.get<std::string>());
    if (!any) return at + ": " + value.dump() + " is not " + types.dump();
  }
  return value.is_object() && schema.contains("properties") ? CheckObject(schema, value, at) : "";
}

Json Wire(const StudyEvent& event) { return {{"type", TypeOf(event)}, {"data", DataOf(event)}}; }

store::ExperimentRecord SampleExperiment(ExperimentStatus status) {
  store::ExperimentRecord e;
  e.id = 41;
  e.task_id = 7;
  e.number = 3;
  e.parameters = {{"mem-fraction-static", 0.85}, {"tp-size", 2}};
  e.status = status;
  e.transitions = {{ExperimentStatus::kPending, 1796000000.0}};
  e.created_at = 1796000000.0;
  if (status == ExperimentStatus::kSuccess) {
    e.metrics = {{"mean_e2e_latency", 0.52}, {"mean_ttft", 0.04}};
    e.score = 0.52;
    e.feasible = true;
    e.transitions.push_back({status, 1796000042.5});
  }
  return e;
}

// One of each alternative (and both forms of a log line), with the values a study really sends.
std::vector<StudyEvent> Samples() {
  const auto objective = task::Objective::kMinimizeLatency;
  StudyProgress progress;
  progress.task_id = 7;
  progress.max_iterations = 12;
  progress.done = 2;
  progress.running = 1;
  progress.best_score = 0.52;
  progress.best_experiment = ExperimentRef{41, 3};
  progress.elapsed_s = 95.5;
  progress.eta_s = 470.0;
  progress.bench = BenchProgress{3, 1, 2, false, 120, 1, 12.5};
  StudyProgress started = progress;
  started.done = 0;
  started.best_score.reset();
  started.best_experiment.reset();
  started.eta_s.reset();
  started.bench.reset();
  LogLine status_line;
  status_line.task_id = 7;
  status_line.log_id = 900;
  status_line.number = 3;
  status_line.level = "info";
  status_line.text = "[Experiment 3] Status: SUCCESS";
  status_line.at = 1796000042.5;
  status_line.announces = ExperimentStatus::kSuccess;
  LogLine unstored;
  unstored.task_id = 7;
  unstored.level = "error";
  unstored.text = "cannot store status: disk I/O error";
  unstored.at = 1796000043.0;
  unstored.store_error = "database or disk is full";
  return {TaskStatusChanged{7, TaskStatus::kRunning, ""},
          ExperimentCreated{ExperimentJson(SampleExperiment(ExperimentStatus::kPending), objective)},
          ExperimentStatusChanged{7, 41, 3, ExperimentStatus::kBenchmarking, 1796000010.25},
          ExperimentFinished{ExperimentJson(SampleExperiment(ExperimentStatus::kSuccess), objective)},
          progress,
          started,
          status_line,
          unstored,
          StudyError{7, MakeError(ErrorCode::kUnavailable, "no GPU free").ToJson()}};
}

TEST(StudyEventTest, EveryEventConformsToTheSchema) {
  const Json schema = StudyEventSchema();
  std::vector<std::string> types_seen;
  for (const StudyEvent& event : Samples()) {
    const Json wire = Wire(event);
    EXPECT_EQ(Check(schema, wire, "event"), "") << wire.dump();
    types_seen.emplace_back(TypeOf(event));
  }
  for (const std::string_view type : StudyEventTypes()) {
    EXPECT_NE(std::find(types_seen.begin(), types_seen.end(), type), types_seen.end()) << type << " untested";
  }
}

TEST(StudyEventTest, TheSchemaRejectsWhatNoStudySends) {
  const Json schema = StudyEventSchema();
  Json status = Wire(ExperimentStatusChanged{7, 41, 3, ExperimentStatus::kFailed, 1.0});
  status["data"]["status"] = "exploded";
  EXPECT_NE(Check(schema, status, "event"), "");
  Json progress = Wire(StudyProgress{});
  progress["data"].erase("done");
  EXPECT_NE(Check(schema, progress, "event"), "");
  Json unknown = {{"type", "experiment_exploded"}, {"data", Json::object()}};
  EXPECT_NE(Check(schema, unknown, "event"), "");
}

TEST(StudyEventTest, LogLinesSayTheStatusTheyAnnounceAndWhetherTheyWereStored) {
  LogLine line;
  line.task_id = 1;
  line.log_id = 5;
  line.text = "[Experiment 2] Status: FAILED";
  line.announces = ExperimentStatus::kFailed;
  EXPECT_EQ(TypeOf(line), "log");
  EXPECT_EQ(DataOf(line)["status"], "failed");
  EXPECT_FALSE(DataOf(line).contains("store_error"));
  line.log_id.reset();
  line.store_error = "disk full";
  line.announces.reset();
  EXPECT_EQ(TypeOf(line), "log_unstored");
  EXPECT_EQ(DataOf(line)["store_error"], "disk full");
  EXPECT_FALSE(DataOf(line).contains("status"));
}

TEST(StudyEventTest, SchemaAndSamplesMatchTheCheckedInFiles) {
  autotuner::testing::ExpectGoldenFile("docs/study-events.schema.json",
                                       DumpJson(StudyEventSchema(), 2) + "\n", "StudyEventTest.*");
  Json samples = Json::array();
  for (const StudyEvent& event : Samples()) samples.push_back(Wire(event));
  autotuner::testing::ExpectGoldenFile("web/src/test/study-events.samples.json", DumpJson(samples, 2) + "\n",
                                       "StudyEventTest.*");
}

// ---- the web's vocabulary, generated
template <typename Enum, size_t N>
std::string List(const std::array<Enum, N>& values, std::type_identity_t<bool (*)(Enum)> keep = nullptr) {
  std::string out;
  for (const Enum v : values) {
    if (keep != nullptr && !keep(v)) continue;
    out += (out.empty() ? "'" : ", '") + std::string(Name(v)) + "'";
  }
  return "[" + out + "]";
}

std::string Union(const std::string& type, const std::string& constant, const std::string& list) {
  return "export const " + constant + " = " + list + " as const;\nexport type " + type + " = (typeof " +
         constant + ")[number];\n";
}

std::string Subset(const std::string& type, const std::string& constant, const std::string& list) {
  return "export const " + constant + ": readonly " + type + "[] = " + list + ";\n";
}

std::string VocabularyTypeScript() {
  std::string events;
  for (const std::string_view type : StudyEventTypes())
    events += (events.empty() ? "'" : ", '") + std::string(type) + "'";
  return "// Generated from src/autotuner/core/vocabulary.cc, core/experiment_kind.h and "
         "runner/study_event.cc\n"
         "// by runner/study_event_test.cc: do not edit (see the top of that file).\n\n" +
         Union("TaskStatus", "TASK_STATUSES", List(kTaskStatuses)) +
         Subset("TaskStatus", "FINAL_TASK_STATUSES",
                List(kTaskStatuses, [](TaskStatus s) { return IsFinal(s); })) +
         "\n" + Union("ExperimentStatus", "EXPERIMENT_STATUSES", List(kExperimentStatuses)) +
         Subset("ExperimentStatus", "ACTIVE_EXPERIMENT_STATUSES",
                List(kExperimentStatuses, [](ExperimentStatus s) { return IsActive(s); })) +
         Subset("ExperimentStatus", "FINAL_EXPERIMENT_STATUSES",
                List(kExperimentStatuses, [](ExperimentStatus s) { return IsFinal(s); })) +
         "\n" + Union("FailureClass", "FAILURE_CLASSES", List(kFailureClasses)) + "\n" +
         Union("ExperimentKind", "EXPERIMENT_KINDS", List(kExperimentKinds)) + "\n" +
         Union("StudyEventType", "STUDY_EVENT_TYPES", "[" + events + "]");
}

TEST(StudyEventTest, TheWebsGeneratedVocabularyMatchesTheEnums) {
  autotuner::testing::ExpectGoldenFile("web/src/lib/vocabulary.gen.ts", VocabularyTypeScript(),
                                       "StudyEventTest.*");
}

}  // namespace
}  // namespace autotuner::runner
