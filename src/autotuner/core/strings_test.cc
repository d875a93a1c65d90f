#include "autotuner/core/strings.h"

#include <gtest/gtest.h>

#include <array>

namespace autotuner {
namespace {

TEST(StringsTest, EditDistance) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("same", "same"), 0u);
}

TEST(StringsTest, DidYouMeanFindsTyposAndPrefixes) {
  constexpr std::array<std::string_view, 3> kKeys = {"benchmark", "optimization", "mem-fraction-static"};
  EXPECT_EQ(DidYouMean("benchmrk", kKeys), "; did you mean 'benchmark'?");
  EXPECT_EQ(DidYouMean("optimisation", kKeys), "; did you mean 'optimization'?");
  EXPECT_EQ(DidYouMean("mem_frac", kKeys), "; did you mean 'mem-fraction-static'?");
  EXPECT_EQ(DidYouMean("zzz", kKeys), "");
  constexpr std::array<std::string_view, 2> kShort = {"tp", "dp"};
  EXPECT_EQ(DidYouMean("tp_size", kShort), "; did you mean 'tp'?");
}

TEST(StringsTest, NormalizeFlagName) { EXPECT_EQ(NormalizeFlagName("TP_Size"), "tp-size"); }

TEST(StringsTest, TrimAsciiSpaceStripsBothEnds) {
  EXPECT_EQ(TrimAsciiSpace(" \t gzip ;q=1\r\n"), "gzip ;q=1");
  EXPECT_EQ(TrimAsciiSpace("token\n"), "token");
  EXPECT_EQ(TrimAsciiSpace(" \r\n\t"), "");
  EXPECT_EQ(TrimAsciiSpace(""), "");
}

TEST(StringsTest, AsciiLowerKeepsEveryOtherByte) {
  EXPECT_EQ(AsciiLower("Qwen2.5-7B_AWQ Ä"), "qwen2.5-7b_awq Ä");
}

}  // namespace
}  // namespace autotuner
