#include "autotuner/opt/gp.h"

#include <nlopt.h>

#include <cmath>
#include <limits>
#include <memory>

namespace autotuner::opt {

namespace {

constexpr double kSqrt5 = 2.2360679774997896964;
constexpr double kLogTwoPi = 1.8378770664093454836;

Eigen::MatrixXd Covariance(const Kernel& kernel, const Points& x) {
  const auto n = x.rows();
  Eigen::MatrixXd k(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < i; ++j) k(i, j) = k(j, i) = kernel(x.row(i).data(), x.row(j).data());
    k(i, i) = kernel.signal_variance() + kernel.noise_variance();
  }
  return k;
}

struct NloptDeleter {
  void operator()(nlopt_opt opt) const { nlopt_destroy(opt); }
};

struct FitProblem {
  const std::vector<bool>* nominal;
  const Points* x;
  const Eigen::VectorXd* y;
  const Hyperpriors* priors;
};

// NLopt minimises; a covariance that is not positive definite gets a huge value so the line search backs off.
double NegativeLogPosterior(unsigned n, const double* params, double* grad, void* data) {
  const auto& problem = *static_cast<const FitProblem*>(data);
  const Kernel kernel(*problem.nominal, Eigen::Map<const Eigen::VectorXd>(params, n));
  Eigen::VectorXd g;
  double lml = LogMarginalLikelihood(kernel, *problem.x, *problem.y, grad ? &g : nullptr);
  if (!std::isfinite(lml)) {
    if (grad) std::fill(grad, grad + n, 0.0);
    return 1e30;
  }
  lml += problem.priors->LogDensity(kernel.log_params(), grad ? &g : nullptr);
  if (grad) {
    for (unsigned i = 0; i < n; ++i) grad[i] = -g[i];
  }
  return -lml;
}

}  // namespace

Kernel::Kernel(std::vector<bool> nominal, Eigen::VectorXd log_params)
    : nominal_(std::move(nominal)), log_params_(std::move(log_params)), scale_(nominal_.size()) {
  for (size_t d = 0; d < nominal_.size(); ++d) {
    scale_[d] = nominal_[d] ? std::exp(log_params_[d]) : std::exp(-log_params_[d]);
  }
  signal_ = std::exp(log_params_[signal_index()]);
  noise_ = std::exp(log_params_[noise_index()]);
}

std::pair<double, double> Kernel::Distances(const double* a, const double* b) const {
  double r2 = 0, mismatch = 0;
  for (size_t d = 0; d < nominal_.size(); ++d) {
    if (nominal_[d]) {
      if (a[d] != b[d]) mismatch += scale_[d];
    } else {
      const double t = (a[d] - b[d]) * scale_[d];
      r2 += t * t;
    }
  }
  return {r2, mismatch};
}

double Kernel::operator()(const double* a, const double* b) const {
  const auto [r2, mismatch] = Distances(a, b);
  const double s5r = kSqrt5 * std::sqrt(r2);
  return signal_ * (1 + s5r + 5.0 / 3.0 * r2) * std::exp(-s5r - mismatch);
}

double Kernel::WithGradient(const double* a, const double* b, double* grad) const {
  const auto [r2, mismatch] = Distances(a, b);
  const double s5r = kSqrt5 * std::sqrt(r2);
  const double e = std::exp(-s5r - mismatch);
  const double k = signal_ * (1 + s5r + 5.0 / 3.0 * r2) * e;
  // ∂k/∂log ℓ_d = σ²·C·(5/3)(1 + √5 r)e^{−√5 r}·((a_d − b_d)/ℓ_d)²: finite at r = 0.
  const double radial = signal_ * 5.0 / 3.0 * (1 + s5r) * e;
  for (size_t d = 0; d < nominal_.size(); ++d) {
    if (nominal_[d]) {
      grad[d] = a[d] != b[d] ? -scale_[d] * k : 0.0;
    } else {
      const double t = (a[d] - b[d]) * scale_[d];
      grad[d] = radial * t * t;
    }
  }
  grad[signal_index()] = k;
  grad[noise_index()] = 0;
  return k;
}

Hyperpriors Hyperpriors::Default(const std::vector<bool>& nominal, double noise_low, double noise_high) {
  const auto p = static_cast<Eigen::Index>(Kernel::NumParams(nominal.size()));
  Hyperpriors h{Eigen::VectorXd(p), Eigen::VectorXd(p), Eigen::VectorXd(p), Eigen::VectorXd(p)};
  for (size_t d = 0; d < nominal.size(); ++d) {
    const auto i = static_cast<Eigen::Index>(d);
    h.lower[i] = nominal[d] ? std::log(0.01) : std::log(0.03);
    h.upper[i] = nominal[d] ? std::log(10.0) : std::log(20.0);
    h.mean[i] = nominal[d] ? 0.0 : std::log(0.4);
    h.sd[i] = 1.0;
  }
  h.lower[p - 2] = std::log(0.05);
  h.upper[p - 2] = std::log(20.0);
  h.mean[p - 2] = 0;
  h.sd[p - 2] = 1.0;
  h.lower[p - 1] = std::log(noise_low);
  h.upper[p - 1] = std::log(noise_high);
  h.mean[p - 1] = 0;
  h.sd[p - 1] = 0;
  return h;
}

Eigen::VectorXd Hyperpriors::Clamp(const Eigen::VectorXd& x) const {
  return x.cwiseMax(lower).cwiseMin(upper);
}

double Hyperpriors::LogDensity(const Eigen::VectorXd& x, Eigen::VectorXd* grad) const {
  double log_density = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!(sd[i] > 0)) continue;
    const double z = (x[i] - mean[i]) / sd[i];
    log_density -= 0.5 * z * z;
    if (grad) (*grad)[i] -= z / sd[i];
  }
  return log_density;
}

double LogMarginalLikelihood(const Kernel& kernel, const Points& x, const Eigen::VectorXd& y,
                             Eigen::VectorXd* grad) {
  const auto n = x.rows();
  const auto p = static_cast<Eigen::Index>(Kernel::NumParams(kernel.dims()));
  // With a gradient, each pair's ∂k/∂θ is kept from building K (one column per pair i > j) so the kernel and
  // its exponentials are evaluated once.
  Eigen::MatrixXd pair_grads;
  Eigen::MatrixXd k;
  if (grad == nullptr) {
    k = Covariance(kernel, x);
  } else {
    pair_grads.resize(p, n * (n - 1) / 2);
    k.resize(n, n);
    Eigen::Index pair = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      for (Eigen::Index j = 0; j < i; ++j, ++pair) {
        k(i, j) = k(j, i) =
            kernel.WithGradient(x.row(i).data(), x.row(j).data(), pair_grads.col(pair).data());
      }
      k(i, i) = kernel.signal_variance() + kernel.noise_variance();
    }
  }
  const Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
  const Eigen::VectorXd alpha = llt.solve(y);
  const double log_det = 2 * llt.matrixLLT().diagonal().array().log().sum();
  const double lml = -0.5 * y.dot(alpha) - 0.5 * log_det - 0.5 * static_cast<double>(n) * kLogTwoPi;
  if (!std::isfinite(lml)) return -std::numeric_limits<double>::infinity();
  if (grad == nullptr) return lml;

  // ∂lml/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ): each pair i > j counts twice, the diagonal once.
  Eigen::MatrixXd w = alpha * alpha.transpose();
  w -= llt.solve(Eigen::MatrixXd::Identity(n, n));
  Eigen::VectorXd pair_weights(n * (n - 1) / 2);
  Eigen::Index pair = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < i; ++j) pair_weights[pair++] = w(i, j);
  }
  *grad = pair_grads * pair_weights;
  const double diag = 0.5 * w.diagonal().sum();
  (*grad)[p - 2] += diag * kernel.signal_variance();
  (*grad)[p - 1] += diag * kernel.noise_variance();
  return lml;
}

Result<GaussianProcess> GaussianProcess::Condition(Kernel kernel, Points x, Eigen::VectorXd y) {
  GaussianProcess gp(std::move(kernel));
  gp.llt_.compute(Covariance(gp.kernel_, x));
  if (gp.llt_.info() != Eigen::Success) {
    return MakeError(ErrorCode::kInternal, "GP covariance is not positive definite");
  }
  gp.alpha_ = gp.llt_.solve(y);
  const double log_det = 2 * gp.llt_.matrixLLT().diagonal().array().log().sum();
  gp.log_likelihood_ =
      -0.5 * y.dot(gp.alpha_) - 0.5 * log_det - 0.5 * static_cast<double>(x.rows()) * kLogTwoPi;
  gp.x_ = std::move(x);
  gp.y_ = std::move(y);
  return gp;
}

Result<GaussianProcess> GaussianProcess::Fit(const std::vector<bool>& nominal, Points x, Eigen::VectorXd y,
                                             const Hyperpriors& priors,
                                             std::span<const Eigen::VectorXd> starts, int max_evals) {
  const auto p = static_cast<unsigned>(Kernel::NumParams(nominal.size()));
  std::unique_ptr<nlopt_opt_s, NloptDeleter> opt(nlopt_create(NLOPT_LD_LBFGS, p));
  if (!opt) return MakeError(ErrorCode::kInternal, "cannot create the NLopt optimizer");
  FitProblem problem{&nominal, &x, &y, &priors};
  nlopt_set_lower_bounds(opt.get(), priors.lower.data());
  nlopt_set_upper_bounds(opt.get(), priors.upper.data());
  nlopt_set_min_objective(opt.get(), NegativeLogPosterior, &problem);
  nlopt_set_maxeval(opt.get(), max_evals);
  nlopt_set_ftol_rel(opt.get(), 1e-7);

  Eigen::VectorXd best;
  double best_value = std::numeric_limits<double>::infinity();
  for (const auto& start : starts) {
    Eigen::VectorXd params = priors.Clamp(start);
    double value = std::numeric_limits<double>::infinity();
    // A failed or stopped run still leaves its best point in `params`; keep whichever start is best.
    nlopt_optimize(opt.get(), params.data(), &value);
    if (value < best_value) {
      best_value = value;
      best = params;
    }
  }
  if (best.size() == 0) return MakeError(ErrorCode::kInternal, "no start for the GP hyperparameter fit");
  return Condition(Kernel(nominal, std::move(best)), std::move(x), std::move(y));
}

void GaussianProcess::Predict(const Points& query, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const {
  const auto n = x_.rows(), m = query.rows();
  Eigen::MatrixXd cross(n, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) cross(i, j) = kernel_(x_.row(i).data(), query.row(j).data());
  }
  mean = cross.transpose() * alpha_;
  llt_.matrixL().solveInPlace(cross);
  variance = (kernel_.signal_variance() - cross.colwise().squaredNorm().transpose().array()).cwiseMax(1e-12);
}

void GaussianProcess::LeaveOneOut(Eigen::VectorXd& mean, Eigen::VectorXd& variance) const {
  const auto n = x_.rows();
  const Eigen::MatrixXd inverse = llt_.solve(Eigen::MatrixXd::Identity(n, n));
  const Eigen::VectorXd diagonal = inverse.diagonal().cwiseMax(1e-300);
  variance = diagonal.cwiseInverse();
  mean = y_ - alpha_.cwiseQuotient(diagonal);
}

}  // namespace autotuner::opt
