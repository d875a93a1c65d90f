#pragma once

#include <string_view>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::tokenizer {

// Parses a Hugging Face tokenizer.json of a byte-level BPE tokenizer: model BPE (merges as "a b" strings or
// [a, b] pairs, ignore_merges), pre-tokenizers Split and ByteLevel (in a Sequence), added tokens,
// post-processors ByteLevel and TemplateProcessing, decoder ByteLevel. Anything else (normalizers such as
// NFC, WordPiece/Unigram models, Metaspace, ...) is kUnsupported and named; broken JSON is kParse. `source`
// names the file in messages.
Result<TokenizerDefinition> ParseHfTokenizerJson(std::string_view json, std::string_view source);

// GPT-2's original files: encoder.json (token → id) and vocab.bpe (a "#version" line, then one merge "a b"
// per line). Pre-tokenization is GPT-2's regex; <|endoftext|> is a special token.
Result<TokenizerDefinition> ParseGpt2Files(std::string_view encoder_json, std::string_view vocab_bpe,
                                           std::string_view source);

}  // namespace autotuner::tokenizer
