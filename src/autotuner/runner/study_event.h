#pragma once

// What a study tells its watchers (SPEC §5, §6), as types: the event bus carries these, the SSE stream and
// the CLI printer read them, and their one JSON form (`{type, data}`) is described by StudyEventSchema(),
// which a test writes to docs/study-events.schema.json with sample events the web's tests decode. Consumers
// switch on the alternative, never on log text; the `[Experiment N] Status: X` lines stay for people.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "autotuner/core/json.h"
#include "autotuner/core/vocabulary.h"

namespace autotuner::runner {

struct TaskStatusChanged {
  int64_t task_id = 0;
  TaskStatus status = TaskStatus::kPending;
  std::string stop_reason;
};

// An experiment as the API shows it (runner/results.h ExperimentJson): stored (`created`) or ended.
struct ExperimentCreated {
  Json experiment;
};
struct ExperimentFinished {
  Json experiment;
};

struct ExperimentStatusChanged {
  int64_t task_id = 0;
  int64_t id = 0;      // the store's experiment id
  int64_t number = 0;  // the experiment's number within its task
  ExperimentStatus status = ExperimentStatus::kPending;
  double at = 0;
};

// An experiment by both its names: the store's id (`/api/experiments/{id}`) and its number within its task
// (`[Experiment N]`, exports' `experiment_id`).
struct ExperimentRef {
  int64_t id = 0;
  int64_t number = 0;
};
Json RefJson(const std::optional<ExperimentRef>& ref);  // {id, number}, or null

// Where one experiment's benchmark stands (while it runs).
struct BenchProgress {
  int64_t number = 0;
  int64_t run = 0;  // 1-based
  int64_t runs = 0;
  bool warming_up = false;
  int64_t completed = 0;
  int64_t errors = 0;
  double elapsed_s = 0;
};

struct StudyProgress {
  int64_t task_id = 0;
  int64_t max_iterations = 0;
  int64_t done = 0;
  int64_t running = 0;
  std::optional<double> best_score;
  std::optional<ExperimentRef> best_experiment;
  double elapsed_s = 0;
  std::optional<double> eta_s;
  std::optional<BenchProgress> bench;
};

// One line of the task's log. `log_id` is absent when the store refused the line (then `store_error` says
// why and the line still reaches live watchers); `announces` is the status a `Status:` line states.
struct LogLine {
  int64_t task_id = 0;
  std::optional<int64_t> log_id;
  std::optional<int64_t> number;
  std::string level;
  std::string text;
  double at = 0;
  std::optional<ExperimentStatus> announces;
  std::string store_error;
};

// A study that could not run or ended in an error (the error's ToJson form).
struct StudyError {
  int64_t task_id = 0;
  Json error;
};

using StudyEvent = std::variant<TaskStatusChanged, ExperimentCreated, ExperimentStatusChanged,
                                ExperimentFinished, StudyProgress, LogLine, StudyError>;

// The event's wire type: task_status, experiment_created, experiment_status, experiment_finished, progress,
// log (log_unstored for a line the store refused), error.
std::string_view TypeOf(const StudyEvent& event);
// Its data, the `data:` of an SSE frame.
Json DataOf(const StudyEvent& event);
// Every wire type, in the order of the variant.
std::span<const std::string_view> StudyEventTypes();
// The JSON Schema of `{type, data}` over every alternative.
Json StudyEventSchema();

}  // namespace autotuner::runner
