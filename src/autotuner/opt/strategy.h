#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/opt/early_stop.h"
#include "autotuner/opt/halton.h"
#include "autotuner/opt/outcome.h"
#include "autotuner/opt/rng.h"
#include "autotuner/opt/space.h"
#include "autotuner/task/search_space.h"
#include "autotuner/task/task.h"

namespace autotuner::opt {

// Why the last Propose returned fewer candidates than asked for.
enum class StopReason {
  kBudget,     // max_iterations experiments are done or running
  kExhausted,  // every configuration the caller allows has been tried
  kConverged,  // the model says the best is very unlikely to improve by more than the tolerance
};
std::string_view Name(StopReason reason);

struct Observation {
  Candidate candidate;
  Outcome outcome;
};

// An experiment of an earlier study (same model, runtime and GPU) used to warm-start the model.
struct PriorObservation {
  Json values;  // dimension name → value
  Outcome outcome;
};

struct StrategyOptions {
  // Configurations the caller can never run (e.g. more GPUs than exist); they are never proposed. Must be
  // deterministic. Called with a candidate's values.
  std::function<bool(const Json& values)> allowed;
  // Bayesian early stop (early_stop.h).
  EarlyStopSettings early_stop;
  // grid_search: values per float dimension (evenly spaced in its (log-)range).
  size_t grid_float_levels = 5;
};

// The optimizer of one study: proposes configurations, observes their outcomes, and saves / restores its full
// state so a resumed study proposes exactly what the uninterrupted one would have. Not thread-safe: the
// runner calls it from its study thread.
class Strategy {
 public:
  virtual ~Strategy() = default;
  Strategy(const Strategy&) = delete;
  Strategy& operator=(const Strategy&) = delete;

  std::string_view name() const { return name_; }
  const Space& space() const { return space_; }

  // Up to k new candidates, never a duplicate of an observed or pending one, never one the caller disallows.
  // Each stays pending until observed. Fewer than k means the study should stop after the pending ones;
  // stop_reason() says why.
  std::vector<Candidate> Propose(size_t k = 1);

  // Records an experiment's outcome. `interrupted` outcomes are forgotten (the candidate may be proposed
  // again); `pruned` ones are learned as infeasible but not counted against max_iterations. A candidate
  // that was not proposed (e.g. re-fed by the runner) is accepted when its values are in the space.
  Status Observe(const Candidate& candidate, const Outcome& outcome);

  // Warm start: outcomes of earlier studies feed the model (Bayesian) but are not this study's experiments:
  // they count for nothing, are not reported as best, and may be proposed again. Entries whose values do
  // not fit this space, and interrupted ones, are skipped. Returns how many were used.
  size_t AddPriorObservations(std::span<const PriorObservation> prior);

  // The relative standard deviation of one measurement of a configuration's score (0.015: 1.5%), as the
  // caller measured it (repeated runs, confirmations of an earlier study); nothing: unknown. The Bayesian
  // model's noise level does not go below it, and the plateau safeguard ignores improvements within it. Not
  // part of SaveState: the caller derives it from stored measurements and sets it again on resume.
  void SetMeasuredNoise(std::optional<double> relative_stddev) { measured_noise_ = relative_stddev; }
  std::optional<double> measured_noise() const { return measured_noise_; }
  // The objective model's noise level after its last fit, as a relative standard deviation of the score;
  // nothing before a model was fitted (and for strategies without one).
  virtual std::optional<double> model_noise() const { return std::nullopt; }

  std::optional<StopReason> stop_reason() const { return stop_reason_; }
  const std::string& stop_detail() const { return stop_detail_; }

  // Experiments that count against max_iterations: observed ones (pruned excluded) plus pending ones.
  size_t iterations() const;
  const std::vector<Observation>& observations() const { return observations_; }
  const std::vector<Observation>& prior_observations() const { return prior_; }
  const std::vector<Candidate>& pending() const { return pending_; }
  // Index in observations() of the feasible experiment with the lowest primary score.
  std::optional<size_t> Best() const;
  // Indices in observations() of the feasible experiments on the Pareto front of all objectives.
  std::vector<size_t> ParetoFront() const;

  Json SaveState() const;
  // Restores a SaveState() of a strategy made from the same task; fails (kValidation) on a state of another
  // strategy or search space.
  Status Restore(const Json& state);

 protected:
  Strategy(std::string_view name, Space space, const task::Optimization& optimization,
           StrategyOptions options);

  // Appends up to k candidates to `batch` (via TakeIfNew, so each is new and allowed); may call Stop().
  virtual void Generate(size_t k, std::vector<Candidate>& batch) = 0;
  // Strategy-specific state beyond observations, RNG and sequence position.
  virtual Json SaveModel() const { return Json::object(); }
  virtual Status RestoreModel(const Json& /*model*/) { return {}; }

  // The canonical candidate at `unit` when it is neither observed, pending nor already in this batch, and
  // the caller allows it; it is then marked as taken.
  std::optional<Candidate> TakeIfNew(std::span<const double> unit);
  // A uniformly random new candidate; nothing when none is left (finite spaces are enumerated when random
  // draws keep hitting taken configurations).
  std::optional<Candidate> TakeRandom();
  // The next new point of the seeded space-filling sequence (scrambled Halton) that `accept` (when given)
  // accepts; falls back to TakeRandom when the sequence keeps hitting taken or rejected configurations.
  std::optional<Candidate> TakeSpaceFilling(const std::function<bool(std::span<const double>)>& accept = {});

  // The lattice the strategy proposes from: how many values dimension `dim` takes (nothing: continuous),
  // and the canonical coordinate a uniform u in [0, 1) maps to (equal-probability bins, one per value).
  // By default the space's own values, float ranges continuous.
  virtual std::optional<uint64_t> Levels(size_t dim) const;
  virtual double Snap(size_t dim, double u) const;
  // Number of lattice points (nothing: continuous or too many to count), and the canonical coordinates of
  // point `index` (mixed radix, first dimension fastest).
  std::optional<uint64_t> LatticeSize() const;
  void LatticePoint(uint64_t index, std::vector<double>& unit) const;
  // Observed, pending or already in the batch being built (canonical coordinates).
  bool Taken(const std::vector<double>& unit) const { return taken_.contains(unit); }

  void Stop(StopReason reason, std::string detail);

  const task::Optimization& optimization() const { return optimization_; }
  const StrategyOptions& options() const { return options_; }
  Rng& rng() { return rng_; }

 private:
  struct UnitHash {
    size_t operator()(const std::vector<double>& unit) const;
  };
  void Mark(const std::vector<double>& unit, int delta);

  std::string name_;
  Space space_;
  task::Optimization optimization_;
  StrategyOptions options_;
  Rng rng_;
  Halton halton_;
  uint64_t sequence_index_ = 0;
  std::vector<Observation> observations_;
  std::vector<Observation> prior_;
  std::vector<Candidate> pending_;
  std::unordered_map<std::vector<double>, int, UnitHash>
      taken_;  // observed, pending, or in the current batch
  std::optional<StopReason> stop_reason_;
  std::string stop_detail_;
  std::optional<double> measured_noise_;
};

// The strategy the task asks for (grid_search, random, bayesian) over its search space. Fails (kValidation)
// on an empty or malformed space.
Result<std::unique_ptr<Strategy>> MakeStrategy(const task::Optimization& optimization,
                                               const task::SearchSpace& search_space,
                                               StrategyOptions options = {});

}  // namespace autotuner::opt
