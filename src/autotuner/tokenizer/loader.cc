#include "autotuner/tokenizer/loader.h"

#include <simdjson.h>

#include <optional>
#include <string>

#include "autotuner/tokenizer/byte_level.h"

namespace autotuner::tokenizer {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

// Reads one tokenizer file's JSON; every error names the file and the JSON path it concerns.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Error Fail(ErrorCode code, std::string_view path, std::string_view what) const {
    return MakeError(code, std::string(source_) + ": " + std::string(path) + ": " + std::string(what),
                     {{"source", source_}, {"path", path}});
  }
  Error Unsupported(std::string_view path, std::string_view what) const {
    return Fail(ErrorCode::kUnsupported, path, what);
  }
  Error Invalid(std::string_view path, std::string_view what) const {
    return Fail(ErrorCode::kInvalidArgument, path, what);
  }

  Result<element> Parse(std::string_view json) {
    padded_ = simdjson::padded_string(json.data(), json.size());
    element root;
    if (const auto error = parser_.parse(padded_).get(root); error) {
      return MakeError(ErrorCode::kParse,
                       std::string(source_) + ": not valid JSON: " + simdjson::error_message(error),
                       {{"source", source_}});
    }
    return root;
  }

  // The member `key` of an object; nothing when it is absent or null.
  static std::optional<element> Member(element object_element, std::string_view key) {
    element value;
    if (object_element[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    return value;
  }

  Result<std::string_view> String(element value, std::string_view path) const {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return Invalid(path, "expected a string");
    return s;
  }
  Result<std::string_view> StringMember(element object_element, std::string_view key,
                                        std::string_view path) const {
    const auto value = Member(object_element, key);
    if (!value) return Invalid(path, "missing string '" + std::string(key) + "'");
    return String(*value, std::string(path) + "." + std::string(key));
  }
  Result<bool> BoolMember(element object_element, std::string_view key, bool fallback,
                          std::string_view path) const {
    const auto value = Member(object_element, key);
    if (!value) return fallback;
    bool b = false;
    if (value->get_bool().get(b) != simdjson::SUCCESS) {
      return Invalid(std::string(path) + "." + std::string(key), "expected true or false");
    }
    return b;
  }
  Result<TokenId> Id(element value, std::string_view path) const {
    int64_t id = 0;
    if (value.get_int64().get(id) != simdjson::SUCCESS || id < 0 || id > INT32_MAX) {
      return Invalid(path, "expected a token id (a non-negative integer)");
    }
    return static_cast<TokenId>(id);
  }

 private:
  std::string_view source_;
  simdjson::dom::parser parser_;
  simdjson::padded_string padded_;
};

// `lhs = value of expr`, or return its error.
#define TOKENIZER_CONCAT_INNER(a, b) a##b
#define TOKENIZER_CONCAT(a, b) TOKENIZER_CONCAT_INNER(a, b)
#define ASSIGN_OR_RETURN(lhs, expr) ASSIGN_OR_RETURN_IMPL(TOKENIZER_CONCAT(result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()

Result<std::string> TypeOf(const Reader& reader, element component, std::string_view path) {
  const auto type = reader.StringMember(component, "type", path);
  if (!type.ok()) return type.error();
  return std::string(*type);
}

Status ParseNormalizer(const Reader& reader, element root) {
  const auto normalizer = Reader::Member(root, "normalizer");
  if (!normalizer) return {};
  std::string type;
  ASSIGN_OR_RETURN(type, TypeOf(reader, *normalizer, "normalizer"));
  array list;
  // An empty Sequence does nothing (DeepSeek ships one); any real normalization is not implemented.
  if (type == "Sequence" && (*normalizer)["normalizers"].get_array().get(list) == simdjson::SUCCESS &&
      list.size() == 0) {
    return {};
  }
  return reader.Unsupported("normalizer", "normalizer " + type + " is not supported");
}

Result<SplitBehavior> ParseBehavior(const Reader& reader, std::string_view name, std::string_view path) {
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return reader.Unsupported(path, "unknown split behavior " + std::string(name));
}

// Appends the pre-tokenizer (flattening Sequences) to `definition`; `byte_level_seen` tracks the ByteLevel
// step, which must come last because the BPE works on the raw bytes it would map.
Status ParsePreTokenizer(const Reader& reader, element component, const std::string& path,
                         TokenizerDefinition& definition, bool& byte_level_seen) {
  std::string type;
  ASSIGN_OR_RETURN(type, TypeOf(reader, component, path));
  if (byte_level_seen) return reader.Unsupported(path, type + " after the ByteLevel pre-tokenizer");
  if (type == "Sequence") {
    array list;
    if (component["pretokenizers"].get_array().get(list) != simdjson::SUCCESS) {
      return reader.Invalid(path, "Sequence needs a list 'pretokenizers'");
    }
    size_t i = 0;
    for (const element item : list) {
      const Status status = ParsePreTokenizer(
          reader, item, path + ".pretokenizers[" + std::to_string(i++) + "]", definition, byte_level_seen);
      if (!status.ok()) return status;
    }
    return {};
  }
  if (type == "Split") {
    SplitRule rule;
    const auto pattern = Reader::Member(component, "pattern");
    if (!pattern) return reader.Invalid(path, "Split needs a 'pattern'");
    if (const auto regex = Reader::Member(*pattern, "Regex")) {
      std::string_view s;
      ASSIGN_OR_RETURN(s, reader.String(*regex, path + ".pattern.Regex"));
      rule.pattern = s;
    } else if (const auto literal = Reader::Member(*pattern, "String")) {
      std::string_view s;
      ASSIGN_OR_RETURN(s, reader.String(*literal, path + ".pattern.String"));
      rule.pattern = s;
      rule.literal = true;
    } else {
      return reader.Invalid(path + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
    }
    std::string_view behavior;
    ASSIGN_OR_RETURN(behavior, reader.StringMember(component, "behavior", path));
    ASSIGN_OR_RETURN(rule.behavior, ParseBehavior(reader, behavior, path + ".behavior"));
    ASSIGN_OR_RETURN(rule.invert, reader.BoolMember(component, "invert", false, path));
    definition.splits.push_back(std::move(rule));
    return {};
  }
  if (type == "ByteLevel") {
    byte_level_seen = true;
    ASSIGN_OR_RETURN(definition.add_prefix_space,
                     reader.BoolMember(component, "add_prefix_space", true, path));
    ASSIGN_OR_RETURN(definition.byte_level_regex, reader.BoolMember(component, "use_regex", true, path));
    return {};
  }
  return reader.Unsupported(path, "pre-tokenizer " + type + " is not supported");
}

// Reads the raw bytes of a vocabulary spelling; a spelling outside the byte-level alphabet is only allowed
// for an added token (which is matched as text, never built by merges) and then yields nothing.
Result<std::optional<std::string>> VocabBytes(const Reader& reader, std::string_view token,
                                              const std::vector<AddedToken>& added, std::string_view path) {
  if (auto bytes = ByteLevelToBytes(token)) return std::optional<std::string>(std::move(*bytes));
  for (const AddedToken& a : added) {
    if (a.content == token) return std::optional<std::string>();
  }
  return reader.Unsupported(path, "token '" + std::string(token) + "' is not spelt in byte-level characters");
}

Status ParseModel(const Reader& reader, element root, TokenizerDefinition& definition) {
  const auto model = Reader::Member(root, "model");
  if (!model) return reader.Invalid("model", "missing");
  if (const auto type = Reader::Member(*model, "type")) {
    std::string_view name;
    ASSIGN_OR_RETURN(name, reader.String(*type, "model.type"));
    if (name != "BPE")
      return reader.Unsupported("model.type", "model " + std::string(name) + " is not supported");
  }
  for (const std::string_view key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const auto affix = Reader::Member(*model, key)) {
      std::string_view s;
      ASSIGN_OR_RETURN(s, reader.String(*affix, "model." + std::string(key)));
      if (!s.empty())
        return reader.Unsupported("model." + std::string(key), "sub-word affixes are not supported");
    }
  }
  if (const auto dropout = Reader::Member(*model, "dropout")) {
    double p = 0;
    if (dropout->get_double().get(p) != simdjson::SUCCESS || p != 0) {
      return reader.Unsupported("model.dropout", "BPE dropout (random merges) is not supported");
    }
  }
  ASSIGN_OR_RETURN(definition.ignore_merges, reader.BoolMember(*model, "ignore_merges", false, "model"));

  object vocab;
  if ((*model)["vocab"].get_object().get(vocab) != simdjson::SUCCESS) {
    return reader.Invalid("model.vocab", "expected an object of token → id");
  }
  definition.vocab.reserve(vocab.size());
  for (const auto field : vocab) {
    TokenId id = 0;
    ASSIGN_OR_RETURN(id, reader.Id(field.value, "model.vocab"));
    std::optional<std::string> bytes;
    ASSIGN_OR_RETURN(bytes, VocabBytes(reader, field.key, definition.added_tokens, "model.vocab"));
    if (bytes) definition.vocab.emplace_back(std::move(*bytes), id);
  }

  array merges;
  if ((*model)["merges"].get_array().get(merges) != simdjson::SUCCESS) {
    return reader.Invalid("model.merges", "expected a list of merges");
  }
  definition.merges.reserve(merges.size());
  size_t index = 0;
  for (const element merge : merges) {
    const std::string path = "model.merges[" + std::to_string(index++) + "]";
    std::string_view left, right;
    array pair;
    std::string_view text;
    // Tokenizers before 0.20 write "a b"; later ones [a, b], which allows spaces inside tokens.
    if (merge.get_string().get(text) == simdjson::SUCCESS) {
      const size_t space = text.find(' ');
      if (space == std::string_view::npos || text.find(' ', space + 1) != std::string_view::npos) {
        return reader.Invalid(path, "expected two tokens separated by one space");
      }
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (merge.get_array().get(pair) == simdjson::SUCCESS && pair.size() == 2) {
      ASSIGN_OR_RETURN(left, reader.String(pair.at(0).value_unsafe(), path));
      ASSIGN_OR_RETURN(right, reader.String(pair.at(1).value_unsafe(), path));
    } else {
      return reader.Invalid(path, "expected \"a b\" or [\"a\", \"b\"]");
    }
    auto l = ByteLevelToBytes(left), r = ByteLevelToBytes(right);
    if (!l || !r) return reader.Unsupported(path, "merge of tokens not spelt in byte-level characters");
    definition.merges.emplace_back(std::move(*l), std::move(*r));
  }
  return {};
}

Status ParseAddedTokens(const Reader& reader, element root, TokenizerDefinition& definition) {
  const auto list = Reader::Member(root, "added_tokens");
  if (!list) return {};
  array tokens;
  if (list->get_array().get(tokens) != simdjson::SUCCESS)
    return reader.Invalid("added_tokens", "expected a list");
  size_t index = 0;
  for (const element item : tokens) {
    const std::string path = "added_tokens[" + std::to_string(index++) + "]";
    AddedToken token;
    const auto id = Reader::Member(item, "id");
    if (!id) return reader.Invalid(path, "missing 'id'");
    ASSIGN_OR_RETURN(token.id, reader.Id(*id, path + ".id"));
    std::string_view content;
    ASSIGN_OR_RETURN(content, reader.StringMember(item, "content", path));
    token.content = content;
    ASSIGN_OR_RETURN(token.special, reader.BoolMember(item, "special", false, path));
    ASSIGN_OR_RETURN(token.lstrip, reader.BoolMember(item, "lstrip", false, path));
    ASSIGN_OR_RETURN(token.rstrip, reader.BoolMember(item, "rstrip", false, path));
    definition.added_tokens.push_back(std::move(token));
  }
  return {};
}

Status ParseTemplate(const Reader& reader, element processor, const std::string& path,
                     TokenizerDefinition& definition) {
  array single;
  if (processor["single"].get_array().get(single) != simdjson::SUCCESS) {
    return reader.Invalid(path, "TemplateProcessing needs a list 'single'");
  }
  bool sequence_seen = false;
  size_t index = 0;
  for (const element item : single) {
    const std::string item_path = path + ".single[" + std::to_string(index++) + "]";
    if (Reader::Member(item, "Sequence")) {
      if (sequence_seen) return reader.Unsupported(item_path, "a template with the sequence twice");
      sequence_seen = true;
      continue;
    }
    const auto special = Reader::Member(item, "SpecialToken");
    if (!special) return reader.Invalid(item_path, "expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    std::string_view name;
    ASSIGN_OR_RETURN(name, reader.StringMember(*special, "id", item_path + ".SpecialToken"));
    array ids;
    element entry;
    if (processor["special_tokens"][name].get(entry) != simdjson::SUCCESS ||
        entry["ids"].get_array().get(ids) != simdjson::SUCCESS) {
      return reader.Invalid(path + ".special_tokens", "no ids for " + std::string(name));
    }
    for (const element id_value : ids) {
      TokenId id = 0;
      ASSIGN_OR_RETURN(id, reader.Id(id_value, path + ".special_tokens"));
      (sequence_seen ? definition.template_suffix : definition.template_prefix).push_back(id);
    }
  }
  if (!sequence_seen) return reader.Invalid(path + ".single", "the template has no Sequence");
  return {};
}

Status ParsePostProcessor(const Reader& reader, element processor, const std::string& path,
                          TokenizerDefinition& definition) {
  std::string type;
  ASSIGN_OR_RETURN(type, TypeOf(reader, processor, path));
  if (type == "ByteLevel") return {};  // adjusts offsets only
  if (type == "TemplateProcessing") return ParseTemplate(reader, processor, path, definition);
  if (type == "Sequence") {
    array list;
    if (processor["processors"].get_array().get(list) != simdjson::SUCCESS) {
      return reader.Invalid(path, "Sequence needs a list 'processors'");
    }
    size_t i = 0;
    for (const element item : list) {
      const Status status =
          ParsePostProcessor(reader, item, path + ".processors[" + std::to_string(i++) + "]", definition);
      if (!status.ok()) return status;
    }
    return {};
  }
  return reader.Unsupported(path, "post-processor " + type + " is not supported");
}

Status ParseDecoder(const Reader& reader, element root) {
  const auto decoder = Reader::Member(root, "decoder");
  if (!decoder)
    return reader.Unsupported("decoder", "a tokenizer without the ByteLevel decoder is not supported");
  std::string type;
  ASSIGN_OR_RETURN(type, TypeOf(reader, *decoder, "decoder"));
  if (type != "ByteLevel") return reader.Unsupported("decoder", "decoder " + type + " is not supported");
  return {};
}

}  // namespace

Result<TokenizerDefinition> ParseHfTokenizerJson(std::string_view json, std::string_view source) {
  Reader reader(source);
  element root;
  ASSIGN_OR_RETURN(root, reader.Parse(json));
  if (!root.is_object()) return reader.Invalid("(root)", "expected an object");
  TokenizerDefinition definition;
  if (Status s = ParseNormalizer(reader, root); !s.ok()) return std::move(s).error();
  // Added tokens first: the vocabulary may spell them outside the byte-level alphabet.
  if (Status s = ParseAddedTokens(reader, root, definition); !s.ok()) return std::move(s).error();
  if (Status s = ParseModel(reader, root, definition); !s.ok()) return std::move(s).error();
  bool byte_level_seen = false;
  if (const auto pre = Reader::Member(root, "pre_tokenizer")) {
    if (Status s = ParsePreTokenizer(reader, *pre, "pre_tokenizer", definition, byte_level_seen); !s.ok()) {
      return std::move(s).error();
    }
  }
  if (!byte_level_seen) {
    return reader.Unsupported("pre_tokenizer", "not a byte-level tokenizer (no ByteLevel pre-tokenizer)");
  }
  if (const auto post = Reader::Member(root, "post_processor")) {
    if (Status s = ParsePostProcessor(reader, *post, "post_processor", definition); !s.ok()) {
      return std::move(s).error();
    }
  }
  if (Status s = ParseDecoder(reader, root); !s.ok()) return std::move(s).error();
  return definition;
}

Result<TokenizerDefinition> ParseGpt2Files(std::string_view encoder_json, std::string_view vocab_bpe,
                                           std::string_view source) {
  const std::string encoder_source = std::string(source) + "/encoder.json";
  Reader reader(encoder_source);
  element root;
  ASSIGN_OR_RETURN(root, reader.Parse(encoder_json));
  object encoder;
  if (root.get_object().get(encoder) != simdjson::SUCCESS)
    return reader.Invalid("(root)", "expected token → id");
  TokenizerDefinition definition;
  definition.byte_level_regex = true;
  for (const auto field : encoder) {
    TokenId id = 0;
    ASSIGN_OR_RETURN(id, reader.Id(field.value, field.key));
    auto bytes = ByteLevelToBytes(field.key);
    if (!bytes) return reader.Unsupported(field.key, "token is not spelt in byte-level characters");
    definition.vocab.emplace_back(std::move(*bytes), id);
    if (field.key == "<|endoftext|>")
      definition.added_tokens.push_back({id, "<|endoftext|>", true, false, false});
  }
  const std::string merges_source = std::string(source) + "/vocab.bpe";
  size_t line_number = 0;
  for (size_t start = 0; start < vocab_bpe.size();) {
    size_t end = vocab_bpe.find('\n', start);
    if (end == std::string_view::npos) end = vocab_bpe.size();
    std::string_view line = vocab_bpe.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line_number == 1 && line.starts_with("#version"))) continue;
    const size_t space = line.find(' ');
    auto left = ByteLevelToBytes(line.substr(0, space));
    auto right = space == std::string_view::npos ? std::nullopt : ByteLevelToBytes(line.substr(space + 1));
    if (!left || !right || left->empty() || right->empty()) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          merges_source + ":" + std::to_string(line_number) + ": expected two byte-level tokens 'a b'",
          {{"source", merges_source}, {"line", line_number}});
    }
    definition.merges.emplace_back(std::move(*left), std::move(*right));
  }
  return definition;
}

#undef ASSIGN_OR_RETURN_IMPL
#undef ASSIGN_OR_RETURN
#undef TOKENIZER_CONCAT
#undef TOKENIZER_CONCAT_INNER

}  // namespace autotuner::tokenizer
