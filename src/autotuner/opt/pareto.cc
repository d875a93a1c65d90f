#include "autotuner/opt/pareto.h"

namespace autotuner::opt {

bool Dominates(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return false;
  bool better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

std::vector<size_t> ParetoFront(std::span<const std::vector<double>> points) {
  std::vector<size_t> front;
  if (points.empty()) return front;
  const size_t m = points.front().size();
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].size() != m) continue;
    bool dominated = false;
    for (size_t j = 0; j < points.size() && !dominated; ++j) {
      dominated = j != i && Dominates(points[j], points[i]);
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

}  // namespace autotuner::opt
