#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/bpe.h"
#include "autotuner/tokenizer/pattern.h"

namespace autotuner::tokenizer {

// A token added on top of the BPE vocabulary (Hugging Face "added_tokens"): found in the text before
// pre-tokenization, leftmost-longest, and never split.
struct AddedToken {
  TokenId id = 0;
  std::string content;
  bool special = false;  // a control token such as <|begin_of_text|>: recognised in text only when asked
  bool lstrip = false;   // white space on its left is dropped
  bool rstrip = false;   // white space on its right is dropped
};

// How a Split pre-tokenizer treats what its pattern matches (the delimiters; with `invert`, what lies
// between).
enum class SplitBehavior { kIsolated, kRemoved, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct SplitRule {
  std::string pattern;  // Hugging Face regex syntax, or the literal text when `literal`
  bool literal = false;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
};

// Everything a tokenizer file describes, with tokens as raw bytes. The pipeline is the one of byte-level BPE
// tokenizers: added tokens → Split rules → ByteLevel pre-tokenizer → BPE → template.
struct TokenizerDefinition {
  std::vector<std::pair<std::string, TokenId>> vocab;
  std::vector<std::pair<std::string, std::string>> merges;  // highest priority first
  bool ignore_merges = false;
  std::vector<SplitRule> splits;  // applied in order
  bool add_prefix_space = false;  // ByteLevel: a piece not starting with ' ' gets one
  bool byte_level_regex = false;  // ByteLevel: split pieces further with GPT-2's regex
  std::vector<AddedToken> added_tokens;
  std::vector<TokenId> template_prefix;  // what the post-processor puts before and after the text's ids
  std::vector<TokenId> template_suffix;
};

struct EncodeOptions {
  bool add_special_tokens = false;  // apply the post-processor's template (e.g. Llama-3.1's BOS)
  bool parse_special_tokens =
      false;  // special tokens written in the text become those tokens, else plain text
};

// An exact byte-level BPE tokenizer (GPT-2, Llama-3, GPT-4o style). Immutable after Create and thread-safe.
class Tokenizer {
 public:
  static Result<Tokenizer> Create(TokenizerDefinition definition, std::string name);

  // Invalid UTF-8 in `text` is first replaced by U+FFFD.
  std::vector<TokenId> Encode(std::string_view text, const EncodeOptions& options = {}) const;
  // add_special_tokens = true encodes as an inference server encodes a prompt: the template is applied and
  // special tokens written in the text are recognised. false: plain text, nothing added.
  std::vector<TokenId> Encode(std::string_view text, bool add_special_tokens) const {
    return Encode(text, EncodeOptions{add_special_tokens, add_special_tokens});
  }

  // The words plain text is cut into before BPE (raw bytes): what the Split and ByteLevel pre-tokenizers make
  // of it. For inspection and tests; added tokens are not looked for.
  std::vector<std::string> PreTokenize(std::string_view text) const;

  // The text of `ids`, special tokens included. Bytes that are not valid UTF-8 (a character cut between
  // tokens) become U+FFFD. An id outside the vocabulary is kInvalidArgument.
  Result<std::string> Decode(std::span<const TokenId> ids) const;

  // Number of distinct ids: the BPE vocabulary plus added tokens outside it.
  size_t VocabSize() const;
  // Tokens as spelt in the vocabulary file (byte-level characters, 'Ġhello'); added tokens as their content.
  std::optional<TokenId> TokenToId(std::string_view token) const;
  std::optional<std::string> IdToToken(TokenId id) const;

  const std::string& name() const { return name_; }
  std::span<const AddedToken> added_tokens() const { return added_tokens_; }

 private:
  struct SplitStep {
    Pattern pattern;
    SplitBehavior behavior;
    bool invert;
  };
  struct TrieNode {
    std::vector<std::pair<unsigned char, int32_t>> children;
    int32_t added = -1;  // index into added_tokens_ of the token ending here
  };
  struct Section {
    std::string_view text;
    int32_t added = -1;  // the added token this section is, or -1 for text
  };
  struct Scratch;

  Tokenizer(BpeModel model, std::string name);
  void SplitAddedTokens(std::string_view text, bool parse_special, std::vector<Section>& out) const;
  template <typename OnWord>
  void ForEachWord(std::string_view text, Scratch& scratch, OnWord&& on_word) const;
  const AddedToken* AddedById(TokenId id) const;

  BpeModel model_;
  std::string name_;
  std::vector<SplitStep> splits_;
  bool add_prefix_space_ = false;
  std::optional<Pattern> byte_level_pattern_;
  std::vector<AddedToken> added_tokens_;
  std::vector<TrieNode> trie_;
  std::vector<int32_t> added_by_id_;  // index into added_tokens_, -1 where none
  std::vector<TokenId> template_prefix_;
  std::vector<TokenId> template_suffix_;
  size_t vocab_size_ = 0;
};

}  // namespace autotuner::tokenizer
