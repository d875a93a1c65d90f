#include "autotuner/deploy/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::deploy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const task::RuntimeDefinition& Trtllm() { return *autotuner::testing::ShippedRuntimes().Find("trtllm"); }

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

LaunchPlan DerivedFp8Plan(const std::string& user_file) {
  LaunchPlan plan;
  plan.args = {"--max_batch_size", "64", "--extra_llm_api_options", user_file, "--backend", "pytorch"};
  plan.config_file = {{"kv_cache_config", {{"dtype", "fp8"}}}, {"quant_config", {{"quant_algo", "FP8"}}}};
  return plan;
}

TEST(ConfigFileTest, ObjectsMergeAtEveryDepthAndOtherValuesReplace) {
  const Json base = {{"a", {{"b", 1}, {"c", 2}}}, {"list", {1, 2}}, {"keep", true}};
  const Json over = {{"a", {{"c", 3}, {"d", 4}}}, {"list", {9}}, {"new", nullptr}};
  EXPECT_EQ(MergeConfig(base, over),
            Json({{"a", {{"b", 1}, {"c", 3}, {"d", 4}}}, {"list", {9}}, {"keep", true}, {"new", nullptr}}));
}

TEST(ConfigFileTest, TheUsersFileIsMergedOverTheDerivedSettingsAndItsFlagDropped) {
  const std::string user = Write("user_options.yaml",
                                 "kv_cache_config:\n  free_gpu_memory_fraction: 0.8\n"
                                 "quant_config: {quant_algo: NVFP4}\nenable_chunked_prefill: true\n");
  LaunchPlan plan = DerivedFp8Plan(user);
  ASSERT_TRUE(MergeUserConfigFile(Trtllm(), plan).ok());
  EXPECT_THAT(plan.args, ElementsAre("--max_batch_size", "64", "--backend", "pytorch"));
  EXPECT_EQ(plan.config_file,
            Json({{"kv_cache_config", {{"dtype", "fp8"}, {"free_gpu_memory_fraction", 0.8}}},
                  {"quant_config", {{"quant_algo", "NVFP4"}}},
                  {"enable_chunked_prefill", true}}));
  ASSERT_EQ(plan.notes.size(), 2u);
  EXPECT_THAT(plan.notes[0], HasSubstr("sets quant_config.quant_algo = \"NVFP4\", over the derived \"FP8\""));
  EXPECT_THAT(plan.notes[1], HasSubstr("merged the extra_llm_api_options file '" + user + "'"));
}

TEST(ConfigFileTest, NothingDerivedOrNoFileOfTheUsersLeavesThePlanAsItIs) {
  LaunchPlan own_file_only;
  own_file_only.args = {"--extra_llm_api_options", "/nonexistent/llm.yaml"};
  ASSERT_TRUE(MergeUserConfigFile(Trtllm(), own_file_only).ok());
  EXPECT_THAT(own_file_only.args, ElementsAre("--extra_llm_api_options", "/nonexistent/llm.yaml"));
  EXPECT_TRUE(own_file_only.config_file.empty());

  LaunchPlan derived_only = DerivedFp8Plan("x");
  derived_only.args = {"--max_batch_size", "64"};
  const Json before = derived_only.config_file;
  ASSERT_TRUE(MergeUserConfigFile(Trtllm(), derived_only).ok());
  EXPECT_EQ(derived_only.config_file, before);
  EXPECT_TRUE(derived_only.notes.empty());
}

TEST(ConfigFileTest, AFileThatDoesNotLoadOrIsNotAMappingIsNamed) {
  LaunchPlan missing = DerivedFp8Plan("/nonexistent/llm.yaml");
  const Status error = MergeUserConfigFile(Trtllm(), missing);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.error().message, HasSubstr("'/nonexistent/llm.yaml'"));
  EXPECT_THAT(error.error().message, HasSubstr("kv_cache_config.dtype, quant_config.quant_algo"));

  LaunchPlan list = DerivedFp8Plan(Write("list_options.yaml", "- a\n- b\n"));
  const Status not_mapping = MergeUserConfigFile(Trtllm(), list);
  ASSERT_FALSE(not_mapping.ok());
  EXPECT_THAT(not_mapping.error().message, HasSubstr("must be a mapping of settings, got list"));
}

}  // namespace
}  // namespace autotuner::deploy
