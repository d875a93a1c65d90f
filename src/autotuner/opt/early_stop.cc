#include "autotuner/opt/early_stop.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <vector>

#include "autotuner/opt/acquisition.h"
#include "autotuner/opt/gp.h"
#include "autotuner/opt/strategy.h"

namespace autotuner::opt {

namespace {

constexpr double kMaxCalibration = 10;
// Share of the feasible experiments (at least kMinTop) whose leave-one-out error must be small: the region
// a stop is about.
constexpr size_t kTopShare = 4;
constexpr size_t kMinTop = 3;

}  // namespace

size_t MinimumExperiments(const EarlyStopSettings& settings, size_t dimensions, size_t n_initial) {
  return std::max({settings.min_experiments, n_initial, settings.per_dimension * (dimensions + 1)});
}

double PlateauThreshold(double tolerance, std::optional<double> relative_noise) {
  constexpr double kMinImprovement = 0.01, kMaxNoiseThreshold = 0.05;
  const double noise =
      relative_noise && std::isfinite(*relative_noise) ? std::max(*relative_noise, 0.0) : 0.0;
  return std::max({tolerance, kMinImprovement, std::min(2 * noise, kMaxNoiseThreshold)});
}

std::optional<double> RelativeNoiseOfRepeats(std::span<const Observation> observations) {
  std::map<std::vector<double>, std::vector<double>> groups;
  for (const auto& o : observations) {
    if (o.outcome.feasible()) groups[o.candidate.unit].push_back(o.outcome.score());
  }
  double squared = 0, dof = 0;
  for (const auto& [unit, scores] : groups) {
    if (scores.size() < 2) continue;
    const double mean =
        std::accumulate(scores.begin(), scores.end(), 0.0) / static_cast<double>(scores.size());
    if (std::abs(mean) < 1e-12) continue;
    for (const double s : scores) squared += std::pow((s - mean) / mean, 2);
    dof += static_cast<double>(scores.size() - 1);
  }
  if (dof <= 0) return std::nullopt;
  return std::sqrt(squared / dof);
}

size_t ExperimentsSinceImprovement(std::span<const Observation> observations, double tolerance) {
  std::optional<double> best;
  size_t last = 0;  // observations up to and including the last improvement
  for (size_t i = 0; i < observations.size(); ++i) {
    const auto& o = observations[i].outcome;
    if (!o.feasible()) continue;
    if (!best || o.score() < *best - tolerance * std::abs(*best)) last = i + 1;
    if (!best || o.score() < *best) best = o.score();
  }
  return observations.size() - last;
}

ConvergenceEvidence AssessConvergence(const EarlyStopSettings& settings, size_t experiments, size_t minimum,
                                      size_t stalled, const GaussianProcess& objective, double best,
                                      double target, std::span<const CandidatePrediction> candidates) {
  ConvergenceEvidence e;
  e.experiments = experiments;
  e.minimum = minimum;
  e.stalled = stalled;
  e.minimum_stalled = settings.min_stalled_per_dimension * static_cast<size_t>(objective.x().cols() + 1);
  e.margin = best - target;
  Eigen::VectorXd loo_mean, loo_variance;
  objective.LeaveOneOut(loo_mean, loo_variance);
  const Eigen::VectorXd& y = objective.y();
  const auto n = y.size();
  if (n == 0) return e;
  const Eigen::ArrayXd residual = (y - loo_mean).array();
  e.calibration =
      std::clamp(std::sqrt((residual.square() / loo_variance.array()).mean()), 1.0, kMaxCalibration);
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  const size_t top = std::min(order.size(), std::max(kMinTop, order.size() / kTopShare));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b] || (y[a] == y[b] && a < b); });
  double squared = 0;
  for (size_t i = 0; i < top; ++i) squared += residual[order[i]] * residual[order[i]];
  e.loo_error = std::sqrt(squared / static_cast<double>(top));

  double max_log_probability = -INFINITY;
  double max_log_ei = -INFINITY;
  bool any = false;
  for (const auto& c : candidates) {
    if (c.log_feasible < kLogMinFeasibility) continue;
    any = true;
    // The demonstrated error near the best is a floor on every prediction's uncertainty.
    const double sd = std::hypot(e.calibration * c.sd, e.loo_error);
    max_log_probability =
        std::max(max_log_probability, LogNormalCdf((target - c.mean) / sd) + c.log_feasible);
    max_log_ei = std::max(max_log_ei, LogExpectedImprovement(c.mean, sd, target) + c.log_feasible);
  }
  e.probability = any ? std::exp(max_log_probability) : 0;
  e.expected_improvement = any ? std::exp(max_log_ei) : 0;
  e.converged = settings.enabled && any && experiments >= minimum && stalled >= e.minimum_stalled &&
                e.probability < settings.probability;
  return e;
}

std::string ConvergenceEvidence::Describe(double best_score, const EarlyStopSettings& settings) const {
  return fmt::format(
      "converged after {} experiments (at least {} for this space; {} since the best last improved): the "
      "chance that an untried configuration beats the best score {:.6g} by more than {:g}% is {:.2g}% "
      "(threshold {:g}%), with leave-one-out error {:.3g} near the best (the improvement that matters: "
      "{:.3g}, standardised) and predictive spreads widened ×{:.2f} to match the leave-one-out errors; "
      "largest expected improvement {:.3g}",
      experiments, minimum, stalled, best_score, 100 * settings.tolerance, 100 * probability,
      100 * settings.probability, loo_error, margin, calibration, expected_improvement);
}

}  // namespace autotuner::opt
