#include "autotuner/opt/acquisition.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace autotuner::opt {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(√(2π))

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

double Erfcx(double x) {
  if (x < 26) return std::exp(x * x) * std::erfc(x);
  // Asymptotic series; at x >= 26 the first omitted term is below 1e-12 relative.
  const double inv2 = 1 / (x * x);
  const double series =
      1 - inv2 / 2 + 0.75 * inv2 * inv2 - 1.875 * inv2 * inv2 * inv2 + 6.5625 * inv2 * inv2 * inv2 * inv2;
  return series / (x * std::sqrt(std::numbers::pi));
}

double LogNormalCdf(double z) {
  if (z > 0) return std::log1p(-0.5 * std::erfc(z / std::numbers::sqrt2));
  if (z > -5) return std::log(0.5 * std::erfc(-z / std::numbers::sqrt2));
  return std::log(0.5 * Erfcx(-z / std::numbers::sqrt2)) - z * z / 2;
}

double LogH(double z) {
  if (z > -1) {
    const double pdf = std::exp(-z * z / 2 - kLogSqrt2Pi);
    const double cdf = 0.5 * std::erfc(-z / std::numbers::sqrt2);
    return std::log(pdf + z * cdf);
  }
  // h(z) = φ(z)·(1 − |z|·R(|z|)) with the Mills ratio R(t) = Φ(−t)/φ(t) = √(π/2)·erfcx(t/√2).
  const double t = -z;
  if (t > 1e7) return -z * z / 2 - kLogSqrt2Pi - 2 * std::log(t);  // 1 − t·R(t) → 1/t²
  const double mills = std::sqrt(std::numbers::pi / 2) * Erfcx(t / std::numbers::sqrt2);
  return -z * z / 2 - kLogSqrt2Pi + std::log1p(-t * mills);
}

double LogExpectedImprovement(double mean, double sd, double best) {
  return std::log(sd) + LogH((best - mean) / sd);
}

OutputWarp OutputWarp::Fit(std::span<const double> y) {
  OutputWarp w;
  if (y.empty()) return w;
  const std::vector<double> v(y.begin(), y.end());
  w.center_ = Quantile(v, 0.5);
  double scale = (Quantile(v, 0.75) - Quantile(v, 0.25)) / 1.349;  // IQR of a normal is 1.349 σ
  if (!(scale > 0)) {
    double sq = 0;
    for (const double x : v) sq += (x - w.center_) * (x - w.center_);
    scale = std::sqrt(sq / static_cast<double>(v.size()));
  }
  if (!(scale > 0)) scale = std::max(std::abs(w.center_) * 0.01, 1e-12);
  w.scale_ = scale;
  return w;
}

double OutputWarp::Apply(double y) const {
  const double z = (y - center_) / scale_;
  return z > 1 ? 1 + std::log(z) : z;
}

}  // namespace autotuner::opt
