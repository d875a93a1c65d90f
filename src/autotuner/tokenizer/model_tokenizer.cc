#include "autotuner/tokenizer/model_tokenizer.h"

#include <algorithm>

#include "autotuner/core/data_files.h"
#include "autotuner/core/json.h"
#include "autotuner/core/strings.h"
#include "autotuner/tokenizer/registry.h"

namespace autotuner::tokenizer {
namespace fs = std::filesystem;
namespace {

bool IsShipped(std::string_view name) {
  const auto named = NamedTokenizers();
  return std::any_of(named.begin(), named.end(), [&](const NamedTokenizer& t) { return t.name == name; });
}

bool HasTokenizerFiles(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  return fs::exists(dir / "tokenizer.json", ec) ||
         (fs::exists(dir / "encoder.json", ec) && fs::exists(dir / "vocab.bpe", ec));
}

// The checkpoint directory of `id` when it holds a tokenizer; otherwise records why not in `tried`.
std::optional<fs::path> TokenizerDirOf(std::string_view id, const ModelLocations& where,
                                       std::vector<std::string>& tried) {
  auto files = ResolveModelFiles(id, where);
  if (!files.ok()) {
    for (const auto& place : files.error().details.value("tried", Json::array())) {
      tried.push_back(place.get<std::string>());
    }
    return std::nullopt;
  }
  if (HasTokenizerFiles(files->path)) return files->path;
  tried.push_back((files->path / "tokenizer.json").string() + " (" + std::string(Name(files->source)) +
                  " of '" + std::string(id) + "': no tokenizer.json)");
  return std::nullopt;
}

Error NotResolved(std::string_view requested, std::string_view model_id,
                  const std::vector<std::string>& tried) {
  std::string message = "no tokenizer for '" + std::string(requested.empty() ? model_id : requested) +
                        "' on this machine; tried:";
  for (const auto& place : tried) message += "\n  - " + place;
  message +=
      "\nfix: download the model (or just its tokenizer.json) into the Hub cache or model_dir, point "
      "benchmark.model_tokenizer at a tokenizer.json, or name a shipped tokenizer "
      "(benchmark.model_tokenizer: "
      "gpt2)";
  return MakeError(
      ErrorCode::kValidation, message,
      {{"field", "benchmark.model_tokenizer"}, {"tokenizer", std::string(requested)}, {"tried", tried}});
}

}  // namespace

Result<std::vector<TokenizerFamily>> LoadTokenizerFamilies(const fs::path& file) {
  auto json = ReadDataJson("tokenizer_families.json", file);
  if (!json.ok()) return std::move(json).error();
  std::vector<TokenizerFamily> families;
  try {
    for (const auto& row : json->at("families")) {
      TokenizerFamily family;
      for (const auto& m : row.at("match")) family.match.push_back(AsciiLower(m.get<std::string>()));
      family.tokenizer = row.at("tokenizer").get<std::string>();
      families.push_back(std::move(family));
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeError(ErrorCode::kValidation,
                     "tokenizer_families.json: each of `families` needs match: [...] and "
                     "tokenizer: NAME (" +
                         std::string(e.what()) + ")");
  }
  return families;
}

Result<TokenizerSource> ResolveTokenizerSource(std::string_view requested, std::string_view model_id,
                                               const ModelLocations& where, std::string_view fallback) {
  std::vector<std::string> tried;
  if (!requested.empty()) {
    if (IsShipped(requested)) return TokenizerSource{std::string(requested), ""};
    std::error_code ec;
    if (fs::exists(fs::path(std::string(requested)), ec)) return TokenizerSource{std::string(requested), ""};
    if (auto dir = TokenizerDirOf(requested, where, tried)) {
      return TokenizerSource{dir->string(),
                             "tokenizer '" + std::string(requested) + "' from " + dir->string()};
    }
  }
  if (auto dir = TokenizerDirOf(model_id, where, tried)) {
    return TokenizerSource{dir->string(),
                           "counting tokens with the model's own tokenizer (" + dir->string() + ")"};
  }
  auto families = LoadTokenizerFamilies();
  if (!families.ok()) tried.push_back("family table: " + families.error().message);
  for (const std::string_view id : {requested, model_id}) {
    if (id.empty() || !families.ok()) continue;
    const std::string lower = AsciiLower(id);
    for (const auto& family : *families) {
      const bool matches = std::any_of(family.match.begin(), family.match.end(), [&](const std::string& m) {
        return lower.find(m) != std::string::npos;
      });
      if (!matches) continue;
      if (!IsShipped(family.tokenizer)) {
        tried.push_back("family table: '" + std::string(id) + "' → " + family.tokenizer +
                        ", which this build does not ship");
        continue;
      }
      return TokenizerSource{family.tokenizer, "no tokenizer.json of '" + std::string(id) +
                                                   "' on this machine: counting tokens with " +
                                                   "the shipped " + family.tokenizer +
                                                   " tokenizer of its family (data/tokenizer_families.json)"};
    }
  }
  if (!fallback.empty() && requested.empty()) {
    return TokenizerSource{std::string(fallback),
                           "no tokenizer of '" + std::string(model_id) +
                               "' on this machine: the simulated engine and the benchmark "
                               "both count with " +
                               std::string(fallback)};
  }
  return NotResolved(requested, model_id, tried);
}

}  // namespace autotuner::tokenizer
