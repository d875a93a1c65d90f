#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/pattern.h"

namespace autotuner::tokenizer {

// One step of a Hugging Face normalizer (a Sequence is the list of its steps).
struct NormalizerStep {
  enum class Kind {
    kNfc,
    kNfd,
    kNfkc,
    kNfkd,
    kReplace,       // pattern → content
    kPrepend,       // content before any text that is not empty
    kStrip,         // white space at the start (strip_left) and/or the end (strip_right)
    kLowercase,     // each character's full lower-case mapping (no context, as Rust's char::to_lowercase)
    kStripAccents,  // drops combining marks
  };
  Kind kind = Kind::kNfc;
  std::string pattern;  // kReplace: the text to find, or a regex when `regex`
  bool regex = false;
  std::string content;       // kReplace: the replacement; kPrepend: what is put in front
  bool strip_left = false;   // kStrip
  bool strip_right = false;  // kStrip
};

// Unicode White_Space (Rust's char::is_whitespace), what HF's Strip normalizer and lstrip/rstrip remove.
bool IsUnicodeWhiteSpace(char32_t code_point);
// A letter, digit or '_' (Rust's is_alphanumeric or '_'): what a single_word added token must not touch.
bool IsWordCharacter(char32_t code_point);

// A normalizer: its steps applied in order to valid UTF-8. Immutable and thread-safe. Unicode forms use ICU,
// skipping text that is ASCII or already normalized (the common case) without copying.
class Normalizer {
 public:
  static Result<Normalizer> Create(std::vector<NormalizerStep> steps);

  bool empty() const { return steps_.empty(); }
  // The normalized text: `text` itself when no step changes it, else a view of `storage`.
  std::string_view Apply(std::string_view text, std::string& storage) const;

 private:
  struct Compiled {
    NormalizerStep step;
    std::optional<Pattern> pattern;  // kReplace with a regex
  };
  // One step from `in` into `out`; false (and `out` untouched) when the step changes nothing.
  bool ApplyStep(const Compiled& step, std::string_view in, std::string& out) const;

  std::vector<Compiled> steps_;
};

}  // namespace autotuner::tokenizer
