#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/pattern.h"

namespace autotuner::tokenizer {

// How a Split pre-tokenizer treats what its pattern matches (the delimiters; with `invert`, what lies
// between).
enum class SplitBehavior { kIsolated, kRemoved, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct SplitRule {
  std::string pattern;  // Hugging Face regex syntax, the literal text when `literal`, or PCRE2 when `pcre2`
  bool literal = false;
  bool pcre2 = false;  // a pattern of ours (Digits, Punctuation, ...), not translated
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
};

// Metaspace: when its replacement is put before a piece that does not start with it.
enum class PrependScheme { kAlways, kFirst, kNever };

// One step of a Hugging Face pre-tokenizer; each applies to every piece the steps before it made. Digits,
// Punctuation, Whitespace and WhitespaceSplit are Split rules (loader.h).
struct PreTokenizerStep {
  enum class Kind { kSplit, kMetaspace, kByteLevel };
  Kind kind = Kind::kSplit;
  SplitRule split;                           // kSplit
  std::string replacement = "\xE2\x96\x81";  // kMetaspace: U+2581 '▁' stands for ' '
  PrependScheme prepend_scheme = PrependScheme::kAlways;
  bool metaspace_split = true;    // kMetaspace: each replacement starts a piece
  bool add_prefix_space = false;  // kByteLevel: a piece not starting with ' ' gets one
  bool use_regex = true;          // kByteLevel: split further with GPT-2's regex
};

// A compiled pre-tokenizer. Immutable and thread-safe; the pieces live in the caller's Scratch.
class PreTokenizer {
 public:
  static Result<PreTokenizer> Create(std::vector<PreTokenizerStep> steps);

  struct Scratch {
    std::vector<std::string_view> pieces;
    std::vector<std::string_view> next;
    std::vector<MatchSpan> matches;
    std::deque<std::string> owned;  // text the steps rewrote (stable addresses)
  };
  // Cuts `text` (valid UTF-8) into the words BPE encodes, appended to `words` (views into `text` or
  // `scratch`, valid until its next use). at_start: the text begins the input (Metaspace's "first").
  void Split(std::string_view text, bool at_start, Scratch& scratch,
             std::vector<std::string_view>& words) const;

 private:
  struct Step {
    PreTokenizerStep config;
    std::vector<Pattern> patterns;  // kSplit: its pattern; kByteLevel with use_regex: GPT-2's
  };
  void SplitStep(const Step& step, std::string_view piece, Scratch& scratch) const;
  void Metaspace(const PreTokenizerStep& step, std::string_view piece, bool first, Scratch& scratch) const;
  void ByteLevel(const Step& step, std::string_view piece, Scratch& scratch) const;

  std::vector<Step> steps_;
};

}  // namespace autotuner::tokenizer
