// SentencePiece-style BPE (Llama-2, Gemma): characters with byte fallback and unk, normalizers, added-token
// options, tokenizer_config.json, and the loader's bounds.

#include <gtest/gtest.h>

#include <algorithm>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/loader.h"
#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using Ids = std::vector<TokenId>;

constexpr TokenId kMeta = 259, kA = 260, kB = 261, kC = 262, kMetaA = 267, kMetaAb = 269, kE = 266;
TokenId Byte(int b) { return 3 + b; }

Result<TokenizerDefinition> Parse(const Json& json) {
  return ParseHfTokenizerJson(DumpJson(json), "sp.json");
}

Tokenizer Load(const Json& json) {
  auto definition = Parse(json);
  if (!definition.ok()) throw std::runtime_error(definition.error().message);
  return test_support::Build(std::move(definition).value());
}

TEST(TokenizerSentencePiece, CharactersMergeAndFallBackToBytes) {
  const Tokenizer t = Load(test_support::SentencePieceJson());
  EXPECT_EQ(t.Encode("ab"), (Ids{kMetaAb}));
  EXPECT_EQ(t.Encode("a c"), (Ids{kMetaA, kMeta, kC}));
  EXPECT_EQ(t.Encode(" \xC3\xA9"), (Ids{kMeta, kMeta, kE}));  // é is a token
  // € is not: its three UTF-8 bytes.
  EXPECT_EQ(t.Encode("b\xE2\x82\xAC"), (Ids{kMeta, kB, Byte(0xE2), Byte(0x82), Byte(0xAC)}));
  EXPECT_EQ(*t.Decode(t.Encode("ab \xE2\x82\xAC c")), "ab \xE2\x82\xAC c");
  // The template's <s>; a special token splits the text and each part gets its own ▁.
  EXPECT_EQ(t.Encode("ab", true), (Ids{1, kMetaAb}));
  EXPECT_EQ(t.Encode("<s>ab</s>", true), (Ids{1, 1, kMetaAb, 2}));
  EXPECT_EQ(t.Encode(""), Ids{});
  EXPECT_TRUE(t.AddsBos());
  EXPECT_EQ(t.IdToToken(kMetaA),
            "\xE2\x96\x81"
            "a");
  EXPECT_EQ(t.TokenToId("<0x0A>"), Byte(0x0A));
}

TEST(TokenizerSentencePiece, LongTextsAreCutOnlyWhereNoMergeCrosses) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "ab ";
  // No token holds a '▁' after another character: a long line is merged word by word, with the same ids.
  EXPECT_EQ(Load(test_support::SentencePieceJson()).Encode(text), [] {
    Ids ids(50, kMetaAb);
    ids.push_back(kMeta);
    return ids;
  }());
  // "b▁" is a token (merged first): the line must be merged whole.
  Json json = test_support::SentencePieceJson();
  json["model"]["vocab"]["b\xE2\x96\x81"] = 270;
  json["model"]["merges"].insert(json["model"]["merges"].begin(), Json::array({"b", "\xE2\x96\x81"}));
  const Ids ids = Load(json).Encode(text);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 270), 50) << DumpJson(Json(ids));
}

TEST(TokenizerSentencePiece, UnknownCharactersWithoutByteFallback) {
  Json json = test_support::SentencePieceJson();
  json["model"]["byte_fallback"] = false;
  EXPECT_EQ(Load(json).Encode("ab\xE2\x82\xAC\xE2\x82\xAC"), (Ids{kMetaAb, 0}));  // fused into one <unk>
  json["model"]["fuse_unk"] = false;
  EXPECT_EQ(Load(json).Encode("ab\xE2\x82\xAC\xE2\x82\xAC"), (Ids{kMetaAb, 0, 0}));
  json["model"]["unk_token"] = "<nope>";
  auto definition = Parse(json);
  ASSERT_TRUE(definition.ok());
  EXPECT_NE(Tokenizer::Create(std::move(definition).value(), "x").error().message.find("<nope>"),
            std::string::npos);
}

TEST(TokenizerSentencePiece, AddedTokenOptions) {
  Json json = test_support::SentencePieceJson();
  // Normalized: matched in the normalized text as its normalized content ("▁b▁c").
  json["added_tokens"].push_back({{"id", 270}, {"content", "b c"}, {"normalized", true}});
  // single_word: not inside a word.
  json["added_tokens"].push_back({{"id", 271}, {"content", "Hey"}, {"single_word", true}});
  // rstrip: white space after it goes.
  json["added_tokens"].push_back({{"id", 272}, {"content", "<x>"}, {"rstrip", true}});
  const Tokenizer t = Load(json);
  EXPECT_EQ(t.Encode("a b c"), (Ids{kMetaA, 270}));
  EXPECT_EQ(t.Encode("Hey"), (Ids{271}));
  EXPECT_NE(t.Encode("aHey"), (Ids{kMetaA, 271}));
  EXPECT_EQ(t.Encode("<x>   ab"), (Ids{272, kMetaAb}));
}

TEST(TokenizerSentencePiece, TokenizerConfigDecidesTheTemplateOfLlamaClasses) {
  const auto with_config = [](const Json& config) {
    auto definition = ParseHfTokenizerJson(DumpJson(test_support::SentencePieceJson()), "sp.json");
    if (!definition.ok()) throw std::runtime_error(definition.error().message);
    if (Status s = ApplyTokenizerConfig(DumpJson(config), "tokenizer_config.json", *definition); !s.ok()) {
      throw std::runtime_error(s.error().message);
    }
    return test_support::Build(std::move(definition).value());
  };
  const Tokenizer llama = with_config({{"tokenizer_class", "LlamaTokenizerFast"},
                                       {"add_bos_token", false},
                                       {"add_eos_token", true},
                                       {"bos_token", {{"__type", "AddedToken"}, {"content", "<s>"}}},
                                       {"eos_token", "</s>"}});
  EXPECT_EQ(llama.Encode("ab", true), (Ids{kMetaAb, 2}));
  EXPECT_FALSE(llama.AddsBos());
  EXPECT_EQ(llama.BosId(), 1);
  EXPECT_EQ(llama.EosId(), 2);
  // Other classes keep tokenizer.json's template.
  const Tokenizer other =
      with_config({{"tokenizer_class", "PreTrainedTokenizerFast"}, {"add_bos_token", false}});
  EXPECT_EQ(other.Encode("ab", true), (Ids{1, kMetaAb}));

  auto definition = ParseHfTokenizerJson(DumpJson(test_support::SentencePieceJson()), "sp.json");
  ASSERT_TRUE(definition.ok());
  const Status missing = ApplyTokenizerConfig(
      R"({"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>"})", "cfg.json", *definition);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("cfg.json: bos_token: '<bos>' is not a token"), std::string::npos)
      << missing.error().message;
}

TEST(TokenizerSentencePiece, HostileIdsAndSizesAreRefusedBeforeAllocating) {
  Json json = test_support::SentencePieceJson();
  json["model"]["vocab"]["huge"] = 60000000;
  auto result = Parse(json);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("sp.json: model.vocab: token id 60000000 is out of range"),
            std::string::npos)
      << result.error().message;

  json = test_support::SentencePieceJson();
  json["added_tokens"].push_back({{"id", 3000000}, {"content", "<far>"}});
  auto sparse = Parse(json);
  ASSERT_TRUE(sparse.ok());  // within the id bound, but far beyond the ~270 tokens
  const auto created = Tokenizer::Create(std::move(sparse).value(), "x");
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message.find("out of range"), std::string::npos);

  json = test_support::SentencePieceJson();
  json["added_tokens"].push_back({{"id", 280}, {"content", std::string(70000, 'x')}});
  EXPECT_NE(Parse(json).error().message.find("longer than 64 KiB"), std::string::npos);
}

}  // namespace
}  // namespace autotuner::tokenizer
