#include "autotuner/runner/baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "autotuner/opt/score.h"
#include "autotuner/runner/results.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::runner {
namespace {

std::string_view MetricLabel(std::string_view metric) {
  if (metric == "mean_total_throughput_per_gpu") return "tok/s/GPU";
  if (metric == "mean_e2e_latency") return "mean latency";
  if (metric == "mean_ttft") return "mean TTFT";
  if (metric == "mean_tpot") return "mean TPOT";
  return metric;
}

std::optional<double> MetricOf(const store::ExperimentRecord& e, std::string_view metric) {
  if (e.status != ExperimentStatus::kSuccess || !e.metrics.is_object()) return std::nullopt;
  const auto it = e.metrics.find(std::string(metric));
  if (it == e.metrics.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

}  // namespace

std::optional<store::ExperimentRecord> BaselineExperiment(
    const std::vector<store::ExperimentRecord>& experiments) {
  for (const auto& e : experiments) {
    if (e.kind == ExperimentKind::kBaseline) return e;
  }
  return std::nullopt;
}

std::optional<Improvement> ImprovementOverBaseline(const store::ExperimentRecord& baseline,
                                                   const store::ExperimentRecord& best,
                                                   task::Objective objective) {
  Improvement out;
  out.metric = std::string(opt::BaseMetricName(objective));
  const auto base = MetricOf(baseline, out.metric);
  const auto top = MetricOf(best, out.metric);
  if (!base || !top || *base <= 0) return std::nullopt;
  out.baseline = *base;
  out.best = *top;
  out.change_percent = (*top - *base) / *base * 100;
  const bool maximise =
      objective == task::Objective::kMaximizeThroughput || objective == task::Objective::kMaximizeGoodput;
  out.better = maximise ? *top > *base : *top < *base;
  out.text = fmt::format("{:+.0f}% {} vs defaults", out.change_percent, MetricLabel(out.metric));
  return out;
}

Json ImprovementJson(const std::vector<store::ExperimentRecord>& experiments, task::Objective objective) {
  const auto baseline = BaselineExperiment(experiments);
  if (!baseline) return nullptr;
  if (baseline->status != ExperimentStatus::kSuccess) {
    const std::string status(Name(baseline->status));
    const std::string error_class(FailureClassName(baseline->error_class));
    return {{"status", status},
            {"error_class", error_class},
            {"text",
             "baseline (engine defaults) " + status + (error_class.empty() ? "" : " (" + error_class + ")")}};
  }
  // What the search found against the defaults (negative when the defaults win and are the best).
  const auto best = BestSearchExperiment(experiments);
  if (!best) return nullptr;
  const auto improvement = ImprovementOverBaseline(*baseline, *best, objective);
  if (!improvement) return nullptr;
  return {{"metric", improvement->metric}, {"baseline", improvement->baseline},
          {"best", improvement->best},     {"change_percent", improvement->change_percent},
          {"better", improvement->better}, {"text", improvement->text}};
}

std::string BestSummaryLine(const std::vector<store::ExperimentRecord>& experiments,
                            task::Objective objective) {
  const auto best = BestExperiment(experiments);
  if (!best) return "";
  const auto searched = std::count_if(experiments.begin(), experiments.end(),
                                      [](const auto& e) { return e.kind == ExperimentKind::kSearch; });
  const auto baseline = BaselineExperiment(experiments);
  if (best->kind == ExperimentKind::kBaseline) {
    const auto found = BestSearchExperiment(experiments);
    const auto i = found ? ImprovementOverBaseline(*best, *found, objective) : std::nullopt;
    return fmt::format("best: the engine defaults (baseline), not beaten in {} search experiments{}",
                       searched, i ? " (the best of them: " + i->text + ")" : "");
  }
  std::string line = "best: ";
  if (const auto i = baseline ? ImprovementOverBaseline(*baseline, *best, objective) : std::nullopt) {
    line += fmt::format(
        "{:+.0f}% {}over defaults, ", i->change_percent,
        i->metric == "mean_total_throughput_per_gpu" ? "" : std::string(MetricLabel(i->metric)) + " ");
  }
  return line + fmt::format("found in {} of {} experiments", best->number, searched);
}

task::Objective PrimaryObjective(const Json& spec) {
  const Json optimization = spec.is_object() ? spec.value("optimization", Json::object()) : Json::object();
  Json objective = optimization.is_object() ? optimization.value("objective", Json(nullptr)) : Json(nullptr);
  if (objective.is_array() && !objective.empty()) objective = objective.front();
  if (objective.is_string()) {
    if (const auto parsed = task::ParseObjective(objective.get<std::string>())) return *parsed;
  }
  return task::Objective::kMinimizeLatency;
}

}  // namespace autotuner::runner
