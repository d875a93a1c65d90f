#include "autotuner/tokenizer/tokenizer.h"

#include <algorithm>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/byte_level.h"
#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

// GPT-2's pre-tokenizer regex: what a ByteLevel pre-tokenizer with use_regex splits on.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// String.prototype.trimStart / trimEnd over UTF-8.
std::string_view TrimStart(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Step step = StepUtf8(s, i);
    if (!step.valid || !IsEcmaScriptWhiteSpace(step.code_point)) break;
    i += step.length;
  }
  return s.substr(i);
}

std::string_view TrimEnd(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;  // back up to the lead byte of the last character
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    const Utf8Step step = StepUtf8(s, start);
    if (!step.valid || start + step.length != end || !IsEcmaScriptWhiteSpace(step.code_point)) break;
    end = start;
  }
  return s.substr(0, end);
}

// `text`, or its copy in `storage` with invalid UTF-8 replaced by U+FFFD (PCRE2 needs valid UTF-8).
std::string_view AsValidUtf8(std::string_view text, std::string& storage) {
  if (IsValidUtf8(text)) return text;
  storage = SanitizeUtf8(text);
  return storage;
}

}  // namespace

struct Tokenizer::Scratch {
  std::vector<std::string_view> pieces;
  std::vector<std::string_view> next_pieces;
  std::vector<MatchSpan> matches;
  std::string prefixed;
};

Tokenizer::Tokenizer(BpeModel model, std::string name) : model_(std::move(model)), name_(std::move(name)) {}

Result<Tokenizer> Tokenizer::Create(TokenizerDefinition definition, std::string name) {
  auto model = BpeModel::Create(std::move(definition.vocab), definition.merges, definition.ignore_merges);
  if (!model.ok()) return std::move(model).error();
  Tokenizer tokenizer(std::move(model).value(), std::move(name));
  for (const SplitRule& rule : definition.splits) {
    auto pattern = rule.literal ? Pattern::Literal(rule.pattern) : Pattern::Compile(rule.pattern);
    if (!pattern.ok()) return std::move(pattern).error();
    tokenizer.splits_.push_back({std::move(pattern).value(), rule.behavior, rule.invert});
  }
  tokenizer.add_prefix_space_ = definition.add_prefix_space;
  if (definition.byte_level_regex) {
    auto pattern = Pattern::Compile(kGpt2Pattern);
    if (!pattern.ok()) return std::move(pattern).error();
    tokenizer.byte_level_pattern_.emplace(std::move(pattern).value());
  }
  tokenizer.vocab_size_ = tokenizer.model_.size();
  tokenizer.trie_.emplace_back();
  for (AddedToken& token : definition.added_tokens) {
    if (token.id < 0 || token.content.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "added token " + std::to_string(token.id) + " has a negative id or no content");
    }
    const auto index = static_cast<int32_t>(tokenizer.added_tokens_.size());
    if (static_cast<size_t>(token.id) >= tokenizer.added_by_id_.size()) {
      tokenizer.added_by_id_.resize(static_cast<size_t>(token.id) + 1, -1);
    }
    if (tokenizer.added_by_id_[token.id] >= 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "added token id " + std::to_string(token.id) + " repeats");
    }
    tokenizer.added_by_id_[token.id] = index;
    if (tokenizer.model_.Bytes(token.id) == nullptr) ++tokenizer.vocab_size_;
    int32_t node = 0;
    for (const char c : token.content) {
      const auto byte = static_cast<unsigned char>(c);
      auto& children = tokenizer.trie_[node].children;
      const auto it =
          std::find_if(children.begin(), children.end(), [&](const auto& e) { return e.first == byte; });
      if (it != children.end()) {
        node = it->second;
      } else {
        const auto child = static_cast<int32_t>(tokenizer.trie_.size());
        children.emplace_back(byte, child);
        tokenizer.trie_.emplace_back();
        node = child;
      }
    }
    tokenizer.trie_[node].added = index;
    tokenizer.added_tokens_.push_back(std::move(token));
  }
  for (const auto& ids : {definition.template_prefix, definition.template_suffix}) {
    for (const TokenId id : ids) {
      if (tokenizer.model_.Bytes(id) == nullptr && tokenizer.AddedById(id) == nullptr) {
        return MakeError(ErrorCode::kInvalidArgument, "post-processor template uses token id " +
                                                          std::to_string(id) + ", which is not defined");
      }
    }
  }
  tokenizer.template_prefix_ = std::move(definition.template_prefix);
  tokenizer.template_suffix_ = std::move(definition.template_suffix);
  return tokenizer;
}

void Tokenizer::SplitAddedTokens(std::string_view text, bool parse_special, std::vector<Section>& out) const {
  size_t start = 0;  // start of the text not yet emitted
  for (size_t i = 0; i < text.size();) {
    // Longest eligible added token starting at i.
    int32_t node = 0, found = -1;
    size_t found_end = 0;
    for (size_t j = i; j < text.size(); ++j) {
      const auto byte = static_cast<unsigned char>(text[j]);
      const auto& children = trie_[node].children;
      const auto it =
          std::find_if(children.begin(), children.end(), [&](const auto& e) { return e.first == byte; });
      if (it == children.end()) break;
      node = it->second;
      const int32_t added = trie_[node].added;
      if (added >= 0 && (parse_special || !added_tokens_[added].special)) {
        found = added;
        found_end = j + 1;
      }
    }
    if (found < 0) {
      ++i;
      continue;
    }
    if (i > start) out.push_back({text.substr(start, i - start), -1});
    out.push_back({text.substr(i, found_end - i), found});
    i = start = found_end;
  }
  if (start < text.size()) out.push_back({text.substr(start), -1});
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k].added < 0) continue;
    const AddedToken& token = added_tokens_[out[k].added];
    if (token.lstrip && k > 0 && out[k - 1].added < 0) out[k - 1].text = TrimEnd(out[k - 1].text);
    if (token.rstrip && k + 1 < out.size() && out[k + 1].added < 0)
      out[k + 1].text = TrimStart(out[k + 1].text);
  }
}

template <typename OnWord>
void Tokenizer::ForEachWord(std::string_view text, Scratch& scratch, OnWord&& on_word) const {
  auto& pieces = scratch.pieces;
  pieces.assign(1, text);
  for (const SplitStep& step : splits_) {
    auto& next = scratch.next_pieces;
    next.clear();
    for (const std::string_view piece : pieces) {
      scratch.matches.clear();
      step.pattern.FindAll(piece, scratch.matches);
      // Segments alternate between text the pattern skipped and text it matched; `delimiter` marks the ones
      // the behaviour acts on (the matches, or with invert the rest). Empty segments never appear.
      bool previous_delimiter = false;
      size_t cursor = 0;
      const auto emit = [&](size_t begin, size_t end, bool matched) {
        if (end == begin) return;
        const bool delimiter = matched != step.invert;
        const std::string_view segment = piece.substr(begin, end - begin);
        const auto extend_last = [&] {
          const std::string_view last = next.back();
          next.back() = std::string_view(last.data(),
                                         static_cast<size_t>(segment.data() + segment.size() - last.data()));
        };
        switch (step.behavior) {
          case SplitBehavior::kIsolated:
            next.push_back(segment);
            break;
          case SplitBehavior::kRemoved:
            if (!delimiter) next.push_back(segment);
            break;
          case SplitBehavior::kMergedWithPrevious:
            // A delimiter joins the piece before it unless that piece is a delimiter too.
            if (delimiter && !previous_delimiter && cursor > 0) {
              extend_last();
            } else {
              next.push_back(segment);
            }
            break;
          case SplitBehavior::kMergedWithNext:
            // A piece joins the delimiter before it, unless it is a delimiter too.
            if (!delimiter && previous_delimiter && cursor > 0) {
              extend_last();
            } else {
              next.push_back(segment);
            }
            break;
          case SplitBehavior::kContiguous:
            // Neighbours of the same kind join (adjacent matches can only meet when inverted).
            if (delimiter == previous_delimiter && cursor > 0) {
              extend_last();
            } else {
              next.push_back(segment);
            }
            break;
        }
        previous_delimiter = delimiter;
        cursor = end;
      };
      for (const MatchSpan& m : scratch.matches) {
        emit(cursor, m.begin, false);
        emit(m.begin, m.end, true);
      }
      emit(cursor, piece.size(), false);
    }
    std::swap(pieces, next);
  }
  for (std::string_view piece : pieces) {
    if (add_prefix_space_ && (piece.empty() || piece.front() != ' ')) {
      scratch.prefixed.assign(" ");
      scratch.prefixed.append(piece);
      piece = scratch.prefixed;
    }
    if (!byte_level_pattern_) {
      if (!piece.empty()) on_word(piece);
      continue;
    }
    scratch.matches.clear();
    byte_level_pattern_->FindAll(piece, scratch.matches);
    for (const MatchSpan& m : scratch.matches) on_word(piece.substr(m.begin, m.end - m.begin));
  }
}

std::vector<std::string> Tokenizer::PreTokenize(std::string_view text) const {
  std::string sanitized;
  text = AsValidUtf8(text, sanitized);
  std::vector<std::string> words;
  Scratch scratch;
  ForEachWord(text, scratch, [&](std::string_view word) { words.emplace_back(word); });
  return words;
}

std::vector<TokenId> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  std::string sanitized;
  text = AsValidUtf8(text, sanitized);
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + template_prefix_.size() + template_suffix_.size() + 1);
  if (options.add_special_tokens) out = template_prefix_;
  std::vector<Section> sections;
  SplitAddedTokens(text, options.parse_special_tokens, sections);
  Scratch scratch;
  for (const Section& section : sections) {
    if (section.added >= 0) {
      out.push_back(added_tokens_[section.added].id);
    } else if (!section.text.empty()) {
      ForEachWord(section.text, scratch, [&](std::string_view word) { model_.EncodeWord(word, out); });
    }
  }
  if (options.add_special_tokens) out.insert(out.end(), template_suffix_.begin(), template_suffix_.end());
  return out;
}

const AddedToken* Tokenizer::AddedById(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= added_by_id_.size() || added_by_id_[id] < 0) return nullptr;
  return &added_tokens_[added_by_id_[id]];
}

Result<std::string> Tokenizer::Decode(std::span<const TokenId> ids) const {
  // Byte-level tokens are joined as bytes before UTF-8 decoding (a character may span tokens); added tokens
  // are written as they are.
  std::string out, pending;
  for (const TokenId id : ids) {
    if (const AddedToken* added = AddedById(id)) {
      AppendUtf8Lossy(pending, out);
      pending.clear();
      out += added->content;
    } else if (const std::string* bytes = model_.Bytes(id)) {
      pending += *bytes;
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "token id " + std::to_string(id) + " is not in the vocabulary of " + name_);
    }
  }
  AppendUtf8Lossy(pending, out);
  return out;
}

size_t Tokenizer::VocabSize() const { return vocab_size_; }

std::optional<TokenId> Tokenizer::TokenToId(std::string_view token) const {
  for (const AddedToken& added : added_tokens_) {
    if (added.content == token) return added.id;
  }
  const auto bytes = ByteLevelToBytes(token);
  if (!bytes) return std::nullopt;
  return model_.Find(*bytes);
}

std::optional<std::string> Tokenizer::IdToToken(TokenId id) const {
  if (const AddedToken* added = AddedById(id)) return added->content;
  if (const std::string* bytes = model_.Bytes(id)) return BytesToByteLevel(*bytes);
  return std::nullopt;
}

}  // namespace autotuner::tokenizer
