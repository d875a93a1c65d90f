#include "autotuner/task/search_space.h"

#include <gtest/gtest.h>

#include <limits>

#include "autotuner/task/parse.h"

namespace autotuner::task {
namespace {

Task MustParse(const std::string& extra) {
  auto doc = ParseDocument("task_name: t\nbase_runtime: sglang\nmodel: {id_or_path: m}\n" + extra, "t.yaml");
  EXPECT_TRUE(doc.ok());
  auto result = ParseTask(*doc);
  EXPECT_TRUE(result.ok());
  return result.task.value_or(Task{});
}

TEST(SearchSpaceTest, GridSizeIsProductOfFiniteDimensions) {
  const Task t = MustParse(
      "parameters: {a: [1, 2, 3], b: {type: integer, low: 1, high: 4}}\n"
      "parallel_config: {tp: [1, 2]}\n"
      "quantization_config: {presets: [default, kv-cache-fp8]}\n");
  const SearchSpace s = BuildSearchSpace(t);
  ASSERT_EQ(s.dimensions.size(), 4u);
  EXPECT_EQ(s.grid_size, 3u * 4u * 2u * 2u);
  EXPECT_FALSE(s.has_continuous);
  EXPECT_EQ(s.dimensions[2].name, "quantization.preset");
  EXPECT_EQ(s.dimensions[2].source, Dimension::Source::kQuantization);
  EXPECT_EQ(s.dimensions[3].name, "parallel.tp");
  EXPECT_EQ(s.dimensions[3].source, Dimension::Source::kParallel);
}

TEST(SearchSpaceTest, OnlyListedEnvVariablesAreSearched) {
  const SearchSpace s = BuildSearchSpace(MustParse(
      "parameters: {a: [1, 2]}\nenv: {HF_TOKEN: t, VLLM_ATTENTION_BACKEND: [FLASH_ATTN, FLASHINFER]}\n"));
  ASSERT_EQ(s.dimensions.size(), 2u);
  EXPECT_EQ(s.dimensions[1].name, "env.VLLM_ATTENTION_BACKEND");
  EXPECT_EQ(s.dimensions[1].source, Dimension::Source::kEnv);
  EXPECT_EQ(s.dimensions[1].values, (std::vector<Json>{"FLASH_ATTN", "FLASHINFER"}));
  EXPECT_EQ(s.grid_size, 4u);
  EXPECT_EQ(s.ToJson()["dimensions"][1]["source"], "env");
}

TEST(SearchSpaceTest, ContinuousDimensionsAreFlagged) {
  const SearchSpace s =
      BuildSearchSpace(MustParse("parameters: {a: [1, 2], f: {type: float, low: 0.1, high: 0.9}}\n"));
  EXPECT_TRUE(s.has_continuous);
  EXPECT_EQ(s.grid_size, 2u);
  EXPECT_FALSE(s.dimensions[1].Cardinality().has_value());
  EXPECT_EQ(s.ToJson()["has_continuous"], true);
}

TEST(SearchSpaceTest, CustomQuantizationFieldsAreSeparateDimensions) {
  const SearchSpace s = BuildSearchSpace(
      MustParse("quantization_config: {kv_cache_dtype: [auto, fp8], enable_fp8_compute: [false, true]}\n"));
  ASSERT_EQ(s.dimensions.size(), 2u);
  EXPECT_EQ(s.dimensions[0].name, "quantization.kv_cache_dtype");
  EXPECT_EQ(s.dimensions[1].values, (std::vector<Json>{false, true}));
  EXPECT_EQ(s.grid_size, 4u);
}

TEST(SearchSpaceTest, GridSizeSaturates) {
  const SearchSpace s =
      BuildSearchSpace(MustParse("parameters:\n"
                                 "  a: {type: integer, low: 1, high: 4000000000}\n"
                                 "  b: {type: integer, low: 1, high: 4000000000}\n"
                                 "  c: {type: integer, low: 1, high: 4000000000}\n"));
  EXPECT_EQ(s.grid_size, std::numeric_limits<uint64_t>::max());
}

TEST(SearchSpaceTest, EmptySpaceHasOnePoint) {
  const SearchSpace s = BuildSearchSpace(MustParse(""));
  EXPECT_TRUE(s.dimensions.empty());
  EXPECT_EQ(s.grid_size, 1u);
}

}  // namespace
}  // namespace autotuner::task
