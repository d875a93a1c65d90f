#include "autotuner/tokenizer/pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace autotuner::tokenizer {
namespace {

// Llama-3's pre-tokenizer regex, as its tokenizer.json writes it.
constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::vector<std::string> Matches(std::string_view regex, std::string_view text) {
  auto pattern = Pattern::Compile(regex);
  EXPECT_TRUE(pattern.ok()) << pattern.error().message;
  std::vector<MatchSpan> spans;
  pattern->FindAll(text, spans);
  std::vector<std::string> out;
  for (const auto& s : spans) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using Pieces = std::vector<std::string>;

TEST(TokenizerPattern, CaselessGroupFoldsAsciiLettersOnly) {
  auto translated = TranslatePattern("(?i:'s|'ll)x");
  ASSERT_TRUE(translated.ok());
  EXPECT_EQ(*translated, "(?:'[sS]|'[lL][lL])x");
  // Escapes keep their letters: \p{L} inside a caseless group is not rewritten.
  translated = TranslatePattern(R"((?i:a\p{L}))");
  ASSERT_TRUE(translated.ok());
  EXPECT_EQ(*translated, R"((?:[aA]\p{L}))");
  EXPECT_EQ(TranslatePattern("(?i:[a-z])").error().code, ErrorCode::kUnsupported);
}

TEST(TokenizerPattern, WhiteSpaceIsEcmaScriptsSet) {
  EXPECT_TRUE(IsEcmaScriptWhiteSpace(U'\u00A0'));
  EXPECT_TRUE(IsEcmaScriptWhiteSpace(U'\uFEFF'));
  EXPECT_TRUE(IsEcmaScriptWhiteSpace(U'\u3000'));
  EXPECT_FALSE(IsEcmaScriptWhiteSpace(U'\u0085'));
  EXPECT_FALSE(IsEcmaScriptWhiteSpace(U'\u180E'));
  EXPECT_FALSE(IsEcmaScriptWhiteSpace(U'\u200B'));
  // \s and \S follow it, inside and outside classes.
  EXPECT_EQ(Matches(R"(\s+|\S+)", "a\u00A0b\uFEFFc"), (Pieces{"a", "\u00A0", "b", "\uFEFF", "c"}));
  EXPECT_EQ(Matches(R"(\s+|\S+)", "a\u0085b\u180Ec"), (Pieces{"a\u0085b\u180Ec"}));
  EXPECT_EQ(Matches(R"([^\s]+)", "x y"), (Pieces{"x", "y"}));
  EXPECT_EQ(TranslatePattern(R"([^\S])").error().code, ErrorCode::kUnsupported);
}

TEST(TokenizerPattern, Llama3SplitsLikeTheReference) {
  EXPECT_EQ(Matches(kLlama3, "Hello, world!"), (Pieces{"Hello", ",", " world", "!"}));
  EXPECT_EQ(Matches(kLlama3, "I'M here'S"), (Pieces{"I", "'M", " here", "'S"}));
  // 'ſ' is not 's' for the reference's explicit [sS].
  EXPECT_EQ(Matches(kLlama3, "it'\u017F"), (Pieces{"it", "'\u017F"}));
  EXPECT_EQ(Matches(kLlama3, "1234567"), (Pieces{"123", "456", "7"}));
  // Look-ahead: the last space of a run goes with the next word.
  EXPECT_EQ(Matches(kLlama3, "a   b"), (Pieces{"a", "  ", " b"}));
  EXPECT_EQ(Matches(kLlama3, "x\n\n  y  "), (Pieces{"x", "\n\n", " ", " y", "  "}));
  EXPECT_EQ(Matches(kLlama3, "日本語テキスト"), (Pieces{"日本語テキスト"}));
  EXPECT_EQ(Matches(kLlama3, "caf\u00E9 na\u0131ve"), (Pieces{"caf\u00E9", " na\u0131ve"}));
}

TEST(TokenizerPattern, EmptyMatchesAreSkippedOneCharacterAtATime) {
  EXPECT_EQ(Matches("x*", "axxb\u00E9x"), (Pieces{"xx", "x"}));
  EXPECT_TRUE(Matches("q*", "").empty());
}

TEST(TokenizerPattern, LiteralMatchesMetacharactersAsText) {
  auto pattern = Pattern::Literal("a.b*");
  ASSERT_TRUE(pattern.ok());
  std::vector<MatchSpan> spans;
  pattern->FindAll("a.b*axb a.b*", spans);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].begin, 0u);
  EXPECT_EQ(spans[1].begin, 8u);
}

TEST(TokenizerPattern, BadRegexIsAnErrorWithTheOffset) {
  auto pattern = Pattern::Compile("(unclosed");
  ASSERT_FALSE(pattern.ok());
  EXPECT_EQ(pattern.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(pattern.error().message.find("(unclosed"), std::string::npos);
}

TEST(TokenizerPattern, HugeRunsMatchWithoutResourceErrors) {
  const std::string spaces(1 << 20, ' ');
  EXPECT_EQ(Matches(kLlama3, spaces + "x"), (Pieces{spaces.substr(1), " x"}));
  const std::string letters(1 << 20, 'a');
  EXPECT_EQ(Matches(kLlama3, letters), (Pieces{letters}));
}

}  // namespace
}  // namespace autotuner::tokenizer
