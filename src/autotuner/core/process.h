#pragma once

// Child processes: posix_spawn into a process group of their own, watched through a pidfd, stopped as a group
// (SIGTERM, grace, SIGKILL) so an engine's workers never outlive it.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner {

// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct ProcessOptions {
  std::vector<std::string> argv;           // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;  // set (or replace) these variables
  std::vector<std::string> unset_env;      // remove these variables
  std::string working_dir;                 // empty: the caller's
  bool capture_output = true;              // stdout and stderr into one pipe (output_fd)
  // A guard: a small forked process leads the child's process group and, when this process's end of a pipe
  // closes (this process exited, even by SIGKILL), sends the group SIGTERM, waits `guard_grace` and sends
  // SIGKILL. Engines and their workers (grandchildren) then never outlive autotuner.
  bool guard = false;
  std::chrono::milliseconds guard_grace = std::chrono::seconds(10);
};

// How a process ended: exit code, or the signal that killed it.
struct ExitStatus {
  int code = 0;    // valid when !signaled
  int signal = 0;  // valid when signaled
  bool signaled = false;
  // Shell convention: the code, or 128 + signal.
  int AsShellCode() const { return signaled ? 128 + signal : code; }
  std::string Describe() const;
};

class Process {
 public:
  // kNotFound when the program does not exist, kIo for other spawn failures.
  static Result<Process> Spawn(const ProcessOptions& options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&&) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // A process still running is killed with its group and reaped: nothing outlives its owner.
  ~Process();

  pid_t pid() const { return pid_; }
  // The process group: the guard's pid when guarded, else pid().
  pid_t pgid() const { return pgid_; }
  int pidfd() const { return pidfd_.get(); }
  // Read end of the merged stdout/stderr pipe, or -1 when output is not captured.
  int output_fd() const { return output_.get(); }

  // The exit status once the process has ended (it is then reaped); nothing while it runs.
  std::optional<ExitStatus> Poll();
  // Waits up to `timeout` for the process to end.
  std::optional<ExitStatus> Wait(std::chrono::milliseconds timeout);
  // Sends `sig` to the whole process group.
  Status SignalGroup(int sig);
  // SIGTERM to the group, up to `grace` for the leader to end, then SIGKILL to whatever is left of the group.
  ExitStatus Stop(std::chrono::milliseconds grace);

 private:
  Process(pid_t pid, UniqueFd pidfd, UniqueFd output)
      : pid_(pid), pgid_(pid), pidfd_(std::move(pidfd)), output_(std::move(output)) {}
  // True when the leader has exited (without reaping it, so its pid and group id stay reserved).
  bool Exited(std::chrono::milliseconds timeout) const;
  ExitStatus Reap();
  // Kills what is left of a guarded group (the guard too) and reaps the guard.
  void ReleaseGuard();

  pid_t pid_ = -1;
  pid_t pgid_ = -1;
  pid_t guard_pid_ = -1;  // the group's leader when guarded
  UniqueFd lifeline_;     // our end of the guard's pipe
  UniqueFd pidfd_;
  UniqueFd output_;
  std::optional<ExitStatus> status_;
};

// Splits a byte stream into lines (without '\n'; a final partial line is flushed by Finish). Long lines are
// cut at `max_line` bytes so a runaway writer cannot exhaust memory.
class LineSplitter {
 public:
  using Sink = std::function<void(std::string_view line)>;
  explicit LineSplitter(Sink sink, size_t max_line = 64 * 1024)
      : sink_(std::move(sink)), max_line_(max_line) {}
  void Feed(std::string_view bytes);
  void Finish();

 private:
  Sink sink_;
  size_t max_line_;
  std::string partial_;
  bool truncated_ = false;  // partial_ reached max_line_ and was delivered; skip to the next newline
};

// Reads `fd` until EOF (or until `stop` returns true, checked every `poll_interval`), feeding lines to
// `sink`.
Status PumpLines(int fd, const LineSplitter::Sink& sink, const std::function<bool()>& stop,
                 std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100));

}  // namespace autotuner
