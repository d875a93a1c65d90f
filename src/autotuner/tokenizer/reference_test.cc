// Compares the tokenizer with the reference JavaScript implementations on the test corpus. CTest runs
// testdata/reference_ids.mjs first (fixture tokenizer_reference) and points AUTOTUNER_TOKENIZER_REFERENCE at
// its output; run on its own, the test is skipped.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>

#include "autotuner/core/json.h"
#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using Ids = std::vector<TokenId>;

std::string Show(const Ids& ids) { return DumpJson(Json(ids)); }

TEST(TokenizerReference, MatchesTheReferenceImplementations) {
  const char* path = std::getenv("AUTOTUNER_TOKENIZER_REFERENCE");
  if (path == nullptr) GTEST_SKIP() << "AUTOTUNER_TOKENIZER_REFERENCE is not set: run through CTest";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::map<std::string, int> records;
  std::map<std::string, size_t> ids_compared;
  int failures = 0;
  const auto fail = [&](const std::string& what) {
    if (++failures <= 20) ADD_FAILURE() << what;
  };
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    auto parsed = ParseJson(line, path);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const Json& record = *parsed;
    const std::string name = record["tokenizer"];
    const std::string text = record["text"];
    const auto tokenizer = test_support::Named(name);
    ++records[name];
    const std::string where =
        name + " line " + std::to_string(line_number) + " " + DumpJson(Json(text)).substr(0, 200);

    const Ids expected = record["ids"].get<Ids>();
    ids_compared[name] += expected.size();
    const Ids ids =
        tokenizer->Encode(text, EncodeOptions{.parse_special_tokens = record["parse_special"].get<bool>()});
    if (ids != expected) fail(where + "\n  expected " + Show(expected) + "\n  got      " + Show(ids));
    if (record.contains("ids_special")) {
      const Ids expected_special = record["ids_special"].get<Ids>();
      ids_compared[name] += expected_special.size();
      const Ids special = tokenizer->Encode(text, true);
      if (special != expected_special) {
        fail(where + " (special tokens)\n  expected " + Show(expected_special) + "\n  got      " +
             Show(special));
      }
    }
    const auto decoded = tokenizer->Decode(expected);
    if (!decoded.ok() || *decoded != record["decoded"].get<std::string>()) {
      fail(where +
           ": decoding differs: " + (decoded.ok() ? DumpJson(Json(*decoded)) : decoded.error().message));
    }
    // Where the reference gets the text back (not across NFC, nor Llama-2's space after a special token).
    const auto round_trip = tokenizer->Decode(ids);
    if (record["decoded"].get<std::string>() == text && (!round_trip.ok() || *round_trip != text)) {
      fail(where + ": decode(encode(text)) != text");
    }
  }
  EXPECT_EQ(failures, 0);
  // The corpus has at least 300 lines and every tokenizer was compared on all of it.
  for (const std::string name : {"gpt2", "llama3", "llama3.1", "gpt4o", "qwen2_5", "qwen3", "llama2",
                                 "gemma3", "deepseek_v3", "gptoss"}) {
    EXPECT_GE(records[name], 300) << name;
    std::cout << "reference " << name << ": " << records[name] << " texts, " << ids_compared[name]
              << " ids compared\n";
  }
}

}  // namespace
}  // namespace autotuner::tokenizer
