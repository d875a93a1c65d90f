#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autotuner/opt/acquisition.h"
#include "autotuner/opt/early_stop.h"
#include "autotuner/opt/gp.h"
#include "autotuner/opt/strategies.h"

namespace autotuner::opt {

namespace {

constexpr int kMaxFitEvals = 50;
constexpr Eigen::Index kFullMultiStartRows = 40;
constexpr size_t kPoolRandom = 512;
constexpr uint64_t kExhaustiveLimit = 4096;
constexpr size_t kPoolIncumbents = 5;
constexpr size_t kLocalStarts = 3;
constexpr int kMaxLocalRounds = 30;
constexpr double kInitialStep = 0.1;
constexpr double kMinStep = 0.004;
// Noise variance ranges on standardised scores and on ±1 feasibility labels.
constexpr double kObjectiveNoise[] = {1e-6, 1e-3, 0.5};  // low, default, high
constexpr double kFeasibilityNoise[] = {1e-4, 1e-3, 0.05};
constexpr double kInfeasibleRank = -1e6;
// Plateau safeguard: explore every kExploreEvery-th proposal after kStallPerDimension · (dimensions + 1)
// experiments without an improvement of more than PlateauThreshold (early_stop.h).
constexpr size_t kExploreEvery = 3;
constexpr size_t kStallPerDimension = 2;
constexpr size_t kExplorePool = 256;

// A point the acquisition was evaluated at, with the predictions behind the value.
struct Evaluated {
  std::vector<double> unit;
  double acquisition = 0;
  double mean = 0;  // standardised objective
  double sd = 1;
  double log_feasible = 0;
};

// The models of one Propose call: fitted once, then updated with believed outcomes of the pending and
// already chosen candidates (kriging believer) so a batch spreads out.
struct Model {
  std::optional<GaussianProcess> objective;    // standardised warped scores of feasible experiments
  std::optional<GaussianProcess> feasibility;  // +1 feasible / −1 infeasible, zero prior mean
  OutputWarp warp;
  double mean = 0, sd = 1;  // standardisation of warped scores
  double best = 0;          // lowest standardised value in the objective's data, lies included
  double best_score = 0;    // lowest observed raw score

  // Standardised units per unit of raw score near the best score (the warp's slope there, over sd): converts
  // a relative noise level, r · |best score| in raw units, to and from the GP's noise variance.
  double StandardisedPerRelative() const {
    const double h = std::max(std::abs(best_score) * 1e-3, 1e-12);
    const double slope = (warp.Apply(best_score + h) - warp.Apply(best_score - h)) / (2 * h) / sd;
    return std::abs(slope * best_score);
  }
};

Points ToPoints(const std::vector<std::vector<double>>& units, size_t dims) {
  Points p(static_cast<Eigen::Index>(units.size()), static_cast<Eigen::Index>(dims));
  for (size_t i = 0; i < units.size(); ++i) {
    for (size_t d = 0; d < dims; ++d)
      p(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)) = units[i][d];
  }
  return p;
}

// Appends one row (and its target) to a conditioned GP, keeping the hyperparameters.
void Append(std::optional<GaussianProcess>& gp, std::span<const double> unit, double target) {
  Points x(gp->x().rows() + 1, gp->x().cols());
  x.topRows(gp->x().rows()) = gp->x();
  for (Eigen::Index d = 0; d < x.cols(); ++d) x(x.rows() - 1, d) = unit[static_cast<size_t>(d)];
  Eigen::VectorXd y(gp->y().size() + 1);
  y << gp->y(), target;
  auto updated = GaussianProcess::Condition(gp->kernel(), std::move(x), std::move(y));
  if (updated) gp = std::move(updated).value();
}

double PredictMean(const GaussianProcess& gp, std::span<const double> unit) {
  Points q(1, static_cast<Eigen::Index>(unit.size()));
  for (size_t d = 0; d < unit.size(); ++d) q(0, static_cast<Eigen::Index>(d)) = unit[d];
  Eigen::VectorXd mean, variance;
  gp.Predict(q, mean, variance);
  return mean[0];
}

class Bayesian final : public Strategy {
 public:
  Bayesian(Space space, const task::Optimization& optimization, StrategyOptions options)
      : Strategy("bayesian", std::move(space), optimization, std::move(options)) {
    for (const auto& d : this->space().dims()) nominal_.push_back(d.kind == DimKind::kNominal);
  }

  std::optional<double> model_noise() const override { return fitted_noise_; }

 protected:
  void Generate(size_t k, std::vector<Candidate>& batch) override {
    const auto n_initial = static_cast<size_t>(std::max<int64_t>(optimization().n_initial_random, 1));
    std::optional<Model> model;
    while (batch.size() < k) {
      const size_t known = observations().size() + prior_observations().size();
      std::optional<Candidate> c;
      if (known == 0 || known + pending().size() + batch.size() < n_initial) {
        c = TakeSpaceFilling();
      } else {
        if (!model) model = Fit(batch);
        c = ShouldExplore(batch.size()) ? Explore(*model)
                                        : ProposeFromModel(*model, pending().empty() && batch.empty());
        if (c) AddLie(*model, c->unit);
      }
      if (!c) return;
      batch.push_back(std::move(*c));
    }
  }

  Json SaveModel() const override {
    const auto params = [](const std::optional<Eigen::VectorXd>& p) {
      return p ? Json(std::vector<double>(p->begin(), p->end())) : Json(nullptr);
    };
    return {{"objective_params", params(objective_params_)},
            {"feasibility_params", params(feasibility_params_)}};
  }

  Status RestoreModel(const Json& model) override {
    std::optional<Eigen::VectorXd> parsed[2];
    const char* keys[] = {"objective_params", "feasibility_params"};
    for (int i = 0; i < 2; ++i) {
      const Json p = model.is_object() ? model.value(keys[i], Json{}) : Json{};
      if (p.is_null()) continue;
      if (!p.is_array() || p.size() != Kernel::NumParams(nominal_.size()) ||
          !std::all_of(p.begin(), p.end(), [](const Json& v) { return v.is_number(); })) {
        return MakeError(ErrorCode::kValidation, std::string("strategy state: malformed model.") + keys[i]);
      }
      parsed[i] = Eigen::VectorXd(static_cast<Eigen::Index>(p.size()));
      for (size_t j = 0; j < p.size(); ++j) (*parsed[i])[static_cast<Eigen::Index>(j)] = p[j].get<double>();
    }
    objective_params_ = parsed[0];
    feasibility_params_ = parsed[1];
    return {};
  }

 private:
  // MAP hyperparameters from the last fit's, the prior median and a random draw from the prior. Past
  // kFullMultiStartRows rows (each evaluation costs O(n³)) the warm start usually wins, so only one of the
  // other two starts is tried, alternately.
  std::optional<GaussianProcess> FitGp(const Points& x, const Eigen::VectorXd& y, const double (&noise)[3],
                                       std::optional<Eigen::VectorXd>& warm) {
    const auto priors = Hyperpriors::Default(nominal_, noise[0], noise[2]);
    const auto p = priors.lower.size();
    Eigen::VectorXd fallback = priors.mean;
    fallback[p - 1] = std::log(noise[1]);
    Eigen::VectorXd random = fallback;
    for (Eigen::Index i = 0; i < p - 1; ++i) {
      random[i] = priors.mean[i] + priors.sd[i] * rng().Normal();
    }
    std::vector<Eigen::VectorXd> starts;
    const bool warm_start = warm && warm->size() == p;
    if (warm_start) starts.push_back(*warm);
    const bool full = !warm_start || x.rows() <= kFullMultiStartRows;
    if (full || x.rows() % 2 == 0) starts.push_back(fallback);
    if (full || x.rows() % 2 == 1) starts.push_back(random);
    auto gp = GaussianProcess::Fit(nominal_, x, y, priors, starts, kMaxFitEvals);
    if (!gp) {
      fallback[p - 1] = std::log(noise[2]);
      gp = GaussianProcess::Condition(Kernel(nominal_, fallback), x, y);
    }
    if (!gp) return std::nullopt;
    warm = gp->kernel().log_params();
    return std::move(gp).value();
  }

  Model Fit(const std::vector<Candidate>& batch) {
    std::vector<std::vector<double>> feasible_x, all_x;
    std::vector<double> scores;
    std::vector<double> labels;
    for (const auto* list : {&prior_observations(), &observations()}) {
      for (const auto& o : *list) {
        all_x.push_back(o.candidate.unit);
        labels.push_back(o.outcome.feasible() ? 1.0 : -1.0);
        if (!o.outcome.feasible()) continue;
        feasible_x.push_back(o.candidate.unit);
        scores.push_back(o.outcome.score());
      }
    }
    Model model;
    const size_t dims = space().size();
    if (!scores.empty()) {
      model.best_score = *std::min_element(scores.begin(), scores.end());
      model.warp = OutputWarp::Fit(scores);
      Eigen::VectorXd y(static_cast<Eigen::Index>(scores.size()));
      for (size_t i = 0; i < scores.size(); ++i)
        y[static_cast<Eigen::Index>(i)] = model.warp.Apply(scores[i]);
      model.mean = y.mean();
      const double sd = std::sqrt((y.array() - model.mean).square().mean());
      model.sd = sd > 1e-12 ? sd : 1.0;
      y = (y.array() - model.mean) / model.sd;
      model.best = y.minCoeff();
      // The GP may not call measured noise signal: its noise variance starts at, and stays above, the
      // measured level (a noise-free fit through noisy scores chases lucky draws).
      double noise[3] = {kObjectiveNoise[0], kObjectiveNoise[1], kObjectiveNoise[2]};
      const double per_relative = model.StandardisedPerRelative();
      if (const auto measured = MeasuredNoise(); measured && per_relative > 0) {
        const double variance = std::pow(*measured * per_relative, 2);
        noise[0] = std::max(noise[0], variance);
        noise[1] = std::max(noise[1], variance);
        noise[2] = std::max(noise[2], 2 * variance);
      }
      model.objective = FitGp(ToPoints(feasible_x, dims), y, noise, objective_params_);
      if (model.objective && per_relative > 0)
        fitted_noise_ = std::sqrt(model.objective->kernel().noise_variance()) / per_relative;
    }
    if (std::find(labels.begin(), labels.end(), -1.0) != labels.end()) {
      const Eigen::VectorXd y =
          Eigen::Map<const Eigen::VectorXd>(labels.data(), static_cast<Eigen::Index>(labels.size()));
      model.feasibility = FitGp(ToPoints(all_x, dims), y, kFeasibilityNoise, feasibility_params_);
    }
    for (const auto& c : pending()) AddLie(model, c.unit);
    for (const auto& c : batch) AddLie(model, c.unit);
    return model;
  }

  static void AddLie(Model& model, std::span<const double> unit) {
    if (model.objective) {
      const double believed = PredictMean(*model.objective, unit);
      Append(model.objective, unit, believed);
      model.best = std::min(model.best, believed);
    }
    if (model.feasibility) Append(model.feasibility, unit, PredictMean(*model.feasibility, unit));
  }

  // log(EI × probability of feasibility) over candidates with PoF >= ½, then the others by PoF (log EI
  // alone without infeasible data; PoF alone while nothing feasible is known).
  void Score(const Model& model, const std::vector<std::vector<double>>& units,
             std::vector<Evaluated>& out) const {
    if (units.empty()) return;
    const Points points = ToPoints(units, space().size());
    const auto m = points.rows();
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(m), variance = Eigen::VectorXd::Ones(m);
    if (model.objective) model.objective->Predict(points, mean, variance);
    Eigen::VectorXd feasible_mean, feasible_variance;
    if (model.feasibility) model.feasibility->Predict(points, feasible_mean, feasible_variance);
    for (Eigen::Index i = 0; i < m; ++i) {
      Evaluated e;
      e.unit = units[static_cast<size_t>(i)];
      e.mean = mean[i];
      e.sd = std::sqrt(variance[i]);
      if (model.objective) e.acquisition = LogExpectedImprovement(e.mean, e.sd, model.best);
      if (model.feasibility) {
        e.log_feasible = LogNormalCdf(feasible_mean[i] / std::sqrt(feasible_variance[i]));
      }
      // Candidates more likely infeasible than not rank below all others, by feasibility alone: a GP on
      // labels stays unsure far from its data, and EI there can be large enough to outweigh a low PoF.
      e.acquisition = e.log_feasible < kLogMinFeasibility ? kInfeasibleRank + e.log_feasible
                                                          : e.acquisition + e.log_feasible;
      out.push_back(std::move(e));
    }
  }

  // Single-coordinate moves: every other choice of a nominal dimension, the adjacent values of ordinal and
  // integer ones, and ±step (unit box) on numeric ones.
  void Neighbours(const std::vector<double>& x, double step, std::vector<std::vector<double>>& out) const {
    const auto push = [&](size_t d, double u) {
      if (u == x[d]) return;
      out.push_back(x);
      out.back()[d] = u;
    };
    for (size_t d = 0; d < x.size(); ++d) {
      const SpaceDim& dim = space().dim(d);
      const uint64_t level = dim.discrete() ? space().LevelOfUnit(d, x[d]) : 0;
      switch (dim.kind) {
        case DimKind::kNominal:
          for (uint64_t l = 0; l < dim.values.size(); ++l) push(d, space().UnitOfLevel(d, l));
          break;
        case DimKind::kOrdinal: {
          const size_t rank = dim.rank[level];
          if (rank > 0) push(d, space().UnitOfLevel(d, dim.by_rank[rank - 1]));
          if (rank + 1 < dim.values.size()) push(d, space().UnitOfLevel(d, dim.by_rank[rank + 1]));
          break;
        }
        case DimKind::kInteger:
          if (level > 0) push(d, space().UnitOfLevel(d, level - 1));
          if (level + 1 < *dim.Cardinality()) push(d, space().UnitOfLevel(d, level + 1));
          [[fallthrough]];
        case DimKind::kFloat:
          push(d, space().SnapUnit(d, x[d] - step));
          push(d, space().SnapUnit(d, x[d] + step));
          break;
      }
    }
  }

  std::optional<Candidate> ProposeFromModel(Model& model, bool may_stop) {
    const size_t dims = space().size();
    std::vector<std::vector<double>> pool;
    std::vector<double> unit(dims);
    // Small finite spaces: every untried configuration is scored, so the acquisition's maximum is exact.
    const auto lattice = LatticeSize();
    const bool exhaustive = lattice && *lattice <= kExhaustiveLimit;
    if (exhaustive) {
      for (uint64_t i = 0; i < *lattice; ++i) {
        LatticePoint(i, unit);
        if (!Taken(unit)) pool.push_back(unit);
      }
    } else {
      for (size_t i = 0; i < kPoolRandom; ++i) {
        for (size_t d = 0; d < dims; ++d) unit[d] = Snap(d, rng().Uniform());
        pool.push_back(unit);
      }
    }
    if (model.objective && !exhaustive) {
      const auto& y = model.objective->y();
      std::vector<Eigen::Index> order(static_cast<size_t>(y.size()));
      std::iota(order.begin(), order.end(), Eigen::Index{0});
      const size_t top = std::min(kPoolIncumbents, order.size());
      std::partial_sort(
          order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
          [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b] || (y[a] == y[b] && a < b); });
      for (size_t i = 0; i < top; ++i) {
        const auto row = model.objective->x().row(order[i]);
        Neighbours(std::vector<double>(row.begin(), row.end()), kInitialStep, pool);
      }
    }
    std::vector<Evaluated> evaluated;
    Score(model, pool, evaluated);
    const auto by_acquisition = [&](size_t a, size_t b) {
      return evaluated[a].acquisition > evaluated[b].acquisition ||
             (evaluated[a].acquisition == evaluated[b].acquisition && a < b);
    };
    std::vector<size_t> order(evaluated.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), by_acquisition);

    // Hill-climb from the best pool points with shrinking numeric steps.
    std::vector<std::vector<double>> moves;
    for (size_t s = 0; s < (exhaustive ? 0 : std::min(kLocalStarts, order.size())); ++s) {
      std::vector<double> x = evaluated[order[s]].unit;
      double value = evaluated[order[s]].acquisition;
      double step = kInitialStep;
      for (int round = 0; round < kMaxLocalRounds; ++round) {
        moves.clear();
        Neighbours(x, step, moves);
        const size_t first = evaluated.size();
        Score(model, moves, evaluated);
        size_t best = first;
        for (size_t i = first; i < evaluated.size(); ++i) {
          if (evaluated[i].acquisition > evaluated[best].acquisition) best = i;
        }
        if (best < evaluated.size() && evaluated[best].acquisition > value) {
          x = evaluated[best].unit;
          value = evaluated[best].acquisition;
        } else if (step <= kMinStep) {
          break;
        } else {
          step /= 2;
        }
      }
    }
    order.resize(evaluated.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), by_acquisition);

    if (may_stop && Converged(model, evaluated)) return std::nullopt;
    for (const size_t i : order) {
      if (auto c = TakeIfNew(evaluated[i].unit)) return c;
    }
    return TakeRandom();
  }

  // Stops when the calibrated evidence says the best is very unlikely to improve (early_stop.h).
  bool Converged(const Model& model, const std::vector<Evaluated>& evaluated) {
    const auto& settings = options().early_stop;
    if (!settings.enabled || settings.tolerance <= 0 || !model.objective || evaluated.empty()) return false;
    const size_t experiments = iterations();
    const size_t minimum = MinimumExperiments(
        settings, space().size(), static_cast<size_t>(std::max<int64_t>(optimization().n_initial_random, 0)));
    if (experiments < minimum) return false;
    const double target_score = model.best_score - settings.tolerance * std::abs(model.best_score);
    const double target = (model.warp.Apply(target_score) - model.mean) / model.sd;
    std::vector<CandidatePrediction> candidates;
    candidates.reserve(evaluated.size());
    for (const auto& e : evaluated) candidates.push_back({e.mean, e.sd, e.log_feasible});
    const auto evidence = AssessConvergence(settings, experiments, minimum,
                                            ExperimentsSinceImprovement(observations(), settings.tolerance),
                                            *model.objective, model.best, target, candidates);
    if (!evidence.converged) return false;
    Stop(StopReason::kConverged, evidence.Describe(model.best_score, settings));
    return true;
  }

  // Plateau safeguard: once the best has not improved by more than the tolerance for a while, every
  // kExploreEvery-th proposal is the next space-filling point the feasibility model does not rule out, so
  // a study that settled on a broad second-best region still samples the rest of the space.
  bool ShouldExplore(size_t batch_size) const {
    const size_t slot = observations().size() + pending().size() + batch_size;
    std::optional<double> noise = MeasuredNoise();
    if (fitted_noise_) noise = std::max(noise.value_or(0.0), *fitted_noise_);
    const double tolerance = PlateauThreshold(options().early_stop.tolerance, noise);
    return slot % kExploreEvery == 0 && ExperimentsSinceImprovement(observations(), tolerance) >=
                                            kStallPerDimension * (space().size() + 1);
  }

  // The untried configuration, among kExplorePool random ones the feasibility model does not rule out,
  // farthest from every observed and pending one (unit box; a nominal mismatch counts as 1).
  std::optional<Candidate> Explore(const Model& model) {
    const size_t dims = space().size();
    std::vector<std::vector<double>> pool;
    std::vector<double> unit(dims);
    for (size_t i = 0; i < kExplorePool; ++i) {
      for (size_t d = 0; d < dims; ++d) unit[d] = Snap(d, rng().Uniform());
      if (!Taken(space().Decode(unit).unit)) pool.push_back(unit);
    }
    if (model.feasibility && !pool.empty()) {
      Eigen::VectorXd mean, variance;
      model.feasibility->Predict(ToPoints(pool, dims), mean, variance);
      std::vector<std::vector<double>> kept;
      for (size_t i = 0; i < pool.size(); ++i) {
        const auto row = static_cast<Eigen::Index>(i);
        if (LogNormalCdf(mean[row] / std::sqrt(variance[row])) >= kLogMinFeasibility) kept.push_back(pool[i]);
      }
      pool = std::move(kept);
    }
    std::vector<const std::vector<double>*> seen;
    for (const auto& o : observations()) seen.push_back(&o.candidate.unit);
    for (const auto& c : pending()) seen.push_back(&c.unit);
    double farthest = -1;
    std::optional<size_t> pick;
    for (size_t i = 0; i < pool.size(); ++i) {
      double nearest = INFINITY;
      for (const auto* other : seen) {
        double squared = 0;
        for (size_t d = 0; d < dims; ++d) {
          const double gap = nominal_[d] ? ((*other)[d] != pool[i][d] ? 1.0 : 0.0) : (*other)[d] - pool[i][d];
          squared += gap * gap;
        }
        nearest = std::min(nearest, squared);
      }
      if (nearest > farthest) {
        farthest = nearest;
        pick = i;
      }
    }
    if (pick) {
      if (auto c = TakeIfNew(pool[*pick])) return c;
    }
    return TakeSpaceFilling();
  }

  // The caller's measured noise, else what repeated configurations (this study's and earlier ones') show.
  std::optional<double> MeasuredNoise() const {
    if (measured_noise()) return measured_noise();
    std::vector<Observation> all(prior_observations().begin(), prior_observations().end());
    all.insert(all.end(), observations().begin(), observations().end());
    return RelativeNoiseOfRepeats(all);
  }

  std::vector<bool> nominal_;
  std::optional<double> fitted_noise_;  // relative; from the last objective fit
  // Hyperparameters of the last fits: the warm start of the next one, saved so a resumed study refits alike.
  std::optional<Eigen::VectorXd> objective_params_, feasibility_params_;
};

}  // namespace

std::unique_ptr<Strategy> MakeBayesian(Space space, const task::Optimization& optimization,
                                       StrategyOptions options) {
  return std::make_unique<Bayesian>(std::move(space), optimization, std::move(options));
}

}  // namespace autotuner::opt
