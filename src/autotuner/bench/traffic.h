#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/task/scenario.h"
#include "autotuner/tokenizer/prompt.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::bench {

// One request to send: the prompt, its exact token count, and the output length to force.
struct RequestPlan {
  std::string prompt;
  int64_t input_tokens = 0;
  int64_t max_tokens = 0;  // 0 for embeddings
};

// A token count drawn from a scenario distribution: fixed; normal rounded to the nearest integer; uniform
// over the integers of [min, max]. Always within [min, max] (and at least 1).
int64_t SampleTokens(const task::TokenDistribution& distribution, std::mt19937_64& rng);

// `count` plans for a text or embedding scenario, prompts synthesised to the exact sampled input length.
// The same seed gives the same plans.
Result<std::vector<RequestPlan>> SynthesizePlans(const task::Scenario& scenario,
                                                 const tokenizer::PromptSynthesizer& synthesizer,
                                                 size_t count, uint64_t seed);

// Prompts of a dataset file: JSONL (one object per line) or CSV with a header row (RFC 4180 quoting), the
// column named `prompt_column`. Empty prompts are skipped; a missing column is kInvalidArgument.
Result<std::vector<std::string>> LoadDatasetPrompts(const std::filesystem::path& path,
                                                    const std::string& prompt_column);

// `count` plans cycling over dataset prompts (shuffled with the seed), input lengths counted with the
// tokenizer, output lengths sampled from the scenario.
std::vector<RequestPlan> DatasetPlans(const std::vector<std::string>& prompts,
                                      const tokenizer::Tokenizer& tokenizer, const task::Scenario& scenario,
                                      size_t count, uint64_t seed);

}  // namespace autotuner::bench
