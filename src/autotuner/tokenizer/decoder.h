#pragma once

#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/pattern.h"
#include "autotuner/tokenizer/pre_tokenizer.h"

namespace autotuner::tokenizer {

// One step of a Hugging Face decoder (a Sequence is the list of its steps). Each maps the list of token
// texts to a new list; the results are joined at the end.
struct DecoderStep {
  enum class Kind {
    kByteLevel,     // byte-level spellings → the bytes they stand for, as one text
    kMetaspace,     // replacement → ' ', and the first token's leading ' ' dropped unless prepend is never
    kByteFallback,  // runs of <0xXX> tokens → the text of their bytes (U+FFFD per byte when not UTF-8)
    kFuse,          // all tokens → one
    kStrip,         // up to `start` leading and `stop` trailing `content` characters off each token
    kReplace,       // pattern → content in each token
  };
  Kind kind = Kind::kByteLevel;
  std::string pattern;  // kReplace: text, or a regex when `regex`
  bool regex = false;
  std::string content;                       // kReplace: the replacement; kStrip: the character removed
  size_t start = 0;                          // kStrip
  size_t stop = 0;                           // kStrip
  std::string replacement = "\xE2\x96\x81";  // kMetaspace
  PrependScheme prepend_scheme = PrependScheme::kAlways;
};

// A compiled decoder. Immutable and thread-safe.
class Decoder {
 public:
  // byte_level_model: the vocabulary's tokens are kept as raw bytes (the ByteLevel step then only joins).
  static Result<Decoder> Create(std::vector<DecoderStep> steps, bool byte_level_model);

  // The text of the tokens (each id's vocabulary text, or an added token's content), valid UTF-8. Without
  // steps the tokens are joined with spaces, as Hugging Face does for a tokenizer without a decoder.
  std::string Decode(std::vector<std::string> tokens) const;

 private:
  struct Compiled {
    DecoderStep step;
    std::optional<Pattern> pattern;
  };
  void Apply(const Compiled& step, std::vector<std::string>& tokens) const;

  std::vector<Compiled> steps_;
  bool byte_level_model_ = true;
};

}  // namespace autotuner::tokenizer
