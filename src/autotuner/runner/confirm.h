#pragma once

// Confirmation (SPEC §1 optimization.confirm): after the search the best and the runner-up are measured
// again as experiments of kind confirm; this summarises each one's repeated measurements and says whether
// the winner is really better or within noise of the runner-up.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/store/store.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

struct Spread {
  double mean = 0;
  double stddev = 0;  // sample standard deviation (0 for one value)
  size_t n = 0;
};
Spread SpreadOf(const std::vector<double>& values);

struct ConfirmedExperiment {
  int64_t number = 0;                    // the search experiment that was re-measured
  std::vector<int64_t> confirm_numbers;  // its confirm experiments
  Spread score;                          // over the original and every successful re-measurement
  std::vector<std::pair<std::string, Spread>> metrics;  // each scalar metric every measurement has
};

struct Confirmation {
  std::string metric;                   // the primary objective's base metric
  ConfirmedExperiment best, runner_up;  // by mean score
  Spread best_metric, runner_up_metric;
  double pooled_stddev = 0;
  bool within_noise = false;  // |Δ mean| < 2 × pooled standard deviation of the metric
  std::string text;
};

// Nothing unless at least two experiments (search or baseline) have successful confirm experiments.
std::optional<Confirmation> ConfirmationOf(const std::vector<store::ExperimentRecord>& experiments,
                                           task::Objective objective);
Json ConfirmationJson(const std::vector<store::ExperimentRecord>& experiments, task::Objective objective);

// Pooled relative standard deviation of the scores of repeated measurements (0.02: 2%), the optimizer's
// measured noise (opt::Strategy::SetMeasuredNoise); nothing without a re-measured experiment. Numbers are
// per study, so several studies' experiments come as separate lists.
std::optional<double> MeasuredScoreNoise(std::span<const std::vector<store::ExperimentRecord>> studies);
std::optional<double> MeasuredScoreNoise(const std::vector<store::ExperimentRecord>& experiments);

}  // namespace autotuner::runner
