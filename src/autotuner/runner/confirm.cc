#include "autotuner/runner/confirm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "autotuner/opt/score.h"

namespace autotuner::runner {
namespace {

// A search experiment (or the baseline) and its successful confirm experiments.
struct Group {
  const store::ExperimentRecord* original = nullptr;
  std::vector<const store::ExperimentRecord*> confirms;
  std::vector<const store::ExperimentRecord*> All() const {
    std::vector<const store::ExperimentRecord*> all = {original};
    all.insert(all.end(), confirms.begin(), confirms.end());
    return all;
  }
};

bool Measured(const store::ExperimentRecord& e) {
  return e.status == ExperimentStatus::kSuccess && e.score && e.metrics.is_object();
}

std::vector<Group> ConfirmedGroups(const std::vector<store::ExperimentRecord>& experiments) {
  std::map<int64_t, Group> by_number;
  for (const auto& e : experiments) {
    if (e.kind != ExperimentKind::kConfirm && Measured(e)) by_number[e.number].original = &e;
  }
  for (const auto& e : experiments) {
    if (e.kind != ExperimentKind::kConfirm || !e.confirms || !Measured(e)) continue;
    const auto it = by_number.find(*e.confirms);
    if (it != by_number.end()) it->second.confirms.push_back(&e);
  }
  std::vector<Group> groups;
  for (auto& [number, g] : by_number) {
    if (!g.confirms.empty()) groups.push_back(g);
  }
  return groups;
}

Spread Over(const std::vector<const store::ExperimentRecord*>& runs, const std::string& metric) {
  std::vector<double> values;
  for (const auto* e : runs) {
    const auto it = e->metrics.find(metric);
    if (it != e->metrics.end() && it->is_number()) values.push_back(it->get<double>());
  }
  return SpreadOf(values);
}

ConfirmedExperiment Describe(const Group& g) {
  ConfirmedExperiment c;
  c.number = g.original->number;
  const auto all = g.All();
  std::vector<double> scores;
  for (const auto* e : all) {
    scores.push_back(*e->score);
    if (e != g.original) c.confirm_numbers.push_back(e->number);
  }
  c.score = SpreadOf(scores);
  for (const auto& [name, value] : g.original->metrics.items()) {
    if (!value.is_number()) continue;
    const Spread s = Over(all, name);
    if (s.n == all.size()) c.metrics.emplace_back(name, s);
  }
  return c;
}

Json SpreadJson(const Spread& s) { return {{"mean", s.mean}, {"stddev", s.stddev}, {"n", s.n}}; }

Json ConfirmedJson(const ConfirmedExperiment& c) {
  Json metrics = Json::object();
  for (const auto& [name, s] : c.metrics) metrics[name] = SpreadJson(s);
  return {{"experiment_id", c.number},
          {"confirm_experiments", c.confirm_numbers},
          {"score", SpreadJson(c.score)},
          {"metrics", metrics}};
}

}  // namespace

Spread SpreadOf(const std::vector<double>& values) {
  Spread s;
  s.n = values.size();
  if (values.empty()) return s;
  for (const double v : values) s.mean += v;
  s.mean /= static_cast<double>(values.size());
  if (values.size() < 2) return s;
  double squared = 0;
  for (const double v : values) squared += (v - s.mean) * (v - s.mean);
  s.stddev = std::sqrt(squared / static_cast<double>(values.size() - 1));
  return s;
}

std::optional<Confirmation> ConfirmationOf(const std::vector<store::ExperimentRecord>& experiments,
                                           task::Objective objective) {
  auto groups = ConfirmedGroups(experiments);
  if (groups.size() < 2) return std::nullopt;
  std::vector<ConfirmedExperiment> described;
  for (const auto& g : groups) described.push_back(Describe(g));
  std::vector<size_t> order(described.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return described[a].score.mean < described[b].score.mean ||
           (described[a].score.mean == described[b].score.mean && described[a].number < described[b].number);
  });
  Confirmation c;
  c.metric = std::string(opt::BaseMetricName(objective));
  c.best = described[order[0]];
  c.runner_up = described[order[1]];
  c.best_metric = Over(groups[order[0]].All(), c.metric);
  c.runner_up_metric = Over(groups[order[1]].All(), c.metric);
  const auto n1 = static_cast<double>(c.best_metric.n), n2 = static_cast<double>(c.runner_up_metric.n);
  if (n1 + n2 > 2) {
    c.pooled_stddev = std::sqrt(
        ((n1 - 1) * std::pow(c.best_metric.stddev, 2) + (n2 - 1) * std::pow(c.runner_up_metric.stddev, 2)) /
        (n1 + n2 - 2));
  }
  c.within_noise = std::abs(c.best_metric.mean - c.runner_up_metric.mean) < 2 * c.pooled_stddev;
  c.text = fmt::format(
      "experiment {} ({} {:.6g} ± {:.3g}, {} runs) {} experiment {} ({:.6g} ± {:.3g}, {} runs){}",
      c.best.number, c.metric, c.best_metric.mean, c.best_metric.stddev, c.best_metric.n,
      c.within_noise ? "is within noise of" : "beats", c.runner_up.number, c.runner_up_metric.mean,
      c.runner_up_metric.stddev, c.runner_up_metric.n,
      c.within_noise ? fmt::format(": |Δ mean| {:.3g} < 2 × pooled stddev {:.3g}",
                                   std::abs(c.best_metric.mean - c.runner_up_metric.mean), c.pooled_stddev)
                     : "");
  return c;
}

Json ConfirmationJson(const std::vector<store::ExperimentRecord>& experiments, task::Objective objective) {
  const auto c = ConfirmationOf(experiments, objective);
  if (!c) return nullptr;
  return {{"metric", c->metric},
          {"best", ConfirmedJson(c->best)},
          {"runner_up", ConfirmedJson(c->runner_up)},
          {"pooled_stddev", c->pooled_stddev},
          {"within_noise", c->within_noise},
          {"text", c->text}};
}

std::optional<double> MeasuredScoreNoise(std::span<const std::vector<store::ExperimentRecord>> studies) {
  double squared = 0, dof = 0;
  for (const auto& experiments : studies) {
    for (const auto& g : ConfirmedGroups(experiments)) {
      std::vector<double> scores;
      for (const auto* e : g.All()) scores.push_back(*e->score);
      const Spread s = SpreadOf(scores);
      if (std::abs(s.mean) < 1e-12) continue;
      const double relative = s.stddev / std::abs(s.mean);
      squared += static_cast<double>(s.n - 1) * relative * relative;
      dof += static_cast<double>(s.n - 1);
    }
  }
  if (dof <= 0) return std::nullopt;
  return std::sqrt(squared / dof);
}

std::optional<double> MeasuredScoreNoise(const std::vector<store::ExperimentRecord>& experiments) {
  return MeasuredScoreNoise(std::span(&experiments, 1));
}

}  // namespace autotuner::runner
