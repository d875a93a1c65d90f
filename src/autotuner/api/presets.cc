#include "autotuner/api/presets.h"

#include <algorithm>

namespace autotuner::api {
namespace {

std::string NormalName(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

bool Contains(const Json& list, const Json& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Json AsList(const Json& value) { return value.is_array() ? value : Json::array({value}); }

// The flags of all blocks by normalised name: first spelling seen and each block's value (null where absent).
struct FlagValues {
  std::string spelling;
  std::vector<Json> values;  // one per block
};

std::vector<FlagValues> Collect(const std::vector<Json>& blocks) {
  std::vector<FlagValues> flags;
  std::vector<std::string> keys;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (!blocks[b].is_object()) continue;
    for (const auto& [name, value] : blocks[b].items()) {
      const std::string key = NormalName(name);
      auto it = std::find(keys.begin(), keys.end(), key);
      size_t index = it - keys.begin();
      if (it == keys.end()) {
        keys.push_back(key);
        flags.push_back({name, std::vector<Json>(blocks.size(), Json(nullptr))});
      }
      flags[index].values[b] = value;
    }
  }
  return flags;
}

std::vector<Json> Present(const FlagValues& flag) {
  std::vector<Json> out;
  for (const auto& v : flag.values)
    if (!v.is_null()) out.push_back(v);
  return out;
}

bool AllEqual(const std::vector<Json>& values) {
  return std::all_of(values.begin(), values.end(), [&](const Json& v) { return v == values.front(); });
}

}  // namespace

std::optional<MergeStrategy> ParseMergeStrategy(std::string_view name) {
  if (name == "union") return MergeStrategy::kUnion;
  if (name == "intersection") return MergeStrategy::kIntersection;
  if (name == "last_wins" || name == "last-wins") return MergeStrategy::kLastWins;
  return std::nullopt;
}

std::string_view Name(MergeStrategy strategy) {
  switch (strategy) {
    case MergeStrategy::kUnion:
      return "union";
    case MergeStrategy::kIntersection:
      return "intersection";
    case MergeStrategy::kLastWins:
      return "last_wins";
  }
  return "union";
}

MergeResult MergeParameters(const std::vector<Json>& blocks, MergeStrategy strategy) {
  MergeResult result;
  for (const FlagValues& flag : Collect(blocks)) {
    const std::vector<Json> values = Present(flag);
    const bool in_all = values.size() == blocks.size();
    if (strategy == MergeStrategy::kLastWins) {
      result.parameters[flag.spelling] = values.back();
      if (!AllEqual(values))
        result.conflicts.push_back({flag.spelling, values, "kept the last preset's value"});
      continue;
    }
    const bool any_range =
        std::any_of(values.begin(), values.end(), [](const Json& v) { return v.is_object(); });
    if (strategy == MergeStrategy::kUnion) {
      if (any_range) {
        result.parameters[flag.spelling] = values.back();
        if (!AllEqual(values))
          result.conflicts.push_back(
              {flag.spelling, values, "a range cannot be united with other values: kept the last preset's"});
        continue;
      }
      Json merged = Json::array();
      for (const auto& v : values)
        for (const auto& item : AsList(v))
          if (!Contains(merged, item)) merged.push_back(item);
      result.parameters[flag.spelling] = merged;
      continue;
    }
    // Intersection.
    if (!in_all) continue;  // a flag some preset lacks is not common to all; not a conflict
    if (any_range) {
      if (AllEqual(values)) {
        result.parameters[flag.spelling] = values.front();
      } else {
        result.conflicts.push_back({flag.spelling, values, "ranges differ: dropped"});
      }
      continue;
    }
    Json common = Json::array();
    for (const auto& item : AsList(values.front())) {
      const bool everywhere = std::all_of(values.begin() + 1, values.end(),
                                          [&](const Json& v) { return Contains(AsList(v), item); });
      if (everywhere && !Contains(common, item)) common.push_back(item);
    }
    if (common.empty()) {
      result.conflicts.push_back({flag.spelling, values, "no value in common: dropped"});
    } else {
      result.parameters[flag.spelling] = common;
    }
  }
  return result;
}

Status ValidatePresetParameters(const Json& parameters, const std::string& path_prefix) {
  Json errors = Json::array();
  if (!parameters.is_object()) {
    errors.push_back({{"path", path_prefix}, {"message", "must be an object of flag: [values]"}});
  } else {
    for (const auto& [name, value] : parameters.items()) {
      const std::string path = path_prefix + "." + name;
      if (name.empty() || name.size() > 128) {
        errors.push_back({{"path", path}, {"message", "flag name must be 1-128 characters"}});
      } else if (value.is_array()) {
        if (value.empty()) errors.push_back({{"path", path}, {"message", "must list at least one value"}});
        for (size_t i = 0; i < value.size(); ++i) {
          if (value[i].is_object() || value[i].is_array() || value[i].is_null())
            errors.push_back({{"path", path + "[" + std::to_string(i) + "]"},
                              {"message", "must be a string, number or boolean"}});
        }
      } else if (value.is_object()) {
        if (!value.contains("type") || !value["type"].is_string())
          errors.push_back(
              {{"path", path + ".type"}, {"message", "is required (integer, float, categorical)"}});
      } else {
        errors.push_back({{"path", path}, {"message", "must be a list of values or a range object"}});
      }
    }
  }
  if (errors.empty()) return {};
  return MakeError(ErrorCode::kValidation, "invalid preset parameters", {{"errors", errors}});
}

std::vector<BuiltinPreset> BuiltinPresets() {
  return {
      {"sglang-memory",
       "SGLang KV-cache memory share and prefill chunking",
       {{"mem-fraction-static", {0.7, 0.8, 0.9}}, {"chunked-prefill-size", {2048, 4096, 8192}}}},
      {"sglang-scheduling",
       "SGLang scheduling policy and running-batch cap",
       {{"schedule-policy", {"lpm", "fcfs"}}, {"max-running-requests", {64, 128, 256}}}},
      {"vllm-batching",
       "vLLM batch size and GPU memory share",
       {{"max-num-seqs", {64, 128, 256}}, {"gpu-memory-utilization", {0.8, 0.9}}}},
      {"tensor-parallel", "Tensor parallelism over 1, 2 or 4 GPUs", {{"tp-size", {1, 2, 4}}}},
  };
}

}  // namespace autotuner::api
