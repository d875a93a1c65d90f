#include "autotuner/core/model_files.h"

#include <gtest/gtest.h>

#include "autotuner/core/model_files_testing.h"

namespace autotuner {
namespace {

using testing::ScopedEnv;
using testing::ScratchDir;
using testing::WriteHubSnapshot;
using testing::WriteModelDir;

TEST(ModelFilesTest, LocalDirectoryWins) {
  ScratchDir tmp("model-files");
  const auto dir = WriteModelDir(tmp.path() / "my-model", {{"config.json", "{}"}});
  auto files = ResolveModelFiles(dir.string(), {tmp.path() / "models", tmp.path() / "hub", ""});
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->source, ModelFiles::Source::kLocalPath);
  EXPECT_EQ(files->path, dir);
  EXPECT_EQ(files->File("config.json"), dir / "config.json");
  EXPECT_TRUE(files->File("tokenizer.json").empty());
}

TEST(ModelFilesTest, BareNameUnderModelDir) {
  ScratchDir tmp("model-files");
  WriteModelDir(tmp.path() / "models/llama-3-2-1b-instruct", {{"config.json", "{}"}});
  auto files = ResolveModelFiles("llama-3-2-1b-instruct", {tmp.path() / "models", tmp.path() / "hub", ""});
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->source, ModelFiles::Source::kModelDir);
  EXPECT_EQ(files->path, tmp.path() / "models/llama-3-2-1b-instruct");
}

TEST(ModelFilesTest, HubIdThroughRefsMain) {
  ScratchDir tmp("model-files");
  const auto snapshot = WriteHubSnapshot(tmp.path() / "hub", "meta-llama/Llama-3.2-1B-Instruct", "abc123",
                                         {{"config.json", "{}"}});
  auto files =
      ResolveModelFiles("meta-llama/Llama-3.2-1B-Instruct", {tmp.path() / "models", tmp.path() / "hub", ""});
  ASSERT_TRUE(files.ok()) << files.error().message;
  EXPECT_EQ(files->source, ModelFiles::Source::kHubCache);
  EXPECT_EQ(files->path, snapshot);
  EXPECT_EQ(files->hub_id, "meta-llama/Llama-3.2-1B-Instruct");
  EXPECT_EQ(files->revision, "abc123");
}

TEST(ModelFilesTest, RevisionAsRefOrCommit) {
  ScratchDir tmp("model-files");
  WriteHubSnapshot(tmp.path() / "hub", "Qwen/Qwen2.5-7B", "aaa", {{"config.json", "{}"}});
  const auto tagged =
      WriteHubSnapshot(tmp.path() / "hub", "Qwen/Qwen2.5-7B", "bbb", {{"config.json", "{}"}}, "v1");
  auto by_ref = ResolveModelFiles("Qwen/Qwen2.5-7B", {"", tmp.path() / "hub", "v1"});
  ASSERT_TRUE(by_ref.ok()) << by_ref.error().message;
  EXPECT_EQ(by_ref->path, tagged);
  auto by_commit = ResolveModelFiles("Qwen/Qwen2.5-7B", {"", tmp.path() / "hub", "aaa"});
  ASSERT_TRUE(by_commit.ok()) << by_commit.error().message;
  EXPECT_EQ(by_commit->revision, "aaa");
  auto missing = ResolveModelFiles("Qwen/Qwen2.5-7B", {"", tmp.path() / "hub", "v2"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("refs/v2"), std::string::npos) << missing.error().message;
}

TEST(ModelFilesTest, FailureListsEveryPlaceTried) {
  ScratchDir tmp("model-files");
  auto files =
      ResolveModelFiles("meta-llama/Llama-3.2-1B-Instruct", {tmp.path() / "models", tmp.path() / "hub", ""});
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.error().code, ErrorCode::kNotFound);
  const std::string& m = files.error().message;
  EXPECT_NE(m.find((tmp.path() / "models/meta-llama/Llama-3.2-1B-Instruct").string()), std::string::npos)
      << m;
  EXPECT_NE(m.find((tmp.path() / "hub/models--meta-llama--Llama-3.2-1B-Instruct/refs/main").string()),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("huggingface-cli download"), std::string::npos) << m;
  EXPECT_EQ(files.error().details["tried"].size(), 3u);
}

TEST(ModelFilesTest, PathsNeverEscapeTheModelDir) {
  ScratchDir tmp("model-files");
  WriteModelDir(tmp.path() / "secret", {{"config.json", "{}"}});
  EXPECT_FALSE(ResolveModelFiles("../secret", {tmp.path() / "models", "", ""}).ok());
  EXPECT_FALSE(LooksLikeHubId("../x"));
  EXPECT_FALSE(LooksLikeHubId("/abs/x"));
  EXPECT_FALSE(LooksLikeHubId("a/b/c"));
  EXPECT_TRUE(LooksLikeHubId("Qwen/Qwen3-8B"));
}

TEST(ModelFilesTest, LocationsFromTheEnvironment) {
  ScopedEnv model_dir("AUTOTUNER_MODEL_DIR", "/data/m");
  ScopedEnv hub("HF_HUB_CACHE", std::nullopt);
  ScopedEnv hf_home("HF_HOME", "/data/hf");
  EXPECT_EQ(ModelLocations::FromEnvironment().model_dir, "/data/m");
  EXPECT_EQ(ModelLocations::FromEnvironment("/runtime/models").model_dir, "/runtime/models");
  EXPECT_EQ(ModelLocations::FromEnvironment().hub_cache, "/data/hf/hub");
  {
    ScopedEnv direct("HF_HUB_CACHE", "/data/hub");
    EXPECT_EQ(ModelLocations::FromEnvironment().hub_cache, "/data/hub");
  }
  ScopedEnv no_dir("AUTOTUNER_MODEL_DIR", std::nullopt);
  ScopedEnv no_home("HF_HOME", std::nullopt);
  ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(ModelLocations::FromEnvironment().model_dir, "/mnt/data/models");
  EXPECT_EQ(ModelLocations::FromEnvironment().hub_cache, "/home/u/.cache/huggingface/hub");
}

}  // namespace
}  // namespace autotuner
