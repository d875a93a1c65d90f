#pragma once

#include <span>
#include <vector>

namespace autotuner::opt {

// True when a is at least as good as b in every objective and better in one (all objectives minimised).
bool Dominates(std::span<const double> a, std::span<const double> b);

// Indices of the points no other point dominates, in input order (equal points are all kept). Points of a
// different length than the first are ignored.
std::vector<size_t> ParetoFront(std::span<const std::vector<double>> points);

}  // namespace autotuner::opt
