#include "autotuner/core/vocabulary.h"

#include <utility>

namespace autotuner {
namespace {

constexpr std::array<std::pair<TaskStatus, std::string_view>, kTaskStatuses.size()> kTaskStatusNames = {{
    {TaskStatus::kPending, "pending"},
    {TaskStatus::kRunning, "running"},
    {TaskStatus::kCompleted, "completed"},
    {TaskStatus::kFailed, "failed"},
    {TaskStatus::kCancelled, "cancelled"},
}};

constexpr std::array<std::pair<ExperimentStatus, std::string_view>, kExperimentStatuses.size()>
    kExperimentStatusNames = {{
        {ExperimentStatus::kPending, "pending"},
        {ExperimentStatus::kDeploying, "deploying"},
        {ExperimentStatus::kBenchmarking, "benchmarking"},
        {ExperimentStatus::kSuccess, "success"},
        {ExperimentStatus::kFailed, "failed"},
        {ExperimentStatus::kPruned, "pruned"},
        {ExperimentStatus::kCancelled, "cancelled"},
    }};

constexpr std::array<std::pair<FailureClass, std::string_view>, kFailureClasses.size()> kFailureClassNames = {
    {
        {FailureClass::kOom, "oom"},
        {FailureClass::kDeployFailed, "deploy_failed"},
        {FailureClass::kSloViolation, "slo_violation"},
        {FailureClass::kTimeout, "timeout"},
        {FailureClass::kCrashed, "crashed"},
        {FailureClass::kBenchFailed, "bench_failed"},
        {FailureClass::kInterrupted, "interrupted"},
        {FailureClass::kPruned, "pruned"},
        {FailureClass::kInternal, "internal"},
    }};

template <typename Enum, size_t N>
std::string_view NameIn(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return table.front().second;  // unreachable: every enumerator is in its table (vocabulary_test)
}

template <typename Enum, size_t N>
std::optional<Enum> ParseIn(const std::array<std::pair<Enum, std::string_view>, N>& table,
                            std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(TaskStatus status) { return NameIn(kTaskStatusNames, status); }
std::optional<TaskStatus> ParseTaskStatus(std::string_view name) { return ParseIn(kTaskStatusNames, name); }
bool IsFinal(TaskStatus status) {
  return status == TaskStatus::kCompleted || status == TaskStatus::kFailed ||
         status == TaskStatus::kCancelled;
}

std::string_view Name(ExperimentStatus status) { return NameIn(kExperimentStatusNames, status); }
std::optional<ExperimentStatus> ParseExperimentStatus(std::string_view name) {
  return ParseIn(kExperimentStatusNames, name);
}
bool IsActive(ExperimentStatus status) {
  return status == ExperimentStatus::kPending || status == ExperimentStatus::kDeploying ||
         status == ExperimentStatus::kBenchmarking;
}
bool IsFinal(ExperimentStatus status) { return !IsActive(status); }

std::string_view Name(FailureClass failure) { return NameIn(kFailureClassNames, failure); }
std::optional<FailureClass> ParseFailureClass(std::string_view name) {
  return ParseIn(kFailureClassNames, name);
}
std::string_view FailureClassName(const std::optional<FailureClass>& failure) {
  return failure ? Name(*failure) : std::string_view();
}

}  // namespace autotuner
