#include "autotuner/task/search_space.h"

#include <cmath>
#include <limits>

namespace autotuner::task {

Dimension Dimension::Categorical(std::string name, std::vector<Json> values) {
  Dimension d;
  d.name = std::move(name);
  d.kind = Parameter::Kind::kCategorical;
  d.values = std::move(values);
  return d;
}

Dimension Dimension::Range(std::string name, Parameter::Kind kind, double low, double high, bool log) {
  Dimension d;
  d.name = std::move(name);
  d.kind = kind;
  d.low = low;
  d.high = high;
  d.log = log;
  return d;
}

std::optional<uint64_t> Dimension::Cardinality() const {
  switch (kind) {
    case Parameter::Kind::kCategorical:
      return values.size();
    case Parameter::Kind::kInteger:
      return static_cast<uint64_t>(high - low) + 1;
    case Parameter::Kind::kFloat:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string_view Name(Dimension::Source source) {
  switch (source) {
    case Dimension::Source::kParameter:
      return "parameters";
    case Dimension::Source::kQuantization:
      return "quantization_config";
    case Dimension::Source::kParallel:
      return "parallel_config";
    case Dimension::Source::kEnv:
      return "env";
  }
  return "parameters";
}

namespace {

template <typename T>
void AddCategorical(SearchSpace& space, std::string name, Dimension::Source source,
                    const std::vector<T>& values) {
  if (values.empty()) return;
  Dimension d;
  d.name = std::move(name);
  d.source = source;
  for (const auto& v : values) d.values.push_back(Json(v));
  space.dimensions.push_back(std::move(d));
}

}  // namespace

std::string EnvDimension(std::string_view variable) { return "env." + std::string(variable); }

SearchSpace BuildSearchSpace(const Task& task) {
  SearchSpace space;
  for (const auto& p : task.parameters) {
    Dimension d;
    d.name = p.name;
    d.source = Dimension::Source::kParameter;
    d.kind = p.kind;
    d.values = p.values;
    d.low = p.low;
    d.high = p.high;
    d.log = p.log;
    space.dimensions.push_back(std::move(d));
  }
  const auto& q = task.quantization;
  using Form = QuantizationConfig::Form;
  if (q.form == Form::kPreset || q.form == Form::kPresets) {
    AddCategorical(space, "quantization.preset", Dimension::Source::kQuantization, q.presets);
  }
  AddCategorical(space, "quantization.model_dtype", Dimension::Source::kQuantization, q.model_dtype);
  AddCategorical(space, "quantization.kv_cache_dtype", Dimension::Source::kQuantization, q.kv_cache_dtype);
  AddCategorical(space, "quantization.enable_fp8_compute", Dimension::Source::kQuantization,
                 q.enable_fp8_compute);
  AddCategorical(space, "parallel.tp", Dimension::Source::kParallel, task.parallel.tp);
  AddCategorical(space, "parallel.pp", Dimension::Source::kParallel, task.parallel.pp);
  AddCategorical(space, "parallel.dp", Dimension::Source::kParallel, task.parallel.dp);
  AddCategorical(space, "parallel.ep", Dimension::Source::kParallel, task.parallel.ep);
  for (const auto& variable : task.env) {
    if (variable.searched) {
      AddCategorical(space, EnvDimension(variable.name), Dimension::Source::kEnv, variable.values);
    }
  }

  for (const auto& d : space.dimensions) {
    const auto n = d.Cardinality();
    if (!n) {
      space.has_continuous = true;
      continue;
    }
    if (*n != 0 && space.grid_size > std::numeric_limits<uint64_t>::max() / *n) {
      space.grid_size = std::numeric_limits<uint64_t>::max();
    } else {
      space.grid_size *= *n;
    }
  }
  return space;
}

Json SearchSpace::ToJson() const {
  Json dims = Json::array();
  for (const auto& d : dimensions) {
    Json j = {{"name", d.name}, {"source", Name(d.source)}, {"kind", Name(d.kind)}};
    if (d.kind == Parameter::Kind::kCategorical) {
      j["values"] = d.values;
    } else {
      j["low"] = d.low;
      j["high"] = d.high;
      j["log"] = d.log;
    }
    if (auto n = d.Cardinality()) j["cardinality"] = *n;
    dims.push_back(j);
  }
  return {{"dimensions", dims}, {"grid_size", grid_size}, {"has_continuous", has_continuous}};
}

}  // namespace autotuner::task
