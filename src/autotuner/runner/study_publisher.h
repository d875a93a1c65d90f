#pragma once

// Persist, then publish: a study's log lines, statuses and progress are written to the store and then
// published on the event bus. Shared by the study loop, its experiments' threads and recovery.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "autotuner/bench/load_generator.h"
#include "autotuner/core/experiment_kind.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/opt/outcome.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/store/store.h"

namespace autotuner::runner {

class StudyPublisher {
 public:
  StudyPublisher(store::Store& store, EventBus* events, int64_t task_id)
      : store_(store), events_(events), task_id_(task_id) {}

  // `announces`: the status a `Status:` line states, so watchers need not read the text.
  void Log(std::optional<int64_t> number, const std::string& level, const std::string& line,
           std::optional<ExperimentStatus> announces = std::nullopt);
  // Every experiment this study logs about was stored (or recovered) by it: its store id is known then.
  void Remember(int64_t number, int64_t id);
  void Publish(StudyEvent event);
  // The stored experiment as the API shows it, as experiment_created / experiment_finished.
  void PublishCreated(int64_t experiment_id);
  void PublishFinished(int64_t experiment_id);
  Status SetTaskStatus(TaskStatus status, const std::string& reason);
  void SetExperimentStatus(int64_t id, int64_t number, ExperimentStatus status);

  // ---- progress, updated from the study thread and read by the experiments' threads too
  // The study's clock starts now; progress counts against `max_iterations`.
  void StartClock(int64_t max_iterations);
  void ExperimentStarted();
  // `finished`: the experiment ran to an end (not cancelled). Only search experiments count against
  // max_iterations; a re-measurement is never the best.
  void ExperimentEnded(ExperimentRef experiment, ExperimentKind kind, bool finished,
                       const opt::Outcome& outcome);
  int64_t done() const;
  void PublishProgress(const bench::Progress* bench, int64_t number = 0);

 private:
  using Clock = std::chrono::steady_clock;

  std::optional<Json> StoredExperiment(int64_t experiment_id);

  store::Store& store_;
  EventBus* events_;
  int64_t task_id_;
  mutable std::mutex progress_mutex_;
  Clock::time_point started_ = Clock::now();
  int64_t max_iterations_ = 0;
  int64_t done_ = 0;
  int64_t running_ = 0;
  std::optional<double> best_score_;
  std::optional<ExperimentRef> best_experiment_;
  std::mutex ids_mutex_;
  std::map<int64_t, int64_t> ids_;
};

// "[Experiment N]", the prefix of every line about one experiment (SPEC §5).
std::string ExperimentPrefix(int64_t number);
std::string Upper(std::string_view text);
std::string FormatScore(double v);

}  // namespace autotuner::runner
