#pragma once

// The JSON reading shared by the tokenizer file parsers (loader*.cc); not part of the library's interface.

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/bpe.h"
#include "autotuner/tokenizer/decoder.h"
#include "autotuner/tokenizer/normalizer.h"
#include "autotuner/tokenizer/pre_tokenizer.h"

namespace autotuner::tokenizer::internal {

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
    if (value.get_int64().get(id) != simdjson::SUCCESS || id < 0) {
      return Invalid(path, "expected a token id (a non-negative integer)");
    }
    if (id > kMaxTokenId) {
      return Invalid(path, "token id " + std::to_string(id) + " is out of range (at most " +
                               std::to_string(kMaxTokenId) + ")");
    }
    return static_cast<TokenId>(id);
  }

 private:
  std::string_view source_;
  simdjson::dom::parser parser_;
  simdjson::padded_string padded_;
};

}  // namespace autotuner::tokenizer::internal

// `lhs = value of expr`, or return its error.
#define TOKENIZER_CONCAT_INNER(a, b) a##b
#define TOKENIZER_CONCAT(a, b) TOKENIZER_CONCAT_INNER(a, b)
#define TOKENIZER_ASSIGN_OR_RETURN(lhs, expr) \
  TOKENIZER_ASSIGN_OR_RETURN_IMPL(TOKENIZER_CONCAT(result_, __LINE__), lhs, expr)
#define TOKENIZER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp.ok()) return std::move(tmp).error();         \
  lhs = std::move(tmp).value()

namespace autotuner::tokenizer::internal {

Result<std::string> TypeOf(const Reader& reader, element component, std::string_view path);

// A {"String": ...} or {"Regex": ...} pattern: its text and whether it is a regex.
struct PatternSpec {
  std::string text;
  bool regex = false;
};
Result<PatternSpec> ParsePattern(const Reader& reader, element owner, const std::string& path);

// The components of a tokenizer.json (loader_components.cc); Sequences are flattened into the step lists.
Status ParseNormalizer(const Reader& reader, element component, const std::string& path,
                       std::vector<NormalizerStep>& out);
// byte_level_seen: set by the ByteLevel step, which must come last (BPE then works on the raw bytes).
Status ParsePreTokenizer(const Reader& reader, element component, const std::string& path,
                         std::vector<PreTokenizerStep>& out, bool& byte_level_seen);
Status ParseDecoder(const Reader& reader, element component, const std::string& path,
                    std::vector<DecoderStep>& out);

}  // namespace autotuner::tokenizer::internal
