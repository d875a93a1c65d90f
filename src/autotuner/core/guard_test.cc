#include "autotuner/core/guard.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "autotuner/core/failpoint.h"

namespace autotuner {
namespace {

TEST(GuardTest, DescribeCurrentExceptionNamesWhatWasThrown) {
  const auto describe = [](auto thrown) {
    try {
      throw thrown;
    } catch (...) {
      return DescribeCurrentException();
    }
  };
  EXPECT_EQ(describe(std::out_of_range("1e400")), "1e400");
  EXPECT_EQ(describe(42), "unknown exception");
}

TEST(GuardTest, StringFieldNeverThrowsOnOtherTypes) {
  EXPECT_EQ(StringField(Json{{"message", "boom"}}, "message"), "boom");
  EXPECT_EQ(StringField(Json{{"message", 5}}, "message", "raw body"), "raw body");
  EXPECT_EQ(StringField(Json::array({1}), "message", "raw"), "raw");
  EXPECT_EQ(StringField(Json("text"), "message"), "");
}

TEST(GuardTest, FailpointsAreOffUnlessNamed) {
  ::unsetenv("AUTOTUNER_FAILPOINT");
  EXPECT_FALSE(Failpoint("store.clear_task"));
  ::setenv("AUTOTUNER_FAILPOINT", "other,store.clear_task", 1);
  EXPECT_TRUE(Failpoint("store.clear_task"));
  EXPECT_FALSE(Failpoint("store.clear"));
  EXPECT_EXIT(
      {
        ::setenv("AUTOTUNER_FAILPOINT", "store.write=exit", 1);
        Failpoint("store.write");
      },
      testing::ExitedWithCode(137), "");
  ::unsetenv("AUTOTUNER_FAILPOINT");
}

}  // namespace
}  // namespace autotuner
