#pragma once

// The study's statuses and failure classes (SPEC §5) as types. Their names are the wire strings of the
// store's columns, the REST API and the event stream: strings only at those edges, enums everywhere else, so
// adding a value touches this file (and the web's generated types) and a typo does not compile.

#include <array>
#include <optional>
#include <string_view>

namespace autotuner {

enum class TaskStatus { kPending, kRunning, kCompleted, kFailed, kCancelled };

inline constexpr std::array<TaskStatus, 5> kTaskStatuses = {TaskStatus::kPending, TaskStatus::kRunning,
                                                            TaskStatus::kCompleted, TaskStatus::kFailed,
                                                            TaskStatus::kCancelled};

std::string_view Name(TaskStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);
// Completed, failed or cancelled: the study has ended (a final status stamps finished_at).
bool IsFinal(TaskStatus status);
// The stop_reason of a study cancelled by a person (the others are the optimizer's opt::StopReason names, or
// an error message).
inline constexpr std::string_view kStopReasonCancelled = "cancelled";

enum class ExperimentStatus { kPending, kDeploying, kBenchmarking, kSuccess, kFailed, kPruned, kCancelled };

inline constexpr std::array<ExperimentStatus, 7> kExperimentStatuses = {
    ExperimentStatus::kPending,  ExperimentStatus::kDeploying, ExperimentStatus::kBenchmarking,
    ExperimentStatus::kSuccess,  ExperimentStatus::kFailed,    ExperimentStatus::kPruned,
    ExperimentStatus::kCancelled};

std::string_view Name(ExperimentStatus status);
std::optional<ExperimentStatus> ParseExperimentStatus(std::string_view name);
// Pending, deploying or benchmarking: the experiment has not ended (a dead run leaves such ones behind).
bool IsActive(ExperimentStatus status);
bool IsFinal(ExperimentStatus status);

// Why an experiment failed: the error_class of a failed experiment, and the optimizer's infeasibility reason
// (opt::InfeasibleReason), which adds `interrupted` (the study stopped mid-experiment) and `pruned` (rejected
// before deploy). `internal` is a bug or resource failure of autotuner itself.
enum class FailureClass {
  kOom,
  kDeployFailed,
  kSloViolation,  // a hard SLO was breached
  kTimeout,
  kCrashed,
  kBenchFailed,
  kInterrupted,
  kPruned,
  kInternal,
};

inline constexpr std::array<FailureClass, 9> kFailureClasses = {
    FailureClass::kOom,         FailureClass::kDeployFailed, FailureClass::kSloViolation,
    FailureClass::kTimeout,     FailureClass::kCrashed,      FailureClass::kBenchFailed,
    FailureClass::kInterrupted, FailureClass::kPruned,       FailureClass::kInternal};

std::string_view Name(FailureClass failure);
std::optional<FailureClass> ParseFailureClass(std::string_view name);
// The stored error_class: "" for none.
std::string_view FailureClassName(const std::optional<FailureClass>& failure);

}  // namespace autotuner
