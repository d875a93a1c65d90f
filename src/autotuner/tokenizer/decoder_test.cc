#include "autotuner/tokenizer/decoder.h"

#include <gtest/gtest.h>

namespace autotuner::tokenizer {
namespace {

using Kind = DecoderStep::Kind;
using Tokens = std::vector<std::string>;

DecoderStep Step(Kind kind) {
  DecoderStep step;
  step.kind = kind;
  return step;
}

std::string Decode(std::vector<DecoderStep> steps, Tokens tokens, bool byte_level_model = false) {
  auto decoder = Decoder::Create(std::move(steps), byte_level_model);
  if (!decoder.ok()) return "error: " + decoder.error().message;
  return decoder->Decode(std::move(tokens));
}

// Llama-2's decoder: Replace ▁ → ' ', ByteFallback, Fuse, Strip one leading ' '.
std::vector<DecoderStep> Llama2() {
  DecoderStep replace = Step(Kind::kReplace);
  replace.pattern = "\xE2\x96\x81";
  replace.content = " ";
  DecoderStep strip = Step(Kind::kStrip);
  strip.content = " ";
  strip.start = 1;
  return {replace, Step(Kind::kByteFallback), Step(Kind::kFuse), strip};
}

TEST(TokenizerDecoder, SentencePieceChain) {
  EXPECT_EQ(Decode(Llama2(), {"\xE2\x96\x81Hello", "\xE2\x96\x81wor", "ld", "<0xE2>", "<0x82>", "<0xAC>"}),
            "Hello world\xE2\x82\xAC");
  EXPECT_EQ(Decode(Llama2(), {"\xE2\x96\x81\xE2\x96\x81x"}), " x");  // only one leading space is stripped
  // Bytes that are not UTF-8: one U+FFFD per byte, as Hugging Face's ByteFallback.
  EXPECT_EQ(Decode(Llama2(), {"a", "<0xE2>", "<0x82>", "b"}),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(Decode(Llama2(), {"<0x4G>"}), "<0x4G>");  // not a byte token
}

TEST(TokenizerDecoder, MetaspaceAndStrip) {
  DecoderStep metaspace = Step(Kind::kMetaspace);
  EXPECT_EQ(Decode({metaspace}, {"\xE2\x96\x81Hey", "\xE2\x96\x81you"}), "Hey you");
  metaspace.prepend_scheme = PrependScheme::kNever;
  EXPECT_EQ(Decode({metaspace}, {"\xE2\x96\x81Hey", "\xE2\x96\x81you"}), " Hey you");
  DecoderStep strip = Step(Kind::kStrip);
  strip.content = "x";
  strip.start = 2;
  strip.stop = 1;
  EXPECT_EQ(Decode({strip}, {"xxxaxx"}), "xax");
}

TEST(TokenizerDecoder, ByteLevel) {
  // Raw bytes of a byte-level vocabulary are joined before UTF-8 decoding.
  EXPECT_EQ(Decode({Step(Kind::kByteLevel)}, {"\xE2\x82", "\xAC!"}, true), "\xE2\x82\xAC!");
  EXPECT_EQ(Decode({Step(Kind::kByteLevel)}, {"\xE2\x82", "!"}, true), "\xEF\xBF\xBD!");
  // Byte-level spellings otherwise (\xC4\xA0 is 'Ġ', a space).
  EXPECT_EQ(Decode({Step(Kind::kByteLevel)}, {"\xC4\xA0hi", "\xEF\xBD\x9C"}), " hi\xEF\xBD\x9C");
}

TEST(TokenizerDecoder, WithoutStepsTokensAreJoinedWithSpaces) {
  EXPECT_EQ(Decode({}, {"a", "b"}), "a b");
  DecoderStep regex = Step(Kind::kReplace);
  regex.pattern = "[0-9]";
  regex.regex = true;
  regex.content = "_";
  EXPECT_EQ(Decode({regex, Step(Kind::kFuse)}, {"a1", "2b"}), "a__b");
}

}  // namespace
}  // namespace autotuner::tokenizer
