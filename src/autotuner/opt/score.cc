#include "autotuner/opt/score.h"

#include <fmt/format.h>

#include <cmath>

namespace autotuner::opt {

namespace {

constexpr double kMaxExponent = 50;

Error InvalidArgument(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

Result<double> Lookup(const Metrics& metrics, std::string_view name) {
  const auto it = metrics.find(name);
  if (it == metrics.end()) return InvalidArgument("metric '" + std::string(name) + "' is missing");
  if (!std::isfinite(it->second)) return InvalidArgument("metric '" + std::string(name) + "' is not finite");
  return it->second;
}

double Ratio(double actual, double threshold) { return (actual - threshold) / threshold; }

}  // namespace

Metrics MetricsFromJson(const Json& object) {
  Metrics metrics;
  if (!object.is_object()) return metrics;
  for (const auto& [key, value] : object.items()) {
    if (value.is_number()) metrics[key] = value.get<double>();
  }
  return metrics;
}

std::string_view BaseMetricName(task::Objective objective) {
  switch (objective) {
    case task::Objective::kMinimizeLatency:
      return "mean_e2e_latency";
    case task::Objective::kMaximizeThroughput:
      return "mean_total_throughput_per_gpu";
    case task::Objective::kMinimizeTtft:
      return "mean_ttft";
    case task::Objective::kMinimizeTpot:
      return "mean_tpot";
    case task::Objective::kMaximizeGoodput:
      return "goodput";
  }
  return "mean_e2e_latency";
}

Result<double> BaseScore(const Metrics& metrics, task::Objective objective) {
  auto value = Lookup(metrics, BaseMetricName(objective));
  if (!value) return value;
  const bool maximise =
      objective == task::Objective::kMaximizeThroughput || objective == task::Objective::kMaximizeGoodput;
  return maximise ? -*value : *value;
}

std::string SloMetricName(std::string_view slo_metric, std::string_view stat) {
  const std::string_view metric = slo_metric == "latency" ? "e2e_latency" : slo_metric;
  return std::string(stat) + "_" + std::string(metric);
}

double SloPenalty(double actual, const task::SloEntry& entry, double steepness) {
  const double r = Ratio(actual, entry.threshold);
  if (!(r > 0)) return 0;
  return entry.weight * (std::exp(std::min(r / steepness, kMaxExponent)) - 1);
}

bool SloHardFails(double actual, const task::SloEntry& entry) {
  return entry.hard_fail && Ratio(actual, entry.threshold) > entry.fail_ratio;
}

Json ScoreBreakdown::ToJson() const {
  Json checks_json = Json::array();
  for (const auto& c : checks) {
    checks_json.push_back({{"slo", c.slo},
                           {"metric", c.metric},
                           {"threshold", c.threshold},
                           {"actual", c.actual},
                           {"ratio", c.ratio},
                           {"penalty", c.penalty},
                           {"hard_failed", c.hard_failed}});
  }
  Json j = {{"base", base}, {"penalty", penalty}, {"score", score}, {"slo_checks", checks_json}};
  if (infeasible) j["infeasible"] = *infeasible;
  return j;
}

Result<ScoreBreakdown> ScoreExperiment(const Metrics& metrics, const task::Slo& slo,
                                       task::Objective objective) {
  ScoreBreakdown out;
  auto base = BaseScore(metrics, objective);
  if (!base) return std::move(base).error();
  out.base = *base;
  const std::pair<std::string_view, const task::SloMetric*> groups[] = {
      {"latency", &slo.latency}, {"ttft", &slo.ttft}, {"tpot", &slo.tpot}};
  std::string breaches;
  for (const auto& [group, entries] : groups) {
    for (const auto& [stat, entry] : *entries) {
      SloCheck check;
      check.slo = std::string(group) + "." + stat;
      if (!(entry.threshold > 0)) return InvalidArgument("slo." + check.slo + ": threshold must be positive");
      if (!(slo.steepness > 0)) return InvalidArgument("slo.steepness must be positive");
      check.metric = SloMetricName(group, stat);
      auto actual = Lookup(metrics, check.metric);
      if (!actual) return std::move(actual).error();
      check.threshold = entry.threshold;
      check.actual = *actual;
      check.ratio = Ratio(*actual, entry.threshold);
      check.penalty = SloPenalty(*actual, entry, slo.steepness);
      check.hard_failed = SloHardFails(*actual, entry);
      if (check.hard_failed) {
        if (!breaches.empty()) breaches += "; ";
        breaches += fmt::format("{} {:.4g} exceeds {:.4g} by more than the fail ratio {:g}", check.slo,
                                check.actual, check.threshold, entry.fail_ratio);
      }
      out.penalty += check.penalty;
      out.checks.push_back(std::move(check));
    }
  }
  out.score = out.base + out.penalty * std::abs(out.base);
  if (!breaches.empty()) out.infeasible = "hard SLO breached: " + breaches;
  return out;
}

Result<Outcome> ScoreOutcome(const Metrics& metrics, const task::Slo& slo,
                             std::span<const task::Objective> objectives) {
  if (objectives.empty()) return InvalidArgument("no objective to score");
  std::vector<double> scores;
  for (const auto objective : objectives) {
    auto breakdown = ScoreExperiment(metrics, slo, objective);
    if (!breakdown) return std::move(breakdown).error();
    if (breakdown->infeasible)
      return Outcome::Infeasible(InfeasibleReason::kSloViolation, *breakdown->infeasible);
    scores.push_back(breakdown->score);
  }
  const double primary = scores.front();
  scores.erase(scores.begin());
  return Outcome::Success(primary, std::move(scores));
}

}  // namespace autotuner::opt
