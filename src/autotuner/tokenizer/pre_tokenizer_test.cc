// The pre-tokenizers as a tokenizer.json spells them (the built-in ones are Split rules made by the loader).

#include "autotuner/tokenizer/pre_tokenizer.h"

#include <gtest/gtest.h>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/loader.h"
#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using Words = std::vector<std::string>;

const std::string kMeta = "\xE2\x96\x81";  // ▁

// The words of `text` with `pre_tokenizer` (JSON) in front of a small SentencePiece-style model.
Words PreTokenize(const Json& pre_tokenizer, std::string_view text) {
  Json json = test_support::SentencePieceJson();
  json["normalizer"] = nullptr;
  json["pre_tokenizer"] = pre_tokenizer;
  auto definition = ParseHfTokenizerJson(DumpJson(json), "pre.json");
  if (!definition.ok()) return {"error: " + definition.error().message};
  return test_support::Build(std::move(definition).value()).PreTokenize(text);
}

TEST(TokenizerPreTokenizer, MetaspacePrependSchemesAndSplit) {
  const Json always = {{"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", "always"}};
  EXPECT_EQ(PreTokenize(always, "Hey  you"), (Words{kMeta + "Hey", kMeta, kMeta + "you"}));
  Json no_split = always;
  no_split["split"] = false;
  EXPECT_EQ(PreTokenize(no_split, "Hey you"), (Words{kMeta + "Hey" + kMeta + "you"}));
  Json never = always;
  never["prepend_scheme"] = "never";
  EXPECT_EQ(PreTokenize(never, "Hey you"), (Words{"Hey", kMeta + "you"}));
  // The older add_prefix_space form.
  EXPECT_EQ(PreTokenize({{"type", "Metaspace"}, {"add_prefix_space", false}}, "a b"),
            (Words{"a", kMeta + "b"}));
  // "first": only the piece that begins the input, so a Split before it leaves the rest alone.
  const Json first = {{"type", "Sequence"},
                      {"pretokenizers", Json::array({{{"type", "Digits"}, {"individual_digits", false}},
                                                     {{"type", "Metaspace"}, {"prepend_scheme", "first"}}})}};
  EXPECT_EQ(PreTokenize(first, "ab12cd"), (Words{kMeta + "ab", "12", "cd"}));
}

TEST(TokenizerPreTokenizer, DigitsPunctuationAndWhiteSpace) {
  EXPECT_EQ(PreTokenize({{"type", "Digits"}, {"individual_digits", false}}, "ab123c4"),
            (Words{"ab", "123", "c", "4"}));
  EXPECT_EQ(PreTokenize({{"type", "Digits"}, {"individual_digits", true}}, "a12"), (Words{"a", "1", "2"}));
  EXPECT_EQ(PreTokenize({{"type", "Punctuation"}}, "Hey, you!!"), (Words{"Hey", ",", " you", "!", "!"}));
  EXPECT_EQ(PreTokenize({{"type", "Punctuation"}, {"behavior", "Contiguous"}}, "a!?b"),
            (Words{"a", "!?", "b"}));
  EXPECT_EQ(PreTokenize({{"type", "Whitespace"}}, "Hey man!! caf\xC3\xA9_1\tx"),
            (Words{"Hey", "man", "!!", "caf\xC3\xA9_1", "x"}));
  EXPECT_EQ(PreTokenize({{"type", "WhitespaceSplit"}},
                        " a  b\t\xE3\x80\x80"
                        "c "),
            (Words{"a", "b", "c"}));
  EXPECT_EQ(PreTokenize({{"type", "BertPreTokenizer"}}, "Hi, there"), (Words{"Hi", ",", "there"}));
  EXPECT_EQ(PreTokenize({{"type", "CharDelimiterSplit"}, {"delimiter", "|"}}, "a|b||c"),
            (Words{"a", "b", "c"}));
}

TEST(TokenizerPreTokenizer, SplitBehaviours) {
  const auto split = [](std::string behavior, bool invert = false) {
    return Json{
        {"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", invert}};
  };
  EXPECT_EQ(PreTokenize(split("Isolated"), "a-b--c"), (Words{"a", "-", "b", "-", "-", "c"}));
  EXPECT_EQ(PreTokenize(split("Removed"), "a-b--c"), (Words{"a", "b", "c"}));
  EXPECT_EQ(PreTokenize(split("MergedWithPrevious"), "a-b--c"), (Words{"a-", "b-", "-", "c"}));
  EXPECT_EQ(PreTokenize(split("MergedWithNext"), "a-b--c"), (Words{"a", "-b", "-", "-c"}));
  EXPECT_EQ(PreTokenize(split("Contiguous"), "a-b--c"), (Words{"a", "-", "b", "--", "c"}));
  EXPECT_EQ(PreTokenize(split("Removed", true), "a-b--c"), (Words{"-", "-", "-"}));  // each match kept
}

TEST(TokenizerPreTokenizer, ByteLevelMustBeLast) {
  const Json json = {{"type", "Sequence"},
                     {"pretokenizers", Json::array({{{"type", "ByteLevel"}}, {{"type", "Digits"}}})}};
  const Words words = PreTokenize(json, "x");
  ASSERT_EQ(words.size(), 1u);
  EXPECT_NE(words[0].find("pre_tokenizer.pretokenizers[1]"), std::string::npos) << words[0];
}

}  // namespace
}  // namespace autotuner::tokenizer
