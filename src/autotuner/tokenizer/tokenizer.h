#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/bpe.h"
#include "autotuner/tokenizer/decoder.h"
#include "autotuner/tokenizer/normalizer.h"
#include "autotuner/tokenizer/pre_tokenizer.h"

namespace autotuner::tokenizer {

// A token added on top of the BPE vocabulary (Hugging Face "added_tokens"): found in the text before
// normalization (or, when `normalized`, in the normalized text), leftmost-longest, and never split.
struct AddedToken {
  TokenId id = 0;
  std::string content;
  bool special = false;      // a control token such as <|begin_of_text|>: recognised in text only when asked
  bool lstrip = false;       // white space on its left is dropped
  bool rstrip = false;       // white space on its right is dropped
  bool normalized = false;   // matched in the normalized text, as its normalized content
  bool single_word = false;  // only where no letter, digit or '_' touches it
};

// Everything a tokenizer file describes. The pipeline is Hugging Face's: added tokens → normalizer →
// pre-tokenizer → BPE → post-processor template; decoding runs the decoder steps. Byte-level vocabularies
// (model.byte_level) hold tokens as raw bytes, others as their UTF-8 text ("▁hello", "<0x0A>").
struct TokenizerDefinition {
  std::vector<std::pair<std::string, TokenId>> vocab;
  std::vector<std::pair<std::string, std::string>> merges;  // highest priority first
  BpeOptions model;
  std::vector<NormalizerStep> normalizers;              // applied in order
  std::vector<PreTokenizerStep> pre_tokenizers;         // none: each text section is one word
  std::vector<DecoderStep> decoders = {DecoderStep{}};  // default: ByteLevel
  std::vector<AddedToken> added_tokens;
  std::vector<TokenId> template_prefix;  // what the post-processor puts before and after the text's ids
  std::vector<TokenId> template_suffix;
  // tokenizer_config.json's bos_token / eos_token (content), when known.
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
};

struct EncodeOptions {
  bool add_special_tokens = false;  // apply the post-processor's template (e.g. Llama-3.1's BOS)
  bool parse_special_tokens =
      false;  // special tokens written in the text become those tokens, else plain text
};

// An exact Hugging Face BPE tokenizer: byte-level (GPT-2, Llama-3, Qwen, DeepSeek, GPT-4o, gpt-oss) or
// SentencePiece-style with byte fallback (Llama-2, Gemma). Immutable after Create and thread-safe.
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

  // The words plain text is cut into before BPE: what the normalizer and pre-tokenizer make of it (raw
  // bytes for byte-level vocabularies). For inspection and tests; added tokens are not looked for.
  std::vector<std::string> PreTokenize(std::string_view text) const;

  // The text of `ids` through the decoder, special tokens included. Bytes that are not valid UTF-8 (a
  // character cut between tokens) become U+FFFD. An id outside the vocabulary is kInvalidArgument.
  Result<std::string> Decode(std::span<const TokenId> ids) const;

  // Number of distinct ids: the BPE vocabulary plus added tokens outside it.
  size_t VocabSize() const;
  // Tokens as spelt in the vocabulary file (byte-level characters, 'Ġhello'); added tokens as their content.
  std::optional<TokenId> TokenToId(std::string_view token) const;
  std::optional<std::string> IdToToken(TokenId id) const;

  // What the post-processor adds around the text with add_special_tokens (e.g. Llama-3.1's BOS).
  std::span<const TokenId> TemplatePrefix() const { return template_prefix_; }
  std::span<const TokenId> TemplateSuffix() const { return template_suffix_; }
  // The BOS / EOS tokens tokenizer_config.json names (nothing when unknown or not in the vocabulary).
  std::optional<TokenId> BosId() const { return bos_id_; }
  std::optional<TokenId> EosId() const { return eos_id_; }
  // Whether a prompt encoded as engines encode it starts with a BOS: the template puts one first (the
  // configured BOS, or any token when none is configured).
  bool AddsBos() const;

  const std::string& name() const { return name_; }
  std::span<const AddedToken> added_tokens() const { return added_tokens_; }

 private:
  // Added tokens by content, for leftmost-longest matching.
  struct Trie {
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> children;
      int32_t added = -1;  // index into added_tokens_ of the token ending here
    };
    std::vector<Node> nodes = std::vector<Node>(1);
    bool empty() const { return nodes.size() == 1; }
    void Insert(std::string_view content, int32_t added);
  };
  struct Section {
    std::string_view text;
    int32_t added = -1;  // the added token this section is, or -1 for text
  };
  struct Scratch;

  Tokenizer(BpeModel model, Normalizer normalizer, PreTokenizer pre_tokenizer, Decoder decoder,
            std::string name);
  Status AddTokens(std::vector<AddedToken> tokens);
  void SplitAddedTokens(std::string_view text, const Trie& trie, bool parse_special,
                        std::vector<Section>& out) const;
  void EncodeText(std::string_view text, bool at_start, bool parse_special, Scratch& scratch,
                  std::vector<TokenId>& out) const;
  const AddedToken* AddedById(TokenId id) const;

  BpeModel model_;
  Normalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  Decoder decoder_;
  std::string name_;
  std::vector<AddedToken> added_tokens_;
  Trie raw_trie_;                     // tokens matched in the input
  Trie normalized_trie_;              // tokens matched in the normalized text
  std::vector<int32_t> added_by_id_;  // index into added_tokens_, -1 where none
  std::vector<TokenId> template_prefix_;
  std::vector<TokenId> template_suffix_;
  std::optional<TokenId> bos_id_;
  std::optional<TokenId> eos_id_;
  size_t vocab_size_ = 0;
};

}  // namespace autotuner::tokenizer

// Loading (registry.h): LoadTokenizer(name_or_path) takes a shipped name (gpt2, llama3, llama3.1, gpt4o,
// qwen2_5, qwen3, llama2, gemma3, deepseek_v3, gptoss), a tokenizer.json path, or a model directory with
// tokenizer.json (+ tokenizer_config.json); LoadTokenizerFiles(path, name) loads files only (what a model
// resolver calls with the directory it found). Both return Result<...> whose error names the file, the JSON
// path and the unsupported component. Parsing a 33 MB file takes ~1 s: keep the tokenizer, it is
// thread-safe. Prompts as engines count them: Encode(text, true), AddsBos(), TemplatePrefix().
