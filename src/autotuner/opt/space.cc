#include "autotuner/opt/space.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace autotuner::opt {

std::optional<uint64_t> SpaceDim::Cardinality() const {
  switch (kind) {
    case DimKind::kNominal:
    case DimKind::kOrdinal:
      return values.size();
    case DimKind::kInteger:
      return static_cast<uint64_t>(high - low) + 1;
    case DimKind::kFloat:
      return std::nullopt;
  }
  return std::nullopt;
}

namespace {

double Warp(const SpaceDim& d, double v) { return d.log ? std::log(v) : v; }
double Unwarp(const SpaceDim& d, double t) { return d.log ? std::exp(t) : t; }

// Position of a value in its (log-)range; the middle for a one-point range.
double RangeUnit(const SpaceDim& d, double v) {
  const double lo = Warp(d, d.low), hi = Warp(d, d.high);
  if (hi <= lo) return 0.5;
  return std::clamp((Warp(d, v) - lo) / (hi - lo), 0.0, 1.0);
}

double RangeValue(const SpaceDim& d, double u) {
  const double lo = Warp(d, d.low), hi = Warp(d, d.high);
  return std::clamp(Unwarp(d, lo + u * (hi - lo)), d.low, d.high);
}

// Rounds to a decimal grid fine enough for any engine setting: 1e-4 of the range, or five significant
// digits on a log scale. Dividing by an exact power of ten yields the double nearest the decimal value.
double RoundFloat(const SpaceDim& d, double v) {
  int digits;
  if (d.log) {
    digits = 4 - static_cast<int>(std::floor(std::log10(std::abs(v))));
  } else {
    if (d.high <= d.low) return d.low;
    digits = 4 - static_cast<int>(std::floor(std::log10(d.high - d.low)));
  }
  digits = std::clamp(digits, -22, 22);
  const double scale = std::pow(10.0, std::abs(digits));
  const double rounded = digits >= 0 ? std::round(v * scale) / scale : std::round(v / scale) * scale;
  return std::clamp(rounded, d.low, d.high);
}

bool AllNumbers(const std::vector<Json>& values) {
  return std::all_of(values.begin(), values.end(), [](const Json& v) { return v.is_number(); });
}

Error Invalid(const std::string& message) { return MakeError(ErrorCode::kValidation, message); }

}  // namespace

Result<Space> Space::Create(const task::SearchSpace& search_space) {
  if (search_space.dimensions.empty()) return Invalid("the search space has no dimensions");
  Space space;
  for (const auto& td : search_space.dimensions) {
    SpaceDim d;
    d.name = td.name;
    d.low = td.low;
    d.high = td.high;
    d.log = td.log;
    switch (td.kind) {
      case task::Parameter::Kind::kCategorical: {
        if (td.values.empty()) return Invalid(td.name + ": no values to choose from");
        for (size_t i = 0; i < td.values.size(); ++i) {
          for (size_t j = 0; j < i; ++j) {
            if (td.values[i] == td.values[j])
              return Invalid(td.name + ": duplicate value " + Describe(td.values[i]));
          }
        }
        d.values = td.values;
        d.log = false;
        if (AllNumbers(d.values)) {
          d.kind = DimKind::kOrdinal;
          d.by_rank.resize(d.values.size());
          std::iota(d.by_rank.begin(), d.by_rank.end(), size_t{0});
          std::stable_sort(d.by_rank.begin(), d.by_rank.end(), [&](size_t a, size_t b) {
            return d.values[a].get<double>() < d.values[b].get<double>();
          });
          d.rank.resize(d.values.size());
          for (size_t r = 0; r < d.by_rank.size(); ++r) d.rank[d.by_rank[r]] = r;
        } else {
          d.kind = DimKind::kNominal;
        }
        break;
      }
      case task::Parameter::Kind::kInteger:
        d.kind = DimKind::kInteger;
        if (d.low != std::floor(d.low) || d.high != std::floor(d.high)) {
          return Invalid(td.name + ": integer bounds must be whole numbers");
        }
        break;
      case task::Parameter::Kind::kFloat:
        d.kind = DimKind::kFloat;
        break;
    }
    if (d.kind == DimKind::kInteger || d.kind == DimKind::kFloat) {
      if (!(d.low <= d.high) || !std::isfinite(d.low) || !std::isfinite(d.high)) {
        return Invalid(td.name + ": needs finite bounds with low <= high");
      }
      if (d.log && d.low <= 0) return Invalid(td.name + ": a log-scaled range needs low > 0");
    }
    space.dims_.push_back(std::move(d));
  }
  return space;
}

double Space::UnitOfLevel(size_t dim, uint64_t level) const {
  const SpaceDim& d = dims_[dim];
  switch (d.kind) {
    case DimKind::kNominal:
      return (static_cast<double>(level) + 0.5) / static_cast<double>(d.values.size());
    case DimKind::kOrdinal:
      if (d.values.size() == 1) return 0.5;
      return static_cast<double>(d.rank[level]) / static_cast<double>(d.values.size() - 1);
    case DimKind::kInteger:
      return RangeUnit(d, d.low + static_cast<double>(level));
    case DimKind::kFloat:
      break;
  }
  return 0.5;
}

uint64_t Space::LevelOfUnit(size_t dim, double u) const {
  const SpaceDim& d = dims_[dim];
  u = std::isnan(u) ? 0.5 : std::clamp(u, 0.0, 1.0);
  switch (d.kind) {
    case DimKind::kNominal: {
      const auto n = d.values.size();
      return std::min<uint64_t>(static_cast<uint64_t>(u * static_cast<double>(n)), n - 1);
    }
    case DimKind::kOrdinal: {
      const auto r = static_cast<size_t>(std::lround(u * static_cast<double>(d.values.size() - 1)));
      return d.by_rank[r];
    }
    case DimKind::kInteger:
      return static_cast<uint64_t>(std::round(RangeValue(d, u)) - d.low);
    case DimKind::kFloat:
      break;
  }
  return 0;
}

Json Space::ValueOf(size_t dim, double u) const {
  const SpaceDim& d = dims_[dim];
  switch (d.kind) {
    case DimKind::kNominal:
    case DimKind::kOrdinal:
      return d.values[LevelOfUnit(dim, u)];
    case DimKind::kInteger:
      return static_cast<int64_t>(d.low) + static_cast<int64_t>(LevelOfUnit(dim, u));
    case DimKind::kFloat:
      return RoundFloat(d, RangeValue(d, std::isnan(u) ? 0.5 : std::clamp(u, 0.0, 1.0)));
  }
  return nullptr;
}

double Space::SnapUnit(size_t dim, double u) const {
  const SpaceDim& d = dims_[dim];
  u = std::isnan(u) ? 0.5 : std::clamp(u, 0.0, 1.0);
  if (d.kind == DimKind::kFloat) return RangeUnit(d, RoundFloat(d, RangeValue(d, u)));
  return UnitOfLevel(dim, LevelOfUnit(dim, u));
}

double Space::BinUnit(size_t dim, double u) const {
  const SpaceDim& d = dims_[dim];
  if (d.kind == DimKind::kFloat || (d.kind == DimKind::kInteger && d.log)) return SnapUnit(dim, u);
  const uint64_t n = *d.Cardinality();
  const uint64_t bin =
      std::min<uint64_t>(static_cast<uint64_t>(std::max(u, 0.0) * static_cast<double>(n)), n - 1);
  return UnitOfLevel(dim, d.kind == DimKind::kOrdinal ? d.by_rank[bin] : bin);
}

Candidate Space::Decode(std::span<const double> unit) const {
  Candidate c;
  c.unit.resize(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    c.unit[i] = SnapUnit(i, i < unit.size() ? unit[i] : 0.5);
    c.values[dims_[i].name] = ValueOf(i, c.unit[i]);
  }
  return c;
}

Result<Candidate> Space::Encode(const Json& values) const {
  if (!values.is_object()) return Invalid("a configuration must be an object of dimension values");
  for (const auto& [key, value] : values.items()) {
    if (std::none_of(dims_.begin(), dims_.end(), [&](const SpaceDim& d) { return d.name == key; })) {
      return Invalid("'" + key + "' is not a dimension of the search space");
    }
  }
  Candidate c;
  c.unit.resize(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    const SpaceDim& d = dims_[i];
    const auto it = values.find(d.name);
    if (it == values.end()) return Invalid("'" + d.name + "' has no value");
    const Json& v = *it;
    switch (d.kind) {
      case DimKind::kNominal:
      case DimKind::kOrdinal: {
        const auto pos = std::find(d.values.begin(), d.values.end(), v);
        if (pos == d.values.end()) return Invalid(d.name + ": " + Describe(v) + " is not one of the choices");
        const auto level = static_cast<uint64_t>(pos - d.values.begin());
        c.unit[i] = UnitOfLevel(i, level);
        c.values[d.name] = *pos;
        break;
      }
      case DimKind::kInteger: {
        if (!v.is_number() || v.get<double>() != std::floor(v.get<double>()) || v.get<double>() < d.low ||
            v.get<double>() > d.high) {
          return Invalid(d.name + ": " + Describe(v) + " is not an integer in the range");
        }
        const auto x = static_cast<int64_t>(v.get<double>());
        c.unit[i] = UnitOfLevel(i, static_cast<uint64_t>(x - static_cast<int64_t>(d.low)));
        c.values[d.name] = x;
        break;
      }
      case DimKind::kFloat: {
        if (!v.is_number() || v.get<double>() < d.low || v.get<double>() > d.high) {
          return Invalid(d.name + ": " + Describe(v) + " is not a number in the range");
        }
        c.unit[i] = RangeUnit(d, v.get<double>());
        c.values[d.name] = v.get<double>();
        break;
      }
    }
  }
  return c;
}

}  // namespace autotuner::opt
