#pragma once

// The experiments a study runs besides the search (SPEC §1 optimization.baseline / confirm /
// max_duration): which ones, with what parameters, and when the time budget is spent. Pure functions of the
// task and the stored experiments, so a resumed study makes the same decisions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/store/store.h"
#include "autotuner/task/search_space.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// optimization.baseline resolved: auto is on for bayesian and random, off for grid_search.
bool BaselineEnabled(const task::Optimization& optimization);

// The baseline's assignment: every dimension with a single value (a fixed flag), plus the task's
// baseline parameters; every searched flag is left to the engine's default.
Json BaselineAssignment(const task::SearchSpace& space, const task::Optimization& optimization);

// optimization.confirm resolved: auto is 2 re-measurements for real runtimes, 0 for simulated ones.
int64_t ConfirmCount(const task::Optimization& optimization, bool simulated);

// A re-measurement still to run: the experiment it repeats.
struct ConfirmRun {
  int64_t confirms = 0;
  Json parameters;
};

// The best and the runner-up experiments (search or baseline, as BestExperiment ranks them: successful,
// feasible, by score; a baseline that wins or comes second is confirmed too) each measured `count`
// times in all, less the confirm experiments already stored for them (cancelled and interrupted ones not
// counted).
std::vector<ConfirmRun> PendingConfirmRuns(const std::vector<store::ExperimentRecord>& experiments,
                                           int64_t count);

// "max_duration (600 s) reached" once `elapsed_s` is at or past the task's max_duration; nothing otherwise.
std::optional<std::string> DurationSpent(const task::Optimization& optimization, double elapsed_s);

}  // namespace autotuner::runner
