#include "autotuner/opt/acquisition.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace autotuner::opt {
namespace {

// Reference values computed with mpmath at 40 digits.
TEST(AcquisitionTest, ErfcxMatchesHighPrecisionValues) {
  const std::pair<double, double> cases[] = {{0.5, 0.61569034419292587487}, {5, 0.11070463773306862637},
                                             {25, 0.022549572432641358944}, {26, 0.021683584850562906616},
                                             {30, 0.018795888861416751497}, {100, 0.0056416137829894329036}};
  for (const auto& [x, expected] : cases) EXPECT_NEAR(Erfcx(x) / expected, 1.0, 1e-11) << x;
}

TEST(AcquisitionTest, LogNormalCdfIsAccurateInBothTails) {
  EXPECT_NEAR(LogNormalCdf(0), std::log(0.5), 1e-15);
  EXPECT_NEAR(LogNormalCdf(-10), -53.231285150512470578, 1e-10);
  EXPECT_NEAR(LogNormalCdf(-40), -804.60844201375378817, 1e-9);
  EXPECT_NEAR(LogNormalCdf(-200), -20006.217280898190402, 1e-7);
  // Upper tail: log(1 − Φ(−z)) ≈ −Φ(−z).
  EXPECT_NEAR(LogNormalCdf(8), -0.5 * std::erfc(8 / std::numbers::sqrt2), 1e-25);
  // Continuous where the formula switches.
  EXPECT_NEAR(LogNormalCdf(-5 + 1e-9), LogNormalCdf(-5 - 1e-9), 2e-9 * 5.2 * 1.01);  // slope ≈ 5.19
}

TEST(AcquisitionTest, LogHMatchesHighPrecisionValues) {
  const std::pair<double, double> cases[] = {{-1, -2.4851210257126413368},
                                             {-5, -16.744301162660990143},
                                             {-20, -206.91783850942509785},
                                             {-100, -5010.1295788002497923},
                                             {-1e4, -50000019.339619307157}};
  for (const auto& [z, expected] : cases) EXPECT_NEAR(LogH(z) / expected, 1.0, 1e-9) << z;
  // Where it is directly computable, the definition.
  for (double z = -0.9; z < 5; z += 0.37) {
    const double pdf = std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi);
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    EXPECT_NEAR(LogH(z), std::log(pdf + z * cdf), 1e-12) << z;
  }
}

TEST(AcquisitionTest, LogHIsIncreasingAndContinuousAcrossItsBranches) {
  EXPECT_NEAR(LogH(-1 - 1e-9), LogH(-1 + 1e-9), 1e-8);
  // Both sides of the asymptotic switch agree with h(z) ≈ φ(z)/z².
  for (const double z : {-1e7 * (1 - 1e-6), -1e7 * (1 + 1e-6)}) {
    const double asymptotic = -z * z / 2 - 0.5 * std::log(2 * std::numbers::pi) - 2 * std::log(-z);
    EXPECT_NEAR(LogH(z) / asymptotic, 1.0, 1e-12);
  }
  double previous = LogH(-1e6);
  for (double z = -1e6; z < 10; z = z < -10 ? z / 1.5 : z + 0.25) {
    const double value = LogH(z);
    EXPECT_TRUE(std::isfinite(value)) << z;
    EXPECT_GE(value, previous) << z;
    previous = value;
  }
}

TEST(AcquisitionTest, LogExpectedImprovementMatchesNumericIntegration) {
  // EI = ∫ max(best − y, 0) N(y; mean, sd) dy.
  const double mean = 1.3, sd = 0.4, best = 1.0;
  double ei = 0;
  const double h = 1e-4;
  for (double y = mean - 12 * sd; y < best; y += h) {
    const double density =
        std::exp(-0.5 * std::pow((y - mean) / sd, 2)) / (sd * std::sqrt(2 * std::numbers::pi));
    ei += (best - y) * density * h;
  }
  EXPECT_NEAR(std::exp(LogExpectedImprovement(mean, sd, best)) / ei, 1.0, 1e-3);
}

TEST(AcquisitionTest, OutputWarpIsMonotoneAndCompressesTheBadTail) {
  const std::vector<double> y = {1.0, 1.1, 1.2, 1.3, 1.4, 1e6};
  const auto warp = OutputWarp::Fit(y);
  double previous = -1e300;
  for (double v = 0.5; v < 2e6; v *= 1.3) {
    EXPECT_GT(warp.Apply(v), previous);
    previous = warp.Apply(v);
  }
  // The huge outlier ends up within a few units of the others instead of millions.
  EXPECT_LT(warp.Apply(1e6) - warp.Apply(1.4), 20);
  // Good scores keep their linear spacing.
  EXPECT_NEAR(warp.Apply(1.0) - warp.Apply(1.1), warp.Apply(1.1) - warp.Apply(1.2), 1e-12);
}

TEST(AcquisitionTest, OutputWarpHandlesConstantScores) {
  const std::vector<double> y = {3.0, 3.0, 3.0};
  const auto warp = OutputWarp::Fit(y);
  EXPECT_TRUE(std::isfinite(warp.Apply(3.0)));
  EXPECT_LT(warp.Apply(2.9), warp.Apply(3.0));
}

}  // namespace
}  // namespace autotuner::opt
