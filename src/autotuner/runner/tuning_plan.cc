#include "autotuner/runner/tuning_plan.h"

#include <fmt/format.h>

#include <algorithm>

namespace autotuner::runner {

bool BaselineEnabled(const task::Optimization& optimization) {
  if (optimization.baseline) return *optimization.baseline;
  return optimization.strategy != task::Strategy::kGridSearch;
}

Json BaselineAssignment(const task::SearchSpace& space, const task::Optimization& optimization) {
  Json assignment = Json::object();
  for (const auto& d : space.dimensions) {
    if (d.kind == task::Parameter::Kind::kCategorical && d.values.size() == 1)
      assignment[d.name] = d.values[0];
  }
  for (const auto& [name, value] : optimization.baseline_parameters.items()) assignment[name] = value;
  return assignment;
}

int64_t ConfirmCount(const task::Optimization& optimization, bool simulated) {
  if (optimization.confirm) return std::max<int64_t>(*optimization.confirm, 0);
  return simulated ? 0 : 2;
}

std::vector<ConfirmRun> PendingConfirmRuns(const std::vector<store::ExperimentRecord>& experiments,
                                           int64_t count) {
  std::vector<const store::ExperimentRecord*> ranked;
  for (const auto& e : experiments) {
    const bool candidate = e.kind == ExperimentKind::kSearch || e.kind == ExperimentKind::kBaseline;
    if (candidate && e.status == ExperimentStatus::kSuccess && e.score && e.feasible.value_or(false)) {
      ranked.push_back(&e);
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto* a, const auto* b) { return *a->score < *b->score; });
  if (ranked.size() > 2) ranked.resize(2);
  std::vector<ConfirmRun> runs;
  if (ranked.size() < 2 || count <= 0) return runs;
  for (const auto* target : ranked) {
    const auto done = std::count_if(experiments.begin(), experiments.end(), [&](const auto& e) {
      // A cancelled or interrupted re-measurement is owed again (a resumed study runs it).
      return e.kind == ExperimentKind::kConfirm && e.confirms == target->number &&
             e.status != ExperimentStatus::kCancelled && e.error_class != FailureClass::kInterrupted;
    });
    for (int64_t i = done; i < count; ++i) runs.push_back({target->number, target->parameters});
  }
  return runs;
}

std::optional<std::string> DurationSpent(const task::Optimization& optimization, double elapsed_s) {
  if (!optimization.max_duration || elapsed_s < *optimization.max_duration) return std::nullopt;
  return fmt::format("max_duration ({:g} s) reached after {:.0f} s", *optimization.max_duration, elapsed_s);
}

}  // namespace autotuner::runner
