#pragma once

// The engine's defaults as a reference point (SPEC §1 optimization.baseline): which experiment is the
// baseline, and how much the best experiment improves on it in the primary objective's own metric.

#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/store/store.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// The task's baseline experiment (kind baseline), if it has one.
std::optional<store::ExperimentRecord> BaselineExperiment(
    const std::vector<store::ExperimentRecord>& experiments);

struct Improvement {
  std::string metric;  // the primary objective's base metric, e.g. mean_total_throughput_per_gpu
  double baseline = 0;
  double best = 0;
  double change_percent = 0;  // (best − baseline) / baseline · 100, signed as the metric moves
  bool better = false;        // the best moves the metric the objective's way
  std::string text;           // "+47% tok/s/GPU vs defaults"
};

// Nothing when either experiment has no value of the metric (a failed baseline, say).
std::optional<Improvement> ImprovementOverBaseline(const store::ExperimentRecord& baseline,
                                                   const store::ExperimentRecord& best,
                                                   task::Objective objective);

// {metric, baseline, best, change_percent, better, text}, or {status, error_class, text} for a baseline
// that did not succeed; null without a baseline or a best.
Json ImprovementJson(const std::vector<store::ExperimentRecord>& experiments, task::Objective objective);

// "best: +47% over defaults, found in 9 of 30 experiments" (search experiments; the improvement only with a
// successful baseline), or "best: the engine defaults (baseline), not beaten in 30 search experiments (...)";
// empty without a best experiment.
std::string BestSummaryLine(const std::vector<store::ExperimentRecord>& experiments,
                            task::Objective objective);

// The primary objective of a stored task spec (optimization.objective: a name or a list, first is primary).
task::Objective PrimaryObjective(const Json& spec);

}  // namespace autotuner::runner
