#pragma once

// A task's results in the shapes users export: the original tool's JSON (task_name, strategy,
// total_experiments, successful_experiments, elapsed_time, best_result, all_results[]), CSV with one row per
// experiment, and YAML.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/store/store.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// The best experiment: lowest score among successful, feasible search experiments and the baseline (scores
// are lower-is-better, SPEC §5). The baseline is the best when no searched configuration beats the engine's
// defaults (then the defaults are what to launch); a re-measurement (kind confirm) is never the best: it
// qualifies the experiment it repeats.
std::optional<store::ExperimentRecord> BestExperiment(
    const std::vector<store::ExperimentRecord>& experiments);
// The same among search experiments only (what the search found, e.g. to compare with the baseline).
std::optional<store::ExperimentRecord> BestSearchExperiment(
    const std::vector<store::ExperimentRecord>& experiments);

// One experiment as the API and exports show it; `objective` (the task's primary one) gives its
// `objective` value in its own unit and direction next to the optimizer's lower-is-better `score`.
Json ExperimentJson(const store::ExperimentRecord& experiment, task::Objective objective,
                    bool with_engine_log = false);

// What a finished study found, for the task summary: {"outcome": "best_found" | "no_feasible_configuration"
// (completed or failed without one feasible experiment: the CLI's exit 3) | null (running, pending, or
// cancelled before any feasible one), "failures": {error_class: count of failed experiments}}.
Json OutcomeJson(TaskStatus task_status, const std::vector<store::ExperimentRecord>& experiments);

Json ResultsJson(const store::TaskRecord& task, const std::vector<store::ExperimentRecord>& experiments);

// Columns: experiment, status, score, feasible, one per parameter (union over experiments, first-seen order),
// the aggregate metrics of SPEC §3 that are scalars, error_class, error_message.
std::string ResultsCsv(const std::vector<store::ExperimentRecord>& experiments);

// Any JSON as block-style YAML (keys in their order, strings quoted when YAML would read them otherwise).
std::string ToYaml(const Json& value);

}  // namespace autotuner::runner
