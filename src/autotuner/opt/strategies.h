#pragma once

// Constructors of the concrete strategies, for MakeStrategy (strategy.h is the public interface).

#include <memory>

#include "autotuner/opt/strategy.h"

namespace autotuner::opt {

// Every configuration of the grid (float ranges at StrategyOptions::grid_float_levels values) in a seeded
// space-filling order, so a budget smaller than the grid still spreads over it.
std::unique_ptr<Strategy> MakeGridSearch(Space space, const task::Optimization& optimization,
                                         StrategyOptions options);

// Uniformly random configurations, seeded, without repeats.
std::unique_ptr<Strategy> MakeRandomSearch(Space space, const task::Optimization& optimization,
                                           StrategyOptions options);

// Gaussian-process Bayesian optimisation with a learned feasibility model (bayesian.cc).
std::unique_ptr<Strategy> MakeBayesian(Space space, const task::Optimization& optimization,
                                       StrategyOptions options);

}  // namespace autotuner::opt
