#include "autotuner/tokenizer/prompt.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using test_support::Named;

// Every length 1..1024, then every 61st up to 8192, and 8192 itself. All lengths re-encode ~34M tokens per
// tokenizer (minutes under the sanitizers), so the exhaustive sweep runs only when
// AUTOTUNER_EXHAUSTIVE_LENGTHS is set: CTest's tokenizer_prompt_lengths_* integration tests do that.
std::vector<size_t> Lengths() {
  std::vector<size_t> lengths;
  const bool exhaustive = std::getenv("AUTOTUNER_EXHAUSTIVE_LENGTHS") != nullptr;
  for (size_t n = 1; n <= (exhaustive ? 8192 : 1024); ++n) lengths.push_back(n);
  if (exhaustive) return lengths;
  for (size_t n = 1025; n < 8192; n += 61) lengths.push_back(n);
  lengths.push_back(8192);
  return lengths;
}

void ExpectExactLengths(const std::string& name, EncodeOptions options) {
  const auto tokenizer = Named(name);
  auto synthesizer = PromptSynthesizer::Create(tokenizer, options);
  ASSERT_TRUE(synthesizer.ok()) << synthesizer.error().message;
  for (const size_t n : Lengths()) {
    const auto prompt = synthesizer->Generate(n, /*seed=*/n * 7919);
    ASSERT_TRUE(prompt.ok()) << name << " n=" << n << ": " << prompt.error().message;
    ASSERT_EQ(tokenizer->Encode(*prompt, options).size(), n) << name << " n=" << n << ": " << *prompt;
  }
}

TEST(TokenizerPrompt, ExactLengthsGpt2) { ExpectExactLengths("gpt2", {}); }
TEST(TokenizerPrompt, ExactLengthsLlama3) { ExpectExactLengths("llama3", {}); }
TEST(TokenizerPrompt, ExactLengthsLlama31CountingBos) { ExpectExactLengths("llama3.1", {true, true}); }

TEST(TokenizerPrompt, SameSeedSameTextOtherSeedOtherText) {
  auto synthesizer = PromptSynthesizer::Create(Named("gpt2"));
  ASSERT_TRUE(synthesizer.ok());
  const std::string a = *synthesizer->Generate(300, 1);
  EXPECT_EQ(*synthesizer->Generate(300, 1), a);
  EXPECT_NE(*synthesizer->Generate(300, 2), a);
}

TEST(TokenizerPrompt, ReadsLikeEnglishSentences) {
  auto synthesizer = PromptSynthesizer::Create(Named("llama3"));
  ASSERT_TRUE(synthesizer.ok());
  const std::string text = *synthesizer->Generate(500, 42);
  ASSERT_FALSE(text.empty());
  EXPECT_TRUE(std::isupper(static_cast<unsigned char>(text[0])));
  EXPECT_NE(text.find(". "), std::string::npos);
  for (const char c : text) {
    EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(c)) || c == ' ' || c == '.' || c == ',') << text;
  }
  size_t words = 0;
  for (size_t i = 0; i < text.size(); ++i) words += text[i] == ' ';
  EXPECT_GT(words, 250u);  // mostly one-token words
}

TEST(TokenizerPrompt, TooShortForTheTemplateIsAnError) {
  auto synthesizer = PromptSynthesizer::Create(Named("llama3.1"), {true, true});
  ASSERT_TRUE(synthesizer.ok());
  EXPECT_EQ(synthesizer->Generate(0, 1).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(*synthesizer->Generate(1, 1), "");
  auto plain = PromptSynthesizer::Create(Named("llama3.1"));
  EXPECT_EQ(*plain->Generate(0, 1), "");
}

TEST(TokenizerPrompt, CorrectsTokenizersThatMergeAcrossWords) {
  // No pre-tokenizer split, and "e " merges first: the tokens of " the the" are not twice those of " the".
  TokenizerDefinition d = test_support::ByteDefinition();
  test_support::AddMerge(d, "e", " ");
  test_support::AddMerge(d, " ", "t");
  test_support::AddMerge(d, " t", "h");
  test_support::AddMerge(d, " th", "e");
  const auto tokenizer = std::make_shared<const Tokenizer>(test_support::Build(std::move(d)));
  ASSERT_EQ(tokenizer->Encode(" the").size(), 1u);
  ASSERT_NE(tokenizer->Encode(" the the").size(), 2u);
  auto synthesizer = PromptSynthesizer::Create(tokenizer);
  ASSERT_TRUE(synthesizer.ok()) << synthesizer.error().message;
  for (size_t n = 1; n <= 200; ++n) {
    const auto prompt = synthesizer->Generate(n, n);
    ASSERT_TRUE(prompt.ok()) << n << ": " << prompt.error().message;
    ASSERT_EQ(tokenizer->Encode(*prompt).size(), n) << *prompt;
  }
}

TEST(TokenizerPrompt, NeedsAOneTokenWord) {
  const auto bytes_only =
      std::make_shared<const Tokenizer>(test_support::Build(test_support::ByteDefinition()));
  EXPECT_EQ(PromptSynthesizer::Create(bytes_only).error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace autotuner::tokenizer
