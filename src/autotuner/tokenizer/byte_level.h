#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace autotuner::tokenizer {

// GPT-2's reversible byte ↔ character map ("bytes_to_unicode"): vocabulary files of byte-level BPE store each
// token as one character per byte, printable bytes as themselves and the rest (space, controls, ...) as
// U+0100 and up, so that 0x20 is 'Ġ' and 0x0A is 'Ċ'.
char32_t ByteToChar(uint8_t byte);

// The byte-level (vocabulary-file) spelling of raw bytes, as UTF-8.
std::string BytesToByteLevel(std::string_view bytes);

// The raw bytes a byte-level spelling stands for; nothing when it is not valid UTF-8 or has a character
// outside the 256 of the map.
std::optional<std::string> ByteLevelToBytes(std::string_view text);

}  // namespace autotuner::tokenizer
