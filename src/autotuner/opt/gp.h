#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <span>
#include <utility>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner::opt {

// Training / query points, one per row, in unit-box coordinates.
using Points = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Mixed kernel over a space whose dimensions are numeric (Matérn-5/2 with one lengthscale per dimension) or
// nominal (exp(−θ_d) per mismatching choice):
//   k(a, b) = σ² · M(r) · exp(−Σ_nominal θ_d [a_d ≠ b_d]),  r² = Σ_numeric ((a_d − b_d) / ℓ_d)²,
//   M(r) = (1 + √5 r + 5r²/3) · exp(−√5 r).
// Hyperparameters, all as natural logs: per dimension log ℓ_d (numeric) or log θ_d (nominal), then log σ²
// (signal variance), then log σ_n² (observation noise variance).
class Kernel {
 public:
  Kernel(std::vector<bool> nominal, Eigen::VectorXd log_params);

  static size_t NumParams(size_t dims) { return dims + 2; }
  size_t dims() const { return nominal_.size(); }
  size_t signal_index() const { return nominal_.size(); }
  size_t noise_index() const { return nominal_.size() + 1; }
  const std::vector<bool>& nominal() const { return nominal_; }
  const Eigen::VectorXd& log_params() const { return log_params_; }
  double signal_variance() const { return signal_; }
  double noise_variance() const { return noise_; }

  // k(a, b), without the noise term.
  double operator()(const double* a, const double* b) const;
  // k(a, b) and ∂k/∂(log hyperparameter) written to grad[0 .. NumParams) (the noise entry is 0).
  double WithGradient(const double* a, const double* b, double* grad) const;

 private:
  // Scaled squared distance over the numeric dimensions and the weighted mismatch over the nominal ones.
  std::pair<double, double> Distances(const double* a, const double* b) const;

  std::vector<bool> nominal_;
  Eigen::VectorXd log_params_;
  std::vector<double> scale_;  // 1/ℓ_d (numeric) or θ_d (nominal)
  double signal_ = 1;
  double noise_ = 0;
};

// Box bounds and independent normal priors on the log hyperparameters. The priors keep fits on a handful of
// points sensible (maximum likelihood then tends to switch dimensions off or interpolate sharply).
struct Hyperpriors {
  Eigen::VectorXd lower, upper;
  Eigen::VectorXd mean, sd;  // sd 0: flat within the bounds

  // Lengthscales 0.03–20 (unit box), prior median 0.4; mismatch weights 0.01–10, median 1; signal variance
  // 0.05–20, median 1 (standardised outputs); noise variance within the given range, flat.
  static Hyperpriors Default(const std::vector<bool>& nominal, double noise_low, double noise_high);
  Eigen::VectorXd Clamp(const Eigen::VectorXd& x) const;
  // Log prior density (up to a constant); adds its gradient to `grad` when given.
  double LogDensity(const Eigen::VectorXd& x, Eigen::VectorXd* grad = nullptr) const;
};

// log p(y | X, θ) of a zero-mean GP, and its gradient in the log hyperparameters when `grad` is given.
// −∞ when the covariance is not positive definite.
double LogMarginalLikelihood(const Kernel& kernel, const Points& x, const Eigen::VectorXd& y,
                             Eigen::VectorXd* grad = nullptr);

// A zero-mean Gaussian process conditioned on data.
class GaussianProcess {
 public:
  // Conditions on (x, y) with fixed hyperparameters. Fails (kInternal) when the covariance is not positive
  // definite.
  static Result<GaussianProcess> Condition(Kernel kernel, Points x, Eigen::VectorXd y);

  // Maximises marginal likelihood × prior with bounded L-BFGS (NLopt) from each start (clamped to the
  // bounds), at most `max_evals` evaluations per start, and conditions on the best.
  static Result<GaussianProcess> Fit(const std::vector<bool>& nominal, Points x, Eigen::VectorXd y,
                                     const Hyperpriors& priors, std::span<const Eigen::VectorXd> starts,
                                     int max_evals);

  // Posterior mean and latent (noise-free) variance at each row of `query`.
  void Predict(const Points& query, Eigen::VectorXd& mean, Eigen::VectorXd& variance) const;

  // Leave-one-out predictions of the training targets with the same hyperparameters (closed form, Rasmussen
  // & Williams §5.4.2): mean[i] and variance[i] (noise included) of y[i] from the other rows.
  void LeaveOneOut(Eigen::VectorXd& mean, Eigen::VectorXd& variance) const;

  const Kernel& kernel() const { return kernel_; }
  double log_likelihood() const { return log_likelihood_; }
  const Points& x() const { return x_; }
  const Eigen::VectorXd& y() const { return y_; }

 private:
  explicit GaussianProcess(Kernel kernel) : kernel_(std::move(kernel)) {}
  Kernel kernel_;
  Points x_;
  Eigen::VectorXd y_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd alpha_;
  double log_likelihood_ = 0;
};

}  // namespace autotuner::opt
