#include "autotuner/runner/results.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

#include "autotuner/runner/baseline.h"
#include "autotuner/runner/confirm.h"
#include "autotuner/runner/units.h"

namespace autotuner::runner {
namespace {

// Scalar per-experiment metrics (SPEC §3) in the order CSV columns show them.
constexpr const char* kMetricColumns[] = {"mean_e2e_latency",
                                          "p50_e2e_latency",
                                          "p90_e2e_latency",
                                          "p99_e2e_latency",
                                          "mean_ttft",
                                          "mean_tpot",
                                          "mean_output_throughput",
                                          "max_output_throughput",
                                          "mean_total_throughput",
                                          "max_total_throughput",
                                          "goodput",
                                          "success_rate",
                                          "total_requests",
                                          "total_completed_requests",
                                          "total_error_requests"};

std::string CsvField(std::string text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvValue(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return CsvField(v.get<std::string>());
  return CsvField(DumpJson(v));
}

void Emit(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.items()) {
        out << YAML::Key << key << YAML::Value;
        Emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : v) Emit(out, item);
      out << YAML::EndSeq;
      break;
    case Json::value_t::string: {
      const std::string s = v.get<std::string>();
      // Quote what a YAML reader would turn into another type ("true", "1.5", "null", "").
      const YAML::Node probe = YAML::Load(s.empty() ? "''" : s);
      const bool plain_string = probe.IsScalar() && probe.Tag() == "?" &&
                                s.find_first_of(":#{}[],&*!|>'\"%@`\n") == std::string::npos &&
                                s.find_first_not_of("0123456789.+-eE") != std::string::npos && s != "true" &&
                                s != "false" && s != "null" && s != "~" && s.front() != ' ' &&
                                s.back() != ' ';
      if (plain_string) {
        out << s;
      } else {
        out << YAML::DoubleQuoted << s;
      }
      break;
    }
    case Json::value_t::null:
      out << YAML::Null;
      break;
    case Json::value_t::boolean:
      out << v.get<bool>();
      break;
    case Json::value_t::number_float:
      out << DumpJson(v);
      break;
    default:
      out << DumpJson(v);
  }
}

}  // namespace

namespace {

std::optional<store::ExperimentRecord> LowestScore(const std::vector<store::ExperimentRecord>& experiments,
                                                   bool with_baseline) {
  std::optional<store::ExperimentRecord> best;
  for (const auto& e : experiments) {
    const bool eligible =
        e.kind == ExperimentKind::kSearch || (with_baseline && e.kind == ExperimentKind::kBaseline);
    if (!eligible || e.status != ExperimentStatus::kSuccess || !e.score || !e.feasible.value_or(false))
      continue;
    if (!best || *e.score < *best->score) best = e;
  }
  return best;
}

}  // namespace

std::optional<store::ExperimentRecord> BestExperiment(
    const std::vector<store::ExperimentRecord>& experiments) {
  return LowestScore(experiments, /*with_baseline=*/true);
}

std::optional<store::ExperimentRecord> BestSearchExperiment(
    const std::vector<store::ExperimentRecord>& experiments) {
  return LowestScore(experiments, /*with_baseline=*/false);
}

Json ExperimentJson(const store::ExperimentRecord& e, task::Objective objective, bool with_engine_log) {
  Json transitions = Json::array();
  for (const auto& t : e.transitions) transitions.push_back({{"status", Name(t.status)}, {"at", t.at}});
  Json out = {{"id", e.id},
              {"task_id", e.task_id},
              {"number", e.number},
              {"experiment_id", e.number},
              {"kind", Name(e.kind)},
              {"confirms", e.confirms ? Json(*e.confirms) : Json(nullptr)},
              {"status", Name(e.status)},
              {"parameters", e.parameters},
              {"score", e.score ? Json(*e.score) : Json(nullptr)},
              {"feasible", e.feasible ? Json(*e.feasible) : Json(nullptr)},
              {"objective", ObjectiveValueJson(e, objective)},
              {"slo_penalty", SloPenaltyJson(e)},
              {"metrics", e.metrics},
              {"error_class", FailureClassName(e.error_class)},
              {"error_message", e.error_message},
              {"transitions", transitions},
              {"created_at", e.created_at}};
  if (with_engine_log) out["engine_log"] = e.engine_log;
  return out;
}

Json OutcomeJson(TaskStatus task_status, const std::vector<store::ExperimentRecord>& experiments) {
  Json failures = Json::object();
  for (const auto& e : experiments) {
    if (e.status != ExperimentStatus::kFailed) continue;
    const std::string cls = e.error_class ? std::string(Name(*e.error_class)) : "unknown";
    failures[cls] = failures.value(cls, int64_t{0}) + 1;
  }
  Json outcome(nullptr);
  if (BestExperiment(experiments)) {
    outcome = "best_found";
  } else if (task_status == TaskStatus::kCompleted || task_status == TaskStatus::kFailed) {
    outcome = "no_feasible_configuration";
  }
  return {{"outcome", outcome}, {"failures", failures}};
}

Json ResultsJson(const store::TaskRecord& task, const std::vector<store::ExperimentRecord>& experiments) {
  const auto best = BestExperiment(experiments);
  const int64_t successful = std::count_if(experiments.begin(), experiments.end(), [](const auto& e) {
    return e.status == ExperimentStatus::kSuccess;
  });
  double elapsed = 0;
  if (task.started_at) elapsed = task.finished_at.value_or(store::Now()) - *task.started_at;
  const task::Objective objective = PrimaryObjective(task.spec);
  Json all = Json::array();
  for (const auto& e : experiments) all.push_back(ExperimentJson(e, objective));
  const Json optimization = task.spec.value("optimization", Json::object());
  const auto baseline = BaselineExperiment(experiments);
  return {{"task_name", task.name},
          {"status", task.status},
          {"strategy", optimization.value("strategy", "")},
          {"objective", optimization.value("objective", Json(nullptr))},
          {"total_experiments", experiments.size()},
          {"successful_experiments", successful},
          {"elapsed_time", elapsed},
          {"stop_reason", task.stop_reason},
          {"best_result", best ? ExperimentJson(*best, objective) : Json(nullptr)},
          {"baseline", baseline ? ExperimentJson(*baseline, objective) : Json(nullptr)},
          {"improvement", ImprovementJson(experiments, objective)},
          {"confirmation", ConfirmationJson(experiments, objective)},
          {"all_results", all}};
}

std::string ResultsCsv(const std::vector<store::ExperimentRecord>& experiments) {
  std::vector<std::string> parameters;
  for (const auto& e : experiments) {
    for (const auto& [key, value] : e.parameters.items()) {
      if (std::find(parameters.begin(), parameters.end(), key) == parameters.end()) parameters.push_back(key);
    }
  }
  std::ostringstream out;
  out << "experiment,status,score,feasible";
  for (const auto& p : parameters) out << "," << CsvField(p);
  for (const char* m : kMetricColumns) out << "," << m;
  out << ",error_class,error_message,kind\n";
  for (const auto& e : experiments) {
    out << e.number << "," << Name(e.status) << "," << (e.score ? DumpJson(Json(*e.score)) : "") << ","
        << (e.feasible ? (*e.feasible ? "true" : "false") : "");
    for (const auto& p : parameters) out << "," << CsvValue(e.parameters.value(p, Json(nullptr)));
    for (const char* m : kMetricColumns) {
      out << "," << CsvValue(e.metrics.is_object() ? e.metrics.value(m, Json(nullptr)) : Json(nullptr));
    }
    out << "," << CsvField(std::string(FailureClassName(e.error_class))) << "," << CsvField(e.error_message)
        << "," << Name(e.kind) << "\n";
  }
  return out.str();
}

std::string ToYaml(const Json& value) {
  YAML::Emitter out;
  Emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace autotuner::runner
