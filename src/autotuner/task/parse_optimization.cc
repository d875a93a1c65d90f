// Parser: the optimization and slo sections.

#include <array>

#include "autotuner/task/defaults.h"
#include "autotuner/task/parse_internal.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task::internal {
namespace {

constexpr std::array<std::string_view, 7> kOptimizationKeys = {
    "strategy",         "objective", "max_iterations",      "timeout_per_iteration",
    "n_initial_random", "seed",      "parallel_experiments"};
constexpr std::array<std::string_view, 4> kSloKeys = {"latency", "ttft", "tpot", "steepness"};
constexpr std::array<std::string_view, 4> kSloEntryKeys = {"threshold", "weight", "hard_fail", "fail_ratio"};

}  // namespace

void Parser::ParseOptimization(const Json& doc, Task& task) {
  Optimization& o = task.optimization;
  o.strategy = *ParseStrategy(DefaultFor("optimization.strategy").get<std::string>());
  o.objectives = {*ParseObjective(DefaultFor("optimization.objective").get<std::string>())};
  o.max_iterations = DefaultFor("optimization.max_iterations").get<int64_t>();
  o.timeout_per_iteration = DefaultFor("optimization.timeout_per_iteration").get<double>();
  o.n_initial_random = DefaultFor("optimization.n_initial_random").get<int64_t>();
  o.seed = DefaultFor("optimization.seed").get<int64_t>();
  o.parallel_experiments = DefaultFor("optimization.parallel_experiments").get<int64_t>();
  const Json* opt = Object(doc, "optimization", "optimization");
  if (opt == nullptr) return;
  CheckKeys(*opt, "optimization", kOptimizationKeys);
  if (auto s = String(*opt, "strategy", "optimization.strategy")) {
    if (auto strategy = ParseStrategy(*s)) {
      o.strategy = *strategy;
    } else {
      Fail("optimization.strategy", "unknown strategy '" + *s + "'" + DidYouMean(*s, kStrategies) +
                                        " (expected one of " + JoinNames(kStrategies) +
                                        "; aliases grid, random_search)");
    }
  }
  if (const Json* v = Field(*opt, "objective")) {
    auto objectives = ScalarOrList<std::string>(*v, "optimization.objective", ChoiceReader(kObjectives));
    if (!objectives.empty()) {
      o.objectives.clear();
      for (const auto& name : objectives) o.objectives.push_back(*ParseObjective(name));
    }
  }
  o.max_iterations =
      Integer(*opt, "max_iterations", "optimization.max_iterations", 1).value_or(o.max_iterations);
  o.timeout_per_iteration = Number(*opt, "timeout_per_iteration", "optimization.timeout_per_iteration", true)
                                .value_or(o.timeout_per_iteration);
  o.n_initial_random =
      Integer(*opt, "n_initial_random", "optimization.n_initial_random", 0).value_or(o.n_initial_random);
  o.seed = Integer(*opt, "seed", "optimization.seed", 0).value_or(o.seed);
  o.parallel_experiments = Integer(*opt, "parallel_experiments", "optimization.parallel_experiments", 1)
                               .value_or(o.parallel_experiments);
}

void Parser::ParseSlo(const Json& doc, Task& task) {
  task.slo.steepness = DefaultFor("slo.steepness").get<double>();
  const Json* slo = Object(doc, "slo", "slo");
  if (slo == nullptr) return;
  CheckKeys(*slo, "slo", kSloKeys);
  task.slo.latency = ParseSloMetric(*slo, "latency");
  task.slo.ttft = ParseSloMetric(*slo, "ttft");
  task.slo.tpot = ParseSloMetric(*slo, "tpot");
  task.slo.steepness = Number(*slo, "steepness", "slo.steepness", true).value_or(task.slo.steepness);
}

// Either one entry {threshold, ...} checked against the mean, or entries by statistic {p90: {...}, ...}.
SloMetric Parser::ParseSloMetric(const Json& slo, std::string_view key) {
  SloMetric metric;
  const std::string path = JoinPath("slo", key);
  const Json* m = Object(slo, key, path);
  if (m == nullptr) return metric;
  if (m->contains("threshold")) {
    CheckKeys(*m, path, kSloEntryKeys);
    if (auto entry = ParseSloEntry(*m, path)) metric["mean"] = *entry;
    return metric;
  }
  if (m->empty()) {
    Fail(path, "needs a threshold, or entries by statistic (" + JoinNames(kSloStats) + ")");
    return metric;
  }
  for (const auto& [stat, entry] : m->items()) {
    const std::string entry_path = JoinPath(path, stat);
    if (!Contains(kSloStats, stat)) {
      std::vector<std::string_view> candidates(kSloStats.begin(), kSloStats.end());
      candidates.insert(candidates.end(), kSloEntryKeys.begin(), kSloEntryKeys.end());
      Fail(entry_path, "unknown field '" + stat + "'" + DidYouMean(stat, candidates) +
                           " (expected threshold or " + JoinNames(kSloStats) + ")");
      continue;
    }
    if (!entry.is_object()) {
      Fail(entry_path, "must be a mapping {threshold, weight, hard_fail, fail_ratio}");
      continue;
    }
    CheckKeys(entry, entry_path, kSloEntryKeys);
    if (auto parsed = ParseSloEntry(entry, entry_path)) metric[stat] = *parsed;
  }
  return metric;
}

std::optional<SloEntry> Parser::ParseSloEntry(const Json& e, const std::string& path) {
  SloEntry entry;
  const auto threshold = Number(e, "threshold", JoinPath(path, "threshold"), true);
  if (!threshold && !Field(e, "threshold")) Fail(JoinPath(path, "threshold"), "is required");
  entry.weight =
      Number(e, "weight", JoinPath(path, "weight"), false).value_or(DefaultFor("slo.*.weight").get<double>());
  entry.hard_fail =
      Bool(e, "hard_fail", JoinPath(path, "hard_fail")).value_or(DefaultFor("slo.*.hard_fail").get<bool>());
  entry.fail_ratio = Number(e, "fail_ratio", JoinPath(path, "fail_ratio"), false)
                         .value_or(DefaultFor("slo.*.fail_ratio").get<double>());
  if (!threshold) return std::nullopt;
  entry.threshold = *threshold;
  return entry;
}

}  // namespace autotuner::task::internal
