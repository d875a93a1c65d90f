#include "autotuner/task/vocabulary.h"

namespace autotuner::task {

std::optional<QuantizationPreset> FindQuantizationPreset(std::string_view name) {
  for (const auto& preset : kQuantizationPresets) {
    if (preset.name == name) return preset;
  }
  return std::nullopt;
}

std::span<const std::string_view> QuantizationPresetNames() {
  static const std::array<std::string_view, kQuantizationPresets.size()> names = [] {
    std::array<std::string_view, kQuantizationPresets.size()> out{};
    for (size_t i = 0; i < out.size(); ++i) out[i] = kQuantizationPresets[i].name;
    return out;
  }();
  return names;
}

std::optional<Strategy> ParseStrategy(std::string_view name) {
  if (name == "grid_search" || name == "grid") return Strategy::kGridSearch;
  if (name == "random" || name == "random_search") return Strategy::kRandom;
  if (name == "bayesian") return Strategy::kBayesian;
  return std::nullopt;
}

std::optional<Objective> ParseObjective(std::string_view name) {
  for (size_t i = 0; i < kObjectives.size(); ++i) {
    if (kObjectives[i] == name) return static_cast<Objective>(i);
  }
  return std::nullopt;
}

std::optional<DeploymentMode> ParseDeploymentMode(std::string_view name) {
  for (size_t i = 0; i < kDeploymentModes.size(); ++i) {
    if (kDeploymentModes[i] == name) return static_cast<DeploymentMode>(i);
  }
  return std::nullopt;
}

std::string_view Name(DeploymentMode mode) { return kDeploymentModes[static_cast<size_t>(mode)]; }
std::string_view Name(Strategy strategy) { return kStrategies[static_cast<size_t>(strategy)]; }
std::string_view Name(Objective objective) { return kObjectives[static_cast<size_t>(objective)]; }
std::string_view Name(BenchmarkTask task) { return kBenchmarkTasks[static_cast<size_t>(task)]; }
std::string_view Name(Api api) { return kApis[static_cast<size_t>(api)]; }
std::string_view Name(KubernetesOptions::Bench bench) { return kKubernetesBench[static_cast<size_t>(bench)]; }
std::string_view Name(Parameter::Kind kind) {
  switch (kind) {
    case Parameter::Kind::kCategorical:
      return "categorical";
    case Parameter::Kind::kInteger:
      return "integer";
    case Parameter::Kind::kFloat:
      return "float";
  }
  return "categorical";
}

}  // namespace autotuner::task
