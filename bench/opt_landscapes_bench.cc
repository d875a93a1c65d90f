// Experiments-to-optimum benchmark of the optimizer strategies (numbers printed, not a pass/fail test).
//
//   opt_landscapes_bench [--seeds N] [--only NAME] [--export FILE] [--tpe FILE]
//
// For every landscape of opt_landscapes.h and every seed, runs a study until its best experiment is within
// 2% of the landscape's optimum and reports the median number of experiments (infeasible ones included).
// --export writes the landscapes as JSON for bench/opt_tpe_baseline.py; --tpe reads that script's results
// and adds its column.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "autotuner/opt/strategy.h"
#include "opt_landscapes.h"

namespace {

using namespace autotuner;
using opt::bench::Landscape;

constexpr size_t kBayesianCap = 100;

struct RunResult {
  std::optional<size_t> experiments_to_target;  // nothing: not reached within the cap
  size_t experiments = 0;                       // run when the study stopped
  std::optional<opt::StopReason> stop;
  bool good_at_stop = false;
  double propose_seconds = 0;
  size_t proposals = 0;
};

// Runs one study; with stop_at_target it ends as soon as the target is reached.
RunResult RunStudy(const Landscape& l, task::Strategy kind, int64_t seed, size_t batch, bool early_stop,
                   size_t cap, bool stop_at_target) {
  task::Optimization o;
  o.strategy = kind;
  o.objectives = {task::Objective::kMinimizeLatency};
  o.max_iterations = static_cast<int64_t>(cap);
  o.n_initial_random = 5;
  o.seed = seed;
  o.parallel_experiments = static_cast<int64_t>(batch);
  opt::StrategyOptions options;
  if (!early_stop) options.early_stop_tolerance = 0;
  auto strategy = opt::MakeStrategy(o, l.space, options);
  if (!strategy) {
    std::fprintf(stderr, "%s: %s\n", l.name.c_str(), strategy.error().message.c_str());
    std::exit(1);
  }
  auto& s = **strategy;
  RunResult r;
  while (true) {
    const auto start = std::chrono::steady_clock::now();
    const auto candidates = s.Propose(batch);
    r.propose_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++r.proposals;
    if (candidates.empty()) break;
    for (const auto& c : candidates) {
      const opt::Outcome& outcome = l.At(c.values);
      ++r.experiments;
      if (!r.experiments_to_target && l.Good(outcome)) r.experiments_to_target = r.experiments;
      if (!s.Observe(c, outcome).ok()) std::exit(1);
    }
    if (stop_at_target && r.experiments_to_target) break;
  }
  r.stop = s.stop_reason();
  if (const auto best = s.Best()) r.good_at_stop = l.Good(s.observations()[*best].outcome);
  return r;
}

// Median of per-seed counts where a missing count (target not reached) ranks last.
std::optional<size_t> MedianValue(std::vector<std::optional<size_t>> counts) {
  std::sort(counts.begin(), counts.end(),
            [](const auto& a, const auto& b) { return a.value_or(SIZE_MAX) < b.value_or(SIZE_MAX); });
  return counts[(counts.size() - 1) / 2];
}

std::string Median(const std::vector<std::optional<size_t>>& counts, size_t cap) {
  const auto m = MedianValue(counts);
  return m ? std::to_string(*m) : ">" + std::to_string(cap);
}

Json ExportLandscape(const Landscape& l) {
  Json dims = Json::array();
  for (const auto& d : l.space.dimensions) {
    if (d.kind == task::Parameter::Kind::kCategorical) {
      dims.push_back({{"name", d.name}, {"kind", "categorical"}, {"values", d.values}});
    } else {
      dims.push_back({{"name", d.name}, {"kind", "integer"}, {"low", d.low}, {"high", d.high}});
    }
  }
  Json outcomes = Json::array();
  for (const auto& o : l.outcomes) {
    if (o.feasible()) {
      outcomes.push_back(std::stod(fmt::format("{:.9g}", o.score())));
    } else {
      outcomes.push_back(std::string(opt::Name(o.reason())));
    }
  }
  return {{"name", l.name},           {"description", l.description}, {"optimum", l.optimum},
          {"tolerance", l.tolerance}, {"dimensions", dims},           {"outcomes", outcomes}};
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 20;
  std::string only, export_path, tpe_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--seeds") {
      seeds = std::stoi(next());
    } else if (arg == "--only") {
      only = next();
    } else if (arg == "--export") {
      export_path = next();
    } else if (arg == "--tpe") {
      tpe_path = next();
    } else {
      std::fprintf(stderr, "usage: %s [--seeds N] [--only NAME] [--export FILE] [--tpe FILE]\n", argv[0]);
      return 2;
    }
  }
  const auto landscapes = opt::bench::MakeLandscapes();
  if (!export_path.empty()) {
    Json all = Json::array();
    for (const auto& l : landscapes) all.push_back(ExportLandscape(l));
    std::ofstream(export_path) << DumpJson(Json{{"landscapes", all}}) << "\n";
    std::printf("wrote %s\n", export_path.c_str());
    return 0;
  }
  Json tpe = Json::object();
  if (!tpe_path.empty()) {
    std::ifstream in(tpe_path);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParseJson(text.str(), tpe_path);
    if (!parsed) {
      std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
      return 1;
    }
    tpe = *parsed;
  }

  std::printf("Median experiments (over %d seeds) until the best experiment is within 2%% of the optimum\n\n",
              seeds);
  std::printf(
      "| landscape | grid | OOM / SLO | good | grid (space-filling) | random | TPE (Optuna) | bayesian | "
      "bayesian ×4 batch | bayesian %% of grid | vs random | vs TPE |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<std::string> early_rows, timing_rows;
  for (const auto& l : landscapes) {
    if (!only.empty() && l.name != only) continue;
    size_t oom = 0, slo = 0, good = 0;
    for (const auto& o : l.outcomes) {
      if (!o.feasible()) ++(o.reason() == opt::InfeasibleReason::kOom ? oom : slo);
      if (l.Good(o)) ++good;
    }
    std::vector<std::optional<size_t>> grid, random, bayes, batch, tpe_counts;
    std::vector<size_t> stopped_at;
    size_t stopped_good = 0, converged = 0;
    double propose_seconds = 0;
    size_t proposals = 0;
    for (int64_t seed = 1; seed <= seeds; ++seed) {
      grid.push_back(
          RunStudy(l, task::Strategy::kGridSearch, seed, 1, false, l.size(), true).experiments_to_target);
      random.push_back(
          RunStudy(l, task::Strategy::kRandom, seed, 1, false, l.size(), true).experiments_to_target);
      const auto b = RunStudy(l, task::Strategy::kBayesian, seed, 1, false, kBayesianCap, true);
      bayes.push_back(b.experiments_to_target);
      propose_seconds += b.propose_seconds;
      proposals += b.proposals;
      batch.push_back(
          RunStudy(l, task::Strategy::kBayesian, seed, 4, false, kBayesianCap, true).experiments_to_target);
      const auto e = RunStudy(l, task::Strategy::kBayesian, seed, 1, true, kBayesianCap, false);
      stopped_at.push_back(e.experiments);
      if (e.good_at_stop) ++stopped_good;
      if (e.stop == opt::StopReason::kConverged) ++converged;
      std::fflush(stdout);
    }
    std::string tpe_median = "–", vs_tpe = "–";
    const auto bayes_median = MedianValue(bayes);
    if (tpe.contains(l.name)) {
      size_t cap = tpe[l.name].value("cap", size_t{0});
      for (const auto& c : tpe[l.name]["experiments"]) {
        tpe_counts.push_back(c.is_null() ? std::nullopt : std::optional<size_t>(c.get<size_t>()));
      }
      tpe_median = Median(tpe_counts, cap);
      const auto t = MedianValue(tpe_counts);
      if (bayes_median && t) vs_tpe = fmt::format("{:.1f}×", static_cast<double>(*t) / *bayes_median);
      if (bayes_median && !t) vs_tpe = fmt::format(">{:.1f}×", static_cast<double>(cap) / *bayes_median);
    }
    std::string pct = "–", vs_random = "–";
    if (bayes_median) {
      pct =
          fmt::format("{:.1f}%", 100.0 * static_cast<double>(*bayes_median) / static_cast<double>(l.size()));
      if (const auto r = MedianValue(random))
        vs_random = fmt::format("{:.1f}×", static_cast<double>(*r) / *bayes_median);
    }
    std::printf("| %s | %zu | %.0f%% / %.0f%% | %zu | %s | %s | %s | %s | %s | %s | %s | %s |\n",
                l.name.c_str(), l.size(), 100.0 * oom / l.size(), 100.0 * slo / l.size(), good,
                Median(grid, l.size()).c_str(), Median(random, l.size()).c_str(), tpe_median.c_str(),
                Median(bayes, kBayesianCap).c_str(), Median(batch, kBayesianCap).c_str(), pct.c_str(),
                vs_random.c_str(), vs_tpe.c_str());
    std::sort(stopped_at.begin(), stopped_at.end());
    early_rows.push_back(fmt::format("| {} | {}/{} | {} | {}/{} |", l.name, converged, seeds,
                                     stopped_at[(stopped_at.size() - 1) / 2], stopped_good, seeds));
    timing_rows.push_back(fmt::format("| {} | {:.1f} |", l.name, 1e3 * propose_seconds / proposals));
    std::fflush(stdout);
  }
  const opt::StrategyOptions defaults;
  std::printf(
      "\nBayesian with early stopping (defaults: tolerance %g%%, probability %g%%, at least %zu experiments; "
      "budget %zu)\n\n",
      100 * defaults.early_stop_tolerance, 100 * defaults.early_stop_probability,
      defaults.early_stop_min_experiments, kBayesianCap);
  std::printf(
      "| landscape | converged | median experiments at stop | best within 2%% at stop "
      "|\n|---|---|---|---|\n");
  for (const auto& row : early_rows) std::printf("%s\n", row.c_str());
  std::printf(
      "\nBayesian mean time per Propose(1) (fit + acquisition), ms\n\n| landscape | ms |\n|---|---|\n");
  for (const auto& row : timing_rows) std::printf("%s\n", row.c_str());
  return 0;
}
