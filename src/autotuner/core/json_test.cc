#include "autotuner/core/json.h"

#include <gtest/gtest.h>

namespace autotuner {
namespace {

TEST(JsonTest, DumpKeepsInsertionOrder) {
  Json j;
  j["zeta"] = 1;
  j["alpha"] = 2;
  EXPECT_EQ(DumpJson(j), R"({"zeta":1,"alpha":2})");
}

TEST(JsonTest, DumpReplacesInvalidUtf8InsteadOfThrowing) {
  Json j = std::string("ok\xff\xfe");
  EXPECT_EQ(DumpJson(j), "\"ok\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(JsonTest, SanitizeUtf8KeepsValidAndReplacesInvalid) {
  EXPECT_EQ(SanitizeUtf8("héllo 世界 🎉"), "héllo 世界 🎉");
  EXPECT_EQ(SanitizeUtf8("a\xC3"), "a\xEF\xBF\xBD");                                // truncated sequence
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong
}

TEST(JsonTest, ParseErrorNamesSourceLineAndColumn) {
  auto parsed = ParseJson("{\n  \"a\": 1,\n  \"b\": ]\n}", "task.json");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
  EXPECT_EQ(parsed.error().details["line"], 3);
  EXPECT_EQ(parsed.error().details["column"], 8);
  EXPECT_NE(parsed.error().message.find("task.json:3:8"), std::string::npos) << parsed.error().message;
}

// 1e400 is valid syntax that nlohmann cannot hold: it throws out_of_range, not parse_error.
TEST(JsonTest, NumberOutOfRangeIsAParseErrorNotAnException) {
  for (const char* text : {R"({"error": {"code": 1e400}})", "[-1e400]", "1e400"}) {
    auto parsed = ParseJson(text, "body");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kParse);
    EXPECT_NE(parsed.error().message.find("body: invalid JSON"), std::string::npos) << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("1e400"), std::string::npos) << parsed.error().message;
  }
}

TEST(JsonTest, ParseValid) {
  auto parsed = ParseJson(R"({"x": [1, 2.5, "s"]})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["x"][1], 2.5);
}

TEST(JsonTest, DescribeAndTypeNames) {
  EXPECT_EQ(Describe(Json("abc")), "\"abc\"");
  EXPECT_EQ(Describe(Json(std::string(100, 'x'))).size(), 60u);
  EXPECT_EQ(JsonTypeName(Json(1)), "integer");
  EXPECT_EQ(JsonTypeName(Json(1.5)), "number");
  EXPECT_EQ(JsonTypeName(Json::array()), "list");
  EXPECT_EQ(JsonTypeName(Json::object()), "mapping");
}

}  // namespace
}  // namespace autotuner
