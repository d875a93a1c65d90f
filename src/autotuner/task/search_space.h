#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/task/task.h"

namespace autotuner::task {

// One searched dimension: an engine flag, a quantization field, a parallelism degree, or an engine
// environment variable.
struct Dimension {
  enum class Source { kParameter, kQuantization, kParallel, kEnv };
  // flag name as written; "quantization.preset", "quantization.kv_cache_dtype", "parallel.tp",
  // "env.VLLM_ATTENTION_BACKEND"
  std::string name;
  Source source = Source::kParameter;
  Parameter::Kind kind = Parameter::Kind::kCategorical;
  std::vector<Json> values;  // categorical
  double low = 0, high = 0;  // integer / float ranges
  bool log = false;

  // A categorical dimension of parameters (the search space adds quantization and parallel ones itself).
  static Dimension Categorical(std::string name, std::vector<Json> values);
  // An integer or float range.
  static Dimension Range(std::string name, Parameter::Kind kind, double low, double high, bool log = false);

  // Number of distinct values; nothing for a continuous range.
  std::optional<uint64_t> Cardinality() const;
  bool operator==(const Dimension&) const = default;
};

struct SearchSpace {
  std::vector<Dimension> dimensions;
  // Product of the finite dimensions' cardinalities (saturating at UINT64_MAX).
  uint64_t grid_size = 1;
  // True when some dimension is a continuous range: the grid then covers only the finite part.
  bool has_continuous = false;

  Json ToJson() const;
};

SearchSpace BuildSearchSpace(const Task& task);

// The dimension name of a searched `env` variable: "env.NAME".
std::string EnvDimension(std::string_view variable);

std::string_view Name(Dimension::Source source);

}  // namespace autotuner::task
