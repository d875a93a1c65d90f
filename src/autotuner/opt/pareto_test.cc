#include "autotuner/opt/pareto.h"

#include <gtest/gtest.h>

namespace autotuner::opt {
namespace {

TEST(ParetoTest, DominanceNeedsOneStrictImprovement) {
  EXPECT_TRUE(Dominates(std::vector<double>{1, 2}, std::vector<double>{1, 3}));
  EXPECT_FALSE(Dominates(std::vector<double>{1, 2}, std::vector<double>{1, 2}));
  EXPECT_FALSE(Dominates(std::vector<double>{0, 3}, std::vector<double>{1, 2}));
}

TEST(ParetoTest, FrontKeepsTheNonDominatedPoints) {
  // Throughput (negated) vs p90 latency.
  const std::vector<std::vector<double>> points = {
      {-100, 2.0},  // front
      {-90, 2.5},   // dominated by 0
      {-120, 3.0},  // front
      {-80, 1.0},   // front
      {-120, 3.0},  // equal to 2: kept too
      {-70, 1.5},   // dominated by 3
  };
  EXPECT_EQ(ParetoFront(points), (std::vector<size_t>{0, 2, 3, 4}));
  EXPECT_TRUE(ParetoFront(std::vector<std::vector<double>>{}).empty());
}

}  // namespace
}  // namespace autotuner::opt
