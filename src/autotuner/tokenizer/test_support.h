#pragma once

// Helpers shared by the tokenizer tests (not part of the library).

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "autotuner/tokenizer/registry.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::tokenizer::test_support {

// A byte-level definition whose ids 0..255 are the single bytes; tests add merges and tokens after them.
inline TokenizerDefinition ByteDefinition() {
  TokenizerDefinition definition;
  for (int b = 0; b < 256; ++b) definition.vocab.emplace_back(std::string(1, static_cast<char>(b)), b);
  return definition;
}

// Adds the token left+right with the next free id and its merge (lower priority than earlier ones).
inline TokenId AddMerge(TokenizerDefinition& definition, const std::string& left, const std::string& right) {
  const auto id = static_cast<TokenId>(definition.vocab.size());
  definition.vocab.emplace_back(left + right, id);
  definition.merges.emplace_back(left, right);
  return id;
}

inline Tokenizer Build(TokenizerDefinition definition) {
  auto tokenizer = Tokenizer::Create(std::move(definition), "test");
  if (!tokenizer.ok()) throw std::runtime_error(tokenizer.error().message);
  return std::move(tokenizer).value();
}

// A named tokenizer (files installed by scripts/setup.sh), loaded once per test process.
inline std::shared_ptr<const Tokenizer> Named(const std::string& name) {
  static std::map<std::string, std::shared_ptr<const Tokenizer>> loaded;
  auto& slot = loaded[name];
  if (!slot) {
    auto tokenizer = LoadTokenizer(name);
    if (!tokenizer.ok()) throw std::runtime_error(tokenizer.error().message);
    slot = *tokenizer;
  }
  return slot;
}

}  // namespace autotuner::tokenizer::test_support
