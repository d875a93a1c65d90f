#include "autotuner/api/attachment.h"

#include <gtest/gtest.h>

namespace autotuner::api {
namespace {

TEST(AttachmentTest, NamesCannotBreakTheHeader) {
  EXPECT_EQ(AttachmentHeader("llama-8b_results.csv"),
            "attachment; filename=\"llama-8b_results.csv\"; filename*=UTF-8''llama-8b_results.csv");
  const std::string hostile = AttachmentHeader("x\"\r\nSet-Cookie: a=b; \xC3\xA9.json");
  EXPECT_EQ(hostile.find('\r'), std::string::npos);
  EXPECT_EQ(hostile.find('\n'), std::string::npos);
  EXPECT_EQ(hostile.find("Set-Cookie: "), std::string::npos);
  EXPECT_EQ(hostile,
            "attachment; filename=\"x___Set-Cookie__a_b____.json\"; "
            "filename*=UTF-8''x%22%0D%0ASet-Cookie%3A%20a%3Db%3B%20%C3%A9.json");
}

}  // namespace
}  // namespace autotuner::api
