#include "autotuner/tokenizer/loader.h"

#include <gtest/gtest.h>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/byte_level.h"
#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using Ids = std::vector<TokenId>;

// A small tokenizer.json: the 256 bytes (id = byte), "ab" and "Ġab" by merges (one in each merge format),
// a Llama-3-like Split + ByteLevel pre-tokenizer, a BOS template and two added tokens.
Json SmallTokenizerJson() {
  Json vocab = Json::object();
  for (int b = 0; b < 256; ++b) vocab[BytesToByteLevel(std::string(1, static_cast<char>(b)))] = b;
  vocab["ab"] = 256;
  vocab[BytesToByteLevel(" ab")] = 257;
  vocab["<s>"] = 258;
  return Json{{"version", "1.0"},
              {"added_tokens",
               Json::array({{{"id", 258}, {"content", "<s>"}, {"special", true}},
                            {{"id", 300}, {"content", "<tool>"}, {"special", false}, {"lstrip", false}}})},
              {"normalizer", nullptr},
              {"pre_tokenizer",
               {{"type", "Sequence"},
                {"pretokenizers",
                 Json::array({{{"type", "Split"},
                               {"pattern", {{"Regex", R"( ?\p{L}+|\s+(?!\S)|\s+|[^\s\p{L}]+)"}}},
                               {"behavior", "Isolated"},
                               {"invert", false}},
                              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}}},
              {"post_processor",
               {{"type", "Sequence"},
                {"processors",
                 Json::array({{{"type", "ByteLevel"}},
                              {{"type", "TemplateProcessing"},
                               {"single", Json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                                       {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                               {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {258}}}}}}}})}}},
              {"decoder", {{"type", "ByteLevel"}}},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"ignore_merges", false},
                {"vocab", vocab},
                {"merges", Json::array({"a b", Json::array({BytesToByteLevel(" "), "ab"})})}}}};
}

Result<TokenizerDefinition> Parse(const Json& json) {
  return ParseHfTokenizerJson(DumpJson(json), "small.json");
}

TEST(TokenizerLoader, ReadsEveryPartOfATokenizerJson) {
  auto definition = Parse(SmallTokenizerJson());
  ASSERT_TRUE(definition.ok()) << definition.error().message;
  ASSERT_EQ(definition->pre_tokenizers.size(), 2u);
  EXPECT_EQ(definition->pre_tokenizers[0].kind, PreTokenizerStep::Kind::kSplit);
  EXPECT_FALSE(definition->pre_tokenizers[1].use_regex);
  EXPECT_TRUE(definition->model.byte_level);
  EXPECT_EQ(definition->template_prefix, (Ids{258}));
  EXPECT_TRUE(definition->template_suffix.empty());
  ASSERT_EQ(definition->added_tokens.size(), 2u);
  EXPECT_TRUE(definition->added_tokens[0].special);
  const Tokenizer t = test_support::Build(std::move(definition).value());
  EXPECT_EQ(t.Encode("ab ab<tool>", true), (Ids{258, 256, 257, 300}));
  EXPECT_EQ(t.Encode("ab  ab"), (Ids{256, ' ', 257}));
  EXPECT_EQ(*t.Decode(Ids{258, 256, 257}), "<s>ab ab");
}

TEST(TokenizerLoader, NamesWhatItDoesNotSupport) {
  Json json = SmallTokenizerJson();
  json["normalizer"] = {{"type", "Sequence"}, {"normalizers", Json::array({{{"type", "Precompiled"}}})}};
  auto result = Parse(json);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(result.error().message.find("normalizer.normalizers[0]: normalizer Precompiled"),
            std::string::npos)
      << result.error().message;
  EXPECT_NE(result.error().message.find("small.json"), std::string::npos);

  json = SmallTokenizerJson();
  json["pre_tokenizer"] = {{"type", "UnicodeScripts"}};
  result = Parse(json);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("UnicodeScripts"), std::string::npos);

  json = SmallTokenizerJson();
  json["pre_tokenizer"]["pretokenizers"].push_back({{"type", "Digits"}});
  result = Parse(json);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("after the ByteLevel pre-tokenizer"), std::string::npos);

  json = SmallTokenizerJson();
  json["model"]["type"] = "WordPiece";
  EXPECT_EQ(Parse(json).error().code, ErrorCode::kUnsupported);

  json = SmallTokenizerJson();
  json["decoder"] = {{"type", "WordPiece"}};
  EXPECT_EQ(Parse(json).error().code, ErrorCode::kUnsupported);

  json = SmallTokenizerJson();
  json["post_processor"] = {{"type", "Whisper"}};
  EXPECT_EQ(Parse(json).error().code, ErrorCode::kUnsupported);
}

TEST(TokenizerLoader, BadInputIsAnErrorWithItsPath) {
  EXPECT_EQ(ParseHfTokenizerJson("{\"model\": ", "x.json").error().code, ErrorCode::kParse);

  Json json = SmallTokenizerJson();
  json["model"]["merges"] = Json::array({"a b c"});
  auto result = Parse(json);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("model.merges[0]"), std::string::npos);

  json = SmallTokenizerJson();
  json["model"]["vocab"]["ab"] = -3;
  EXPECT_EQ(Parse(json).error().code, ErrorCode::kInvalidArgument);

  json = SmallTokenizerJson();
  json["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Sideways";
  EXPECT_NE(Parse(json).error().message.find("Sideways"), std::string::npos);
}

TEST(TokenizerLoader, ReadsGpt2EncoderAndMerges) {
  Json encoder = Json::object();
  for (int b = 0; b < 256; ++b) encoder[BytesToByteLevel(std::string(1, static_cast<char>(b)))] = b;
  encoder[BytesToByteLevel(" t")] = 256;
  encoder[BytesToByteLevel(" th")] = 257;
  encoder["<|endoftext|>"] = 258;
  const std::string merges =
      "#version: 0.2\n" + BytesToByteLevel(" ") + " t\n" + BytesToByteLevel(" t") + " h\n";
  auto definition = ParseGpt2Files(DumpJson(encoder), merges, "gpt2dir");
  ASSERT_TRUE(definition.ok()) << definition.error().message;
  ASSERT_EQ(definition->pre_tokenizers.size(), 1u);
  EXPECT_TRUE(definition->pre_tokenizers[0].use_regex);
  const Tokenizer t = test_support::Build(std::move(definition).value());
  EXPECT_EQ(t.Encode("a the"), (Ids{'a', 257, 'e'}));
  EXPECT_EQ(t.Encode("<|endoftext|>", true), (Ids{258}));

  auto bad = ParseGpt2Files(DumpJson(encoder), "#version: 0.2\nonlyone\n", "gpt2dir");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("vocab.bpe:2"), std::string::npos);
}

}  // namespace
}  // namespace autotuner::tokenizer
