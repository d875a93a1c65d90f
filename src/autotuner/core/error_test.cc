#include "autotuner/core/error.h"

#include <gtest/gtest.h>

#include "autotuner/core/result.h"

namespace autotuner {
namespace {

TEST(ErrorTest, ExitCodesFollowSpec) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kValidation), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kParse), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidArgument), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kIo), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNoFeasible), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kCancelled), 130);
}

TEST(ErrorTest, HttpStatusAndJsonShape) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kValidation), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kHasExperiments), 409);
  EXPECT_EQ(ErrorCodeName(ErrorCode::kHasExperiments), "has_experiments");
  const Error error = MakeError(ErrorCode::kNotFound, "no task 'x'", {{"name", "x"}});
  const auto body = error.ToJson();
  EXPECT_EQ(body["error"]["code"], 404);
  EXPECT_EQ(body["error"]["type"], "not_found");
  EXPECT_EQ(body["error"]["message"], "no task 'x'");
  EXPECT_EQ(body["error"]["details"]["name"], "x");
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  Result<int> bad = MakeError(ErrorCode::kTimeout, "late");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kTimeout);
  Status done;
  EXPECT_TRUE(done.ok());
  Status failed = MakeError(ErrorCode::kIo, "disk");
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "disk");
}

}  // namespace
}  // namespace autotuner
