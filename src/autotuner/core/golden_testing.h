#pragma once

// Test support: compare generated text with a file checked into the repository, or rewrite the file when
// AUTOTUNER_UPDATE_GOLDEN is set (then the test is skipped, and the diff is for a person to review).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace autotuner::testing {

inline std::string ReadGoldenFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// `path` relative to the source tree (AUTOTUNER_SOURCE_DIR); `test` names the test that writes it.
inline void ExpectGoldenFile(const std::string& path, const std::string& text, const std::string& test) {
  const std::filesystem::path full = std::filesystem::path(AUTOTUNER_SOURCE_DIR) / path;
  if (const char* update = std::getenv("AUTOTUNER_UPDATE_GOLDEN"); update != nullptr && *update != '\0') {
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary | std::ios::trunc) << text;
    GTEST_SKIP() << "rewrote " << full;
  }
  ASSERT_TRUE(std::filesystem::exists(full)) << full << " is missing";
  EXPECT_EQ(ReadGoldenFile(full), text)
      << path << " is out of date; if the change is intended, regenerate it with AUTOTUNER_UPDATE_GOLDEN=1 "
      << "build/debug/bin/autotuner_unit_tests --gtest_filter='" << test << "' and review the diff";
}

}  // namespace autotuner::testing
