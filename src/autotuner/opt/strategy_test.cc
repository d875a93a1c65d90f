#include "autotuner/opt/strategy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <set>

namespace autotuner::opt {
namespace {

using Kind = task::Parameter::Kind;
using task::Dimension;

std::vector<Json> Ints(int from, int to) {
  std::vector<Json> v;
  for (int i = from; i <= to; ++i) v.emplace_back(i);
  return v;
}

task::Optimization Opt(task::Strategy strategy, int64_t max_iterations, int64_t seed = 1,
                       int64_t n_initial = 5) {
  task::Optimization o;
  o.strategy = strategy;
  o.objectives = {task::Objective::kMinimizeLatency};
  o.max_iterations = max_iterations;
  o.n_initial_random = n_initial;
  o.seed = seed;
  o.parallel_experiments = 1;
  return o;
}

std::unique_ptr<Strategy> Make(const task::Optimization& o, std::vector<task::Dimension> dims,
                               StrategyOptions options = {}) {
  auto s = MakeStrategy(o, task::SearchSpace{std::move(dims)}, std::move(options));
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

constexpr task::Strategy kAll[] = {task::Strategy::kGridSearch, task::Strategy::kRandom,
                                   task::Strategy::kBayesian};

using Landscape = std::function<Outcome(const Json& values)>;

// Runs propose → observe one at a time until the strategy stops; returns the proposals in order.
std::vector<Json> RunStudy(Strategy& s, const Landscape& f, size_t max_steps = 10000) {
  std::vector<Json> proposed;
  for (size_t step = 0; step < max_steps; ++step) {
    const auto batch = s.Propose(1);
    if (batch.empty()) break;
    proposed.push_back(batch[0].values);
    EXPECT_TRUE(s.Observe(batch[0], f(batch[0].values)).ok());
  }
  return proposed;
}

Outcome Bowl(const Json& v) {
  double sum = 1;
  for (const auto& [key, value] : v.items()) {
    if (value.is_number()) sum += std::pow(value.get<double>() - 3.3, 2);
  }
  return Outcome::Success(sum);
}

TEST(StrategyTest, GridVisitsEveryConfigurationOnceThenReportsExhaustion) {
  auto s = Make(Opt(task::Strategy::kGridSearch, 100),
                {Dimension::Categorical("a", {1, 2, 3}), Dimension::Categorical("b", {"x", "y", "z", "w"}),
                 Dimension::Categorical("c", {true, false})});
  const auto proposed = RunStudy(*s, Bowl);
  EXPECT_EQ(proposed.size(), 24u);
  std::set<std::string> distinct;
  for (const auto& p : proposed) distinct.insert(DumpJson(p));
  EXPECT_EQ(distinct.size(), 24u);
  ASSERT_TRUE(s->stop_reason().has_value());
  EXPECT_EQ(*s->stop_reason(), StopReason::kExhausted);
  EXPECT_EQ(s->iterations(), 24u);
}

TEST(StrategyTest, GridPrefixSpreadsOverEveryDimension) {
  // 10 × 10 × 10 grid with a budget of 20: the first 20 lexicographic combinations would leave two
  // dimensions at a single value; a space-filling order uses most values of each.
  auto s = Make(Opt(task::Strategy::kGridSearch, 20),
                {Dimension::Categorical("a", Ints(0, 9)), Dimension::Categorical("b", Ints(0, 9)),
                 Dimension::Range("c", Kind::kInteger, 0, 9)});
  const auto proposed = RunStudy(*s, Bowl);
  ASSERT_EQ(proposed.size(), 20u);
  EXPECT_EQ(*s->stop_reason(), StopReason::kBudget);
  for (const char* dim : {"a", "b", "c"}) {
    std::set<int> values, low_half;
    for (const auto& p : proposed) values.insert(p[dim].get<int>());
    for (const auto& p : std::vector<Json>(proposed.begin(), proposed.begin() + 10)) {
      if (p[dim].get<int>() < 5) low_half.insert(p[dim].get<int>());
    }
    EXPECT_GE(values.size(), 9u) << dim;
    EXPECT_GE(low_half.size(), 3u) << dim;  // not crowded at the ends either
  }
}

TEST(StrategyTest, GridSearchDiscretisesFloatRanges) {
  StrategyOptions options;
  options.grid_float_levels = 4;
  auto s = Make(Opt(task::Strategy::kGridSearch, 0),
                {Dimension::Range("mem", Kind::kFloat, 0.6, 0.9), Dimension::Categorical("p", {"a", "b"})},
                options);
  const auto proposed = RunStudy(*s, Bowl);
  EXPECT_EQ(proposed.size(), 8u);
  std::set<double> mems;
  for (const auto& p : proposed) mems.insert(p["mem"].get<double>());
  EXPECT_EQ(mems, (std::set<double>{0.6, 0.7, 0.8, 0.9}));
  EXPECT_EQ(*s->stop_reason(), StopReason::kExhausted);
}

StrategyOptions NoEarlyStop() {
  StrategyOptions options;
  options.early_stop.enabled = false;
  return options;
}

TEST(StrategyTest, EveryStrategyAvoidsDuplicatesAndStopsWhenExhausted) {
  for (const auto kind : kAll) {
    auto s = Make(Opt(kind, 0, 3, 3),
                  {Dimension::Categorical("a", Ints(1, 5)), Dimension::Range("b", Kind::kInteger, 1, 4)},
                  NoEarlyStop());
    const auto proposed = RunStudy(*s, Bowl, 100);
    std::set<std::string> distinct;
    for (const auto& p : proposed) distinct.insert(DumpJson(p));
    EXPECT_EQ(proposed.size(), 20u) << Name(kind);
    EXPECT_EQ(distinct.size(), 20u) << Name(kind);
    ASSERT_TRUE(s->stop_reason().has_value());
    EXPECT_EQ(*s->stop_reason(), StopReason::kExhausted) << Name(kind) << ": " << s->stop_detail();
  }
}

TEST(StrategyTest, BudgetCountsPendingAndStopsProposals) {
  for (const auto kind : kAll) {
    auto s = Make(Opt(kind, 5), {Dimension::Categorical("a", Ints(1, 50))});
    const auto first = s->Propose(3);
    EXPECT_EQ(first.size(), 3u);
    EXPECT_FALSE(s->stop_reason().has_value());
    const auto second = s->Propose(3);
    EXPECT_EQ(second.size(), 2u) << Name(kind);
    ASSERT_TRUE(s->stop_reason().has_value());
    EXPECT_EQ(*s->stop_reason(), StopReason::kBudget);
    EXPECT_EQ(s->pending().size(), 5u);
    std::set<std::string> distinct;
    for (const auto& c : first) distinct.insert(DumpJson(c.values));
    for (const auto& c : second) distinct.insert(DumpJson(c.values));
    EXPECT_EQ(distinct.size(), 5u);
    EXPECT_TRUE(s->Propose(1).empty());
  }
}

TEST(StrategyTest, PrunedIsLearnedButNotCountedAndInterruptedIsForgotten) {
  auto s = Make(Opt(task::Strategy::kRandom, 3), {Dimension::Categorical("a", Ints(1, 4))});
  auto c1 = s->Propose(1).at(0);
  ASSERT_TRUE(
      s->Observe(c1, Outcome::Infeasible(InfeasibleReason::kPruned, "int8 KV cache unsupported")).ok());
  EXPECT_EQ(s->iterations(), 0u);
  EXPECT_EQ(s->observations().size(), 1u);

  auto c2 = s->Propose(1).at(0);
  EXPECT_NE(c2.values, c1.values);  // pruned configurations are not proposed again
  ASSERT_TRUE(s->Observe(c2, Outcome::Infeasible(InfeasibleReason::kInterrupted)).ok());
  EXPECT_EQ(s->iterations(), 0u);
  EXPECT_EQ(s->observations().size(), 1u);
  // An internal failure (autotuner's own bug) is forgotten too, not learned as infeasible.
  auto c3 = s->Propose(1).at(0);
  ASSERT_TRUE(s->Observe(c3, Outcome::Infeasible(InfeasibleReason::kInternal, "bad_alloc")).ok());
  EXPECT_EQ(s->iterations(), 0u);
  EXPECT_EQ(s->observations().size(), 1u);

  // Three real experiments fit the budget; the interrupted configuration comes back.
  std::set<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    auto c = s->Propose(1);
    ASSERT_EQ(c.size(), 1u);
    seen.insert(DumpJson(c[0].values));
    ASSERT_TRUE(s->Observe(c[0], Outcome::Success(1.0)).ok());
  }
  EXPECT_TRUE(seen.contains(DumpJson(c2.values)));
  EXPECT_FALSE(seen.contains(DumpJson(c1.values)));
  EXPECT_TRUE(s->Propose(1).empty());
  EXPECT_EQ(*s->stop_reason(), StopReason::kBudget);
}

TEST(StrategyTest, DisallowedConfigurationsAreNeverProposed) {
  StrategyOptions options = NoEarlyStop();
  options.allowed = [](const Json& v) { return v["tp"].get<int>() * v["dp"].get<int>() <= 4; };
  for (const auto kind : kAll) {
    auto s = Make(Opt(kind, 0, 7, 3),
                  {Dimension::Categorical("tp", {1, 2, 4, 8}), Dimension::Categorical("dp", {1, 2, 4}),
                   Dimension::Categorical("p", {"a", "b"})},
                  options);
    const auto proposed = RunStudy(*s, Bowl, 100);
    for (const auto& p : proposed) EXPECT_LE(p["tp"].get<int>() * p["dp"].get<int>(), 4) << Name(kind);
    // (1,1) (1,2) (1,4) (2,1) (2,2) (4,1), times two policies.
    EXPECT_EQ(proposed.size(), 12u) << Name(kind);
    EXPECT_EQ(*s->stop_reason(), StopReason::kExhausted) << Name(kind);
  }
}

TEST(StrategyTest, ObserveRejectsValuesOutsideTheSpace) {
  auto s = Make(Opt(task::Strategy::kRandom, 10), {Dimension::Categorical("a", {1, 2})});
  Candidate c;
  c.values = {{"a", 3}};
  EXPECT_FALSE(s->Observe(c, Outcome::Success(1)).ok());
  c.values = {{"a", 2}};
  EXPECT_TRUE(s->Observe(c, Outcome::Success(1)).ok());  // not proposed, but in the space
  EXPECT_EQ(s->iterations(), 1u);
}

// A deterministic landscape over mixed dimensions with an infeasible corner.
Outcome Mixed(const Json& v) {
  const double x = v["x"].get<double>(), m = v["mem"].get<double>();
  const int n = v["n"].get<int>();
  if (m > 0.9 && n > 6) return Outcome::Infeasible(InfeasibleReason::kOom);
  const double policy = v["p"] == "lpm" ? 0.0 : 0.3;
  return Outcome::Success(1 + std::pow(x - 0.3, 2) + std::pow(m - 0.85, 2) + 0.02 * std::abs(n - 5) + policy);
}

std::vector<task::Dimension> MixedDims() {
  return {Dimension::Range("x", Kind::kFloat, 0, 1),
          Dimension::Categorical("mem", {0.7, 0.8, 0.85, 0.9, 0.95}),
          Dimension::Range("n", Kind::kInteger, 1, 10), Dimension::Categorical("p", {"lpm", "fcfs", "dfs"})};
}

TEST(StrategyTest, ResumedStudyProposesExactlyWhatTheUninterruptedOneWould) {
  for (const auto kind : kAll) {
    const auto o = Opt(kind, 40, 9, 4);
    auto uninterrupted = Make(o, MixedDims());
    auto first_half = Make(o, MixedDims());
    const auto step = [&](Strategy& s, size_t k) {
      const auto batch = s.Propose(k);
      std::vector<Json> values;
      for (const auto& c : batch) values.push_back(c.values);
      return values;
    };
    const auto observe = [&](Strategy& s, const Json& values) {
      Candidate c;
      c.values = values;
      ASSERT_TRUE(s.Observe(c, Mixed(values)).ok());
    };
    // Both run 8 steps (with a batch of two, one left pending), then one saves and a fresh one resumes.
    for (Strategy* s : {uninterrupted.get(), first_half.get()}) {
      for (int i = 0; i < 7; ++i) observe(*s, step(*s, 1).at(0));
      const auto batch = step(*s, 2);
      ASSERT_EQ(batch.size(), 2u);
      observe(*s, batch[0]);
    }
    auto text = DumpJson(first_half->SaveState());
    auto resumed = Make(o, MixedDims());
    auto parsed = ParseJson(text);
    ASSERT_TRUE(parsed.ok());
    ASSERT_TRUE(resumed->Restore(*parsed).ok());
    EXPECT_EQ(resumed->pending().size(), 1u);
    EXPECT_EQ(resumed->SaveState(), first_half->SaveState());

    const Json pending = uninterrupted->pending().at(0).values;
    observe(*uninterrupted, pending);
    observe(*resumed, pending);
    for (int i = 0; i < 6; ++i) {
      const auto a = step(*uninterrupted, i % 3 == 0 ? 2 : 1);
      const auto b = step(*resumed, i % 3 == 0 ? 2 : 1);
      ASSERT_EQ(a, b) << Name(kind) << " step " << i;
      for (const auto& v : a) {
        observe(*uninterrupted, v);
        observe(*resumed, v);
      }
    }
  }
}

TEST(StrategyTest, RestoreRejectsAnotherStrategysOrSpacesState) {
  auto grid = Make(Opt(task::Strategy::kGridSearch, 10), {Dimension::Categorical("a", {1, 2})});
  auto random = Make(Opt(task::Strategy::kRandom, 10), {Dimension::Categorical("a", {1, 2})});
  EXPECT_FALSE(random->Restore(grid->SaveState()).ok());
  auto c = grid->Propose(1).at(0);
  ASSERT_TRUE(grid->Observe(c, Outcome::Success(1)).ok());
  auto other_space = Make(Opt(task::Strategy::kGridSearch, 10), {Dimension::Categorical("b", {1, 2})});
  EXPECT_FALSE(other_space->Restore(grid->SaveState()).ok());
  EXPECT_FALSE(other_space->Restore(Json::array()).ok());
}

// A bowl over a 12 × 12 grid with its minimum (1.0 at mem 7, batch 6) three steps from an out-of-memory
// corner.
Outcome NearOom(const Json& v) {
  const int mem = v["mem"].get<int>(), batch = v["batch"].get<int>();
  if (mem + batch > 15) return Outcome::Infeasible(InfeasibleReason::kOom);
  return Outcome::Success(1.0 + 0.05 * (mem - 7) * (mem - 7) + 0.05 * (batch - 6) * (batch - 6));
}

TEST(StrategyTest, BayesianLearnsToAvoidTheInfeasibleRegion) {
  // 144 configurations, 45 of them (31%) run out of memory.
  int bayes_oom = 0, random_oom = 0;
  const int budget = 20;
  for (int64_t seed = 1; seed <= 6; ++seed) {
    for (const auto kind : {task::Strategy::kBayesian, task::Strategy::kRandom}) {
      auto s =
          Make(Opt(kind, budget, seed, 5),
               {Dimension::Categorical("mem", Ints(1, 12)), Dimension::Categorical("batch", Ints(1, 12))},
               NoEarlyStop());
      for (const auto& p : RunStudy(*s, NearOom)) {
        if (!NearOom(p).feasible()) ++(kind == task::Strategy::kBayesian ? bayes_oom : random_oom);
      }
    }
  }
  // Some out-of-memory experiments are unavoidable (the initial design, probing the boundary near the
  // optimum); at the time of writing 33 vs 40.
  EXPECT_LT(bayes_oom, random_oom) << "bayesian " << bayes_oom << " vs random " << random_oom;
}

TEST(StrategyTest, BayesianFindsTheOptimumOfASmoothMixedLandscape) {
  auto s = Make(Opt(task::Strategy::kBayesian, 30, 4, 6), MixedDims());
  RunStudy(*s, Mixed);
  const auto best = s->Best();
  ASSERT_TRUE(best.has_value());
  // Optimum 1.0 at x = 0.3, mem = 0.85, n = 5, lpm.
  EXPECT_LT(s->observations()[*best].outcome.score(), 1.01);
}

TEST(StrategyTest, BayesianBatchProposalsAreDistinctAndSpread) {
  auto s = Make(Opt(task::Strategy::kBayesian, 40, 2, 4), MixedDims());
  RunStudy(*s, Mixed, 8);
  const auto batch = s->Propose(4);
  ASSERT_EQ(batch.size(), 4u);
  std::set<std::string> distinct;
  for (const auto& c : batch) distinct.insert(DumpJson(c.values));
  EXPECT_EQ(distinct.size(), 4u);
  EXPECT_EQ(s->pending().size(), 4u);
}

TEST(StrategyTest, BayesianStopsEarlyOnceTheBestCannotImprove) {
  // A smooth bowl over 201 integers: the model is confident long before the budget.
  auto s = Make(Opt(task::Strategy::kBayesian, 150, 3, 5), {Dimension::Range("n", Kind::kInteger, 0, 200)});
  const auto bowl = [](const Json& v) {
    return Outcome::Success(2.0 + std::pow((v["n"].get<int>() - 120) / 50.0, 2));
  };
  const auto proposed = RunStudy(*s, bowl);
  ASSERT_TRUE(s->stop_reason().has_value());
  EXPECT_EQ(*s->stop_reason(), StopReason::kConverged) << s->stop_detail();
  EXPECT_LT(proposed.size(), 40u);
  EXPECT_LT(s->observations()[*s->Best()].outcome.score(), 2.0 * 1.01);
  EXPECT_NE(s->stop_detail().find("converged"), std::string::npos);
}

// A smooth, noise-free bowl: the fit alone finds almost no noise. With measured noise, or with prior
// observations that repeat configurations, the GP's noise level is at least what was measured.
TEST(StrategyTest, BayesianNoiseLevelRespectsTheMeasuredNoise) {
  const auto dims = std::vector<task::Dimension>{Dimension::Range("n", Kind::kInteger, 0, 200)};
  const auto bowl = [](const Json& v) {
    return Outcome::Success(10.0 + std::pow((v["n"].get<int>() - 120) / 50.0, 2));
  };
  auto quiet = Make(Opt(task::Strategy::kBayesian, 12, 3, 5), dims);
  EXPECT_FALSE(quiet->model_noise().has_value());  // no model yet
  RunStudy(*quiet, bowl);
  ASSERT_TRUE(quiet->model_noise().has_value());
  EXPECT_LT(*quiet->model_noise(), 0.01);

  auto measured = Make(Opt(task::Strategy::kBayesian, 12, 3, 5), dims);
  measured->SetMeasuredNoise(0.05);
  EXPECT_EQ(measured->measured_noise(), 0.05);
  RunStudy(*measured, bowl);
  ASSERT_TRUE(measured->model_noise().has_value());
  EXPECT_GE(*measured->model_noise(), 0.05 * (1 - 1e-6));
  EXPECT_LT(*measured->model_noise(), 0.5);

  // An earlier study measured n = 40 and n = 160 twice each, 3% apart (±1.5% of the mean).
  auto repeats = Make(Opt(task::Strategy::kBayesian, 12, 3, 5), dims);
  std::vector<PriorObservation> prior;
  for (const int n : {40, 160}) {
    const double score = bowl(Json{{"n", n}}).score();
    for (const double factor : {0.985, 1.015}) {
      prior.push_back({Json{{"n", n}}, Outcome::Success(score * factor)});
    }
  }
  ASSERT_EQ(repeats->AddPriorObservations(prior), 4u);
  RunStudy(*repeats, bowl);
  ASSERT_TRUE(repeats->model_noise().has_value());
  EXPECT_GE(*repeats->model_noise(), 0.015 * std::sqrt(2.0) * 0.9);
}

TEST(StrategyTest, PriorObservationsSeedTheModelWithoutCountingAsExperiments) {
  const auto dims = std::vector<task::Dimension>{Dimension::Categorical("mem", Ints(1, 12)),
                                                 Dimension::Categorical("batch", Ints(1, 12))};
  auto s = Make(Opt(task::Strategy::kBayesian, 10, 5, 5), dims);
  std::vector<PriorObservation> prior;
  for (int mem = 1; mem <= 12; mem += 2) {
    for (int batch = 1; batch <= 12; batch += 2) {
      const Json v = {{"mem", mem}, {"batch", batch}};
      prior.push_back({v, NearOom(v)});
    }
  }
  prior.push_back({Json{{"mem", 99}, {"batch", 1}}, Outcome::Success(1)});  // not in this space
  prior.push_back({Json{{"mem", 2}, {"batch", 2}}, Outcome::Infeasible(InfeasibleReason::kInterrupted)});
  EXPECT_EQ(s->AddPriorObservations(prior), 36u);
  EXPECT_EQ(s->iterations(), 0u);
  EXPECT_FALSE(s->Best().has_value());
  EXPECT_EQ(s->prior_observations().size(), 36u);

  // With 36 prior points there is no initial design: the first proposal already comes from the model and
  // is feasible and close to the optimum (8.74 at mem 7, batch 7; the worst feasible configuration
  // scores 9.3).
  const auto first = s->Propose(1).at(0);
  const Outcome outcome = NearOom(first.values);
  ASSERT_TRUE(outcome.feasible()) << DumpJson(first.values);
  EXPECT_LT(outcome.score(), 8.85) << DumpJson(first.values);

  // Priors survive save / restore.
  auto restored = Make(Opt(task::Strategy::kBayesian, 10, 5, 5), dims);
  ASSERT_TRUE(restored->Restore(s->SaveState()).ok());
  EXPECT_EQ(restored->prior_observations().size(), 36u);
}

TEST(StrategyTest, ParetoFrontOfMultipleObjectives) {
  auto s = Make(Opt(task::Strategy::kRandom, 10), {Dimension::Categorical("a", Ints(1, 5))});
  Candidate c;
  const std::vector<std::pair<double, double>> scores = {{-100, 2.0}, {-90, 2.5}, {-120, 3.0}, {-80, 1.0}};
  for (size_t i = 0; i < scores.size(); ++i) {
    c.values = {{"a", static_cast<int>(i) + 1}};
    ASSERT_TRUE(s->Observe(c, Outcome::Success(scores[i].first, {scores[i].second})).ok());
  }
  c.values = {{"a", 5}};
  ASSERT_TRUE(s->Observe(c, Outcome::Infeasible(InfeasibleReason::kOom)).ok());
  EXPECT_EQ(s->ParetoFront(), (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(s->Best(), 2u);
}

}  // namespace
}  // namespace autotuner::opt
