#include "autotuner/tokenizer/bpe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

using test_support::AddMerge;
using test_support::ByteDefinition;
using Ids = std::vector<TokenId>;

BpeOptions Options(bool ignore_merges) {
  BpeOptions options;
  options.ignore_merges = ignore_merges;
  return options;
}

BpeModel Model(const TokenizerDefinition& d, bool ignore_merges = false) {
  auto model = BpeModel::Create(d.vocab, d.merges, Options(ignore_merges));
  if (!model.ok()) throw std::runtime_error(model.error().message);
  return std::move(model).value();
}

Ids Encode(const BpeModel& model, std::string_view word) {
  Ids out;
  model.EncodeWord(word, out);
  return out;
}

TEST(TokenizerBpe, AppliesMergesInRankOrder) {
  TokenizerDefinition d = ByteDefinition();
  AddMerge(d, "l", "o");
  const TokenId low = AddMerge(d, "lo", "w");
  const TokenId er = AddMerge(d, "e", "r");
  const BpeModel model = Model(d);
  EXPECT_EQ(Encode(model, "lower"), (Ids{low, er}));
  EXPECT_EQ(Encode(model, "x"), (Ids{'x'}));
  EXPECT_EQ(Encode(model, "lxw"), (Ids{'l', 'x', 'w'}));
}

TEST(TokenizerBpe, LowerRankWinsOverLeftmost) {
  TokenizerDefinition d = ByteDefinition();
  const TokenId bc = AddMerge(d, "b", "c");
  AddMerge(d, "a", "b");
  EXPECT_EQ(Encode(Model(d), "abc"), (Ids{'a', bc}));
}

TEST(TokenizerBpe, EqualRanksMergeLeftmostFirst) {
  TokenizerDefinition d = ByteDefinition();
  const TokenId aa = AddMerge(d, "a", "a");
  EXPECT_EQ(Encode(Model(d), "aaa"), (Ids{aa, 'a'}));
  EXPECT_EQ(Encode(Model(d), "aaaa"), (Ids{aa, aa}));
}

TEST(TokenizerBpe, PairsFormedByAMergeCompeteByTheirOwnRank) {
  TokenizerDefinition d = ByteDefinition();
  AddMerge(d, "c", "d");
  const TokenId bcd = AddMerge(d, "b", "cd");
  AddMerge(d, "a", "b");
  // ab (rank 2) loses to b+cd (rank 1), which only exists once cd is merged.
  EXPECT_EQ(Encode(Model(d), "abcd"), (Ids{'a', bcd}));
}

TEST(TokenizerBpe, IgnoreMergesTakesWholeWordTokens) {
  TokenizerDefinition d = ByteDefinition();
  const TokenId ab = AddMerge(d, "a", "b");
  const auto whole = static_cast<TokenId>(d.vocab.size());
  d.vocab.emplace_back("abc", whole);  // reachable by no merge
  EXPECT_EQ(Encode(Model(d, false), "abc"), (Ids{ab, 'c'}));
  EXPECT_EQ(Encode(Model(d, true), "abc"), (Ids{whole}));
}

TEST(TokenizerBpe, LongWordsAreMergedWithoutTheCache) {
  TokenizerDefinition d = ByteDefinition();
  const TokenId aa = AddMerge(d, "a", "a");
  const TokenId aaaa = AddMerge(d, "aa", "aa");
  const BpeModel model = Model(d);
  const Ids ids = Encode(model, std::string(10001, 'a'));
  ASSERT_EQ(ids.size(), 2501u);
  EXPECT_EQ(ids.front(), aaaa);
  EXPECT_EQ(ids.back(), 'a');
  EXPECT_EQ(Encode(model, "aaaaaa"), (Ids{aaaa, aa}));
}

TEST(TokenizerBpe, CachedResultsMatchAcrossThreads) {
  TokenizerDefinition d = ByteDefinition();
  AddMerge(d, "t", "h");
  AddMerge(d, "th", "e");
  AddMerge(d, " ", "the");
  const BpeModel model = Model(d);
  const std::vector<std::string> words = {" the", "the", " then", "ethe", " thethe"};
  std::vector<Ids> expected;
  for (const auto& w : words) expected.push_back(Encode(model, w));
  EXPECT_EQ(Encode(model, " the"), expected[0]);  // second call: from the cache
  std::vector<std::jthread> threads;
  std::atomic<int> mismatches = 0;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (size_t i = 0; i < words.size(); ++i) {
          if (Encode(model, words[i]) != expected[i]) ++mismatches;
        }
      }
    });
  }
  threads.clear();
  EXPECT_EQ(mismatches, 0);
}

TEST(TokenizerBpe, RejectsVocabulariesItCannotEncodeWith) {
  TokenizerDefinition missing_byte = ByteDefinition();
  missing_byte.vocab.erase(missing_byte.vocab.begin() + 200);
  auto model = BpeModel::Create(missing_byte.vocab, {}, {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.error().code, ErrorCode::kUnsupported);

  TokenizerDefinition bad_merge = ByteDefinition();
  bad_merge.merges.emplace_back("a", "b");  // "ab" is not a token
  model = BpeModel::Create(bad_merge.vocab, bad_merge.merges, {});
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.error().code, ErrorCode::kInvalidArgument);

  TokenizerDefinition twice = ByteDefinition();
  twice.vocab.emplace_back("ab", 'a');
  EXPECT_FALSE(BpeModel::Create(twice.vocab, {}, {}).ok());

  TokenizerDefinition same_bytes = ByteDefinition();
  same_bytes.vocab.emplace_back("a", 300);
  EXPECT_FALSE(BpeModel::Create(same_bytes.vocab, {}, {}).ok());
}

TEST(TokenizerBpe, LooksUpTokens) {
  TokenizerDefinition d = ByteDefinition();
  const TokenId ab = AddMerge(d, "a", "b");
  const BpeModel model = Model(d);
  EXPECT_EQ(model.Find("ab"), ab);
  EXPECT_EQ(model.Find("abc"), std::nullopt);
  ASSERT_NE(model.Bytes(ab), nullptr);
  EXPECT_EQ(*model.Bytes(ab), "ab");
  EXPECT_EQ(model.Bytes(ab + 1), nullptr);
  EXPECT_EQ(model.Bytes(-1), nullptr);
  EXPECT_EQ(model.size(), 257u);
}

}  // namespace
}  // namespace autotuner::tokenizer
