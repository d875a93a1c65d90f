#include "autotuner/task/defaults.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

namespace autotuner::task {
namespace {

TEST(DefaultsTest, SpecDefaults) {
  EXPECT_EQ(DefaultFor("optimization.strategy"), "grid_search");
  EXPECT_EQ(DefaultFor("optimization.max_iterations"), 100);
  EXPECT_EQ(DefaultFor("optimization.timeout_per_iteration"), 1800);
  EXPECT_EQ(DefaultFor("benchmark.max_requests_per_iteration"), 50);
  EXPECT_EQ(DefaultFor("slo.*.fail_ratio"), 0.5);
}

TEST(DefaultsTest, UnknownPathIsABug) { EXPECT_THROW(DefaultFor("no.such.field"), std::logic_error); }

TEST(DefaultsTest, PathsAreUniqueAndNestedJsonHasThemAll) {
  std::set<std::string_view> paths;
  for (const auto& d : TaskDefaults()) EXPECT_TRUE(paths.insert(d.path).second) << d.path;
  const Json nested = TaskDefaultsJson();
  EXPECT_EQ(nested["optimization"]["objective"], "minimize_latency");
  EXPECT_EQ(nested["benchmark"]["dataset"]["prompt_column"], "prompt");
  EXPECT_EQ(nested["slo"]["*"]["weight"], 1.0);
}

}  // namespace
}  // namespace autotuner::task
