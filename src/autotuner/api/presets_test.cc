#include "autotuner/api/presets.h"

#include <gtest/gtest.h>

namespace autotuner::api {
namespace {

TEST(ApiPresetsTest, UnionUnitesListsInFirstSeenOrderAndTreatsDashAndUnderscoreAlike) {
  const Json a = {{"tp-size", {1, 2}}, {"schedule-policy", {"lpm"}}};
  const Json b = {{"tp_size", {2, 4}}, {"mem-fraction-static", {0.8}}};
  const MergeResult merged = MergeParameters({a, b}, MergeStrategy::kUnion);
  EXPECT_EQ(merged.parameters,
            Json({{"tp-size", {1, 2, 4}}, {"schedule-policy", {"lpm"}}, {"mem-fraction-static", {0.8}}}));
  EXPECT_TRUE(merged.conflicts.empty());
}

TEST(ApiPresetsTest, UnionReportsARangeThatCannotBeUnited) {
  const Json a = {{"chunked-prefill-size", {{"type", "integer"}, {"low", 512}, {"high", 4096}}}};
  const Json b = {{"chunked-prefill-size", {1024, 2048}}};
  const MergeResult merged = MergeParameters({a, b}, MergeStrategy::kUnion);
  EXPECT_EQ(merged.parameters["chunked-prefill-size"], Json({1024, 2048}));
  ASSERT_EQ(merged.conflicts.size(), 1u);
  EXPECT_EQ(merged.conflicts[0].parameter, "chunked-prefill-size");
  EXPECT_EQ(merged.conflicts[0].values.size(), 2u);
}

TEST(ApiPresetsTest, IntersectionKeepsCommonValuesAndReportsEmptyOnes) {
  const Json a = {{"tp-size", {1, 2, 4}}, {"schedule-policy", {"lpm"}}, {"only-a", {1}}};
  const Json b = {{"tp-size", {2, 4, 8}}, {"schedule-policy", {"fcfs"}}};
  const MergeResult merged = MergeParameters({a, b}, MergeStrategy::kIntersection);
  EXPECT_EQ(merged.parameters, Json({{"tp-size", {2, 4}}}));
  ASSERT_EQ(merged.conflicts.size(), 1u);
  EXPECT_EQ(merged.conflicts[0].parameter, "schedule-policy");
  EXPECT_NE(merged.conflicts[0].resolution.find("dropped"), std::string::npos);
}

TEST(ApiPresetsTest, LastWinsTakesTheLastValueAndReportsDifferences) {
  const Json a = {{"tp-size", {1, 2}}, {"x", {true}}};
  const Json b = {{"tp-size", {4}}, {"x", {true}}};
  const MergeResult merged = MergeParameters({a, b}, MergeStrategy::kLastWins);
  EXPECT_EQ(merged.parameters, Json({{"tp-size", {4}}, {"x", {true}}}));
  ASSERT_EQ(merged.conflicts.size(), 1u);
  EXPECT_EQ(merged.conflicts[0].parameter, "tp-size");
}

TEST(ApiPresetsTest, StrategyNames) {
  EXPECT_EQ(ParseMergeStrategy("last-wins"), MergeStrategy::kLastWins);
  EXPECT_EQ(ParseMergeStrategy("last_wins"), MergeStrategy::kLastWins);
  EXPECT_EQ(ParseMergeStrategy("intersection"), MergeStrategy::kIntersection);
  EXPECT_FALSE(ParseMergeStrategy("merge").has_value());
}

TEST(ApiPresetsTest, ValidationNamesEveryBadField) {
  const Status s =
      ValidatePresetParameters({{"a", Json::array()}, {"b", 3}, {"c", {{"low", 1}}}, {"d", {1, {{"x", 1}}}}});
  ASSERT_FALSE(s.ok());
  const Json& errors = s.error().details["errors"];
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0]["path"], "parameters.a");
  EXPECT_EQ(errors[1]["path"], "parameters.b");
  EXPECT_EQ(errors[2]["path"], "parameters.c.type");
  EXPECT_EQ(errors[3]["path"], "parameters.d[1]");
  EXPECT_TRUE(ValidatePresetParameters({{"tp-size", {1, 2}}}).ok());
}

TEST(ApiPresetsTest, BuiltinPresetsAreValid) {
  for (const auto& p : BuiltinPresets()) EXPECT_TRUE(ValidatePresetParameters(p.parameters).ok()) << p.name;
}

}  // namespace
}  // namespace autotuner::api
