#pragma once

// Parameter presets (SPEC §6): named, reusable `parameters` blocks of a task, shipped and user-made, and the
// merge of several of them into one block.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::api {

enum class MergeStrategy { kUnion, kIntersection, kLastWins };

// "union", "intersection", "last_wins" (also "last-wins").
std::optional<MergeStrategy> ParseMergeStrategy(std::string_view name);
std::string_view Name(MergeStrategy strategy);

// One parameter the presets disagree on, and what the merge did about it.
struct MergeConflict {
  std::string parameter;
  std::vector<Json> values;  // each preset's value, in order (presets lacking it left out)
  std::string resolution;    // human-readable
};

struct MergeResult {
  Json parameters = Json::object();
  std::vector<MergeConflict> conflicts;
};

// Merges `parameters` blocks (each {flag: [values] | {type, low, high, ...}}). Flag names compare with '-'
// and
// '_' alike; the first spelling seen is kept.
//  - union: every flag of any block; value lists are united in first-seen order. Ranges that differ, or a
//    range against a list, cannot be united: the last block's value is taken and reported.
//  - intersection: only flags every block has, with the values common to all; a flag whose values have
//    nothing in common is dropped and reported.
//  - last_wins: every flag of any block, the last block's value; differing values are reported.
MergeResult MergeParameters(const std::vector<Json>& blocks, MergeStrategy strategy);

// A preset's parameters: an object of non-empty value lists or range objects. kValidation with
// details.errors [{path, message}] otherwise; paths start with `path_prefix`.
Status ValidatePresetParameters(const Json& parameters, const std::string& path_prefix = "parameters");

struct BuiltinPreset {
  std::string name;
  std::string description;
  Json parameters;
};

// The presets autotuner ships.
std::vector<BuiltinPreset> BuiltinPresets();

}  // namespace autotuner::api
