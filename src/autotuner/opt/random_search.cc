#include "autotuner/opt/strategies.h"

namespace autotuner::opt {

namespace {

class RandomSearch final : public Strategy {
 public:
  RandomSearch(Space space, const task::Optimization& optimization, StrategyOptions options)
      : Strategy("random", std::move(space), optimization, std::move(options)) {}

 protected:
  void Generate(size_t k, std::vector<Candidate>& batch) override {
    while (batch.size() < k) {
      auto c = TakeRandom();
      if (!c) return;
      batch.push_back(std::move(*c));
    }
  }
};

}  // namespace

std::unique_ptr<Strategy> MakeRandomSearch(Space space, const task::Optimization& optimization,
                                           StrategyOptions options) {
  return std::make_unique<RandomSearch>(std::move(space), optimization, std::move(options));
}

}  // namespace autotuner::opt
