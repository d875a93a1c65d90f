#pragma once

#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/task/document.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::task {

// One finding about a task document: the field path it concerns and a message for humans.
struct Diagnostic {
  std::string path;  // "benchmark.num_concurrency[2]"; "" for the whole document
  std::string message;
  std::optional<SourceMark> mark;  // where the field stood in a YAML file
  bool operator==(const Diagnostic&) const = default;
};

struct TaskParseResult {
  std::optional<Task> task;  // set exactly when there are no errors
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
  bool ok() const { return errors.empty(); }
};

// Validates a task document and builds the normalised Task. Every error is reported, not just the first.
// With a runtime catalog, base_runtime must name one of its runtimes and every parameter must be one of that
// runtime's flags, with values of the flag's type and among its choices; without one, base_runtime is checked
// against the built-in names only.
TaskParseResult ParseTask(const Json& document, const RuntimeCatalog* runtimes = nullptr);

// As ParseTask, with each diagnostic given the source position of its field (or its nearest parent).
TaskParseResult ParseTask(const Document& document, const RuntimeCatalog* runtimes = nullptr);

// Reads and validates a task file. Unreadable files and syntax errors are returned as Error
// (kInvalidArgument, kParse); validation findings are in the TaskParseResult.
Result<TaskParseResult> LoadTaskFile(const std::string& path, const RuntimeCatalog* runtimes = nullptr);

// The normalised task: every field with its value or default, canonical spellings; parsing it gives back an
// equal Task.
Json TaskToJson(const Task& task);

// "file:line:col: path: message" (position and path left out where unknown).
std::string FormatDiagnostic(const Diagnostic& diagnostic, std::string_view source);

// A kValidation Error whose details.errors are [{path, message}], for the API and the CLI.
Error ValidationError(const TaskParseResult& result);

// The task name with every character outside [A-Za-z0-9._-] replaced by '-'.
std::string SanitizeTaskName(std::string_view name);
// task_name's limit (it names engines: container names, Kubernetes labels).
inline constexpr size_t kMaxTaskNameLength = 63;

}  // namespace autotuner::task
