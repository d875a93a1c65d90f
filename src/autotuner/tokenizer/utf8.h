#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autotuner::tokenizer {

// One step of UTF-8 decoding at text[i]: the length of the sequence there and whether it is complete and
// valid. An invalid or truncated sequence reports its maximal valid prefix (at least 1 byte), which is what
// WHATWG decoders (JavaScript's TextDecoder, Rust's from_utf8_lossy) replace with one U+FFFD.
struct Utf8Step {
  size_t length = 1;
  bool valid = false;
  char32_t code_point = 0;  // meaningful only when valid
};
Utf8Step StepUtf8(std::string_view text, size_t i);

bool IsValidUtf8(std::string_view text);

// Appends bytes decoded as UTF-8, each maximal invalid subpart becoming U+FFFD (as TextDecoder does).
void AppendUtf8Lossy(std::string_view bytes, std::string& out);

void AppendCodePoint(char32_t code_point, std::string& out);

}  // namespace autotuner::tokenizer
