#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner::tokenizer {

// Rewrites a Hugging Face pre-tokenizer regex (Oniguruma syntax) into a PCRE2 pattern that matches what the
// reference JavaScript implementations match: `\s`/`\S` become ECMAScript's white-space set (PCRE2's UCP `\s`
// differs at U+0085, U+180E and U+FEFF), and `(?i:...)` folds ASCII letters only (PCRE2 would also fold
// 'ſ' into 's' and the Kelvin sign into 'k'). Other syntax is passed through.
Result<std::string> TranslatePattern(std::string_view hf_regex);

// ECMAScript's WhiteSpace and LineTerminator characters: `\s` and String.prototype.trim in the reference
// implementations.
bool IsEcmaScriptWhiteSpace(char32_t code_point);

struct MatchSpan {
  size_t begin = 0;
  size_t end = 0;
};

// A compiled regex (PCRE2, UTF + UCP, JIT-compiled when the platform supports it). Immutable and safe to use
// from several threads at once.
class Pattern {
 public:
  // A Hugging Face regex, translated by TranslatePattern.
  static Result<Pattern> Compile(std::string_view hf_regex);
  // Matches `text` literally (a Split pre-tokenizer's {"String": ...} pattern).
  static Result<Pattern> Literal(std::string_view text);
  // A PCRE2 pattern as it is (the built-in pre-tokenizers' own patterns).
  static Result<Pattern> CompilePcre2Pattern(std::string_view pcre2_pattern) {
    return CompilePcre2(std::string(pcre2_pattern), pcre2_pattern);
  }

  Pattern(Pattern&&) noexcept;
  Pattern& operator=(Pattern&&) noexcept;
  ~Pattern();

  // Appends the non-empty matches in `text` (valid UTF-8), left to right, as JavaScript's matchAll finds
  // them: the search resumes after each match, and one character later after an empty one.
  void FindAll(std::string_view text, std::vector<MatchSpan>& out) const;

 private:
  struct Code;
  explicit Pattern(std::unique_ptr<Code> code);
  static Result<Pattern> CompilePcre2(const std::string& pcre2_pattern, std::string_view shown);

  std::unique_ptr<Code> code_;
};

}  // namespace autotuner::tokenizer
