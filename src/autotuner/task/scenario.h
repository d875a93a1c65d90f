#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "autotuner/core/result.h"

namespace autotuner::task {

// Traffic scenario grammar of SPEC §2 (genai-bench's).
enum class ScenarioKind {
  kDeterministic,  // D(in,out)
  kNormal,         // N(mi,si)/(mo,so)
  kUniform,        // U(min_in,max_in)/(min_out,max_out) or U(max_in,max_out)
  kEmbedding,      // E(tokens)
  kRerank,         // R(doc,query)
  kImage,          // I(w,h[,n])
  kAudio,          // A(chars)
};

// A token-count distribution of a text scenario. Sample in [min, max]; `mean`/`stddev` for normal.
struct TokenDistribution {
  enum class Shape { kFixed, kNormal, kUniform };
  Shape shape = Shape::kFixed;
  int64_t mean = 0;
  int64_t stddev = 0;
  int64_t min = 0;
  int64_t max = 0;
  bool operator==(const TokenDistribution&) const = default;
};

struct Scenario {
  ScenarioKind kind = ScenarioKind::kDeterministic;
  TokenDistribution input;                        // text scenarios; E: input tokens
  TokenDistribution output;                       // text scenarios
  int64_t doc_tokens = 0, query_tokens = 0;       // R
  int64_t width = 0, height = 0, num_images = 0;  // I
  int64_t audio_chars = 0;                        // A

  bool IsText() const;
  // The canonical spelling, e.g. "N(480,240)/(300,150)"; parsing it gives back the same scenario.
  std::string ToString() const;
  bool operator==(const Scenario&) const = default;
};

// Parses one scenario string; kValidation with a message saying what is wrong and the accepted forms.
Result<Scenario> ParseScenario(std::string_view text);

std::string_view ScenarioKindName(ScenarioKind kind);

}  // namespace autotuner::task
