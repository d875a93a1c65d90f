// libFuzzer target: any bytes as a tokenizer.json. Loading gives a tokenizer or an error, never a crash or
// an exception; a loaded tokenizer encodes text and its ids decode again.
#include <string_view>

#include "autotuner/core/fuzz_entry.h"
#include "autotuner/tokenizer/loader.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::fuzz {

int TokenizerJson(const uint8_t* data, size_t size) {
  namespace tok = autotuner::tokenizer;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  auto definition = tok::ParseHfTokenizerJson(json, "<fuzz>");
  if (!definition.ok()) return 0;
  auto tokenizer = tok::Tokenizer::Create(std::move(*definition), "fuzz");
  if (!tokenizer.ok()) return 0;
  for (const std::string_view text :
       {std::string_view("Hello, world! 123 héllo\n\tend"), json.substr(0, 64)}) {
    for (const bool special : {false, true}) {
      const auto ids = tokenizer->Encode(text, special);
      if (!tokenizer->Decode(ids).ok()) InvariantBroken("ids from Encode decode");
    }
  }
  return 0;
}

}  // namespace autotuner::fuzz

AUTOTUNER_FUZZ_TARGET(autotuner::fuzz::TokenizerJson)
