#pragma once

// Which tokenizer counts a task's tokens (SPEC §1 benchmark.model_tokenizer), resolved without a download:
// the explicit value (a shipped name, a path, or a Hub id found through the model resolver); else the model's
// own tokenizer.json through the resolver; else the family table (data/tokenizer_families.json: Llama-3.x →
// llama3/llama3.1, Qwen2.5 → qwen2_5, ...) with a note; else kValidation naming every place tried and the
// fix. The benchmark client and the simulator both use it, so both count the same tokens.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/model_files.h"
#include "autotuner/core/result.h"

namespace autotuner::tokenizer {

struct TokenizerSource {
  std::string name_or_path;  // what LoadTokenizer takes: a shipped name or a tokenizer.json / model directory
  std::string note;          // how it was chosen, for the study log
};

// One row of the family table.
struct TokenizerFamily {
  std::vector<std::string> match;  // lower-case substrings of a model id
  std::string tokenizer;           // a shipped tokenizer name
};

// The family table of `file` (default: data/tokenizer_families.json, core/data_files.h). Broken →
// kParse/kValidation.
Result<std::vector<TokenizerFamily>> LoadTokenizerFamilies(const std::filesystem::path& file = {});

// `requested` is benchmark.model_tokenizer (empty = null: the model's own); `model_id` is model.id_or_path.
// `fallback` (a shipped name) is used, with a note, when nothing else resolves: simulated engines count
// with gpt2 then, and so does their client, instead of failing.
Result<TokenizerSource> ResolveTokenizerSource(std::string_view requested, std::string_view model_id,
                                               const ModelLocations& where, std::string_view fallback = {});

}  // namespace autotuner::tokenizer
