// Replays every checked-in fuzz seed (tests/fuzz/<target>/, plus the example task files for the task
// parser) through the same target bodies libFuzzer runs, here under gcc's ASan + UBSan: a seed that once
// crashed a parser stays a regression test even where clang's fuzz build is not run.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace autotuner::fuzz {
int TaskDocument(const uint8_t* data, size_t size);
int EngineStream(const uint8_t* data, size_t size);
int TokenizerJson(const uint8_t* data, size_t size);
int Scenario(const uint8_t* data, size_t size);
}  // namespace autotuner::fuzz

namespace {

namespace fs = std::filesystem;

// Runs `target` on every file of the directories (relative to the source tree); returns how many.
size_t Replay(int (*target)(const uint8_t*, size_t), const std::vector<std::string>& directories) {
  size_t count = 0;
  for (const auto& directory : directories) {
    const fs::path path = fs::path(AUTOTUNER_SOURCE_DIR) / directory;
    EXPECT_TRUE(fs::is_directory(path)) << path;
    if (!fs::is_directory(path)) continue;
    for (const auto& entry : fs::directory_iterator(path)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      SCOPED_TRACE(entry.path().string());
      EXPECT_EQ(target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
      ++count;
    }
  }
  return count;
}

TEST(FuzzReplay, TaskDocumentSeeds) {
  EXPECT_GE(Replay(autotuner::fuzz::TaskDocument,
                   {"tests/fuzz/task_document", "examples", "tests/fixtures/original_forms"}),
            10u);
}

TEST(FuzzReplay, EngineStreamSeeds) {
  EXPECT_GE(Replay(autotuner::fuzz::EngineStream, {"tests/fuzz/engine_stream"}), 3u);
}

TEST(FuzzReplay, ScenarioSeeds) { EXPECT_GE(Replay(autotuner::fuzz::Scenario, {"tests/fuzz/scenario"}), 6u); }

TEST(FuzzReplay, TokenizerJsonSeeds) {
  EXPECT_GE(Replay(autotuner::fuzz::TokenizerJson, {"tests/fuzz/tokenizer_json"}), 2u);
}

}  // namespace
