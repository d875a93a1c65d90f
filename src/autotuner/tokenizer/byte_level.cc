#include "autotuner/tokenizer/byte_level.h"

#include <array>

#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

constexpr bool IsPrintable(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

constexpr std::array<char32_t, 256> kByteToChar = [] {
  std::array<char32_t, 256> table{};
  char32_t next = 0x100;  // non-printable bytes take U+0100, U+0101, ... in byte order
  for (int b = 0; b < 256; ++b) table[b] = IsPrintable(b) ? static_cast<char32_t>(b) : next++;
  return table;
}();

// Inverse map over the 0x000..0x143 range the table covers; -1 where no byte maps.
constexpr std::array<int16_t, 0x144> kCharToByte = [] {
  std::array<int16_t, 0x144> table{};
  table.fill(-1);
  for (int b = 0; b < 256; ++b) table[kByteToChar[b]] = static_cast<int16_t>(b);
  return table;
}();

}  // namespace

char32_t ByteToChar(uint8_t byte) { return kByteToChar[byte]; }

std::string BytesToByteLevel(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) AppendCodePoint(kByteToChar[static_cast<uint8_t>(c)], out);
  return out;
}

std::optional<std::string> ByteLevelToBytes(std::string_view text) {
  // Every character of the alphabet is below U+0144, so one or two UTF-8 bytes: decoded inline, since this
  // runs for each of the ~10^6 token spellings of a vocabulary file.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    char32_t code_point = lead;
    if (lead >= 0x80) {
      if ((lead & 0xE0) != 0xC0 || i + 1 >= text.size()) return std::nullopt;
      const auto next = static_cast<unsigned char>(text[i + 1]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      code_point = (static_cast<char32_t>(lead & 0x1F) << 6) | (next & 0x3F);
      if (code_point < 0x80) return std::nullopt;  // overlong
      ++i;
    }
    ++i;
    if (code_point >= kCharToByte.size() || kCharToByte[code_point] < 0) return std::nullopt;
    out += static_cast<char>(kCharToByte[code_point]);
  }
  return out;
}

}  // namespace autotuner::tokenizer
