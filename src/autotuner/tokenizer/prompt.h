#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::tokenizer {

// Prompts of an exact token count for the load generator: English-like sentences of common words, the same
// text for the same seed. Each prompt is re-encoded to check its length, so the count is exact whatever the
// tokenizer (a tokenizer that merges across words is corrected piece by piece). Thread-safe.
class PromptSynthesizer {
 public:
  // Measures the word list once with `tokenizer`. Prompts are counted as Encode(text, options) counts them,
  // so with add_special_tokens a BOS the template adds is one of the N tokens.
  static Result<PromptSynthesizer> Create(std::shared_ptr<const Tokenizer> tokenizer,
                                          EncodeOptions options = {});

  // Text whose encoding has exactly num_tokens tokens. kInvalidArgument when num_tokens is smaller than what
  // the template alone adds.
  Result<std::string> Generate(size_t num_tokens, uint64_t seed) const;

 private:
  struct Word {
    std::string lower;      // " word"
    std::string capital;    // " Word", after a full stop
    std::string first;      // "Word", at the start
    size_t lower_cost = 0;  // tokens of each spelling on its own
    size_t capital_cost = 0;
    size_t first_cost = 0;
  };

  PromptSynthesizer(std::shared_ptr<const Tokenizer> tokenizer, EncodeOptions options)
      : tokenizer_(std::move(tokenizer)), options_(options) {}
  size_t Count(const std::string& text) const { return tokenizer_->Encode(text, options_).size(); }

  std::shared_ptr<const Tokenizer> tokenizer_;
  EncodeOptions options_;
  std::vector<Word> words_;
  std::vector<std::string> fillers_;  // one-token pieces for corrections
  size_t template_cost_ = 0;          // tokens of the empty text (BOS and the like)
  size_t stop_cost_ = 0;              // "."
  size_t comma_cost_ = 0;             // ","
};

}  // namespace autotuner::tokenizer
