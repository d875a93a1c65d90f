#pragma once

// Helpers shared by the tokenizer tests (not part of the library).

#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "autotuner/core/json.h"
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

// A Llama-2-like tokenizer.json (SentencePiece BPE): <unk> <s> </s>, the 256 <0xXX> byte tokens (ids 3..258),
// then ▁ a b c H e y é (259..266), "▁a" 267, "ab" 268, "▁ab" 269 by merges; Prepend + Replace normalizer,
// no pre-tokenizer, byte fallback, <s> template and the Llama-2 decoder.
inline Json SentencePieceJson() {
  const std::string meta = "\xE2\x96\x81";
  Json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab[name] = 3 + b;
  }
  int next = 259;
  for (const std::string& c : {meta, std::string("a"), std::string("b"), std::string("c"), std::string("H"),
                               std::string("e"), std::string("y"), std::string("\xC3\xA9")}) {
    vocab[c] = next++;
  }
  vocab[meta + "a"] = 267;
  vocab["ab"] = 268;
  vocab[meta + "ab"] = 269;
  const auto special = [](int id, const std::string& content) {
    return Json{{"id", id}, {"content", content}, {"special", true}, {"normalized", false}};
  };
  return Json{
      {"added_tokens", Json::array({special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")})},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         Json::array({{{"type", "Prepend"}, {"prepend", meta}},
                      {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", meta}}})}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", Json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders", Json::array({{{"type", "Replace"}, {"pattern", {{"String", meta}}}, {"content", " "}},
                                  {{"type", "ByteFallback"}},
                                  {{"type", "Fuse"}},
                                  {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}}},
      {"model",
       {{"type", "BPE"},
        {"unk_token", "<unk>"},
        {"byte_fallback", true},
        {"fuse_unk", true},
        {"vocab", vocab},
        {"merges",
         Json::array({Json::array({meta, "a"}), Json::array({"a", "b"}), Json::array({meta + "a", "b"})})}}}};
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
