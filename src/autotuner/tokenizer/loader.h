#pragma once

#include <string_view>

#include "autotuner/core/result.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::tokenizer {

// Parses a Hugging Face tokenizer.json with a BPE model:
// - model BPE: merges as "a b" strings or [a, b] pairs, ignore_merges, byte_fallback, unk_token, fuse_unk;
//   byte-level when the pre-tokenizer has a ByteLevel step (its last), else SentencePiece-style;
// - normalizers NFC, NFD, NFKC, NFKD, Replace, Prepend, Strip, Lowercase, StripAccents, Sequence;
// - pre-tokenizers Split, Metaspace (prepend_scheme always/first/never, split), ByteLevel, Digits,
//   Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit, Sequence;
// - added tokens (special, normalized, lstrip, rstrip, single_word);
// - post-processors TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence;
// - decoders ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence.
// Anything else (WordPiece/Unigram models, Precompiled or BertNormalizer, ...) is kUnsupported naming the
// component and its JSON path; broken JSON is kParse; out-of-range ids and oversized lists are
// kInvalidArgument. `source` names the file in messages.
Result<TokenizerDefinition> ParseHfTokenizerJson(std::string_view json, std::string_view source);

// Applies a tokenizer_config.json to a definition parsed from the tokenizer.json beside it: bos_token and
// eos_token (a string or an AddedToken object), and for the tokenizer classes whose Python fast tokenizers
// rebuild the template from add_bos_token / add_eos_token (Llama, CodeLlama, Gemma: what vLLM and SGLang
// run), that template. Other classes keep tokenizer.json's post-processor. Errors as for
// ParseHfTokenizerJson; `source` names the file.
Status ApplyTokenizerConfig(std::string_view json, std::string_view source, TokenizerDefinition& definition);

// GPT-2's original files: encoder.json (token → id) and vocab.bpe (a "#version" line, then one merge "a b"
// per line). Pre-tokenization is GPT-2's regex; <|endoftext|> is a special token.
Result<TokenizerDefinition> ParseGpt2Files(std::string_view encoder_json, std::string_view vocab_bpe,
                                           std::string_view source);

}  // namespace autotuner::tokenizer
