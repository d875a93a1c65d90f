#pragma once

// Why an experiment ran (SPEC §5): proposed by the search, the engine's defaults measured first (number 0),
// or a re-measurement of an earlier experiment to confirm the winner. Strings only at the SQL / JSON edges.

#include <array>
#include <optional>
#include <string_view>

namespace autotuner {

enum class ExperimentKind { kSearch, kBaseline, kConfirm };

inline constexpr std::array<ExperimentKind, 3> kExperimentKinds = {
    ExperimentKind::kSearch, ExperimentKind::kBaseline, ExperimentKind::kConfirm};

constexpr std::string_view Name(ExperimentKind kind) {
  switch (kind) {
    case ExperimentKind::kSearch:
      return "search";
    case ExperimentKind::kBaseline:
      return "baseline";
    case ExperimentKind::kConfirm:
      return "confirm";
  }
  return "search";
}

constexpr std::optional<ExperimentKind> ParseExperimentKind(std::string_view name) {
  for (const auto kind : kExperimentKinds) {
    if (Name(kind) == name) return kind;
  }
  return std::nullopt;
}

// Baseline and confirmation experiments are outside max_iterations.
constexpr bool CountsAgainstBudget(ExperimentKind kind) { return kind == ExperimentKind::kSearch; }

}  // namespace autotuner
