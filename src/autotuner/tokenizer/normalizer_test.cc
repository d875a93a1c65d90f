#include "autotuner/tokenizer/normalizer.h"

#include <gtest/gtest.h>

namespace autotuner::tokenizer {
namespace {

using Kind = NormalizerStep::Kind;

std::string Apply(std::vector<NormalizerStep> steps, std::string_view text) {
  auto normalizer = Normalizer::Create(std::move(steps));
  if (!normalizer.ok()) return "error: " + normalizer.error().message;
  std::string storage;
  return std::string(normalizer->Apply(text, storage));
}

NormalizerStep Step(Kind kind) {
  NormalizerStep step;
  step.kind = kind;
  return step;
}

TEST(TokenizerNormalizer, UnicodeForms) {
  const std::string decomposed = "cafe\xCC\x81";  // e + COMBINING ACUTE
  EXPECT_EQ(Apply({Step(Kind::kNfc)}, decomposed), "caf\xC3\xA9");
  EXPECT_EQ(Apply({Step(Kind::kNfd)}, "caf\xC3\xA9"), decomposed);
  EXPECT_EQ(Apply({Step(Kind::kNfkc)}, "\xEF\xAC\x81nance \xE2\x91\xA0"),
            "finance 1");  // ligature fi, circled 1
  EXPECT_EQ(Apply({Step(Kind::kNfkd)}, "\xC3\x85"), "A\xCC\x8A");
  // Hangul syllables decompose into jamo and back.
  EXPECT_EQ(Apply({Step(Kind::kNfd)}, "\xED\x95\x9C"), "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB");
  EXPECT_EQ(Apply({Step(Kind::kNfc)}, "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");
}

TEST(TokenizerNormalizer, TextThatIsAlreadyNormalIsNotCopied) {
  auto normalizer = Normalizer::Create({Step(Kind::kNfc)});
  ASSERT_TRUE(normalizer.ok());
  std::string storage;
  for (const std::string_view text :
       {std::string_view("plain ascii"), std::string_view("caf\xC3\xA9 \xE4\xBD\xA0")}) {
    EXPECT_EQ(normalizer->Apply(text, storage).data(), text.data());
  }
}

TEST(TokenizerNormalizer, ReplacePrependAndSequenceOrder) {
  NormalizerStep prepend = Step(Kind::kPrepend);
  prepend.content = "\xE2\x96\x81";
  NormalizerStep replace = Step(Kind::kReplace);
  replace.pattern = " ";
  replace.content = "\xE2\x96\x81";
  // Llama-2: Prepend then Replace.
  EXPECT_EQ(Apply({prepend, replace}, "Hello  world"), "\xE2\x96\x81Hello\xE2\x96\x81\xE2\x96\x81world");
  EXPECT_EQ(Apply({prepend, replace}, ""), "");  // nothing is prepended to empty text
  NormalizerStep regex = Step(Kind::kReplace);
  regex.pattern = "[0-9]+";
  regex.regex = true;
  regex.content = "#";
  EXPECT_EQ(Apply({regex}, "a1b22c333"), "a#b#c#");
  NormalizerStep empty = Step(Kind::kReplace);
  EXPECT_NE(Apply({empty}, "x").find("error"), std::string::npos);
}

TEST(TokenizerNormalizer, StripUsesUnicodeWhiteSpace) {
  NormalizerStep both = Step(Kind::kStrip);
  both.strip_left = both.strip_right = true;
  EXPECT_EQ(Apply({both}, "\xE3\x80\x80 \t x y \xC2\x85\n"), "x y");  // U+3000 ... U+0085
  EXPECT_EQ(Apply({both}, "\xEF\xBB\xBFx"), "\xEF\xBB\xBFx");         // U+FEFF is not white space
  NormalizerStep left = Step(Kind::kStrip);
  left.strip_left = true;
  EXPECT_EQ(Apply({left}, "  x  "), "x  ");
}

TEST(TokenizerNormalizer, LowercaseEachCharacterAndStripAccents) {
  // No Greek final-sigma rule (Rust's char::to_lowercase); İ lowercases to i + COMBINING DOT ABOVE.
  EXPECT_EQ(Apply({Step(Kind::kLowercase)}, "ABC \xCE\x9F\xCE\xA3 \xC4\xB0"),
            "abc \xCE\xBF\xCF\x83 i\xCC\x87");
  EXPECT_EQ(Apply({Step(Kind::kNfd), Step(Kind::kStripAccents)}, "Caf\xC3\xA9 na\xC3\xAFve"), "Cafe naive");
}

TEST(TokenizerNormalizer, CharacterClasses) {
  EXPECT_TRUE(IsUnicodeWhiteSpace(0x85));
  EXPECT_FALSE(IsUnicodeWhiteSpace(0xFEFF));
  EXPECT_TRUE(IsWordCharacter('_'));
  EXPECT_TRUE(IsWordCharacter(0x4F60));  // 你
  EXPECT_TRUE(IsWordCharacter(0x0663));  // Arabic-Indic digit three
  EXPECT_FALSE(IsWordCharacter('-'));
}

}  // namespace
}  // namespace autotuner::tokenizer
