// Experiments-to-optimum benchmark of the optimizer strategies (numbers printed, not a pass/fail test).
//
//   opt_landscapes_bench [--seeds N] [--jobs N] [--noise SD] [--only NAME,...] [--export FILE] [--tpe FILE]
//
// For every landscape of opt_landscapes.h and every seed, runs a study (measurements with multiplicative
// noise SD, default 1.5%) until the configuration it reports as best is truly within 2% of the landscape's
// optimum and reports the median number of experiments (infeasible ones included); then runs with early
// stopping on to the budget, batch 1 and 4.
// --export writes the landscapes as JSON for bench/opt_tpe_baseline.py; --tpe reads that script's results
// and adds its column.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
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
  double gap_at_stop = 0;  // (true score of the reported best − optimum) / |optimum|
  double propose_seconds = 0;
  size_t proposals = 0;
};

// Runs one study with measurements noisy by `noise`; "within 2%" judges the true outcome of the
// configuration the study reports as best (by its own noisy measurements). With stop_at_target it ends as
// soon as that holds.
RunResult RunStudy(const Landscape& l, task::Strategy kind, int64_t seed, size_t batch, bool early_stop,
                   size_t cap, bool stop_at_target, double noise) {
  task::Optimization o;
  o.strategy = kind;
  o.objectives = {task::Objective::kMinimizeLatency};
  o.max_iterations = static_cast<int64_t>(cap);
  o.n_initial_random = 5;
  o.seed = seed;
  o.parallel_experiments = static_cast<int64_t>(batch);
  opt::StrategyOptions options;
  options.early_stop.enabled = early_stop;
  auto strategy = opt::MakeStrategy(o, l.space, options);
  if (!strategy) {
    std::fprintf(stderr, "%s: %s\n", l.name.c_str(), strategy.error().message.c_str());
    std::exit(1);
  }
  auto& s = **strategy;
  opt::Rng noise_rng(opt::MixSeed(static_cast<uint64_t>(seed), 77));
  RunResult r;
  const auto reported_good = [&] {
    const auto best = s.Best();
    return best && l.Good(l.At(s.observations()[*best].candidate.values));
  };
  while (true) {
    const auto start = std::chrono::steady_clock::now();
    const auto candidates = s.Propose(batch);
    r.propose_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++r.proposals;
    if (candidates.empty()) break;
    for (const auto& c : candidates) {
      ++r.experiments;
      if (!s.Observe(c, l.Measure(c.values, noise, noise_rng)).ok()) std::exit(1);
      if (!r.experiments_to_target && reported_good()) r.experiments_to_target = r.experiments;
    }
    if (stop_at_target && r.experiments_to_target) break;
  }
  r.stop = s.stop_reason();
  r.good_at_stop = reported_good();
  if (const auto best = s.Best()) {
    const auto& exact = l.At(s.observations()[*best].candidate.values);
    r.gap_at_stop = exact.feasible() ? (exact.score() - l.optimum) / std::abs(l.optimum) : INFINITY;
  } else {
    r.gap_at_stop = INFINITY;
  }
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
      outcomes.push_back(std::string(Name(o.reason())));
    }
  }
  return {{"name", l.name},           {"description", l.description}, {"optimum", l.optimum},
          {"tolerance", l.tolerance}, {"dimensions", dims},           {"outcomes", outcomes}};
}

// The runs of one landscape and seed.
struct SeedRuns {
  RunResult random, bayes, batch, early, early_batch;
};

SeedRuns RunSeed(const Landscape& l, int64_t seed, double noise) {
  SeedRuns r;
  r.random = RunStudy(l, task::Strategy::kRandom, seed, 1, false, l.size(), true, noise);
  r.bayes = RunStudy(l, task::Strategy::kBayesian, seed, 1, false, kBayesianCap, true, noise);
  r.batch = RunStudy(l, task::Strategy::kBayesian, seed, 4, false, kBayesianCap, true, noise);
  r.early = RunStudy(l, task::Strategy::kBayesian, seed, 1, true, kBayesianCap, false, noise);
  r.early_batch = RunStudy(l, task::Strategy::kBayesian, seed, 4, true, kBayesianCap, false, noise);
  return r;
}

std::vector<SeedRuns> RunSeeds(const Landscape& l, int seeds, int jobs, double noise) {
  std::vector<SeedRuns> runs(static_cast<size_t>(seeds));
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int j = 0; j < jobs; ++j) {
    workers.emplace_back([&] {
      for (int i = next++; i < seeds; i = next++) runs[static_cast<size_t>(i)] = RunSeed(l, i + 1, noise);
    });
  }
  for (auto& w : workers) w.join();
  return runs;
}

// Early stop with one batch size: how often it fired, where, and whether the best at stop was good.
std::string EarlyColumns(const std::vector<RunResult>& runs) {
  std::vector<size_t> fired;
  size_t good = 0;
  for (const auto& r : runs) {
    if (r.stop == opt::StopReason::kConverged) fired.push_back(r.experiments);
    if (r.good_at_stop) ++good;
  }
  std::sort(fired.begin(), fired.end());
  const std::string median = fired.empty() ? "–" : std::to_string(fired[(fired.size() - 1) / 2]);
  const std::string saved =
      fired.empty()
          ? "–"
          : fmt::format("{:.0f}%", 100.0 * (1.0 - static_cast<double>(fired[(fired.size() - 1) / 2]) /
                                                      static_cast<double>(kBayesianCap)));
  return fmt::format("{}/{} | {} | {} | {}/{}", fired.size(), runs.size(), median, saved, good, runs.size());
}

Json ReadTpe(const std::string& path) {
  if (path.empty()) return Json::object();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseJson(text.str(), path);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    std::exit(1);
  }
  return *parsed;
}

std::string Ratio(std::optional<size_t> other, std::optional<size_t> ours, size_t other_cap) {
  if (!ours) return "–";
  if (!other) return fmt::format(">{:.1f}×", static_cast<double>(other_cap) / static_cast<double>(*ours));
  return fmt::format("{:.1f}×", static_cast<double>(*other) / static_cast<double>(*ours));
}

void PrintLandscape(const Landscape& l, const std::vector<SeedRuns>& runs, const Json& tpe,
                    std::vector<std::string>& early_rows, std::vector<std::string>& timing_rows) {
  size_t oom = 0, slo = 0, good = 0;
  for (const auto& o : l.outcomes) {
    if (!o.feasible()) ++(o.reason() == opt::InfeasibleReason::kOom ? oom : slo);
    if (l.Good(o)) ++good;
  }
  std::vector<std::optional<size_t>> random, bayes, batch, tpe_counts;
  std::vector<RunResult> early, early_batch;
  size_t reached = 0, stuck = 0;
  double worst_gap = 0, propose_seconds = 0;
  size_t proposals = 0;
  for (const auto& r : runs) {
    random.push_back(r.random.experiments_to_target);
    bayes.push_back(r.bayes.experiments_to_target);
    batch.push_back(r.batch.experiments_to_target);
    early.push_back(r.early);
    early_batch.push_back(r.early_batch);
    if (r.bayes.experiments_to_target) ++reached;
    if (!r.bayes.experiments_to_target) worst_gap = std::max(worst_gap, r.bayes.gap_at_stop);
    if (!r.bayes.experiments_to_target && r.bayes.gap_at_stop >= 0.10) ++stuck;
    propose_seconds += r.early.propose_seconds;
    proposals += r.early.proposals;
  }
  std::string tpe_median = "–";
  size_t tpe_cap = 0;
  std::optional<size_t> tpe_value;
  if (tpe.contains(l.name)) {
    tpe_cap = tpe[l.name].value("cap", size_t{0});
    for (const auto& c : tpe[l.name]["experiments"]) {
      tpe_counts.push_back(c.is_null() ? std::nullopt : std::optional<size_t>(c.get<size_t>()));
    }
    tpe_median = Median(tpe_counts, tpe_cap);
    tpe_value = MedianValue(tpe_counts);
  }
  const auto bayes_median = MedianValue(bayes);
  std::printf("| %s | %zu | %.0f%% / %.0f%% | %zu | %s | %s | %s | %s | %s | %s | %zu/%zu | %s |\n",
              l.name.c_str(), l.size(), 100.0 * oom / l.size(), 100.0 * slo / l.size(), good,
              Median(random, l.size()).c_str(), tpe_median.c_str(), Median(bayes, kBayesianCap).c_str(),
              Median(batch, kBayesianCap).c_str(), Ratio(MedianValue(random), bayes_median, l.size()).c_str(),
              tpe.contains(l.name) ? Ratio(tpe_value, bayes_median, tpe_cap).c_str() : "–", reached,
              runs.size(),
              stuck ? fmt::format("{} (worst {:.0f}%)", stuck, 100 * worst_gap).c_str()
                    : fmt::format("0 (worst {:.1f}%)", 100 * worst_gap).c_str());
  early_rows.push_back(
      fmt::format("| {} | {} | {} |", l.name, EarlyColumns(early), EarlyColumns(early_batch)));
  timing_rows.push_back(fmt::format("| {} | {:.1f} |", l.name, 1e3 * propose_seconds / proposals));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 20, jobs = 2;
  double noise = 0.015;
  std::string only, export_path, tpe_path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : "0"; };
    if (arg == "--seeds") {
      seeds = std::stoi(next());
    } else if (arg == "--jobs") {
      jobs = std::max(1, std::stoi(next()));
    } else if (arg == "--noise") {
      noise = std::stod(next());
    } else if (arg == "--only") {
      only = next();
    } else if (arg == "--export") {
      export_path = next();
    } else if (arg == "--tpe") {
      tpe_path = next();
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seeds N] [--jobs N] [--noise SD] [--only NAME,...] [--export FILE] "
                   "[--tpe FILE]\n",
                   argv[0]);
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
  const Json tpe = ReadTpe(tpe_path);
  const auto selected = [&](const std::string& name) {
    return only.empty() || ("," + only + ",").find("," + name + ",") != std::string::npos;
  };

  std::printf(
      "Median experiments (over %d seeds, %.1f%% multiplicative noise on every metric) until the study's "
      "best is truly within 2%% of the optimum; bayesian capped at %zu\n\n",
      seeds, 100 * noise, kBayesianCap);
  std::printf(
      "| landscape | configs | OOM / SLO | good | random | TPE (Optuna) | bayesian | bayesian ×4 batch | vs "
      "random | vs TPE | bayesian within 2%% in %zu | runs ≥ 10%% below at budget |\n",
      kBayesianCap);
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::vector<std::string> early_rows, timing_rows;
  for (const auto& l : landscapes) {
    if (!selected(l.name)) continue;
    PrintLandscape(l, RunSeeds(l, seeds, jobs, noise), tpe, early_rows, timing_rows);
  }
  std::printf(
      "\nBayesian with early stopping on (budget %zu): stopped as converged, median experiments at "
      "stop where it fired, budget saved there, best within 2%% at stop\n\n",
      kBayesianCap);
  std::printf(
      "| landscape | batch 1: converged | at stop | saved | within 2%% | batch 4: converged | at stop | "
      "saved | within 2%% |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& row : early_rows) std::printf("%s\n", row.c_str());
  std::printf(
      "\nBayesian mean time per Propose(1) (fit + acquisition), ms\n\n| landscape | ms |\n|---|---|\n");
  for (const auto& row : timing_rows) std::printf("%s\n", row.c_str());
  return 0;
}
