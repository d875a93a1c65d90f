#include "autotuner/core/log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace autotuner {
namespace {

TEST(LogTest, TaskLoggerHandsEachLineToItsSink) {
  std::vector<std::string> lines;
  auto logger = MakeTaskLogger(
      "task-1", [&](spdlog::level::level_enum, std::string_view line) { lines.emplace_back(line); });
  logger->info("[Experiment {}] Status: {}", 3, "DEPLOYING");
  logger->debug("below the level: dropped");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("[Experiment 3] Status: DEPLOYING"), std::string::npos);
  EXPECT_NE(lines[0].back(), '\n');
}

TEST(LogTest, ThrowingSinkDoesNotEscape) {
  auto logger = MakeTaskLogger("task-2", [](spdlog::level::level_enum, std::string_view) {
    throw std::runtime_error("consumer failed");
  });
  EXPECT_NO_THROW(logger->warn("still fine"));
}

}  // namespace
}  // namespace autotuner
