#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>

namespace autotuner::opt {

class GaussianProcess;
struct Observation;

// Points more likely infeasible than not (log P(feasible) below this) are never proposed, so they neither
// block nor allow a stop.
inline const double kLogMinFeasibility = std::log(0.5);

// When a Bayesian study may stop before its budget. The model's own confidence is not enough (a GP fitted to
// a few points, or to a broad plateau, can be sure of things it has never seen), so the stop asks for
// evidence: enough experiments for the number of dimensions, and leave-one-out errors that are folded into
// every prediction's uncertainty, so an over-confident model cannot claim that nothing better is left.
struct EarlyStopSettings {
  bool enabled = true;
  // Stop once the chance that an untried configuration beats the best score by more than
  // tolerance · |best| is below `probability`.
  double tolerance = 0.01;
  double probability = 0.001;
  // At least max(min_experiments, n_initial_random, per_dimension · (dimensions + 1)) experiments.
  size_t min_experiments = 10;
  size_t per_dimension = 5;
  // ... and at least this many experiments since the best last improved by more than the tolerance, so
  // the plateau safeguard's exploration has had its turn.
  size_t min_stalled_per_dimension = 3;
};

size_t MinimumExperiments(const EarlyStopSettings& settings, size_t dimensions, size_t n_initial);

// Experiments since the best feasible score last improved by more than `tolerance` · |best| (all of them
// when none is feasible), in the order they were observed.
size_t ExperimentsSinceImprovement(std::span<const Observation> observations, double tolerance);

// The improvement (relative to |best|) the plateau safeguard counts as real: max(tolerance, 1%, 2 × the
// relative noise of one measurement), the noise part capped at 5% (a GP that misfits a sharp landscape puts
// the misfit into its noise; a stall counter that ignores 10% gains would explore forever). Improvements
// within noise are lucky draws of a configuration no better than the best: counting them restarts the stall
// count on a plateau and the safeguard never gets its turn.
double PlateauThreshold(double tolerance, std::optional<double> relative_noise);

// The relative standard deviation of one measurement, pooled over configurations observed more than once
// (feasible outcomes of the same unit-box point, e.g. an earlier study's experiment measured again): each
// group's sample variance of score / |group mean|, weighted by its degrees of freedom. Nothing without a
// repeated configuration.
std::optional<double> RelativeNoiseOfRepeats(std::span<const Observation> observations);

// One candidate the acquisition search would propose, in the model's standardised units.
struct CandidatePrediction {
  double mean = 0;
  double sd = 1;
  double log_feasible = 0;  // log probability of feasibility
};

// The numbers behind a stop decision, all in the objective model's standardised units except where named.
struct ConvergenceEvidence {
  size_t experiments = 0;
  size_t minimum = 0;
  size_t stalled = 0;  // experiments since the best last improved
  size_t minimum_stalled = 0;
  double loo_error = 0;             // RMS leave-one-out error over the best experiments
  double calibration = 1;           // RMS leave-one-out z-score over all experiments (≥ 1: widens every sd)
  double margin = 0;                // the improvement that matters (best − target)
  double probability = 1;           // largest chance that a candidate beats the target, widened sds
  double expected_improvement = 0;  // largest expected improvement below the target, widened sds
  bool converged = false;

  // "converged after N experiments (...)": every number the decision used.
  std::string Describe(double best_score, const EarlyStopSettings& settings) const;
};

// `objective` is the GP on standardised scores (no believed outcomes of pending candidates), `best` its
// lowest target and `target` the standardised score that beats the best by the tolerance.
ConvergenceEvidence AssessConvergence(const EarlyStopSettings& settings, size_t experiments, size_t minimum,
                                      size_t stalled, const GaussianProcess& objective, double best,
                                      double target, std::span<const CandidatePrediction> candidates);

}  // namespace autotuner::opt
