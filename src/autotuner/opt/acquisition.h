#pragma once

#include <span>
#include <vector>

namespace autotuner::opt {

// Scaled complementary error function exp(x²)·erfc(x), for x >= 0, accurate where erfc underflows.
double Erfcx(double x);

// log Φ(z) of the standard normal CDF, accurate far into both tails.
double LogNormalCdf(double z);

// log(φ(z) + z·Φ(z)): the log of expected improvement per unit of predictive standard deviation when the
// incumbent is z standard deviations better than the prediction. Stable for very negative z, where EI itself
// underflows (the "log-EI" of Ament et al. 2023).
double LogH(double z);

// log EI of minimising below `best` under a normal prediction (mean, sd); sd > 0.
double LogExpectedImprovement(double mean, double sd, double best);

// Monotone map of scores (lower is better) that keeps resolution among good scores and compresses the bad
// tail, so a few terrible experiments (SLO penalties grow exponentially) do not flatten the model elsewhere:
// z = (y − median) / robust spread, then 1 + log(z) above z = 1.
class OutputWarp {
 public:
  static OutputWarp Fit(std::span<const double> y);
  double Apply(double y) const;

 private:
  double center_ = 0;
  double scale_ = 1;
};

}  // namespace autotuner::opt
