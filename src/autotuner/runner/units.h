#pragma once

// Units and directions of the metrics users read (SPEC §3) and of the objectives (SPEC §5): the one table the
// API (`/api/system/info`), the experiment JSON and the web UI show values with. `score` is lower-is-better
// for the optimizer; people read the objective's own metric in its own unit and direction.

#include <optional>
#include <string>
#include <string_view>

#include "autotuner/core/json.h"
#include "autotuner/store/store.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

struct ObjectiveInfo {
  std::string_view metric;  // the aggregated metric the objective is computed from
  std::string_view unit;    // "s", "tok/s/GPU", "req/s"
  bool higher_is_better = false;
};

ObjectiveInfo DescribeObjective(task::Objective objective);

// The unit of an aggregated metric (mean_ttft → "s") or of a flattened run statistic (ttft_p90 → "s",
// num_output_tokens_mean → "tokens"); empty for counts and ratios without a unit (success_rate) and unknown
// names.
std::string_view MetricUnit(std::string_view metric);

// {"objectives": {name: {metric, unit, higher_is_better}}, "metrics": {name: unit}} for every aggregated
// metric and every flattened run statistic with a unit.
Json UnitTableJson();

// {name, metric, value, unit, higher_is_better}: value is the objective's metric of a successful experiment
// (null without one).
Json ObjectiveValueJson(const store::ExperimentRecord& experiment, task::Objective objective);

// Σ SLO penalty of the scored experiment (the score's `score_breakdown.penalty`), null when not scored.
Json SloPenaltyJson(const store::ExperimentRecord& experiment);

}  // namespace autotuner::runner
