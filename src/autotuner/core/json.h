#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "autotuner/core/result.h"

namespace autotuner {

// Insertion-ordered JSON: our output keeps fields in the order we write them.
using Json = nlohmann::ordered_json;

// Serialises without ever throwing: invalid UTF-8 in strings becomes U+FFFD.
std::string DumpJson(const Json& value, int indent = -1);

// Replaces every invalid UTF-8 sequence with U+FFFD.
std::string SanitizeUtf8(std::string_view text);

// Parses JSON text; a syntax error becomes kParse with "<source>:<line>:<column>: ..." and
// details {source, line, column}.
Result<Json> ParseJson(std::string_view text, std::string_view source = "<input>");

// 1-based line and column of a byte offset in text.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition PositionOfOffset(std::string_view text, size_t offset);

// Short human form of a JSON value for messages: strings quoted, long values cut.
std::string Describe(const Json& value);

// Name of a JSON value's type for messages ("string", "integer", "list", ...).
std::string_view JsonTypeName(const Json& value);

}  // namespace autotuner
