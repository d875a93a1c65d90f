#include "autotuner/runner/study_publisher.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "autotuner/runner/baseline.h"
#include "autotuner/runner/results.h"

namespace autotuner::runner {

void StudyPublisher::Log(std::optional<int64_t> number, const std::string& level, const std::string& line,
                         std::optional<ExperimentStatus> announces) {
  LogLine event;
  event.task_id = task_id_;
  event.number = number;
  event.level = level;
  event.text = SanitizeUtf8(line);
  event.at = store::Now();
  event.announces = announces;
  std::optional<int64_t> experiment_id;
  if (number) {
    std::lock_guard lock(ids_mutex_);
    if (auto it = ids_.find(*number); it != ids_.end()) experiment_id = it->second;
  }
  // A line the store refuses (full disk, lost database) still reaches live watchers and the console.
  auto id = store_.AppendLog(task_id_, experiment_id, level, event.text);
  if (id.ok()) {
    event.log_id = *id;
  } else {
    event.store_error = id.error().message;
  }
  Publish(std::move(event));
}

void StudyPublisher::Remember(int64_t number, int64_t id) {
  std::lock_guard lock(ids_mutex_);
  ids_[number] = id;
}

void StudyPublisher::Publish(StudyEvent event) {
  if (events_ != nullptr) events_->Publish(task_id_, std::move(event));
}

std::optional<Json> StudyPublisher::StoredExperiment(int64_t experiment_id) {
  auto e = store_.GetExperiment(experiment_id);
  if (!e.ok()) return std::nullopt;
  auto task = store_.GetTask(task_id_);
  const task::Objective objective =
      task.ok() ? PrimaryObjective(task->spec) : task::Objective::kMinimizeLatency;
  return ExperimentJson(*e, objective);
}

void StudyPublisher::PublishCreated(int64_t experiment_id) {
  if (auto e = StoredExperiment(experiment_id)) Publish(ExperimentCreated{std::move(*e)});
}

void StudyPublisher::PublishFinished(int64_t experiment_id) {
  if (auto e = StoredExperiment(experiment_id)) Publish(ExperimentFinished{std::move(*e)});
}

Status StudyPublisher::SetTaskStatus(TaskStatus status, const std::string& reason) {
  auto stored = store_.SetTaskStatus(task_id_, status, reason);
  if (!stored.ok()) return stored;
  Log(std::nullopt, "info",
      "Task status: " + Upper(Name(status)) + (reason.empty() ? "" : " (" + reason + ")"));
  Publish(TaskStatusChanged{task_id_, status, reason});
  return {};
}

void StudyPublisher::SetExperimentStatus(int64_t id, int64_t number, ExperimentStatus status) {
  auto stored = store_.SetExperimentStatus(id, status);
  if (!stored.ok()) Log(number, "error", "cannot store status: " + stored.error().message);
  Log(number, "info", ExperimentPrefix(number) + " Status: " + Upper(Name(status)), status);
  Publish(ExperimentStatusChanged{task_id_, id, number, status, store::Now()});
}

void StudyPublisher::StartClock(int64_t max_iterations) {
  std::lock_guard lock(progress_mutex_);
  started_ = Clock::now();
  max_iterations_ = max_iterations;
}

void StudyPublisher::ExperimentStarted() {
  std::lock_guard lock(progress_mutex_);
  ++running_;
}

void StudyPublisher::ExperimentEnded(ExperimentRef experiment, ExperimentKind kind, bool finished,
                                     const opt::Outcome& outcome) {
  std::lock_guard lock(progress_mutex_);
  if (finished && CountsAgainstBudget(kind)) ++done_;
  --running_;
  if (kind != ExperimentKind::kConfirm && outcome.feasible() &&
      (!best_score_ || outcome.score() < *best_score_)) {
    best_score_ = outcome.score();
    best_experiment_ = experiment;
  }
}

int64_t StudyPublisher::done() const {
  std::lock_guard lock(progress_mutex_);
  return done_;
}

void StudyPublisher::PublishProgress(const bench::Progress* bench, int64_t number) {
  std::unique_lock lock(progress_mutex_);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  StudyProgress event;
  event.task_id = task_id_;
  event.max_iterations = max_iterations_;
  event.done = done_;
  event.running = running_;
  event.best_score = best_score_;
  event.best_experiment = best_experiment_;
  event.elapsed_s = elapsed;
  if (done_ > 0 && max_iterations_ > 0) {
    const double per = elapsed / static_cast<double>(done_);
    event.eta_s = std::max(0.0, per * static_cast<double>(max_iterations_ - done_));
  }
  if (bench != nullptr) {
    event.bench = BenchProgress{number,
                                static_cast<int64_t>(bench->run_index) + 1,
                                static_cast<int64_t>(bench->num_runs),
                                bench->warming_up,
                                static_cast<int64_t>(bench->completed),
                                static_cast<int64_t>(bench->errors),
                                bench->elapsed_s};
  }
  lock.unlock();
  Publish(std::move(event));
}

std::string ExperimentPrefix(int64_t number) { return "[Experiment " + std::to_string(number) + "]"; }

std::string Upper(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string FormatScore(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

}  // namespace autotuner::runner
