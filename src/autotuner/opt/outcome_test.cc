#include "autotuner/opt/outcome.h"

#include <gtest/gtest.h>

namespace autotuner::opt {
namespace {

TEST(OutcomeTest, JsonRoundTrip) {
  const Outcome success = Outcome::Success(1.25, {0.5, -3.0});
  EXPECT_EQ(success.objectives(), (std::vector<double>{1.25, 0.5, -3.0}));
  auto parsed = Outcome::FromJson(success.ToJson());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, success);

  const Outcome oom = Outcome::Infeasible(InfeasibleReason::kOom, "CUDA out of memory");
  EXPECT_EQ(oom.ToJson()["reason"], "oom");
  auto parsed_oom = Outcome::FromJson(oom.ToJson());
  ASSERT_TRUE(parsed_oom.ok());
  EXPECT_EQ(*parsed_oom, oom);
}

TEST(OutcomeTest, OnlyInterruptedAndInternalSayNothingAboutTheConfiguration) {
  EXPECT_EQ(Name(InfeasibleReason::kInternal), "internal");
  EXPECT_FALSE(SaysSomethingAboutTheConfiguration(InfeasibleReason::kInternal));
  EXPECT_FALSE(SaysSomethingAboutTheConfiguration(InfeasibleReason::kInterrupted));
  EXPECT_TRUE(SaysSomethingAboutTheConfiguration(InfeasibleReason::kOom));
  EXPECT_TRUE(SaysSomethingAboutTheConfiguration(InfeasibleReason::kBenchFailed));
}

TEST(OutcomeTest, FromJsonRejectsMalformedInput) {
  EXPECT_FALSE(Outcome::FromJson(Json{{"status", "success"}}).ok());
  EXPECT_FALSE(Outcome::FromJson(Json{{"status", "success"}, {"objectives", Json::array()}}).ok());
  EXPECT_FALSE(Outcome::FromJson(Json{{"status", "infeasible"}, {"reason", "nope"}}).ok());
  EXPECT_FALSE(Outcome::FromJson(Json{{"status", "done"}}).ok());
  EXPECT_FALSE(Outcome::FromJson(Json::array()).ok());
}

}  // namespace
}  // namespace autotuner::opt
