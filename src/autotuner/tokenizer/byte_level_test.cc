#include "autotuner/tokenizer/byte_level.h"

#include <gtest/gtest.h>

#include <set>

namespace autotuner::tokenizer {
namespace {

TEST(TokenizerByteLevel, PrintableBytesMapToThemselvesOthersFromU0100) {
  EXPECT_EQ(ByteToChar('!'), U'!');
  EXPECT_EQ(ByteToChar('~'), U'~');
  EXPECT_EQ(ByteToChar(0xE9), U'\u00E9');
  EXPECT_EQ(ByteToChar(0x00), U'\u0100');
  EXPECT_EQ(ByteToChar(' '), U'\u0120');   // 'Ġ'
  EXPECT_EQ(ByteToChar('\n'), U'\u010A');  // 'Ċ'
  EXPECT_EQ(ByteToChar(0xAD), U'\u0143');  // the last non-printable byte takes the last code point
}

TEST(TokenizerByteLevel, MapIsABijection) {
  std::set<char32_t> seen;
  for (int b = 0; b < 256; ++b) seen.insert(ByteToChar(static_cast<uint8_t>(b)));
  EXPECT_EQ(seen.size(), 256u);
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(ByteLevelToBytes(BytesToByteLevel(all)), all);
}

TEST(TokenizerByteLevel, SpellsVocabularyTokens) {
  EXPECT_EQ(BytesToByteLevel(" hello"), "\xC4\xA0hello");   // "Ġhello"
  EXPECT_EQ(BytesToByteLevel("\n\n"), "\xC4\x8A\xC4\x8A");  // "ĊĊ"
  EXPECT_EQ(ByteLevelToBytes("\xC4\xA0world"), " world");
  // '€' (U+20AC) is outside the 256-character alphabet.
  EXPECT_EQ(ByteLevelToBytes("\xE2\x82\xAC"), std::nullopt);
  EXPECT_EQ(ByteLevelToBytes("\xC4"), std::nullopt);
  EXPECT_EQ(ByteLevelToBytes("\xC0\xA1"), std::nullopt);  // overlong "!"
}

}  // namespace
}  // namespace autotuner::tokenizer
