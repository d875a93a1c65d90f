#include "autotuner/runner/units.h"

#include <array>
#include <cmath>
#include <utility>

#include "autotuner/opt/score.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::runner {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

// Aggregated per-experiment metrics (bench::AggregateRuns) with a unit.
constexpr std::array<Entry, 19> kAggregateUnits = {{
    {"mean_e2e_latency", "s"},
    {"min_e2e_latency", "s"},
    {"max_e2e_latency", "s"},
    {"p50_e2e_latency", "s"},
    {"p90_e2e_latency", "s"},
    {"p99_e2e_latency", "s"},
    {"mean_ttft", "s"},
    {"mean_tpot", "s"},
    {"mean_output_throughput", "tok/s"},
    {"max_output_throughput", "tok/s"},
    {"mean_total_throughput", "tok/s"},
    {"max_total_throughput", "tok/s"},
    {"mean_output_throughput_per_gpu", "tok/s/GPU"},
    {"max_output_throughput_per_gpu", "tok/s/GPU"},
    {"mean_total_throughput_per_gpu", "tok/s/GPU"},
    {"max_total_throughput_per_gpu", "tok/s/GPU"},
    {"total_requests", "requests"},
    {"total_completed_requests", "requests"},
    {"total_error_requests", "requests"},
}};

// Per-run statistics (SPEC §3 stats.<metric>), flattened as <metric>_<stat>; goodput is req/s.
constexpr std::array<Entry, 9> kStatUnits = {{
    {"ttft", "s"},
    {"tpot", "s"},
    {"e2e_latency", "s"},
    {"output_latency", "s"},
    {"connect_time", "s"},
    {"output_inference_speed", "tok/s"},
    {"num_input_tokens", "tokens"},
    {"num_output_tokens", "tokens"},
    {"total_tokens", "tokens"},
}};
constexpr std::array<std::string_view, 11> kStats = {"min", "max", "mean", "stddev", "sum", "p25",
                                                     "p50", "p75", "p90",  "p95",    "p99"};

}  // namespace

ObjectiveInfo DescribeObjective(task::Objective objective) {
  const std::string_view metric = opt::BaseMetricName(objective);
  const bool higher =
      objective == task::Objective::kMaximizeThroughput || objective == task::Objective::kMaximizeGoodput;
  return {metric, MetricUnit(metric), higher};
}

std::string_view MetricUnit(std::string_view metric) {
  if (metric == "goodput") return "req/s";
  for (const auto& [name, unit] : kAggregateUnits)
    if (name == metric) return unit;
  for (const auto& [name, unit] : kStatUnits) {
    if (metric.size() <= name.size() + 1 || !metric.starts_with(name) || metric[name.size()] != '_') continue;
    const std::string_view stat = metric.substr(name.size() + 1);
    for (auto s : kStats)
      if (s == stat) return unit;
  }
  return {};
}

Json UnitTableJson() {
  Json objectives = Json::object();
  for (auto name : task::kObjectives) {
    const ObjectiveInfo info = DescribeObjective(*task::ParseObjective(name));
    objectives[std::string(name)] = {
        {"metric", info.metric}, {"unit", info.unit}, {"higher_is_better", info.higher_is_better}};
  }
  Json metrics = {{"goodput", "req/s"}};
  for (const auto& [name, unit] : kAggregateUnits) metrics[std::string(name)] = unit;
  for (const auto& [name, unit] : kStatUnits)
    for (auto s : kStats) metrics[std::string(name) + "_" + std::string(s)] = unit;
  return {{"objectives", objectives}, {"metrics", metrics}};
}

Json ObjectiveValueJson(const store::ExperimentRecord& e, task::Objective objective) {
  const ObjectiveInfo info = DescribeObjective(objective);
  Json value(nullptr);
  if (e.status == ExperimentStatus::kSuccess && e.metrics.is_object()) {
    const auto it = e.metrics.find(std::string(info.metric));
    if (it != e.metrics.end() && it->is_number() && std::isfinite(it->get<double>())) value = *it;
  }
  return {{"name", task::Name(objective)},
          {"metric", info.metric},
          {"value", value},
          {"unit", info.unit},
          {"higher_is_better", info.higher_is_better}};
}

Json SloPenaltyJson(const store::ExperimentRecord& e) {
  if (!e.metrics.is_object()) return nullptr;
  const Json breakdown = e.metrics.value("score_breakdown", Json(nullptr));
  if (!breakdown.is_object()) return nullptr;
  const Json penalty = breakdown.value("penalty", Json(nullptr));
  return penalty.is_number() ? penalty : Json(nullptr);
}

}  // namespace autotuner::runner
