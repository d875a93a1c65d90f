#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner::tokenizer {

using TokenId = int32_t;

// Token ids are dense in real vocabularies (0..N-1, added tokens right after): an id at or above this, or
// above twice the number of tokens, is refused so that a hostile file cannot make the id tables huge.
inline constexpr TokenId kMaxTokenId = (1 << 22) - 1;
// Whether `max_id` is acceptable for a tokenizer with `token_count` ids in all.
bool TokenIdInRange(TokenId max_id, size_t token_count);

struct BpeOptions {
  // true: tokens are raw bytes and every byte is a token (GPT-2 style byte-level BPE). false: words start as
  // their UTF-8 characters (SentencePiece style, Llama-2 / Gemma); a character that is no token becomes its
  // <0xXX> byte tokens (byte_fallback, when all of them exist) or unk_token.
  bool byte_level = true;
  bool byte_fallback = false;
  std::optional<std::string> unk_token;
  bool fuse_unk = false;  // consecutive unknown characters become one unk token
  // A word that is itself a token becomes that token without merging (Llama-3).
  bool ignore_merges = false;
};

// BPE as Hugging Face tokenizers applies it. Byte-level tokens are kept as the bytes they stand for (not
// their vocabulary-file spelling), so no text is re-mapped while encoding. Thread-safe; a bounded cache
// remembers the ids of words already merged.
class BpeModel {
 public:
  // vocab: each token's bytes and id; merges: pairs of tokens, highest priority first. Every merge's parts
  // and result must be in vocab, and with byte_level every single byte too.
  static Result<BpeModel> Create(std::vector<std::pair<std::string, TokenId>> vocab,
                                 const std::vector<std::pair<std::string, std::string>>& merges,
                                 const BpeOptions& options);

  BpeModel(BpeModel&&) noexcept;
  BpeModel& operator=(BpeModel&&) noexcept;
  ~BpeModel();

  // Appends the ids of one pre-tokenized word (not empty; valid UTF-8 unless byte_level).
  void EncodeWord(std::string_view word, std::vector<TokenId>& out) const;

  std::optional<TokenId> Find(std::string_view bytes) const;
  // The raw bytes of a vocabulary token; nullptr when the id is not one.
  const std::string* Bytes(TokenId id) const;
  size_t size() const;
  bool byte_level() const;

 private:
  struct Tables;
  struct WordCache;
  explicit BpeModel(std::unique_ptr<Tables> tables);
  static Status IndexAlphabet(Tables& tables);
  void Merge(std::string_view word, std::vector<TokenId>& out) const;
  // The ids a word starts as before merging (one per byte, or per character with fallbacks).
  void InitialSymbols(std::string_view word, std::vector<TokenId>& out) const;

  std::unique_ptr<Tables> tables_;
  std::unique_ptr<WordCache> cache_;
};

}  // namespace autotuner::tokenizer
