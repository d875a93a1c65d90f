#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "autotuner/core/vocabulary.h"

namespace autotuner {

// Typed failure categories. Each maps to one CLI exit code (SPEC §5) and one HTTP status (SPEC §6).
enum class ErrorCode {
  kInvalidArgument,  // bad flags or request parameters
  kValidation,       // a task or body that parsed but breaks a rule
  kParse,            // input whose syntax is broken (YAML, JSON)
  kNotFound,
  kAlreadyExists,
  kConflict,        // valid request in the wrong state (e.g. replacing a running task)
  kHasExperiments,  // changing a task whose experiments were measured under its current document
  kUnauthenticated,
  kPermissionDenied,
  kResourceExhausted,
  kUnavailable,  // a dependency (engine, store, daemon) cannot be reached
  kTimeout,
  kCancelled,
  kNoFeasible,  // a study finished without any feasible configuration
  kUnsupported,
  kIo,
  kInternal,
};

// Stable snake_case name, used as the `type` of API errors and in logs.
std::string_view ErrorCodeName(ErrorCode code);
int ExitCodeFor(ErrorCode code);
int HttpStatusFor(ErrorCode code);

// Process exit codes of SPEC §5.
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitInvalidInput = 2;
inline constexpr int kExitNoFeasible = 3;
inline constexpr int kExitInterrupted = 130;

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
  // The experiment failure this is, where its source can tell (a deployer: oom or deploy_failed; a bench job:
  // bench_failed; a deadline: timeout); the runner stores it as the experiment's error_class.
  std::optional<FailureClass> failure;

  // `{"error": {"code", "type", "message", "details"}}` as the REST API returns it; a failure class is
  // details.error_class.
  nlohmann::ordered_json ToJson() const;
};

}  // namespace autotuner
