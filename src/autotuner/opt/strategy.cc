#include "autotuner/opt/strategy.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <limits>

#include "autotuner/opt/pareto.h"
#include "autotuner/opt/strategies.h"

namespace autotuner::opt {

namespace {

constexpr int kStateFormat = 1;
// Consecutive taken draws after which random / space-filling proposals fall back to enumeration.
constexpr int kMaxMisses = 1000;
// Finite spaces up to this size are enumerated when random draws cannot find an untried configuration.
constexpr uint64_t kEnumerationLimit = uint64_t{1} << 22;

Error InvalidState(const std::string& message) {
  return MakeError(ErrorCode::kValidation, "strategy state: " + message);
}

}  // namespace

std::string_view Name(StopReason reason) {
  switch (reason) {
    case StopReason::kBudget:
      return "budget";
    case StopReason::kExhausted:
      return "exhausted";
    case StopReason::kConverged:
      return "converged";
  }
  return "budget";
}

size_t Strategy::UnitHash::operator()(const std::vector<double>& unit) const {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (const double u : unit) {
    h ^= std::bit_cast<uint64_t>(u + 0.0);  // + 0.0 folds −0 into +0
    h *= 0x100000001B3ULL;
    h ^= h >> 29;
  }
  return static_cast<size_t>(h);
}

Strategy::Strategy(std::string_view name, Space space, const task::Optimization& optimization,
                   StrategyOptions options)
    : name_(name),
      space_(std::move(space)),
      optimization_(optimization),
      options_(std::move(options)),
      rng_(MixSeed(static_cast<uint64_t>(optimization.seed), 0)),
      halton_(space_.size(), MixSeed(static_cast<uint64_t>(optimization.seed), 1)) {}

void Strategy::Mark(const std::vector<double>& unit, int delta) {
  auto& count = taken_[unit];
  count += delta;
  if (count <= 0) taken_.erase(unit);
}

size_t Strategy::iterations() const {
  const auto counted = std::count_if(observations_.begin(), observations_.end(), [](const Observation& o) {
    return o.outcome.feasible() || o.outcome.reason() != InfeasibleReason::kPruned;
  });
  return static_cast<size_t>(counted) + pending_.size();
}

std::vector<Candidate> Strategy::Propose(size_t k) {
  stop_reason_.reset();
  stop_detail_.clear();
  size_t n = k;
  const auto max_iterations = static_cast<size_t>(std::max<int64_t>(optimization_.max_iterations, 0));
  if (max_iterations > 0) {
    const size_t used = iterations();
    n = used >= max_iterations ? 0 : std::min(k, max_iterations - used);
  }
  std::vector<Candidate> batch;
  if (n > 0) Generate(n, batch);
  pending_.insert(pending_.end(), batch.begin(), batch.end());
  if (stop_reason_) return batch;
  if (batch.size() < n) {
    Stop(StopReason::kExhausted, options_.allowed ? "every configuration the caller allows has been tried"
                                                  : "every configuration of the search space has been tried");
  } else if (batch.size() < k) {
    Stop(StopReason::kBudget,
         fmt::format("max_iterations ({}) experiments are done or running", max_iterations));
  }
  return batch;
}

Status Strategy::Observe(const Candidate& candidate, const Outcome& outcome) {
  auto canonical = space_.Encode(candidate.values);
  if (!canonical) return std::move(canonical).error();
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const Candidate& p) { return p.unit == canonical->unit; });
  const bool was_pending = it != pending_.end();
  if (was_pending) pending_.erase(it);
  if (!outcome.feasible() && !SaysSomethingAboutTheConfiguration(outcome.reason())) {
    if (was_pending) Mark(canonical->unit, -1);
    return {};
  }
  if (!was_pending) Mark(canonical->unit, +1);
  observations_.push_back({std::move(canonical).value(), outcome});
  return {};
}

size_t Strategy::AddPriorObservations(std::span<const PriorObservation> prior) {
  size_t used = 0;
  for (const auto& p : prior) {
    if (!p.outcome.feasible() && !SaysSomethingAboutTheConfiguration(p.outcome.reason())) continue;
    auto candidate = space_.Encode(p.values);
    if (!candidate) continue;
    prior_.push_back({std::move(candidate).value(), p.outcome});
    ++used;
  }
  return used;
}

std::optional<size_t> Strategy::Best() const {
  std::optional<size_t> best;
  for (size_t i = 0; i < observations_.size(); ++i) {
    const auto& o = observations_[i].outcome;
    if (o.feasible() && (!best || o.score() < observations_[*best].outcome.score())) best = i;
  }
  return best;
}

std::vector<size_t> Strategy::ParetoFront() const {
  std::vector<size_t> index;
  std::vector<std::vector<double>> points;
  for (size_t i = 0; i < observations_.size(); ++i) {
    if (!observations_[i].outcome.feasible()) continue;
    index.push_back(i);
    points.push_back(observations_[i].outcome.objectives());
  }
  std::vector<size_t> front;
  for (const size_t j : opt::ParetoFront(points)) front.push_back(index[j]);
  return front;
}

void Strategy::Stop(StopReason reason, std::string detail) {
  stop_reason_ = reason;
  stop_detail_ = std::move(detail);
}

std::optional<uint64_t> Strategy::Levels(size_t dim) const { return space_.dim(dim).Cardinality(); }

double Strategy::Snap(size_t dim, double u) const { return space_.BinUnit(dim, u); }

std::optional<uint64_t> Strategy::LatticeSize() const {
  uint64_t size = 1;
  for (size_t d = 0; d < space_.size(); ++d) {
    const auto n = Levels(d);
    if (!n || (*n != 0 && size > std::numeric_limits<uint64_t>::max() / *n)) return std::nullopt;
    size *= *n;
  }
  return size;
}

void Strategy::LatticePoint(uint64_t index, std::vector<double>& unit) const {
  unit.resize(space_.size());
  for (size_t d = 0; d < unit.size(); ++d) {
    const uint64_t n = *Levels(d);
    const uint64_t level = index % n;
    unit[d] = space_.dim(d).discrete() ? space_.UnitOfLevel(d, level)
                                       : Snap(d, (static_cast<double>(level) + 0.5) / static_cast<double>(n));
    index /= n;
  }
}

std::optional<Candidate> Strategy::TakeIfNew(std::span<const double> unit) {
  Candidate c = space_.Decode(unit);
  if (Taken(c.unit)) return std::nullopt;
  if (options_.allowed && !options_.allowed(c.values)) return std::nullopt;
  Mark(c.unit, +1);
  return c;
}

std::optional<Candidate> Strategy::TakeRandom() {
  const auto lattice = LatticeSize();
  if (lattice && taken_.size() >= *lattice) return std::nullopt;
  std::vector<double> unit(space_.size());
  for (int miss = 0; miss < kMaxMisses; ++miss) {
    for (size_t d = 0; d < unit.size(); ++d) unit[d] = Snap(d, rng_.Uniform());
    if (auto c = TakeIfNew(unit)) return c;
  }
  if (!lattice || *lattice > kEnumerationLimit) return std::nullopt;
  // Few untried configurations are left: list them and draw among them.
  std::vector<uint64_t> untried;
  for (uint64_t i = 0; i < *lattice; ++i) {
    LatticePoint(i, unit);
    if (!Taken(unit)) untried.push_back(i);
  }
  while (!untried.empty()) {
    const auto j = rng_.Below(untried.size());
    LatticePoint(untried[j], unit);
    if (auto c = TakeIfNew(unit)) return c;
    untried[j] = untried.back();
    untried.pop_back();
  }
  return std::nullopt;
}

std::optional<Candidate> Strategy::TakeSpaceFilling(
    const std::function<bool(std::span<const double>)>& accept) {
  const auto lattice = LatticeSize();
  if (lattice && taken_.size() >= *lattice) return std::nullopt;
  std::vector<double> unit(space_.size());
  for (int miss = 0; miss < kMaxMisses; ++miss) {
    halton_.Point(++sequence_index_, unit);
    for (size_t d = 0; d < unit.size(); ++d) unit[d] = Snap(d, unit[d]);
    if (accept && (Taken(space_.Decode(unit).unit) || !accept(unit))) continue;
    if (auto c = TakeIfNew(unit)) return c;
  }
  return TakeRandom();
}

Json Strategy::SaveState() const {
  const auto list = [](const std::vector<Observation>& observations) {
    Json out = Json::array();
    for (const auto& o : observations)
      out.push_back({{"values", o.candidate.values}, {"outcome", o.outcome.ToJson()}});
    return out;
  };
  Json pending = Json::array();
  for (const auto& c : pending_) pending.push_back(c.values);
  return {{"format", kStateFormat},
          {"strategy", name_},
          {"rng", rng_.ToJson()},
          {"sequence_index", sequence_index_},
          {"observations", list(observations_)},
          {"prior_observations", list(prior_)},
          {"pending", pending},
          {"model", SaveModel()}};
}

Status Strategy::Restore(const Json& state) {
  if (!state.is_object() || state.value("format", 0) != kStateFormat) return InvalidState("unknown format");
  if (state.value("strategy", std::string{}) != name_) {
    return InvalidState("saved by strategy '" + state.value("strategy", std::string{}) + "', not '" + name_ +
                        "'");
  }
  auto rng = Rng::FromJson(state.value("rng", Json{}));
  if (!rng) return std::move(rng).error();
  if (!state.contains("sequence_index") || !state["sequence_index"].is_number_unsigned()) {
    return InvalidState("sequence_index must be an unsigned integer");
  }
  const auto parse_list = [&](const char* key, std::vector<Observation>& out) -> Status {
    const Json list = state.value(key, Json::array());
    if (!list.is_array()) return InvalidState(std::string(key) + " must be a list");
    for (const auto& entry : list) {
      if (!entry.is_object()) return InvalidState(std::string(key) + " entries must be objects");
      auto candidate = space_.Encode(entry.value("values", Json{}));
      if (!candidate) return InvalidState(candidate.error().message);
      auto outcome = Outcome::FromJson(entry.value("outcome", Json{}));
      if (!outcome) return InvalidState(outcome.error().message);
      out.push_back({std::move(candidate).value(), std::move(outcome).value()});
    }
    return {};
  };
  std::vector<Observation> observations, prior;
  if (auto s = parse_list("observations", observations); !s) return s;
  if (auto s = parse_list("prior_observations", prior); !s) return s;
  std::vector<Candidate> pending;
  const Json pending_json = state.value("pending", Json::array());
  if (!pending_json.is_array()) return InvalidState("pending must be a list");
  for (const auto& values : pending_json) {
    auto candidate = space_.Encode(values);
    if (!candidate) return InvalidState(candidate.error().message);
    pending.push_back(std::move(candidate).value());
  }
  if (auto s = RestoreModel(state.value("model", Json::object())); !s) return s;

  rng_ = *rng;
  sequence_index_ = state["sequence_index"].get<uint64_t>();
  observations_ = std::move(observations);
  prior_ = std::move(prior);
  pending_ = std::move(pending);
  taken_.clear();
  for (const auto& o : observations_) Mark(o.candidate.unit, +1);
  for (const auto& c : pending_) Mark(c.unit, +1);
  stop_reason_.reset();
  stop_detail_.clear();
  return {};
}

Result<std::unique_ptr<Strategy>> MakeStrategy(const task::Optimization& optimization,
                                               const task::SearchSpace& search_space,
                                               StrategyOptions options) {
  auto space = Space::Create(search_space);
  if (!space) return std::move(space).error();
  switch (optimization.strategy) {
    case task::Strategy::kGridSearch:
      return MakeGridSearch(std::move(space).value(), optimization, std::move(options));
    case task::Strategy::kRandom:
      return MakeRandomSearch(std::move(space).value(), optimization, std::move(options));
    case task::Strategy::kBayesian:
      return MakeBayesian(std::move(space).value(), optimization, std::move(options));
  }
  return MakeError(ErrorCode::kUnsupported, "unknown strategy");
}

}  // namespace autotuner::opt
