#include "autotuner/deploy/engine_log.h"

#include <algorithm>

#include "autotuner/core/guard.h"
#include "autotuner/core/json.h"

namespace autotuner::deploy {

using Clock = std::chrono::steady_clock;

void EngineLog::Append(std::string_view line) {
  {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
    if (lines_.size() > capacity_) lines_.pop_front();
  }
  if (!forward_) return;
  // Called on log reader threads: a failing sink must not end the reader (or the process).
  try {
    forward_(line);
  } catch (...) {
    std::lock_guard lock(mutex_);
    lines_.push_back("[autotuner] log line not forwarded: " + DescribeCurrentException());
    if (lines_.size() > capacity_) lines_.pop_front();
  }
}

void EngineLog::MarkDone() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  done_cv_.notify_all();
}

void EngineLog::WaitDone(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  done_cv_.wait_for(lock, timeout, [this] { return done_; });
}

std::vector<std::string> EngineLog::Tail(size_t lines) const {
  std::lock_guard lock(mutex_);
  const size_t n = std::min(lines, lines_.size());
  return std::vector<std::string>(lines_.end() - static_cast<std::ptrdiff_t>(n), lines_.end());
}

FailureClass ClassifyStartupFailure(const std::vector<std::string>& log_tail) {
  for (const auto& line : log_tail) {
    std::string lower(line);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* marker : {"out of memory", "outofmemoryerror", "not enough memory",
                               "insufficient memory", "no available memory for the cache blocks"}) {
      if (lower.find(marker) != std::string::npos) return FailureClass::kOom;
    }
  }
  return FailureClass::kDeployFailed;
}

namespace {

Error StartupFailure(const EngineExit& exit, EngineLog& log) {
  log.WaitDone(std::chrono::milliseconds(500));
  const std::vector<std::string> tail = log.Tail(30);
  const FailureClass failure = exit.oom_killed ? FailureClass::kOom : ClassifyStartupFailure(tail);
  std::string last;
  for (auto it = tail.rbegin(); it != tail.rend() && last.empty(); ++it) {
    if (it->find_first_not_of(" \t") != std::string::npos) last = *it;
  }
  return MakeFailure(failure, ErrorCode::kUnavailable,
                     "engine " + exit.description + " during start-up" + (last.empty() ? "" : ": " + last),
                     {{"exit", exit.code}, {"log_tail", tail}});
}

}  // namespace

Status AwaitReady(const ReadinessWait& wait, EngineLog& log, Clock::time_point deadline,
                  std::stop_token stop) {
  while (true) {
    if (auto exit = wait.wait_exit(std::chrono::milliseconds(0))) return StartupFailure(*exit, log);
    if (wait.probe(wait.base_url, wait.path)) return {};
    if (stop.stop_requested())
      return MakeError(ErrorCode::kCancelled, "cancelled while the engine was starting");
    const auto now = Clock::now();
    if (now >= deadline) {
      return MakeFailure(FailureClass::kTimeout, ErrorCode::kTimeout,
                         "engine not ready at " + wait.base_url + wait.path + " before the deadline",
                         {{"log_tail", log.Tail(20)}});
    }
    // Wake as soon as the engine exits, else after one probe interval.
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (auto exit = wait.wait_exit(std::min(wait.interval, left))) return StartupFailure(*exit, log);
  }
}

}  // namespace autotuner::deploy
