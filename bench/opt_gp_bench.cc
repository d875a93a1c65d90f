// Cost of one Bayesian proposal (GP fits + acquisition search) at 100 observations × 8 dimensions, and of the
// GP pieces alone. Numbers printed by Google Benchmark; run from a release build, on one core.

#include <benchmark/benchmark.h>

#include <cmath>

#include "autotuner/opt/gp.h"
#include "autotuner/opt/rng.h"
#include "autotuner/opt/strategy.h"

namespace {

using namespace autotuner;
using Kind = task::Parameter::Kind;
using task::Dimension;

// 8 dimensions: 3 float, 2 integer, 2 ordinal, 1 nominal.
task::SearchSpace EightDims() {
  return {{Dimension::Range("f0", Kind::kFloat, 0, 1), Dimension::Range("f1", Kind::kFloat, 0.5, 0.95),
           Dimension::Range("f2", Kind::kFloat, 1e-3, 1, true), Dimension::Range("i0", Kind::kInteger, 1, 64),
           Dimension::Range("i1", Kind::kInteger, 256, 16384, true),
           Dimension::Categorical("tp", {1, 2, 4, 8}),
           Dimension::Categorical("chunk", {1024, 2048, 4096, 8192}),
           Dimension::Categorical("policy", {"lpm", "fcfs", "dfs-weight", "random"})}};
}

opt::Outcome Evaluate(const opt::Candidate& c) {
  double sum = 0;
  for (size_t d = 0; d < c.unit.size(); ++d) sum += std::sin(3 * c.unit[d] + static_cast<double>(d));
  if (c.unit[0] > 0.9 && c.unit[3] > 0.8) return opt::Outcome::Infeasible(opt::InfeasibleReason::kOom);
  return opt::Outcome::Success(10 + sum);
}

// A Bayesian study with `n` observations (random configurations, ~2% infeasible).
Json StudyState(size_t n) {
  task::Optimization o;
  o.strategy = task::Strategy::kRandom;
  o.max_iterations = static_cast<int64_t>(n);
  o.seed = 1;
  auto random = opt::MakeStrategy(o, EightDims()).value();
  for (size_t i = 0; i < n; ++i) {
    const auto c = random->Propose(1).at(0);
    (void)random->Observe(c, Evaluate(c));
  }
  Json state = random->SaveState();
  state["strategy"] = "bayesian";
  state["model"] = {{"objective_params", nullptr}, {"feasibility_params", nullptr}};
  return state;
}

void BM_BayesianPropose(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  const Json saved = StudyState(n);
  task::Optimization o;
  o.strategy = task::Strategy::kBayesian;
  o.max_iterations = 1000;
  o.n_initial_random = 5;
  o.seed = 1;
  auto bayes = opt::MakeStrategy(o, EightDims()).value();
  // Warm the hyperparameters once, as in a running study (each proposal starts from the last fit).
  (void)bayes->Restore(saved);
  (void)bayes->Propose(1);
  Json warm = bayes->SaveState();
  warm["pending"] = Json::array();
  for (auto _ : state) {
    state.PauseTiming();
    (void)bayes->Restore(warm);
    state.ResumeTiming();
    benchmark::DoNotOptimize(bayes->Propose(1));
  }
}
BENCHMARK(BM_BayesianPropose)->Arg(25)->Arg(50)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond);

// The first proposal of a resumed study: hyperparameters fitted from scratch (no warm start).
void BM_BayesianProposeCold(benchmark::State& state) {
  const Json saved = StudyState(static_cast<size_t>(state.range(0)));
  task::Optimization o;
  o.strategy = task::Strategy::kBayesian;
  o.max_iterations = 1000;
  o.seed = 1;
  auto bayes = opt::MakeStrategy(o, EightDims()).value();
  for (auto _ : state) {
    state.PauseTiming();
    (void)bayes->Restore(saved);
    state.ResumeTiming();
    benchmark::DoNotOptimize(bayes->Propose(1));
  }
}
BENCHMARK(BM_BayesianProposeCold)->Arg(100)->Unit(benchmark::kMillisecond);

struct GpData {
  opt::Points x;
  Eigen::VectorXd y;
  std::vector<bool> nominal;
};

GpData Data(size_t n) {
  opt::Rng rng(3);
  GpData d{opt::Points(static_cast<Eigen::Index>(n), 8),
           Eigen::VectorXd(static_cast<Eigen::Index>(n)),
           {false, false, false, false, false, false, false, true}};
  for (Eigen::Index i = 0; i < d.x.rows(); ++i) {
    double sum = 0;
    for (Eigen::Index j = 0; j < 8; ++j) {
      d.x(i, j) = j == 7 ? (rng.Below(4) + 0.5) / 4 : rng.Uniform();
      sum += std::sin(3 * d.x(i, j) + static_cast<double>(j));
    }
    d.y[i] = sum;
  }
  d.y = (d.y.array() - d.y.mean()) / std::sqrt((d.y.array() - d.y.mean()).square().mean());
  return d;
}

void BM_GpLogLikelihoodWithGradient(benchmark::State& state) {
  const GpData d = Data(static_cast<size_t>(state.range(0)));
  const auto priors = opt::Hyperpriors::Default(d.nominal, 1e-6, 0.5);
  Eigen::VectorXd grad;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        opt::LogMarginalLikelihood(opt::Kernel(d.nominal, priors.mean), d.x, d.y, &grad));
  }
}
BENCHMARK(BM_GpLogLikelihoodWithGradient)->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_GpFitThreeStarts(benchmark::State& state) {
  const GpData d = Data(static_cast<size_t>(state.range(0)));
  const auto priors = opt::Hyperpriors::Default(d.nominal, 1e-6, 0.5);
  const std::vector<Eigen::VectorXd> starts = {priors.mean, priors.mean.array() + 0.5,
                                               priors.mean.array() - 0.5};
  for (auto _ : state) {
    benchmark::DoNotOptimize(opt::GaussianProcess::Fit(d.nominal, d.x, d.y, priors, starts, 50));
  }
}
BENCHMARK(BM_GpFitThreeStarts)->Arg(100)->Unit(benchmark::kMillisecond);

void BM_GpPredict1000(benchmark::State& state) {
  const GpData d = Data(static_cast<size_t>(state.range(0)));
  const GpData query = Data(1000);
  const auto priors = opt::Hyperpriors::Default(d.nominal, 1e-6, 0.5);
  auto gp = opt::GaussianProcess::Condition(opt::Kernel(d.nominal, priors.mean), d.x, d.y).value();
  Eigen::VectorXd mean, var;
  for (auto _ : state) {
    gp.Predict(query.x, mean, var);
    benchmark::DoNotOptimize(mean.data());
  }
}
BENCHMARK(BM_GpPredict1000)->Arg(100)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
