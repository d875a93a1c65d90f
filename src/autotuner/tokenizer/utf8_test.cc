#include "autotuner/tokenizer/utf8.h"

#include <gtest/gtest.h>

namespace autotuner::tokenizer {
namespace {

std::string Lossy(std::string_view bytes) {
  std::string out;
  AppendUtf8Lossy(bytes, out);
  return out;
}

TEST(TokenizerUtf8, StepDecodesEachLength) {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";  // a é € 😀
  Utf8Step s = StepUtf8(text, 0);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.code_point, U'a');
  s = StepUtf8(text, 1);
  EXPECT_EQ(s.length, 2u);
  EXPECT_EQ(s.code_point, U'\u00E9');
  s = StepUtf8(text, 3);
  EXPECT_EQ(s.length, 3u);
  EXPECT_EQ(s.code_point, U'\u20AC');
  s = StepUtf8(text, 6);
  EXPECT_EQ(s.length, 4u);
  EXPECT_EQ(s.code_point, U'\U0001F600');
}

TEST(TokenizerUtf8, ValidityRejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ok\xE2\x82"));        // cut short
}

TEST(TokenizerUtf8, LossyDecodingReplacesMaximalSubpartsLikeTextDecoder) {
  EXPECT_EQ(Lossy("caf\xC3\xA9"), "caf\xC3\xA9");
  // A truncated 3-byte sequence is one replacement, not one per byte.
  EXPECT_EQ(Lossy("\xE2\x82z"), "\xEF\xBF\xBDz");
  // A truncated 4-byte emoji at the end: one replacement.
  EXPECT_EQ(Lossy("hi \xF0\x9F\x98"), "hi \xEF\xBF\xBD");
  // Bytes that can never start a sequence: one replacement each.
  EXPECT_EQ(Lossy("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Lossy("\xFF"), "\xEF\xBF\xBD");
  // A surrogate lead stops at its invalid second byte.
  EXPECT_EQ(Lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TokenizerUtf8, AppendCodePointWritesEachLength) {
  std::string out;
  for (const char32_t cp : {U'A', U'\u00E9', U'\u20AC', U'\U0001F600'}) AppendCodePoint(cp, out);
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace autotuner::tokenizer
