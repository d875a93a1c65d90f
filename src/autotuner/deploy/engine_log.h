#pragma once

// What every deployment shares: the engine's recent log lines and the wait for readiness that fails as soon
// as the engine dies.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner::deploy {

// True when GET base_url + path answers 2xx. Injected so tests need no HTTP engine.
using ReadinessProbe = std::function<bool(const std::string& base_url, const std::string& path)>;

// The engine's most recent output lines, fed by a reader thread and read by anyone.
class EngineLog {
 public:
  explicit EngineLog(std::function<void(std::string_view)> forward = nullptr, size_t capacity = 2000)
      : forward_(std::move(forward)), capacity_(capacity) {}

  void Append(std::string_view line);
  // The reader saw the end of the output.
  void MarkDone();
  // Waits up to `timeout` for MarkDone (the engine's last words after it exited).
  void WaitDone(std::chrono::milliseconds timeout);
  std::vector<std::string> Tail(size_t lines) const;

 private:
  std::function<void(std::string_view)> forward_;
  size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  std::deque<std::string> lines_;
  bool done_ = false;
};

// How an engine ended before it was ready.
struct EngineExit {
  std::string description;  // "exited with status 1"
  int code = 0;             // shell convention: 128 + signal when killed
  bool oom_killed = false;  // the container runtime says the kernel killed it for memory
};

struct ReadinessWait {
  ReadinessProbe probe;
  std::string base_url;
  std::string path;
  std::chrono::milliseconds interval{100};
  // Returns how the engine ended if it has, waiting at most the given time for that to happen.
  std::function<std::optional<EngineExit>(std::chrono::milliseconds)> wait_exit;
};

// Polls the readiness endpoint until it answers. Fails at once when the engine exits (kUnavailable, failure
// oom or deploy_failed, details exit and log_tail), at the deadline (kTimeout), or on stop (kCancelled).
Status AwaitReady(const ReadinessWait& wait, EngineLog& log, std::chrono::steady_clock::time_point deadline,
                  std::stop_token stop);

// Classifies an engine's start-up failure from its last log lines: oom or deploy_failed.
FailureClass ClassifyStartupFailure(const std::vector<std::string>& log_tail);

}  // namespace autotuner::deploy
