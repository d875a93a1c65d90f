#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/task/search_space.h"

namespace autotuner::opt {

// One configuration: a value per dimension as the engine gets it, and its encoding in the unit box.
// Strategies only hand out canonical candidates (Space::Decode / Space::Encode), so equal configurations
// have equal values and bit-identical encodings.
struct Candidate {
  Json values = Json::object();  // dimension name → value, in dimension order
  std::vector<double> unit;      // one coordinate in [0, 1] per dimension
  bool operator==(const Candidate&) const = default;
};

// How a dimension is modelled. Choice lists whose values are all numbers are ordinal (their order carries
// information: tp 1 < 2 < 4), other choice lists are nominal.
enum class DimKind { kNominal, kOrdinal, kInteger, kFloat };

struct SpaceDim {
  std::string name;
  DimKind kind = DimKind::kNominal;
  std::vector<Json> values;     // nominal / ordinal: the choices, in the user's order
  std::vector<size_t> rank;     // ordinal: rank of values[i] by numeric value
  std::vector<size_t> by_rank;  // ordinal: index of the value with rank r
  double low = 0, high = 0;     // integer / float: inclusive bounds
  bool log = false;

  // Number of distinct values; nothing for a float range.
  std::optional<uint64_t> Cardinality() const;
  bool discrete() const { return kind != DimKind::kFloat; }
};

// The search space of a task with the encoding the strategies share: every dimension maps to [0, 1]
// (log-scaled where asked), nominal choices to the centres of equal bins.
class Space {
 public:
  static Result<Space> Create(const task::SearchSpace& space);

  size_t size() const { return dims_.size(); }
  const SpaceDim& dim(size_t i) const { return dims_[i]; }
  const std::vector<SpaceDim>& dims() const { return dims_; }

  // The configuration nearest to a point of the unit box (coordinates are clamped). Float values are rounded
  // to about five significant digits, which is finer than any engine setting needs and keeps them readable.
  Candidate Decode(std::span<const double> unit) const;

  // Checks a {name: value} object against the space and encodes it; every dimension must be given.
  Result<Candidate> Encode(const Json& values) const;

  // The canonical coordinate nearest to u: the encoding of the value Decode would give.
  double SnapUnit(size_t dim, double u) const;
  // Like SnapUnit, but u in [0, 1) falls into equal-probability bins, one per value (log-scaled integers:
  // log-uniform, then rounded): uniform u gives uniformly distributed values.
  double BinUnit(size_t dim, double u) const;

  // The unit coordinate of value index / integer value `level` of a discrete dimension.
  double UnitOfLevel(size_t dim, uint64_t level) const;
  // The value index (nominal / ordinal) or offset from `low` (integer) nearest to a unit coordinate.
  uint64_t LevelOfUnit(size_t dim, double u) const;

 private:
  Json ValueOf(size_t dim, double u) const;
  std::vector<SpaceDim> dims_;
};

}  // namespace autotuner::opt
