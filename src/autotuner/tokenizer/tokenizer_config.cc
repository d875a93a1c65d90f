// tokenizer_config.json: the special tokens and, for some tokenizer classes, the BOS/EOS template. Read with
// nlohmann-json, which takes numbers beyond 64 bits (model_max_length is often 1e30 written as an integer).

#include <algorithm>
#include <string>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/loader.h"

namespace autotuner::tokenizer {
namespace {

// Python fast tokenizers that rebuild their post-processor from add_bos_token / add_eos_token (defaults: BOS
// yes, EOS no) instead of keeping tokenizer.json's (transformers' update_post_processor).
constexpr std::string_view kTemplateFromConfig[] = {"LlamaTokenizer",     "LlamaTokenizerFast",
                                                    "CodeLlamaTokenizer", "CodeLlamaTokenizerFast",
                                                    "GemmaTokenizer",     "GemmaTokenizerFast"};

Error Invalid(std::string_view source, std::string_view key, std::string_view what) {
  return MakeError(ErrorCode::kInvalidArgument,
                   std::string(source) + ": " + std::string(key) + ": " + std::string(what),
                   {{"source", source}, {"path", key}});
}

// A special token's content: "<s>", or {"__type": "AddedToken", "content": "<s>", ...}; nothing when absent
// or null.
Result<std::optional<std::string>> TokenContent(const Json& config, std::string_view key,
                                                std::string_view source) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::optional<std::string>();
  if (it->is_string()) return std::optional<std::string>(it->get<std::string>());
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) {
    return std::optional<std::string>((*it)["content"].get<std::string>());
  }
  return Invalid(source, key, "expected a string or an object with a string 'content'");
}

Result<bool> Flag(const Json& config, std::string_view key, bool fallback, std::string_view source) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return Invalid(source, key, "expected true or false");
  return it->get<bool>();
}

std::optional<TokenId> FindId(const TokenizerDefinition& definition, std::string_view content) {
  for (const AddedToken& token : definition.added_tokens) {
    if (token.content == content) return token.id;
  }
  // Byte-level vocabularies hold the raw bytes, which for text are its UTF-8: one comparison fits both.
  const auto it = std::find_if(definition.vocab.begin(), definition.vocab.end(),
                               [&](const auto& entry) { return entry.first == content; });
  if (it == definition.vocab.end()) return std::nullopt;
  return it->second;
}

// The template a Llama/Gemma fast tokenizer builds: [BOS] text [EOS] as the flags say.
Status RebuildTemplate(const Json& config, std::string_view source, TokenizerDefinition& definition) {
  const auto add_bos = Flag(config, "add_bos_token", true, source);
  if (!add_bos.ok()) return add_bos.error();
  const auto add_eos = Flag(config, "add_eos_token", false, source);
  if (!add_eos.ok()) return add_eos.error();
  definition.template_prefix.clear();
  definition.template_suffix.clear();
  const auto add = [&](bool wanted, const std::optional<std::string>& token, std::string_view key,
                       std::vector<TokenId>& out) -> Status {
    if (!wanted) return {};
    if (!token) return Invalid(source, key, "add_" + std::string(key) + " is true but no token is set");
    const auto id = FindId(definition, *token);
    if (!id) return Invalid(source, key, "'" + *token + "' is not a token of the tokenizer.json beside it");
    out.push_back(*id);
    return {};
  };
  if (Status s = add(*add_bos, definition.bos_token, "bos_token", definition.template_prefix); !s.ok()) {
    return s;
  }
  return add(*add_eos, definition.eos_token, "eos_token", definition.template_suffix);
}

}  // namespace

Status ApplyTokenizerConfig(std::string_view json, std::string_view source, TokenizerDefinition& definition) {
  auto parsed = ParseJson(json, source);
  if (!parsed.ok()) return std::move(parsed).error();
  const Json& config = *parsed;
  if (!config.is_object()) return Invalid(source, "(root)", "expected an object");
  for (const auto& [key, slot] :
       {std::pair{"bos_token", &definition.bos_token}, std::pair{"eos_token", &definition.eos_token}}) {
    auto content = TokenContent(config, key, source);
    if (!content.ok()) return std::move(content).error();
    *slot = std::move(content).value();
  }
  const auto tokenizer_class = config.find("tokenizer_class");
  if (tokenizer_class == config.end() || !tokenizer_class->is_string()) return {};
  const std::string name = tokenizer_class->get<std::string>();
  if (std::find(std::begin(kTemplateFromConfig), std::end(kTemplateFromConfig), name) ==
      std::end(kTemplateFromConfig)) {
    return {};
  }
  return RebuildTemplate(config, source, definition);
}

}  // namespace autotuner::tokenizer
