#include <algorithm>
#include <cmath>

#include "autotuner/opt/strategies.h"

namespace autotuner::opt {

namespace {

class GridSearch final : public Strategy {
 public:
  GridSearch(Space space, const task::Optimization& optimization, StrategyOptions options)
      : Strategy("grid_search", std::move(space), optimization, std::move(options)) {}

 protected:
  void Generate(size_t k, std::vector<Candidate>& batch) override {
    while (batch.size() < k) {
      auto c = TakeSpaceFilling();
      if (!c) return;
      batch.push_back(std::move(*c));
    }
  }

  std::optional<uint64_t> Levels(size_t dim) const override {
    if (space().dim(dim).discrete()) return Strategy::Levels(dim);
    return std::max<size_t>(options().grid_float_levels, 1);
  }

  double Snap(size_t dim, double u) const override {
    if (space().dim(dim).discrete()) return Strategy::Snap(dim, u);
    const auto n = static_cast<double>(*Levels(dim));
    if (n <= 1) return space().SnapUnit(dim, 0.5);
    const double level = std::min(std::floor(std::max(u, 0.0) * n), n - 1);
    return space().SnapUnit(dim, level / (n - 1));
  }
};

}  // namespace

std::unique_ptr<Strategy> MakeGridSearch(Space space, const task::Optimization& optimization,
                                         StrategyOptions options) {
  return std::make_unique<GridSearch>(std::move(space), optimization, std::move(options));
}

}  // namespace autotuner::opt
