#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/opt/outcome.h"
#include "autotuner/task/task.h"

namespace autotuner::opt {

// Aggregated metrics of one experiment by SPEC §3 name (mean_e2e_latency, p90_e2e_latency, mean_ttft,
// mean_total_throughput_per_gpu, goodput, ...). Units: seconds, tokens/s, requests/s.
using Metrics = std::map<std::string, double, std::less<>>;

// The numeric fields of an aggregated-metrics object; other fields (raw_results, ...) are skipped.
Metrics MetricsFromJson(const Json& object);

// The metric an objective is computed from: minimize_latency → mean_e2e_latency, maximize_throughput →
// mean_total_throughput_per_gpu, minimize_ttft → mean_ttft, minimize_tpot → mean_tpot, maximize_goodput →
// goodput.
std::string_view BaseMetricName(task::Objective objective);

// Base score of an objective (SPEC §5; lower is better, so maximised metrics are negated).
Result<double> BaseScore(const Metrics& metrics, task::Objective objective);

// The metric an SLO statistic is checked against: ("latency", "p90") → "p90_e2e_latency",
// ("ttft", "mean") → "mean_ttft", ("tpot", "p99") → "p99_tpot".
std::string SloMetricName(std::string_view slo_metric, std::string_view stat);

// SPEC §5 penalty of one SLO: with r = (actual − threshold) / threshold, zero for r <= 0, otherwise
// weight · (exp(min(r / steepness, 50)) − 1). Needs threshold > 0 and steepness > 0.
double SloPenalty(double actual, const task::SloEntry& entry, double steepness);

// True when the SLO makes the experiment infeasible: hard_fail and r > fail_ratio.
bool SloHardFails(double actual, const task::SloEntry& entry);

struct SloCheck {
  std::string slo;     // "latency.p90"
  std::string metric;  // "p90_e2e_latency"
  double threshold = 0;
  double actual = 0;
  double ratio = 0;  // (actual − threshold) / threshold
  double penalty = 0;
  bool hard_failed = false;
};

// One experiment scored against one objective and the task's SLOs.
struct ScoreBreakdown {
  double base = 0;
  double penalty = 0;  // Σ penalty_i
  double score = 0;    // base + penalty · |base|
  std::vector<SloCheck> checks;
  // Set when a hard SLO was breached: the experiment is infeasible and `score` is not to be used.
  std::optional<std::string> infeasible;

  Json ToJson() const;
};

// Errors (kInvalidArgument): a metric the objective or an SLO needs is missing or not finite, or an SLO has a
// non-positive threshold / steepness.
Result<ScoreBreakdown> ScoreExperiment(const Metrics& metrics, const task::Slo& slo,
                                       task::Objective objective);

// What the optimizer observes: success with every objective's score (primary first), or infeasible with
// reason slo_violation when a hard SLO is breached. `objectives` must not be empty.
Result<Outcome> ScoreOutcome(const Metrics& metrics, const task::Slo& slo,
                             std::span<const task::Objective> objectives);

}  // namespace autotuner::opt
