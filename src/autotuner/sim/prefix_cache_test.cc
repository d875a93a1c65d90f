#include "autotuner/sim/prefix_cache.h"

#include <gtest/gtest.h>

#include <numeric>

namespace autotuner::sim {
namespace {

TEST(SimPrefixCacheTest, SharedKeysShareBlocksAndOthersDoNot) {
  const auto a = PromptBlockHashes({}, 7, 100, 16);
  const auto b = PromptBlockHashes({}, 7, 64, 16);
  const auto c = PromptBlockHashes({}, 8, 100, 16);
  ASSERT_EQ(a.size(), 6u);  // only full blocks
  ASSERT_EQ(b.size(), 4u);
  EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin()));
  EXPECT_NE(a[0], c[0]);
  EXPECT_TRUE(PromptBlockHashes({}, 0, 100, 16).empty());
}

TEST(SimPrefixCacheTest, TokenIdsDecideSharing) {
  std::vector<int32_t> x(64), y(64);
  std::iota(x.begin(), x.end(), 0);
  std::iota(y.begin(), y.end(), 0);
  y[40] = -1;  // differs in the third block
  const auto hx = PromptBlockHashes(x, 0, 0, 16);
  const auto hy = PromptBlockHashes(y, 0, 0, 16);
  ASSERT_EQ(hx.size(), 4u);
  EXPECT_EQ(hx[0], hy[0]);
  EXPECT_EQ(hx[1], hy[1]);
  EXPECT_NE(hx[2], hy[2]);
  EXPECT_NE(hx[3], hy[3]);  // chained: everything after a difference differs
}

TEST(SimPrefixCacheTest, MatchInsertPinAndEvict) {
  PrefixCache cache;
  const auto chain = PromptBlockHashes({}, 1, 64, 16);
  EXPECT_EQ(cache.Match(chain), 0);
  for (int64_t i = 0; i < 4; ++i) EXPECT_TRUE(cache.Insert(chain[static_cast<size_t>(i)], i, 1.0));
  EXPECT_FALSE(cache.Insert(chain[0], 0, 1.0));  // already cached
  EXPECT_EQ(cache.Match(chain), 4);
  EXPECT_EQ(cache.Blocks(), 4);
  EXPECT_EQ(cache.EvictableBlocks(), 0);  // pinned by its inserter
  EXPECT_EQ(cache.Evict(10), 0);

  cache.Release(chain, 2.0);
  EXPECT_EQ(cache.EvictableBlocks(), 4);
  cache.Acquire(chain, 2, 3.0);  // a new user pins the first two
  EXPECT_EQ(cache.EvictableBlocks(), 2);
  // Eviction takes unpinned blocks, deepest first: the chain is cut from its end.
  EXPECT_EQ(cache.Evict(1), 1);
  EXPECT_EQ(cache.Match(chain), 3);
  EXPECT_EQ(cache.Evict(10), 1);
  EXPECT_EQ(cache.Match(chain), 2);
  EXPECT_EQ(cache.Blocks(), 2);
}

TEST(SimPrefixCacheTest, LeastRecentlyUsedGoesFirst) {
  PrefixCache cache;
  const auto old_chain = PromptBlockHashes({}, 1, 16, 16);
  const auto new_chain = PromptBlockHashes({}, 2, 16, 16);
  cache.Insert(old_chain[0], 0, 1.0);
  cache.Insert(new_chain[0], 0, 1.0);
  cache.Release(old_chain, 2.0);
  cache.Release(new_chain, 5.0);
  EXPECT_EQ(cache.Evict(1), 1);
  EXPECT_EQ(cache.Match(old_chain), 0);
  EXPECT_EQ(cache.Match(new_chain), 1);
}

}  // namespace
}  // namespace autotuner::sim
