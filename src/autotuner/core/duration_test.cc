#include "autotuner/core/duration.h"

#include <gtest/gtest.h>

#include <limits>

namespace autotuner {
namespace {

TEST(DurationTest, SaturatesInsteadOfOverflowing) {
  using std::chrono::steady_clock;
  const auto now = steady_clock::now();
  for (double huge : {1e300, 1e19, std::numeric_limits<double>::infinity()}) {
    EXPECT_GT(now + SaturatingSeconds(huge), now + std::chrono::hours(24 * 365 * 99)) << huge;
  }
  EXPECT_EQ(SaturatingSeconds(-5), steady_clock::duration::zero());
  EXPECT_EQ(SaturatingSeconds(std::numeric_limits<double>::quiet_NaN()), steady_clock::duration::zero());
  EXPECT_EQ(SaturatingSeconds(1.5), std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace autotuner
