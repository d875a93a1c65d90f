#include "autotuner/tokenizer/loader.h"

#include <optional>
#include <string>

#include "autotuner/tokenizer/byte_level.h"
#include "autotuner/tokenizer/json_reader.h"

namespace autotuner::tokenizer {
namespace {

using internal::array;
using internal::element;
using internal::object;
using internal::Reader;
using internal::TypeOf;

// Bounds on what one file may hold (real ones: ~262k tokens, ~515k merges, ~6k added tokens).
constexpr size_t kMaxVocabEntries = size_t{kMaxTokenId} + 1;
constexpr size_t kMaxMerges = size_t{1} << 23;
constexpr size_t kMaxAddedTokens = size_t{1} << 20;
constexpr size_t kMaxTokenBytes = size_t{1} << 16;

// Reads the raw bytes of a vocabulary spelling; a spelling outside the byte-level alphabet is only allowed
// for an added token (which is matched as text, never built by merges) and then yields nothing.
// A vocabulary that is not byte-level keeps its spellings as they are.
Result<std::optional<std::string>> VocabBytes(const Reader& reader, std::string_view token, bool byte_level,
                                              const std::vector<AddedToken>& added, std::string_view path) {
  if (token.size() > kMaxTokenBytes) return reader.Invalid(path, "a token longer than 64 KiB");
  if (!byte_level) return std::optional<std::string>(std::string(token));
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
    TOKENIZER_ASSIGN_OR_RETURN(name, reader.String(*type, "model.type"));
    if (name != "BPE")
      return reader.Unsupported("model.type", "model " + std::string(name) + " is not supported");
  }
  for (const std::string_view key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (const auto affix = Reader::Member(*model, key)) {
      std::string_view s;
      TOKENIZER_ASSIGN_OR_RETURN(s, reader.String(*affix, "model." + std::string(key)));
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
  BpeOptions& options = definition.model;
  TOKENIZER_ASSIGN_OR_RETURN(options.ignore_merges,
                             reader.BoolMember(*model, "ignore_merges", false, "model"));
  TOKENIZER_ASSIGN_OR_RETURN(options.byte_fallback,
                             reader.BoolMember(*model, "byte_fallback", false, "model"));
  TOKENIZER_ASSIGN_OR_RETURN(options.fuse_unk, reader.BoolMember(*model, "fuse_unk", false, "model"));
  if (const auto unk = Reader::Member(*model, "unk_token")) {
    std::string_view s;
    TOKENIZER_ASSIGN_OR_RETURN(s, reader.String(*unk, "model.unk_token"));
    options.unk_token = std::string(s);
  }

  object vocab;
  if ((*model)["vocab"].get_object().get(vocab) != simdjson::SUCCESS) {
    return reader.Invalid("model.vocab", "expected an object of token → id");
  }
  if (vocab.size() > kMaxVocabEntries) return reader.Invalid("model.vocab", "more than 4194304 tokens");
  definition.vocab.reserve(vocab.size());
  for (const auto field : vocab) {
    TokenId id = 0;
    TOKENIZER_ASSIGN_OR_RETURN(id, reader.Id(field.value, "model.vocab"));
    std::optional<std::string> bytes;
    TOKENIZER_ASSIGN_OR_RETURN(
        bytes, VocabBytes(reader, field.key, options.byte_level, definition.added_tokens, "model.vocab"));
    if (bytes) definition.vocab.emplace_back(std::move(*bytes), id);
  }

  array merges;
  if ((*model)["merges"].get_array().get(merges) != simdjson::SUCCESS) {
    return reader.Invalid("model.merges", "expected a list of merges");
  }
  if (merges.size() > kMaxMerges) return reader.Invalid("model.merges", "more than 8388608 merges");
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
      TOKENIZER_ASSIGN_OR_RETURN(left, reader.String(pair.at(0).value_unsafe(), path));
      TOKENIZER_ASSIGN_OR_RETURN(right, reader.String(pair.at(1).value_unsafe(), path));
    } else {
      return reader.Invalid(path, "expected \"a b\" or [\"a\", \"b\"]");
    }
    if (!options.byte_level) {
      definition.merges.emplace_back(std::string(left), std::string(right));
      continue;
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
  if (tokens.size() > kMaxAddedTokens) return reader.Invalid("added_tokens", "more than 1048576 tokens");
  size_t index = 0;
  for (const element item : tokens) {
    const std::string path = "added_tokens[" + std::to_string(index++) + "]";
    AddedToken token;
    const auto id = Reader::Member(item, "id");
    if (!id) return reader.Invalid(path, "missing 'id'");
    TOKENIZER_ASSIGN_OR_RETURN(token.id, reader.Id(*id, path + ".id"));
    std::string_view content;
    TOKENIZER_ASSIGN_OR_RETURN(content, reader.StringMember(item, "content", path));
    if (content.size() > kMaxTokenBytes) return reader.Invalid(path, "a token longer than 64 KiB");
    token.content = content;
    TOKENIZER_ASSIGN_OR_RETURN(token.normalized, reader.BoolMember(item, "normalized", false, path));
    TOKENIZER_ASSIGN_OR_RETURN(token.single_word, reader.BoolMember(item, "single_word", false, path));
    TOKENIZER_ASSIGN_OR_RETURN(token.special, reader.BoolMember(item, "special", false, path));
    TOKENIZER_ASSIGN_OR_RETURN(token.lstrip, reader.BoolMember(item, "lstrip", false, path));
    TOKENIZER_ASSIGN_OR_RETURN(token.rstrip, reader.BoolMember(item, "rstrip", false, path));
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
    TOKENIZER_ASSIGN_OR_RETURN(name, reader.StringMember(*special, "id", item_path + ".SpecialToken"));
    array ids;
    element entry;
    if (processor["special_tokens"][name].get(entry) != simdjson::SUCCESS ||
        entry["ids"].get_array().get(ids) != simdjson::SUCCESS) {
      return reader.Invalid(path + ".special_tokens", "no ids for " + std::string(name));
    }
    for (const element id_value : ids) {
      TokenId id = 0;
      TOKENIZER_ASSIGN_OR_RETURN(id, reader.Id(id_value, path + ".special_tokens"));
      (sequence_seen ? definition.template_suffix : definition.template_prefix).push_back(id);
    }
  }
  if (!sequence_seen) return reader.Invalid(path + ".single", "the template has no Sequence");
  return {};
}

// Roberta/Bert processing: [cls] text [sep].
Status ParseClsSep(const Reader& reader, element processor, const std::string& path,
                   TokenizerDefinition& definition) {
  for (const std::string_view key : {"cls", "sep"}) {
    array pair;
    element id;
    if (processor[key].get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
        pair.at(1).get(id) != simdjson::SUCCESS) {
      return reader.Invalid(path + "." + std::string(key), "expected [token, id]");
    }
    TokenId value = 0;
    TOKENIZER_ASSIGN_OR_RETURN(value, reader.Id(id, path + "." + std::string(key)));
    (key == "cls" ? definition.template_prefix : definition.template_suffix).push_back(value);
  }
  return {};
}

Status ParsePostProcessor(const Reader& reader, element processor, const std::string& path,
                          TokenizerDefinition& definition) {
  std::string type;
  TOKENIZER_ASSIGN_OR_RETURN(type, TypeOf(reader, processor, path));
  if (type == "ByteLevel") return {};  // adjusts offsets only
  if (type == "TemplateProcessing") return ParseTemplate(reader, processor, path, definition);
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    return ParseClsSep(reader, processor, path, definition);
  }
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

// The ByteLevel pre-tokenizer decides how the vocabulary is spelt, so it is read before the model.
Status ParsePipeline(const Reader& reader, element root, TokenizerDefinition& definition) {
  if (const auto normalizer = Reader::Member(root, "normalizer")) {
    if (Status s = internal::ParseNormalizer(reader, *normalizer, "normalizer", definition.normalizers);
        !s.ok()) {
      return s;
    }
  }
  bool byte_level = false;
  if (const auto pre = Reader::Member(root, "pre_tokenizer")) {
    if (Status s =
            internal::ParsePreTokenizer(reader, *pre, "pre_tokenizer", definition.pre_tokenizers, byte_level);
        !s.ok()) {
      return s;
    }
  }
  definition.model.byte_level = byte_level;
  definition.decoders.clear();
  if (const auto decoder = Reader::Member(root, "decoder")) {
    return internal::ParseDecoder(reader, *decoder, "decoder", definition.decoders);
  }
  return {};
}

}  // namespace

Result<TokenizerDefinition> ParseHfTokenizerJson(std::string_view json, std::string_view source) {
  Reader reader(source);
  element root;
  TOKENIZER_ASSIGN_OR_RETURN(root, reader.Parse(json));
  if (!root.is_object()) return reader.Invalid("(root)", "expected an object");
  TokenizerDefinition definition;
  if (Status s = ParsePipeline(reader, root, definition); !s.ok()) return std::move(s).error();
  // Added tokens before the model: a byte-level vocabulary may spell them outside its alphabet.
  if (Status s = ParseAddedTokens(reader, root, definition); !s.ok()) return std::move(s).error();
  if (Status s = ParseModel(reader, root, definition); !s.ok()) return std::move(s).error();
  if (const auto post = Reader::Member(root, "post_processor")) {
    if (Status s = ParsePostProcessor(reader, *post, "post_processor", definition); !s.ok()) {
      return std::move(s).error();
    }
  }
  return definition;
}

Result<TokenizerDefinition> ParseGpt2Files(std::string_view encoder_json, std::string_view vocab_bpe,
                                           std::string_view source) {
  const std::string encoder_source = std::string(source) + "/encoder.json";
  Reader reader(encoder_source);
  element root;
  TOKENIZER_ASSIGN_OR_RETURN(root, reader.Parse(encoder_json));
  object encoder;
  if (root.get_object().get(encoder) != simdjson::SUCCESS)
    return reader.Invalid("(root)", "expected token → id");
  TokenizerDefinition definition;
  PreTokenizerStep byte_level;
  byte_level.kind = PreTokenizerStep::Kind::kByteLevel;
  definition.pre_tokenizers.push_back(byte_level);
  for (const auto field : encoder) {
    TokenId id = 0;
    TOKENIZER_ASSIGN_OR_RETURN(id, reader.Id(field.value, field.key));
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

}  // namespace autotuner::tokenizer
