#include "autotuner/tokenizer/pre_tokenizer.h"

#include <span>

namespace autotuner::tokenizer {
namespace {

using PreTokenizerKind = PreTokenizerStep::Kind;

// GPT-2's pre-tokenizer regex: what a ByteLevel pre-tokenizer with use_regex splits on.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

Result<Pattern> CompileRule(const SplitRule& rule) {
  if (rule.literal) return Pattern::Literal(rule.pattern);
  if (rule.pcre2) return Pattern::CompilePcre2Pattern(rule.pattern);
  return Pattern::Compile(rule.pattern);
}

// Appends the pieces `piece` splits into: segments alternate between text the pattern skipped and text it
// matched; `delimiter` marks the ones the behaviour acts on (the matches, or with invert the rest). Empty
// segments never appear.
void SplitByMatches(std::string_view piece, std::span<const MatchSpan> matches, SplitBehavior behavior,
                    bool invert, std::vector<std::string_view>& next) {
  bool previous_delimiter = false;
  size_t cursor = 0;
  const auto emit = [&](size_t begin, size_t end, bool matched) {
    if (end == begin) return;
    const bool delimiter = matched != invert;
    const std::string_view segment = piece.substr(begin, end - begin);
    const auto extend_last = [&] {
      const std::string_view last = next.back();
      next.back() =
          std::string_view(last.data(), static_cast<size_t>(segment.data() + segment.size() - last.data()));
    };
    bool extend = false;
    switch (behavior) {
      case SplitBehavior::kIsolated:
        break;
      case SplitBehavior::kRemoved:
        if (delimiter) {
          previous_delimiter = delimiter;
          cursor = end;
          return;
        }
        break;
      case SplitBehavior::kMergedWithPrevious:
        // A delimiter joins the piece before it unless that piece is a delimiter too.
        extend = delimiter && !previous_delimiter && cursor > 0;
        break;
      case SplitBehavior::kMergedWithNext:
        // A piece joins the delimiter before it, unless it is a delimiter too.
        extend = !delimiter && previous_delimiter && cursor > 0;
        break;
      case SplitBehavior::kContiguous:
        // Neighbours of the same kind join (adjacent matches can only meet when inverted).
        extend = delimiter == previous_delimiter && cursor > 0;
        break;
    }
    if (extend) {
      extend_last();
    } else {
      next.push_back(segment);
    }
    previous_delimiter = delimiter;
    cursor = end;
  };
  for (const MatchSpan& m : matches) {
    emit(cursor, m.begin, false);
    emit(m.begin, m.end, true);
  }
  emit(cursor, piece.size(), false);
}

}  // namespace

Result<PreTokenizer> PreTokenizer::Create(std::vector<PreTokenizerStep> steps) {
  PreTokenizer pre_tokenizer;
  for (PreTokenizerStep& config : steps) {
    // A ByteLevel step that neither adds a space nor splits changes nothing (BPE reads the raw bytes).
    if (config.kind == PreTokenizerKind::kByteLevel && !config.add_prefix_space && !config.use_regex)
      continue;
    Step step{std::move(config), {}};
    Result<Pattern> pattern = MakeError(ErrorCode::kInternal, "no pattern");
    switch (step.config.kind) {
      case PreTokenizerKind::kSplit:
        pattern = CompileRule(step.config.split);
        break;
      case PreTokenizerKind::kMetaspace:
        if (step.config.replacement.empty()) {
          return MakeError(ErrorCode::kInvalidArgument, "Metaspace with an empty replacement");
        }
        pattern = Pattern::Literal(step.config.replacement);
        break;
      case PreTokenizerKind::kByteLevel:
        if (!step.config.use_regex) break;
        pattern = Pattern::Compile(kGpt2Pattern);
        break;
    }
    if (step.config.kind != PreTokenizerKind::kByteLevel || step.config.use_regex) {
      if (!pattern.ok()) return std::move(pattern).error();
      step.patterns.push_back(std::move(pattern).value());
    }
    pre_tokenizer.steps_.push_back(std::move(step));
  }
  return pre_tokenizer;
}

void PreTokenizer::SplitStep(const Step& step, std::string_view piece, Scratch& scratch) const {
  scratch.matches.clear();
  step.patterns.front().FindAll(piece, scratch.matches);
  SplitByMatches(piece, scratch.matches, step.config.split.behavior, step.config.split.invert, scratch.next);
}

void PreTokenizer::Metaspace(const PreTokenizerStep& step, std::string_view piece, bool first,
                             Scratch& scratch) const {
  std::string& text = scratch.owned.emplace_back();
  const bool prepend = step.prepend_scheme == PrependScheme::kAlways ||
                       (step.prepend_scheme == PrependScheme::kFirst && first);
  if (prepend && !piece.starts_with(step.replacement)) text = step.replacement;
  for (const char c : piece) {
    if (c == ' ') {
      text += step.replacement;
    } else {
      text += c;
    }
  }
  if (!step.metaspace_split) {
    scratch.next.push_back(text);
    return;
  }
  // Each replacement starts a piece (Hugging Face's MergedWithNext on it).
  scratch.matches.clear();
  for (size_t at = text.find(step.replacement); at != std::string::npos;
       at = text.find(step.replacement, at + step.replacement.size())) {
    scratch.matches.push_back({at, at + step.replacement.size()});
  }
  SplitByMatches(text, scratch.matches, SplitBehavior::kMergedWithNext, false, scratch.next);
}

void PreTokenizer::ByteLevel(const Step& step, std::string_view piece, Scratch& scratch) const {
  if (step.config.add_prefix_space && !piece.starts_with(' ')) {
    std::string& prefixed = scratch.owned.emplace_back(" ");
    prefixed.append(piece);
    piece = prefixed;
  }
  if (step.patterns.empty()) {
    scratch.next.push_back(piece);
    return;
  }
  scratch.matches.clear();
  step.patterns.front().FindAll(piece, scratch.matches);
  for (const MatchSpan& m : scratch.matches) scratch.next.push_back(piece.substr(m.begin, m.end - m.begin));
}

void PreTokenizer::Split(std::string_view text, bool at_start, Scratch& scratch,
                         std::vector<std::string_view>& words) const {
  auto& pieces = scratch.pieces;
  pieces.assign(1, text);
  scratch.owned.clear();
  for (const Step& step : steps_) {
    scratch.next.clear();
    for (size_t i = 0; i < pieces.size(); ++i) {
      switch (step.config.kind) {
        case PreTokenizerKind::kSplit:
          SplitStep(step, pieces[i], scratch);
          break;
        case PreTokenizerKind::kMetaspace:
          Metaspace(step.config, pieces[i], at_start && i == 0, scratch);
          break;
        case PreTokenizerKind::kByteLevel:
          ByteLevel(step, pieces[i], scratch);
          break;
      }
    }
    std::swap(pieces, scratch.next);
  }
  if (words.empty()) {
    std::swap(words, pieces);  // no copy (steps never make empty pieces)
    if (!words.empty() && words.front().empty()) words.erase(words.begin());
    return;
  }
  for (const std::string_view piece : pieces) {
    if (!piece.empty()) words.push_back(piece);
  }
}

}  // namespace autotuner::tokenizer
