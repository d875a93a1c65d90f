#include "autotuner/bench/dataset_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "autotuner/bench/plan.h"
#include "autotuner/bench/traffic.h"
#include "autotuner/core/model_files_testing.h"

namespace autotuner::bench {
namespace {

namespace fs = std::filesystem;
using autotuner::testing::ScopedEnv;
using ::testing::HasSubstr;

class DatasetCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("dataset_cache_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteGz(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    gzFile out = gzopen(path.c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(gzwrite(out, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
    gzclose(out);
  }

  fs::path dir_;
};

TEST_F(DatasetCacheTest, TheUrlsHostAndPathNameTheFileUnderTheCache) {
  ScopedEnv cache("AUTOTUNER_DATASET_CACHE", dir_.string());
  EXPECT_EQ(*DatasetCachePath("https://example.com/logs/api_logs.csv.gz?sig=abc#x"),
            dir_ / "example.com" / "logs" / "api_logs.csv.gz");
  EXPECT_EQ(*DatasetCachePath("http://host:8080/a%20b/p.jsonl"), dir_ / "host" / "a_20b" / "p.jsonl");
  // Nothing in a URL leaves the cache.
  EXPECT_EQ(*DatasetCachePath("https://h/../../etc/passwd"), dir_ / "h" / "_" / "_" / "etc" / "passwd");
  for (const char* bad : {"ftp://h/a.csv", "/local/a.csv", "https:///a.csv", "https://h/", "https://h"}) {
    const auto path = DatasetCachePath(bad);
    ASSERT_FALSE(path.ok()) << bad;
    EXPECT_EQ(path.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(DatasetCacheTest, TheCacheDirectoryFollowsTheEnvironment) {
  ScopedEnv cache("AUTOTUNER_DATASET_CACHE", "");
  ScopedEnv xdg("XDG_CACHE_HOME", "/x/cache");
  EXPECT_EQ(DatasetCacheDir(), fs::path("/x/cache/autotuner/datasets"));
  ScopedEnv no_xdg("XDG_CACHE_HOME", "");
  ScopedEnv home("HOME", "/home/u");
  EXPECT_EQ(DatasetCacheDir(), fs::path("/home/u/.cache/autotuner/datasets"));
}

TEST_F(DatasetCacheTest, AMissingFileSaysWhereItWasLookedForAndHowToFetchIt) {
  ScopedEnv cache("AUTOTUNER_DATASET_CACHE", dir_.string());
  const auto missing = ResolveDatasetUrl("https://example.com/api_logs.csv.gz");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr((dir_ / "example.com" / "api_logs.csv.gz").string()));
  EXPECT_THAT(missing.error().message, HasSubstr("curl -fL -o"));
}

TEST_F(DatasetCacheTest, GzippedCsvFromTheCacheBecomesPromptsWithRepeatsDropped) {
  ScopedEnv cache("AUTOTUNER_DATASET_CACHE", dir_.string());
  const std::string url = "https://example.com/api_logs.csv.gz";
  WriteGz(*DatasetCachePath(url), "id,prompt\n1,hello there\n2,\"a, quoted\"\n3,hello there\n4,third\n");
  const auto path = ResolveDatasetUrl(url);
  ASSERT_TRUE(path.ok()) << path.error().message;
  const auto prompts = LoadDatasetPrompts(*path, "prompt");
  ASSERT_TRUE(prompts.ok()) << prompts.error().message;
  EXPECT_EQ(*prompts, (std::vector<std::string>{"hello there", "a, quoted", "hello there", "third"}));

  task::Benchmark benchmark;
  benchmark.model_tokenizer = "gpt2";
  benchmark.traffic_scenarios = {*task::ParseScenario("D(100,10)")};
  benchmark.num_concurrency = {1};
  benchmark.max_requests_per_iteration = 6;
  benchmark.max_time_per_iteration = 5;
  benchmark.dataset_url = url;
  benchmark.dataset_deduplicate = true;
  const auto spec = MakeBenchSpec(benchmark, {}, "http://127.0.0.1:1", 1);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  std::set<std::string> sent;
  for (const auto& plan : spec->runs.at(0).plans) sent.insert(plan.prompt);
  EXPECT_EQ(sent, (std::set<std::string>{"hello there", "a, quoted", "third"}));

  benchmark.dataset_url = "https://example.com/other.csv.gz";
  const auto absent = MakeBenchSpec(benchmark, {}, "http://127.0.0.1:1", 1);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code, ErrorCode::kNotFound);
}

TEST_F(DatasetCacheTest, ReadingIsCappedAndBrokenGzipIsAnError) {
  WriteGz(dir_ / "big.jsonl.gz", std::string(10000, 'x'));
  const auto capped = ReadDatasetFile(dir_ / "big.jsonl.gz", 4096);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().code, ErrorCode::kResourceExhausted);
  std::ofstream(dir_ / "plain.jsonl") << std::string(5000, 'y');
  EXPECT_EQ(ReadDatasetFile(dir_ / "plain.jsonl", 4096).error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(ReadDatasetFile(dir_ / "plain.jsonl")->size(), 5000u);
  // A download cut off half-way.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"prompt\": \"line " + std::to_string(i) + "\"}\n";
  WriteGz(dir_ / "cut.jsonl.gz", text);
  fs::resize_file(dir_ / "cut.jsonl.gz", fs::file_size(dir_ / "cut.jsonl.gz") / 2);
  const auto cut = ReadDatasetFile(dir_ / "cut.jsonl.gz");
  ASSERT_FALSE(cut.ok());
  EXPECT_THAT(cut.error().message, HasSubstr("not valid gzip"));
}

}  // namespace
}  // namespace autotuner::bench
