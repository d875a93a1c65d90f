#include "autotuner/bench/traffic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "autotuner/tokenizer/registry.h"

namespace autotuner::bench {
namespace {

task::Scenario Parse(std::string_view text) {
  auto scenario = task::ParseScenario(text);
  EXPECT_TRUE(scenario.ok()) << text;
  return scenario.ok() ? *scenario : task::Scenario{};
}

std::shared_ptr<const tokenizer::Tokenizer> Gpt2() {
  static auto loaded = tokenizer::LoadTokenizer("gpt2");
  if (!loaded.ok()) throw std::runtime_error(loaded.error().message);
  return *loaded;
}

TEST(BenchTraffic, SamplingFollowsEachDistribution) {
  std::mt19937_64 rng(7);
  const task::Scenario fixed = Parse("D(100,20)");
  EXPECT_EQ(SampleTokens(fixed.input, rng), 100);
  EXPECT_EQ(SampleTokens(fixed.output, rng), 20);

  const task::Scenario uniform = Parse("U(10,20)/(1,3)");
  std::map<int64_t, int> seen;
  double sum = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const int64_t v = SampleTokens(uniform.input, rng);
    ASSERT_GE(v, 10);
    ASSERT_LE(v, 20);
    ++seen[v];
    sum += static_cast<double>(v);
  }
  EXPECT_EQ(seen.size(), 11u);  // every integer of [10, 20] is drawn
  EXPECT_NEAR(sum / n, 15.0, 0.1);

  const task::Scenario normal = Parse("N(480,240)/(300,150)");
  double s = 0, s2 = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t v = SampleTokens(normal.output, rng);
    ASSERT_GE(v, 1);
    ASSERT_LE(v, 300 + 3 * 150);
    s += static_cast<double>(v);
    s2 += static_cast<double>(v) * static_cast<double>(v);
  }
  const double mean = s / n;
  // Clamping at 1 and mean+3σ moves the mean and σ only slightly.
  EXPECT_NEAR(mean, 300, 6);
  EXPECT_NEAR(std::sqrt(s2 / n - mean * mean), 150, 6);
}

TEST(BenchTraffic, PromptsHaveTheExactSampledLengthAndAreReproducible) {
  auto tokenizer = Gpt2();
  auto synthesizer = tokenizer::PromptSynthesizer::Create(tokenizer);
  ASSERT_TRUE(synthesizer.ok());
  const task::Scenario scenario = Parse("U(5,300)/(1,50)");
  auto plans = SynthesizePlans(scenario, *synthesizer, 40, 42);
  ASSERT_TRUE(plans.ok()) << plans.error().message;
  ASSERT_EQ(plans->size(), 40u);
  for (const RequestPlan& plan : *plans) {
    EXPECT_EQ(static_cast<int64_t>(tokenizer->Encode(plan.prompt, false).size()), plan.input_tokens);
    EXPECT_GE(plan.max_tokens, 1);
    EXPECT_LE(plan.max_tokens, 50);
  }
  auto again = SynthesizePlans(scenario, *synthesizer, 40, 42);
  auto other = SynthesizePlans(scenario, *synthesizer, 40, 43);
  ASSERT_TRUE(again.ok() && other.ok());
  EXPECT_EQ((*plans)[7].prompt, (*again)[7].prompt);
  EXPECT_NE((*plans)[7].prompt, (*other)[7].prompt);

  auto embed = SynthesizePlans(Parse("E(64)"), *synthesizer, 2, 1);
  ASSERT_TRUE(embed.ok());
  EXPECT_EQ((*embed)[0].max_tokens, 0);
  EXPECT_EQ((*embed)[0].input_tokens, 64);
  EXPECT_EQ(SynthesizePlans(Parse("I(512,512)"), *synthesizer, 1, 1).error().code, ErrorCode::kUnsupported);
}

class BenchDataset : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::path(::testing::TempDir()) / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
};

TEST_F(BenchDataset, ReadsJsonlAndCsvPromptColumns) {
  auto jsonl =
      LoadDatasetPrompts(Write("d.jsonl", "{\"prompt\":\"a b\",\"x\":1}\n\n{\"prompt\":\"c\"}\n"), "prompt");
  ASSERT_TRUE(jsonl.ok()) << jsonl.error().message;
  EXPECT_EQ(*jsonl, (std::vector<std::string>{"a b", "c"}));
  auto csv = LoadDatasetPrompts(
      Write("d.csv", "id,text\r\n1,\"hello, \"\"world\"\"\nline two\"\r\n2,plain\r\n3,\r\n"), "text");
  ASSERT_TRUE(csv.ok()) << csv.error().message;
  EXPECT_EQ(*csv, (std::vector<std::string>{"hello, \"world\"\nline two", "plain"}));
  EXPECT_EQ(LoadDatasetPrompts(Write("e.csv", "a,b\n1,2\n"), "text").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(LoadDatasetPrompts(Write("e.jsonl", "{\"q\":\"x\"}\n"), "prompt").error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(LoadDatasetPrompts("/nonexistent/x.jsonl", "prompt").ok());
}

TEST_F(BenchDataset, PlansCountInputTokensWithTheTokenizer) {
  const std::vector<std::string> prompts{"Hello world", "The quick brown fox"};
  const auto plans = DatasetPlans(prompts, *Gpt2(), Parse("D(1,7)"), 5, 3);
  ASSERT_EQ(plans.size(), 5u);
  for (const RequestPlan& plan : plans) {
    EXPECT_EQ(plan.input_tokens, plan.prompt == "Hello world" ? 2 : 4);
    EXPECT_EQ(plan.max_tokens, 7);
  }
}

}  // namespace
}  // namespace autotuner::bench
