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

// Byte-level BPE over raw bytes: every single byte is a token, merges build longer ones. Tokens are kept as
// the bytes they stand for (not their vocabulary-file spelling), so no text is re-mapped while encoding.
// Thread-safe; a bounded cache remembers the ids of words already merged.
class BpeModel {
 public:
  // vocab: each token's raw bytes and id; merges: pairs of raw-byte tokens, highest priority first. Every
  // byte, every merge's parts and every merge's result must be in vocab. ignore_merges: a word that is itself
  // a token becomes that token without merging (Llama-3).
  static Result<BpeModel> Create(std::vector<std::pair<std::string, TokenId>> vocab,
                                 const std::vector<std::pair<std::string, std::string>>& merges,
                                 bool ignore_merges);

  BpeModel(BpeModel&&) noexcept;
  BpeModel& operator=(BpeModel&&) noexcept;
  ~BpeModel();

  // Appends the ids of one pre-tokenized word (raw bytes, not empty).
  void EncodeWord(std::string_view word, std::vector<TokenId>& out) const;

  std::optional<TokenId> Find(std::string_view bytes) const;
  // The raw bytes of a vocabulary token; nullptr when the id is not one.
  const std::string* Bytes(TokenId id) const;
  size_t size() const;

 private:
  struct Tables;
  struct WordCache;
  explicit BpeModel(std::unique_ptr<Tables> tables);
  void Merge(std::string_view word, std::vector<TokenId>& out) const;

  std::unique_ptr<Tables> tables_;
  std::unique_ptr<WordCache> cache_;
};

}  // namespace autotuner::tokenizer
