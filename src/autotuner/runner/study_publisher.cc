#include "autotuner/runner/study_publisher.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "autotuner/runner/baseline.h"
#include "autotuner/runner/results.h"

namespace autotuner::runner {

void StudyPublisher::Log(std::optional<int64_t> number, const std::string& level, const std::string& line) {
  const std::string clean = SanitizeUtf8(line);
  std::optional<int64_t> experiment_id;
  if (number) {
    std::lock_guard lock(ids_mutex_);
    if (auto it = ids_.find(*number); it != ids_.end()) experiment_id = it->second;
  }
  auto id = store_.AppendLog(task_id_, experiment_id, level, clean);
  if (!id.ok()) {
    // The store refuses writes (full disk, lost database): the line still reaches the console.
    Publish("log_unstored", {{"task_id", task_id_},
                             {"experiment_id", number ? Json(*number) : Json(nullptr)},
                             {"level", level},
                             {"line", clean},
                             {"store_error", id.error().message},
                             {"at", store::Now()}});
    return;
  }
  Publish("log", {{"task_id", task_id_},
                  {"log_id", *id},
                  {"experiment_id", number ? Json(*number) : Json(nullptr)},
                  {"level", level},
                  {"line", clean},
                  {"at", store::Now()}});
}

void StudyPublisher::Remember(int64_t number, int64_t id) {
  std::lock_guard lock(ids_mutex_);
  ids_[number] = id;
}

void StudyPublisher::Publish(const std::string& type, Json data) {
  if (events_ != nullptr) events_->Publish(task_id_, type, std::move(data));
}

void StudyPublisher::PublishFinished(int64_t experiment_id, const std::string& type) {
  auto e = store_.GetExperiment(experiment_id);
  if (!e.ok()) return;
  auto task = store_.GetTask(task_id_);
  const task::Objective objective =
      task.ok() ? PrimaryObjective(task->spec) : task::Objective::kMinimizeLatency;
  Publish(type, ExperimentJson(*e, objective));
}

Status StudyPublisher::SetTaskStatus(TaskStatus status, const std::string& reason) {
  auto stored = store_.SetTaskStatus(task_id_, status, reason);
  if (!stored.ok()) return stored;
  Log(std::nullopt, "info",
      "Task status: " + Upper(Name(status)) + (reason.empty() ? "" : " (" + reason + ")"));
  Publish("task_status", TaskStatusEvent(task_id_, status, reason));
  return {};
}

void StudyPublisher::SetExperimentStatus(int64_t id, int64_t number, ExperimentStatus status) {
  auto stored = store_.SetExperimentStatus(id, status);
  if (!stored.ok()) Log(number, "error", "cannot store status: " + stored.error().message);
  Log(number, "info", ExperimentPrefix(number) + " Status: " + Upper(Name(status)));
  Publish("experiment_status", {{"task_id", task_id_},
                                {"id", id},
                                {"experiment_id", number},
                                {"status", Name(status)},
                                {"at", store::Now()}});
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

void StudyPublisher::ExperimentEnded(int64_t id, ExperimentKind kind, bool finished,
                                     const opt::Outcome& outcome) {
  std::lock_guard lock(progress_mutex_);
  if (finished && CountsAgainstBudget(kind)) ++done_;
  --running_;
  if (kind != ExperimentKind::kConfirm && outcome.feasible() &&
      (!best_score_ || outcome.score() < *best_score_)) {
    best_score_ = outcome.score();
    best_experiment_ = id;
  }
}

int64_t StudyPublisher::done() const {
  std::lock_guard lock(progress_mutex_);
  return done_;
}

void StudyPublisher::PublishProgress(const bench::Progress* bench, int64_t number) {
  std::unique_lock lock(progress_mutex_);
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  Json eta = nullptr;
  if (done_ > 0 && max_iterations_ > 0) {
    const double per = elapsed / static_cast<double>(done_);
    eta = std::max(0.0, per * static_cast<double>(max_iterations_ - done_));
  }
  Json bench_json = nullptr;
  if (bench != nullptr) {
    bench_json = {{"experiment_id", number},       {"run", bench->run_index + 1},
                  {"runs", bench->num_runs},       {"warming_up", bench->warming_up},
                  {"completed", bench->completed}, {"errors", bench->errors},
                  {"elapsed_s", bench->elapsed_s}};
  }
  Json data = {{"task_id", task_id_},
               {"max_iterations", max_iterations_},
               {"done", done_},
               {"running", running_},
               {"best_score", best_score_ ? Json(*best_score_) : Json(nullptr)},
               {"best_experiment_id", best_experiment_ ? Json(*best_experiment_) : Json(nullptr)},
               {"elapsed_s", elapsed},
               {"eta_s", eta},
               {"bench", bench_json}};
  lock.unlock();
  Publish("progress", std::move(data));
}

std::string ExperimentPrefix(int64_t number) { return "[Experiment " + std::to_string(number) + "]"; }

std::string Upper(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Json TaskStatusEvent(int64_t task_id, TaskStatus status, const std::string& stop_reason) {
  return {{"task_id", task_id}, {"status", Name(status)}, {"stop_reason", stop_reason}};
}

std::string FormatScore(double v) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  return out.str();
}

}  // namespace autotuner::runner
