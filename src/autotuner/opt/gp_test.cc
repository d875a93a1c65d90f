#include "autotuner/opt/gp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "autotuner/opt/rng.h"

namespace autotuner::opt {
namespace {

Eigen::VectorXd Params(std::initializer_list<double> values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  Eigen::Index i = 0;
  for (const double x : values) v[i++] = x;
  return v;
}

// Dimensions: numeric, nominal, numeric.
const std::vector<bool> kMixed = {false, true, false};

TEST(GpTest, KernelGradientMatchesFiniteDifferences) {
  const Eigen::VectorXd params =
      Params({std::log(0.3), std::log(0.7), std::log(1.5), std::log(2.0), std::log(0.01)});
  const double a[] = {0.1, 0.25, 0.9};
  const double b[] = {0.4, 0.75, 0.6};  // nominal coordinates differ
  const Kernel kernel(kMixed, params);
  std::vector<double> grad(params.size());
  const double k = kernel.WithGradient(a, b, grad.data());
  EXPECT_DOUBLE_EQ(k, kernel(a, b));
  for (Eigen::Index i = 0; i < params.size(); ++i) {
    const double h = 1e-6;
    Eigen::VectorXd up = params, down = params;
    up[i] += h;
    down[i] -= h;
    const double numeric = (Kernel(kMixed, up)(a, b) - Kernel(kMixed, down)(a, b)) / (2 * h);
    EXPECT_NEAR(grad[static_cast<size_t>(i)], numeric, 1e-7 * std::max(1.0, std::abs(numeric))) << i;
  }
}

TEST(GpTest, KernelHasTheStatedForm) {
  const double signal = 2.0, theta = 0.7, lengthscale = 0.3;
  const Kernel kernel(kMixed, Params({std::log(lengthscale), std::log(theta), std::log(lengthscale),
                                      std::log(signal), std::log(1e-3)}));
  const double a[] = {0.5, 0.25, 0.5};
  const double same_choice[] = {0.5, 0.25, 0.5};
  const double other_choice[] = {0.5, 0.75, 0.5};
  EXPECT_DOUBLE_EQ(kernel(a, same_choice), signal);
  EXPECT_NEAR(kernel(a, other_choice), signal * std::exp(-theta), 1e-15);
  // Matérn-5/2 at r = 0.3 / 0.3 = 1.
  const double shifted[] = {0.8, 0.25, 0.5};
  const double r = 1.0;
  EXPECT_NEAR(kernel(a, shifted),
              signal * (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r), 1e-14);
}

struct Data {
  Points x;
  Eigen::VectorXd y;
};

Data MixedData(size_t n, uint64_t seed) {
  Rng rng(seed);
  Data d{Points(static_cast<Eigen::Index>(n), 3), Eigen::VectorXd(static_cast<Eigen::Index>(n))};
  for (Eigen::Index i = 0; i < d.x.rows(); ++i) {
    d.x(i, 0) = rng.Uniform();
    d.x(i, 1) = rng.Below(2) == 0 ? 0.25 : 0.75;
    d.x(i, 2) = rng.Uniform();
    d.y[i] = std::sin(5 * d.x(i, 0)) + (d.x(i, 1) > 0.5 ? 0.5 : 0.0) + 0.1 * d.x(i, 2);
  }
  return d;
}

TEST(GpTest, LogLikelihoodGradientMatchesFiniteDifferences) {
  const Data d = MixedData(8, 3);
  const Eigen::VectorXd params =
      Params({std::log(0.4), std::log(0.9), std::log(1.7), std::log(1.2), std::log(0.05)});
  Eigen::VectorXd grad;
  const double lml = LogMarginalLikelihood(Kernel(kMixed, params), d.x, d.y, &grad);
  EXPECT_DOUBLE_EQ(lml, LogMarginalLikelihood(Kernel(kMixed, params), d.x, d.y));
  ASSERT_EQ(grad.size(), params.size());
  for (Eigen::Index i = 0; i < params.size(); ++i) {
    const double h = 1e-6;
    Eigen::VectorXd up = params, down = params;
    up[i] += h;
    down[i] -= h;
    const double numeric = (LogMarginalLikelihood(Kernel(kMixed, up), d.x, d.y) -
                            LogMarginalLikelihood(Kernel(kMixed, down), d.x, d.y)) /
                           (2 * h);
    EXPECT_NEAR(grad[i], numeric, 1e-5 * std::max(1.0, std::abs(numeric))) << i;
  }
}

TEST(GpTest, PosteriorMatchesAHandComputedTwoPointCase) {
  // One numeric dimension, points 0 and 0.5 with targets 1 and −1, query 0.2.
  const double l = 0.4, s = 2.0, n = 0.01;
  const auto matern = [&](double dx) {
    const double r = std::abs(dx) / l;
    return s * (1 + std::sqrt(5.0) * r + 5 * r * r / 3) * std::exp(-std::sqrt(5.0) * r);
  };
  const double k11 = s + n, k12 = matern(0.5);
  const double det = k11 * k11 - k12 * k12;
  // K⁻¹ = [[k11, −k12], [−k12, k11]] / det.
  const double a1 = (k11 * 1 - k12 * -1) / det, a2 = (-k12 * 1 + k11 * -1) / det;
  const double ks1 = matern(0.2), ks2 = matern(0.3);
  const double expected_mean = ks1 * a1 + ks2 * a2;
  const double expected_var = s - (ks1 * (k11 * ks1 - k12 * ks2) + ks2 * (-k12 * ks1 + k11 * ks2)) / det;

  Points x(2, 1);
  x << 0.0, 0.5;
  Eigen::VectorXd y(2);
  y << 1.0, -1.0;
  auto gp =
      GaussianProcess::Condition(Kernel({false}, Params({std::log(l), std::log(s), std::log(n)})), x, y);
  ASSERT_TRUE(gp.ok());
  Points q(1, 1);
  q << 0.2;
  Eigen::VectorXd mean, var;
  gp->Predict(q, mean, var);
  EXPECT_NEAR(mean[0], expected_mean, 1e-12);
  EXPECT_NEAR(var[0], expected_var, 1e-12);
  // log N(y; 0, K) by hand.
  const double quad = y[0] * a1 + y[1] * a2;
  EXPECT_NEAR(gp->log_likelihood(), -0.5 * quad - 0.5 * std::log(det) - std::log(2 * M_PI), 1e-12);
}

TEST(GpTest, FitRaisesTheLikelihoodAndFindsTheIrrelevantDimension) {
  const Data d = MixedData(25, 11);
  const auto bounds = Hyperpriors::Default(kMixed, 1e-6, 0.5);
  const Eigen::VectorXd start = Params({std::log(0.5), std::log(0.5), std::log(0.5), 0.0, std::log(1e-3)});
  auto gp = GaussianProcess::Fit(kMixed, d.x, d.y, bounds, std::vector<Eigen::VectorXd>{start}, 200);
  ASSERT_TRUE(gp.ok());
  EXPECT_GT(gp->log_likelihood() + bounds.LogDensity(gp->kernel().log_params()),
            LogMarginalLikelihood(Kernel(kMixed, start), d.x, d.y) + bounds.LogDensity(start));
  const auto& p = gp->kernel().log_params();
  for (Eigen::Index i = 0; i < p.size(); ++i) {
    EXPECT_GE(p[i], bounds.lower[i] - 1e-12);
    EXPECT_LE(p[i], bounds.upper[i] + 1e-12);
  }
  // Dimension 2 barely matters (0.1 over the range): its lengthscale ends up longer than dimension 0's.
  EXPECT_GT(p[2], p[0] + std::log(3.0));
  // The fitted model predicts held-out points well.
  const Data test = MixedData(20, 12);
  Eigen::VectorXd mean, var;
  gp->Predict(test.x, mean, var);
  EXPECT_LT((mean - test.y).cwiseAbs().maxCoeff(), 0.15);
}

TEST(GpTest, ConditionRejectsANonPositiveDefiniteCovariance) {
  Points x(2, 1);
  x << 0.3, 0.3;
  Eigen::VectorXd y(2);
  y << 1.0, 2.0;
  // Identical points with (numerically) no noise make K singular.
  auto gp = GaussianProcess::Condition(Kernel({false}, Params({0.0, 0.0, -800.0})), x, y);
  EXPECT_FALSE(gp.ok());
  EXPECT_FALSE(std::isfinite(LogMarginalLikelihood(Kernel({false}, Params({0.0, 0.0, -800.0})), x, y)));
}

}  // namespace
}  // namespace autotuner::opt
