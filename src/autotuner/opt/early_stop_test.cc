#include "autotuner/opt/early_stop.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <set>

#include "autotuner/opt/gp.h"
#include "autotuner/opt/strategy.h"

namespace autotuner::opt {
namespace {

using Kind = task::Parameter::Kind;
using task::Dimension;

Observation Seen(double score) { return {Candidate{}, Outcome::Success(score)}; }

TEST(EarlyStopTest, MinimumGrowsWithDimensions) {
  const EarlyStopSettings settings;
  EXPECT_EQ(MinimumExperiments(settings, 1, 5), 10u);
  EXPECT_EQ(MinimumExperiments(settings, 4, 5), 25u);
  EXPECT_EQ(MinimumExperiments(settings, 6, 5), 35u);
  EXPECT_EQ(MinimumExperiments(settings, 1, 40), 40u);  // never before the space-filling start is done
}

TEST(EarlyStopTest, CountsExperimentsSinceTheLastRealImprovement) {
  std::vector<Observation> seen = {
      Seen(10), Seen(9), Seen(8.95), {Candidate{}, Outcome::Infeasible(InfeasibleReason::kOom)}, Seen(9.5)};
  // 9 improved on 10 by 10%; 8.95 by less than 1%; the OOM and 9.5 did not improve.
  EXPECT_EQ(ExperimentsSinceImprovement(seen, 0.01), 3u);
  EXPECT_EQ(ExperimentsSinceImprovement(seen, 0.001), 2u);
  EXPECT_EQ(ExperimentsSinceImprovement({}, 0.01), 0u);
}

TEST(EarlyStopTest, PlateauThresholdIgnoresImprovementsWithinNoise) {
  EXPECT_DOUBLE_EQ(PlateauThreshold(0.01, std::nullopt), 0.01);
  EXPECT_DOUBLE_EQ(PlateauThreshold(0.001, 0.002), 0.01);  // never below 1%
  EXPECT_DOUBLE_EQ(PlateauThreshold(0.01, 0.015), 0.03);   // twice the noise
  EXPECT_DOUBLE_EQ(PlateauThreshold(0.02, 0.005), 0.02);   // the tolerance when it is larger
  EXPECT_DOUBLE_EQ(PlateauThreshold(0.01, 0.2), 0.05);     // a misfit's "noise" is capped
  // A plateau around 100 measured with 1.5% noise: lucky draws beat the best by 1.2–1.4% three times.
  std::vector<Observation> seen;
  for (const double score : {110.0, 100.0, 98.6, 99.5, 97.2, 100.8, 96.0, 98.0}) seen.push_back(Seen(score));
  // At 1% each lucky draw restarts the stall count, so the plateau safeguard never gets its turn ...
  EXPECT_EQ(ExperimentsSinceImprovement(seen, PlateauThreshold(0.01, std::nullopt)), 1u);
  // ... at twice the noise only the real step from 110 to 100 counts.
  EXPECT_EQ(ExperimentsSinceImprovement(seen, PlateauThreshold(0.01, 0.015)), 6u);
}

Observation At(double u, double score) { return {Candidate{{}, {u}}, Outcome::Success(score)}; }

TEST(EarlyStopTest, RelativeNoiseIsPooledOverRepeatedConfigurations) {
  EXPECT_FALSE(RelativeNoiseOfRepeats({}).has_value());
  const std::vector<Observation> once = {At(0.1, 100), At(0.2, 50)};
  EXPECT_FALSE(RelativeNoiseOfRepeats(once).has_value());  // no configuration measured twice
  // 0.1 twice (100, 102: ±0.99% of 101) and 0.7 three times (50, 51, 49: ±2% of 50); 0.2 once, and an
  // infeasible repeat of 0.1 that has no score.
  const std::vector<Observation> repeated = {
      At(0.1, 100),
      At(0.2, 50),
      At(0.7, 50),
      At(0.1, 102),
      At(0.7, 51),
      At(0.7, 49),
      {Candidate{{}, {0.1}}, Outcome::Infeasible(InfeasibleReason::kOom)}};
  const double a = 1.0 / 101, b = 1.0 / 50;
  const double expected = std::sqrt((2 * a * a + 2 * b * b) / 3);  // 1 + 2 degrees of freedom
  ASSERT_TRUE(RelativeNoiseOfRepeats(repeated).has_value());
  EXPECT_NEAR(*RelativeNoiseOfRepeats(repeated), expected, 1e-12);
}

TEST(EarlyStopTest, LeaveOneOutMatchesRefitting) {
  Points x(6, 1);
  Eigen::VectorXd y(6);
  for (int i = 0; i < 6; ++i) {
    x(i, 0) = 0.15 * i + 0.05;
    y[i] = std::sin(5 * x(i, 0)) + 0.1 * i;
  }
  const Kernel kernel({false}, (Eigen::VectorXd(3) << std::log(0.3), 0.0, std::log(1e-2)).finished());
  const auto gp = GaussianProcess::Condition(kernel, x, y).value();
  Eigen::VectorXd mean, variance;
  gp.LeaveOneOut(mean, variance);
  for (int i = 0; i < 6; ++i) {
    Points rest(5, 1);
    Eigen::VectorXd rest_y(5);
    for (int j = 0, k = 0; j < 6; ++j) {
      if (j == i) continue;
      rest(k, 0) = x(j, 0);
      rest_y[k++] = y[j];
    }
    const auto fit = GaussianProcess::Condition(kernel, rest, rest_y).value();
    Eigen::VectorXd m, v;
    fit.Predict(x.row(i), m, v);
    EXPECT_NEAR(mean[i], m[0], 1e-9) << i;
    EXPECT_NEAR(variance[i], v[0] + kernel.noise_variance(), 1e-9) << i;  // noise included
  }
}

// A GP that is sure of a smooth curve while the data zig-zag: its leave-one-out errors are large, so the
// stop must not trust its small predictive spreads.
TEST(EarlyStopTest, OverConfidentModelCannotStop) {
  Points x(12, 1);
  Eigen::VectorXd y(12);
  for (int i = 0; i < 12; ++i) {
    x(i, 0) = i / 11.0;
    y[i] = (i % 2 == 0 ? 1.0 : -1.0) + 0.01 * i;
  }
  const Kernel sure({false}, (Eigen::VectorXd(3) << std::log(2.0), 0.0, std::log(1e-4)).finished());
  const auto gp = GaussianProcess::Condition(sure, x, y).value();
  const double best = y.minCoeff();
  const std::vector<CandidatePrediction> candidates = {{best + 0.3, 0.02, 0}, {best + 0.5, 0.02, 0}};
  const EarlyStopSettings settings;
  const auto e = AssessConvergence(settings, 50, 10, 50, gp, best, best - 0.05, candidates);
  EXPECT_GT(e.calibration, 2);
  EXPECT_GT(e.loo_error, 0.1);
  EXPECT_FALSE(e.converged) << e.Describe(best, settings);
  // The same candidates under a model whose errors are as small as it claims do allow a stop.
  Eigen::VectorXd smooth(12);
  for (int i = 0; i < 12; ++i) smooth[i] = 0.01 * i;
  const auto calm = GaussianProcess::Condition(sure, x, smooth).value();
  const std::vector<CandidatePrediction> near = {{0.3, 0.02, 0}, {0.5, 0.02, 0}};
  const auto ok = AssessConvergence(settings, 50, 10, 50, calm, 0, -0.05, near);
  EXPECT_LT(ok.calibration, 1.5);
  EXPECT_TRUE(ok.converged) << ok.Describe(0, settings);
  EXPECT_FALSE(AssessConvergence(settings, 9, 10, 50, calm, 0, -0.05, near).converged);  // too few
  EXPECT_FALSE(AssessConvergence(settings, 50, 10, 3, calm, 0, -0.05, near).converged);  // improving
}

task::Optimization Bayesian(int64_t max_iterations, int64_t seed) {
  task::Optimization o;
  o.strategy = task::Strategy::kBayesian;
  o.objectives = {task::Objective::kMinimizeLatency};
  o.max_iterations = max_iterations;
  o.n_initial_random = 5;
  o.seed = seed;
  o.parallel_experiments = 1;
  return o;
}

size_t RunToEnd(Strategy& s, const std::function<double(const Json&)>& f) {
  size_t n = 0;
  while (true) {
    const auto batch = s.Propose(1);
    if (batch.empty()) return n;
    ++n;
    EXPECT_TRUE(s.Observe(batch[0], Outcome::Success(f(batch[0].values))).ok());
  }
}

TEST(EarlyStopTest, StopReasonGivesTheNumbersAndRespectsTheMinimum) {
  std::vector<Dimension> dims;
  for (int i = 0; i < 4; ++i) dims.push_back(Dimension::Range("x" + std::to_string(i), Kind::kInteger, 0, 9));
  auto s = MakeStrategy(Bayesian(200, 3), task::SearchSpace{dims}).value();
  const size_t n = RunToEnd(*s, [](const Json& v) {
    double sum = 1;
    for (int i = 0; i < 4; ++i) sum += 0.05 * std::pow(v["x" + std::to_string(i)].get<double>() - 4, 2);
    return sum;
  });
  ASSERT_EQ(s->stop_reason(), StopReason::kConverged) << s->stop_detail();
  EXPECT_GE(n, MinimumExperiments(EarlyStopSettings{}, 4, 5));
  EXPECT_LT(n, 150u);
  EXPECT_NEAR(s->observations()[*s->Best()].outcome.score(), 1.0, 0.01);
  for (const char* word : {"converged after", "leave-one-out error", "widened", "threshold"}) {
    EXPECT_NE(s->stop_detail().find(word), std::string::npos) << word << ": " << s->stop_detail();
  }
}

// A broad plateau 16% short of a narrow peak: the exploration safeguard finds the peak within 60 experiments
// (without it, two of these seeds took 77 and 96).
TEST(EarlyStopTest, PlateauSafeguardLeavesABroadPlateau) {
  const std::vector<Dimension> dims = {Dimension::Range("a", Kind::kInteger, 0, 29),
                                       Dimension::Range("b", Kind::kInteger, 0, 29)};
  const auto f = [](const Json& v) {
    const double a = v["a"].get<double>(), b = v["b"].get<double>();
    const double plateau = 0.84 * std::exp(-std::pow((std::pow(a - 7, 2) + std::pow(b - 7, 2)) / 150, 4));
    const double peak = std::exp(-std::pow((std::pow(a - 25, 2) + std::pow(b - 24, 2)) / 30, 3));
    return -std::max({plateau, peak, 0.3});
  };
  // Each run ends once it has found the peak (the GP fits of a full run are what make this
  // test slow, and nothing after the find matters to it). Runs whose space-filling start already hit the
  // peak say nothing about the safeguard, so the test also asks that several runs sat on the plateau first.
  size_t found = 0, left_the_plateau = 0;
  for (int64_t seed = 1; seed <= 8; ++seed) {
    StrategyOptions options;
    options.early_stop.enabled = false;
    auto s = MakeStrategy(Bayesian(60, seed), task::SearchSpace{dims}, options).value();
    size_t on_plateau = 0;  // experiments whose best so far was the plateau's
    for (auto batch = s->Propose(1); !batch.empty(); batch = s->Propose(1)) {
      ASSERT_TRUE(s->Observe(batch[0], Outcome::Success(f(batch[0].values))).ok());
      const double best = s->observations()[*s->Best()].outcome.score();
      if (best < -0.9) break;
      if (best < -0.8) ++on_plateau;
    }
    const double best = s->observations()[*s->Best()].outcome.score();
    found += best < -0.9 ? 1 : 0;
    left_the_plateau += best < -0.9 && on_plateau >= 10 ? 1 : 0;
    std::cout << "seed " << seed << ": best " << best << " after " << s->observations().size()
              << " experiments, " << on_plateau << " of them on the plateau\n";
  }
  EXPECT_EQ(found, 8u);
  EXPECT_GE(left_the_plateau, 3u);
}

}  // namespace
}  // namespace autotuner::opt
