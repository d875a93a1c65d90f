#include "autotuner/task/document.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

namespace autotuner::task {
namespace {

TEST(DocumentTest, YamlScalarsFollowTheCoreSchema) {
  auto doc =
      ParseDocument("a: 1\nb: -2.5\nc: true\nd: ~\ne: 'text'\nf: hello\ng: .inf\nh: '3'\ni: 1e3\n", "x.yaml");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  const Json& v = doc->value;
  EXPECT_TRUE(v["a"].is_number_integer());
  EXPECT_EQ(v["b"], -2.5);
  EXPECT_EQ(v["c"], true);
  EXPECT_TRUE(v["d"].is_null());
  EXPECT_EQ(v["e"], "text");
  EXPECT_EQ(v["f"], "hello");
  EXPECT_TRUE(std::isinf(v["g"].get<double>()));
  EXPECT_EQ(v["h"], "3");
  EXPECT_EQ(v["i"], 1000.0);
}

// "Billion laughs": nine levels of ten aliases each expand 463 bytes to 10^9 values.
TEST(DocumentTest, AliasExpansionIsCappedWithAClearError) {
  std::string text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    const std::string prev(1, static_cast<char>(level - 1));
    text += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ",*" : "*") + prev;
    text += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  auto doc = ParseDocument(text, "laughs.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, ErrorCode::kParse);
  EXPECT_NE(doc.error().message.find("laughs.yaml:"), std::string::npos) << doc.error().message;
  EXPECT_NE(doc.error().message.find("too many values"), std::string::npos) << doc.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DocumentTest, ModestAliasUseStillWorks) {
  auto doc = ParseDocument("base: &b {tp: [1, 2]}\nx: *b\ny: *b\n", "x.yaml");
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->value["y"]["tp"][1], 2);
}

TEST(DocumentTest, KeepsKeyOrderAndMarks) {
  auto doc = ParseDocument("zeta: 1\nalpha:\n  - x\n  - y\n", "x.yaml");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->value.begin().key(), "zeta");
  ASSERT_TRUE(doc->marks.contains("alpha[1]"));
  EXPECT_EQ(doc->marks.at("alpha[1]").line, 4);
  EXPECT_EQ(doc->marks.at("alpha[1]").column, 5);
  EXPECT_EQ(doc->marks.at("alpha").line, 2);
}

TEST(DocumentTest, DuplicateKeysAreRejectedWithPosition) {
  auto doc = ParseDocument("a: 1\nb: 2\na: 3\n", "dup.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, ErrorCode::kParse);
  EXPECT_NE(doc.error().message.find("dup.yaml:3:1: duplicate key 'a'"), std::string::npos)
      << doc.error().message;
}

TEST(DocumentTest, YamlSyntaxErrorNamesFileLineAndColumn) {
  auto doc = ParseDocument("task_name: x\nmodel: [a, b\nbase_runtime: vllm\n", "broken.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, ErrorCode::kParse);
  EXPECT_EQ(doc.error().details["source"], "broken.yaml");
  EXPECT_GE(doc.error().details["line"].get<int>(), 2);
  EXPECT_NE(doc.error().message.find("broken.yaml:"), std::string::npos);
  EXPECT_NE(doc.error().message.find("invalid YAML"), std::string::npos);
}

TEST(DocumentTest, JsonDetectedByContent) {
  auto doc = ParseDocument("  {\"a\": [1, 2]}", "stdin");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->value["a"][1], 2);
  EXPECT_TRUE(doc->marks.empty());
}

TEST(DocumentTest, MissingFile) {
  auto doc = LoadDocumentFile("/definitely/not/here.yaml");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(doc.error().message.find("/definitely/not/here.yaml: cannot open"), std::string::npos);
}

TEST(DocumentTest, PathHelpers) {
  EXPECT_EQ(JoinPath("", "a"), "a");
  EXPECT_EQ(JoinPath("a", "b"), "a.b");
  EXPECT_EQ(IndexPath("a.b", 2), "a.b[2]");
}

}  // namespace
}  // namespace autotuner::task
