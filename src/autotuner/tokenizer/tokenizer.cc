#include "autotuner/tokenizer/tokenizer.h"

#include <algorithm>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/byte_level.h"
#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

// The start of `s` without white space (Unicode White_Space, as Hugging Face's lstrip/rstrip).
std::string_view TrimStart(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Step step = StepUtf8(s, i);
    if (!step.valid || !IsUnicodeWhiteSpace(step.code_point)) break;
    i += step.length;
  }
  return s.substr(i);
}

// The last character before `end`, or nothing at the start.
std::optional<char32_t> CharBefore(std::string_view s, size_t end) {
  if (end == 0) return std::nullopt;
  size_t start = end - 1;  // back up to the lead byte
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  const Utf8Step step = StepUtf8(s, start);
  if (!step.valid || start + step.length != end) return std::nullopt;
  return step.code_point;
}

std::string_view TrimEnd(std::string_view s) {
  for (auto c = CharBefore(s, s.size()); c && IsUnicodeWhiteSpace(*c); c = CharBefore(s, s.size())) {
    size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    s = s.substr(0, start);
  }
  return s;
}

// `text`, or its copy in `storage` with invalid UTF-8 replaced by U+FFFD (PCRE2 needs valid UTF-8).
std::string_view AsValidUtf8(std::string_view text, std::string& storage) {
  if (IsValidUtf8(text)) return text;
  storage = SanitizeUtf8(text);
  return storage;
}

}  // namespace

struct Tokenizer::Scratch {
  PreTokenizer::Scratch pre_tokenizer;
  std::vector<std::string_view> words;
  std::vector<Section> sections;
  std::vector<Section> normalized_sections;
  std::string normalized;
};

void Tokenizer::Trie::Insert(std::string_view content, int32_t added) {
  int32_t node = 0;
  for (const char c : content) {
    const auto byte = static_cast<unsigned char>(c);
    auto& children = nodes[node].children;
    const auto it =
        std::find_if(children.begin(), children.end(), [&](const auto& e) { return e.first == byte; });
    if (it != children.end()) {
      node = it->second;
    } else {
      const auto child = static_cast<int32_t>(nodes.size());
      children.emplace_back(byte, child);
      nodes.emplace_back();
      node = child;
    }
  }
  nodes[node].added = added;
}

Tokenizer::Tokenizer(BpeModel model, Normalizer normalizer, PreTokenizer pre_tokenizer, Decoder decoder,
                     std::string name)
    : model_(std::move(model)),
      normalizer_(std::move(normalizer)),
      pre_tokenizer_(std::move(pre_tokenizer)),
      decoder_(std::move(decoder)),
      name_(std::move(name)) {}

Result<Tokenizer> Tokenizer::Create(TokenizerDefinition definition, std::string name) {
  auto model = BpeModel::Create(std::move(definition.vocab), definition.merges, definition.model);
  if (!model.ok()) return std::move(model).error();
  auto normalizer = Normalizer::Create(std::move(definition.normalizers));
  if (!normalizer.ok()) return std::move(normalizer).error();
  auto pre_tokenizer = PreTokenizer::Create(std::move(definition.pre_tokenizers));
  if (!pre_tokenizer.ok()) return std::move(pre_tokenizer).error();
  auto decoder = Decoder::Create(std::move(definition.decoders), definition.model.byte_level);
  if (!decoder.ok()) return std::move(decoder).error();
  Tokenizer tokenizer(std::move(model).value(), std::move(normalizer).value(),
                      std::move(pre_tokenizer).value(), std::move(decoder).value(), std::move(name));
  if (Status s = tokenizer.AddTokens(std::move(definition.added_tokens)); !s.ok())
    return std::move(s).error();
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
  if (definition.bos_token) tokenizer.bos_id_ = tokenizer.TokenToId(*definition.bos_token);
  if (definition.eos_token) tokenizer.eos_id_ = tokenizer.TokenToId(*definition.eos_token);
  return tokenizer;
}

Status Tokenizer::AddTokens(std::vector<AddedToken> tokens) {
  vocab_size_ = model_.size();
  TokenId max_id = -1;
  for (const AddedToken& token : tokens) {
    if (token.id < 0 || token.content.empty()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "added token " + std::to_string(token.id) + " has a negative id or no content");
    }
    max_id = std::max(max_id, token.id);
  }
  if (max_id >= 0 && !TokenIdInRange(max_id, model_.size() + tokens.size())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "added token id " + std::to_string(max_id) + " is out of range for a vocabulary of " +
                         std::to_string(model_.size() + tokens.size()) + " tokens");
  }
  added_by_id_.assign(static_cast<size_t>(max_id + 1), -1);
  for (AddedToken& token : tokens) {
    const auto index = static_cast<int32_t>(added_tokens_.size());
    if (added_by_id_[token.id] >= 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "added token id " + std::to_string(token.id) + " repeats");
    }
    added_by_id_[token.id] = index;
    if (model_.Bytes(token.id) == nullptr) ++vocab_size_;
    // Without a normalizer both kinds are matched in the input.
    if (token.normalized && !normalizer_.empty()) {
      std::string storage;
      normalized_trie_.Insert(normalizer_.Apply(token.content, storage), index);
    } else {
      raw_trie_.Insert(token.content, index);
    }
    added_tokens_.push_back(std::move(token));
  }
  return {};
}

void Tokenizer::SplitAddedTokens(std::string_view text, const Trie& trie, bool parse_special,
                                 std::vector<Section>& out) const {
  out.clear();
  size_t start = 0;  // start of the text not yet emitted
  for (size_t i = 0; i < text.size() && !trie.empty();) {
    // Longest eligible added token starting at i.
    int32_t node = 0, found = -1;
    size_t found_end = 0;
    for (size_t j = i; j < text.size(); ++j) {
      const auto byte = static_cast<unsigned char>(text[j]);
      const auto& children = trie.nodes[node].children;
      const auto it =
          std::find_if(children.begin(), children.end(), [&](const auto& e) { return e.first == byte; });
      if (it == children.end()) break;
      node = it->second;
      const int32_t added = trie.nodes[node].added;
      if (added < 0 || (!parse_special && added_tokens_[added].special)) continue;
      if (added_tokens_[added].single_word) {
        const auto before = CharBefore(text, i);
        const Utf8Step after = j + 1 < text.size() ? StepUtf8(text, j + 1) : Utf8Step{};
        if ((before && IsWordCharacter(*before)) || (after.valid && IsWordCharacter(after.code_point)))
          continue;
      }
      found = added;
      found_end = j + 1;
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

void Tokenizer::EncodeText(std::string_view text, bool at_start, bool parse_special, Scratch& scratch,
                           std::vector<TokenId>& out) const {
  const std::string_view normalized = normalizer_.Apply(text, scratch.normalized);
  if (normalized.empty()) return;
  const auto encode_words = [&](std::string_view piece, bool first) {
    scratch.words.clear();
    pre_tokenizer_.Split(piece, first, scratch.pre_tokenizer, scratch.words);
    for (const std::string_view word : scratch.words) model_.EncodeWord(word, out);
  };
  if (normalized_trie_.empty()) {
    encode_words(normalized, at_start);
    return;
  }
  SplitAddedTokens(normalized, normalized_trie_, parse_special, scratch.normalized_sections);
  for (size_t k = 0; k < scratch.normalized_sections.size(); ++k) {
    const Section& section = scratch.normalized_sections[k];
    if (section.added >= 0) {
      out.push_back(added_tokens_[section.added].id);
    } else if (!section.text.empty()) {
      encode_words(section.text, at_start && k == 0);
    }
  }
}

std::vector<std::string> Tokenizer::PreTokenize(std::string_view text) const {
  std::string sanitized;
  text = AsValidUtf8(text, sanitized);
  Scratch scratch;
  const std::string_view normalized = normalizer_.Apply(text, scratch.normalized);
  pre_tokenizer_.Split(normalized, true, scratch.pre_tokenizer, scratch.words);
  return {scratch.words.begin(), scratch.words.end()};
}

std::vector<TokenId> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  std::string sanitized;
  text = AsValidUtf8(text, sanitized);
  std::vector<TokenId> out;
  out.reserve(text.size() / 3 + template_prefix_.size() + template_suffix_.size() + 1);
  if (options.add_special_tokens) out = template_prefix_;
  Scratch scratch;
  SplitAddedTokens(text, raw_trie_, options.parse_special_tokens, scratch.sections);
  for (const Section& section : scratch.sections) {
    if (section.added >= 0) {
      out.push_back(added_tokens_[section.added].id);
    } else if (!section.text.empty()) {
      EncodeText(section.text, section.text.data() == text.data(), options.parse_special_tokens, scratch,
                 out);
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
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const TokenId id : ids) {
    if (const AddedToken* added = AddedById(id)) {
      tokens.push_back(added->content);
    } else if (const std::string* bytes = model_.Bytes(id)) {
      tokens.push_back(*bytes);
    } else {
      return MakeError(ErrorCode::kInvalidArgument,
                       "token id " + std::to_string(id) + " is not in the vocabulary of " + name_);
    }
  }
  return decoder_.Decode(std::move(tokens));
}

size_t Tokenizer::VocabSize() const { return vocab_size_; }

bool Tokenizer::AddsBos() const {
  if (template_prefix_.empty()) return false;
  return !bos_id_ || template_prefix_.front() == *bos_id_;
}

std::optional<TokenId> Tokenizer::TokenToId(std::string_view token) const {
  for (const AddedToken& added : added_tokens_) {
    if (added.content == token) return added.id;
  }
  if (!model_.byte_level()) return model_.Find(token);
  const auto bytes = ByteLevelToBytes(token);
  if (!bytes) return std::nullopt;
  return model_.Find(*bytes);
}

std::optional<std::string> Tokenizer::IdToToken(TokenId id) const {
  if (const AddedToken* added = AddedById(id)) return added->content;
  if (const std::string* bytes = model_.Bytes(id)) {
    return model_.byte_level() ? BytesToByteLevel(*bytes) : *bytes;
  }
  return std::nullopt;
}

}  // namespace autotuner::tokenizer
