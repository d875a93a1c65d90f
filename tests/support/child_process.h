#pragma once

// A program the integration tests run (the CLI, the simulator): its output is collected as it arrives, and it
// is stopped when the test is done with it.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/core/process.h"

namespace autotuner::testing {

class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env = {}) {
    ProcessOptions options;
    options.argv = std::move(argv);
    options.env = std::move(env);
    auto process = Process::Spawn(options);
    if (!process.ok()) throw std::runtime_error(process.error().message);
    process_.emplace(std::move(*process));
    reader_ = std::jthread([this](std::stop_token stop) {
      (void)PumpLines(
          process_->output_fd(),
          [this](std::string_view line) {
            std::lock_guard lock(mutex_);
            output_ += std::string(line) + "\n";
          },
          [&stop] { return stop.stop_requested(); }, std::chrono::milliseconds(20));
    });
  }
  ~ChildProcess() {
    if (!status_) process_->Stop(std::chrono::seconds(5));
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  std::string output() const {
    std::lock_guard lock(mutex_);
    return output_;
  }
  // Waits until the output contains `text` (false at the timeout or once the process ended without it).
  bool WaitFor(const std::string& text, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      if (output().find(text) != std::string::npos) return true;
      if (process_->Poll()) return output().find(text) != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  bool Exited() { return process_->Poll().has_value(); }
  void Signal(int sig) { (void)process_->SignalGroup(sig); }
  // The exit code (shell style) once it has exited, or nothing at the timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    if (!status_) status_ = process_->Wait(timeout);
    if (!status_) return std::nullopt;
    reader_.request_stop();
    if (reader_.joinable()) reader_.join();
    return status_->AsShellCode();
  }

 private:
  std::optional<Process> process_;
  mutable std::mutex mutex_;
  std::string output_;
  std::optional<ExitStatus> status_;
  std::jthread reader_;
};

}  // namespace autotuner::testing
