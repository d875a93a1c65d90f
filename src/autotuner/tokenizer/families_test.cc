// The shipped tokenizers of each model family as engines use them: what they add around a prompt, exact
// prompt lengths, decoding. Token ids themselves are compared with the reference implementations in
// reference_test.cc. Each file is loaded once per test process (test_support::Named).

#include <gtest/gtest.h>

#include "autotuner/tokenizer/prompt.h"
#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using test_support::Named;

struct Family {
  std::string name;
  bool adds_bos;
};
const Family kFamilies[] = {{"qwen2_5", false}, {"qwen3", false},      {"llama2", true},
                            {"gemma3", true},   {"deepseek_v3", true}, {"gptoss", false}};

TEST(TokenizerFamilies, BosAsEnginesAddIt) {
  for (const Family& family : kFamilies) {
    const auto tokenizer = Named(family.name);
    EXPECT_EQ(tokenizer->AddsBos(), family.adds_bos) << family.name;
    const auto ids = tokenizer->Encode("Hello", true);
    ASSERT_FALSE(ids.empty()) << family.name;
    if (family.adds_bos) {
      ASSERT_TRUE(tokenizer->BosId()) << family.name;
      EXPECT_EQ(ids.front(), *tokenizer->BosId()) << family.name;
    }
    EXPECT_EQ(ids.size(), tokenizer->Encode("Hello").size() + (family.adds_bos ? 1 : 0)) << family.name;
  }
}

TEST(TokenizerFamilies, PromptsHaveExactLengths) {
  for (const Family& family : kFamilies) {
    auto synthesizer = PromptSynthesizer::Create(Named(family.name), {true, true});
    ASSERT_TRUE(synthesizer.ok()) << family.name << ": " << synthesizer.error().message;
    for (const size_t n : {1, 2, 3, 17, 128, 1000}) {
      const auto prompt = synthesizer->Generate(n, n * 7 + 1);
      ASSERT_TRUE(prompt.ok()) << family.name << " " << n << ": " << prompt.error().message;
      EXPECT_EQ(Named(family.name)->Encode(*prompt, true).size(), n) << family.name << " " << n;
    }
  }
}

TEST(TokenizerFamilies, DecodeGivesTheTextBack) {
  const std::string text = "Hello, world! \xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80 x = f(1, 2)\n\tdone";
  for (const Family& family : kFamilies) {
    const auto tokenizer = Named(family.name);
    const auto decoded = tokenizer->Decode(tokenizer->Encode(text));
    ASSERT_TRUE(decoded.ok()) << family.name;
    EXPECT_EQ(*decoded, text) << family.name;
  }
  // Gemma: whitespace runs are added tokens, "\n\n" included.
  const auto gemma = Named("gemma3");
  EXPECT_EQ(gemma->Encode("\n\n").size(), 1u);
  EXPECT_EQ(*gemma->Decode(gemma->Encode("a\n\n\n  b")), "a\n\n\n  b");
}

}  // namespace
}  // namespace autotuner::tokenizer
