#include "autotuner/core/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

extern char** environ;

namespace autotuner {
namespace {

std::string Errno(int err) { return std::strerror(err); }

int PidfdOpen(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// posix_spawn attributes and file actions with RAII.
struct SpawnSetup {
  posix_spawnattr_t attr{};
  posix_spawn_file_actions_t actions{};
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

std::vector<std::string> BuildEnvironment(const ProcessOptions& options) {
  std::vector<std::string> env;
  std::set<std::string> drop(options.unset_env.begin(), options.unset_env.end());
  for (const auto& [key, value] : options.env) drop.insert(key);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    const std::string key(entry.substr(0, entry.find('=')));
    if (!drop.contains(key)) env.emplace_back(entry);
  }
  for (const auto& [key, value] : options.env) env.push_back(key + "=" + value);
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus out;
  if (WIFSIGNALED(status)) {
    out.signaled = true;
    out.signal = WTERMSIG(status);
  } else {
    out.code = WEXITSTATUS(status);
  }
  return out;
}

// The guard, in a forked child of a possibly multithreaded process: async-signal-safe calls only.
[[noreturn]] void RunGuard(int lifeline, timespec grace) {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);  // only SIGKILL ends it: the group's SIGTERM is for the engine
  ::setpgid(0, 0);
  // Holding no other descriptor: a copy of another guard's pipe would keep that guard from seeing EOF.
  if (lifeline > 0) syscall(SYS_close_range, 0u, static_cast<unsigned>(lifeline - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(lifeline + 1), ~0u, 0u);
  char byte;
  while (true) {
    const ssize_t n = ::read(lifeline, &byte, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  ::kill(0, SIGTERM);
  while (::nanosleep(&grace, &grace) != 0 && errno == EINTR) {
  }
  ::kill(0, SIGKILL);  // the guard too
  ::_exit(0);
}

// Forks the guard and returns its pid (the new group's id) and our end of its pipe.
Result<std::pair<pid_t, UniqueFd>> StartGuard(std::chrono::milliseconds grace) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return MakeError(ErrorCode::kIo, "pipe: " + Errno(errno));
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  const timespec wait{static_cast<time_t>(grace.count() / 1000),
                      static_cast<long>(grace.count() % 1000) * 1000000};
  const pid_t guard = ::fork();
  if (guard < 0) return MakeError(ErrorCode::kIo, "fork: " + Errno(errno));
  if (guard == 0) RunGuard(read_end.get(), wait);
  ::setpgid(guard, guard);  // also here, so the group exists before the engine joins it
  return std::make_pair(guard, std::move(write_end));
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) Reset(other.Release());
  return *this;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string ExitStatus::Describe() const {
  if (signaled)
    return std::string("killed by signal ") + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exited with status " + std::to_string(code);
}

Result<Process> Process::Spawn(const ProcessOptions& options) {
  if (options.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "no program to run");
  SpawnSetup setup;
  // A group of its own (pgid = child pid), default signal handling, nothing inherited but the pipe.
  short flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
  posix_spawnattr_setflags(&setup.attr, flags);
  pid_t guard = -1;
  UniqueFd lifeline;
  if (options.guard) {
    auto started = StartGuard(options.guard_grace);
    if (!started.ok()) return std::move(started).error();
    guard = started->first;
    lifeline = std::move(started->second);
  }
  // Reaps the guard when the engine cannot be started.
  const auto drop_guard = [&] {
    if (guard <= 0) return;
    ::kill(guard, SIGKILL);
    while (::waitpid(guard, nullptr, 0) < 0 && errno == EINTR) {
    }
  };
  posix_spawnattr_setpgroup(&setup.attr, guard > 0 ? guard : 0);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawnattr_setsigmask(&setup.attr, &none);

  UniqueFd read_end, write_end;
  if (options.capture_output) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
      drop_guard();
      return MakeError(ErrorCode::kIo, "pipe: " + Errno(errno));
    }
    read_end.Reset(fds[0]);
    write_end.Reset(fds[1]);
    posix_spawn_file_actions_adddup2(&setup.actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, write_end.get(), STDERR_FILENO);
  }
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&setup.actions, options.working_dir.c_str());
  }

  std::vector<std::string> argv = options.argv;
  std::vector<std::string> env = BuildEnvironment(options);
  std::vector<char*> argv_ptrs = Pointers(argv);
  std::vector<char*> env_ptrs = Pointers(env);
  pid_t pid = -1;
  const int rc =
      posix_spawnp(&pid, argv[0].c_str(), &setup.actions, &setup.attr, argv_ptrs.data(), env_ptrs.data());
  if (rc != 0) {
    drop_guard();
    const ErrorCode code = (rc == ENOENT || rc == EACCES) ? ErrorCode::kNotFound : ErrorCode::kIo;
    return MakeError(code, "cannot start '" + argv[0] + "': " + Errno(rc), {{"program", argv[0]}});
  }
  write_end.Reset();  // the child holds its copy; EOF on read_end then means every writer is gone
  UniqueFd pidfd(PidfdOpen(pid));
  if (!pidfd.valid()) {
    const int err = errno;
    ::kill(-pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    drop_guard();
    return MakeError(ErrorCode::kIo, "pidfd_open: " + Errno(err));
  }
  Process process(pid, std::move(pidfd), std::move(read_end));
  if (guard > 0) {
    process.pgid_ = guard;
    process.guard_pid_ = guard;
    process.lifeline_ = std::move(lifeline);
  }
  return process;
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pgid_(std::exchange(other.pgid_, -1)),
      guard_pid_(std::exchange(other.guard_pid_, -1)),
      lifeline_(std::move(other.lifeline_)),
      pidfd_(std::move(other.pidfd_)),
      output_(std::move(other.output_)),
      status_(other.status_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) Stop(std::chrono::milliseconds(0));
    ReleaseGuard();
    pid_ = std::exchange(other.pid_, -1);
    pgid_ = std::exchange(other.pgid_, -1);
    guard_pid_ = std::exchange(other.guard_pid_, -1);
    lifeline_ = std::move(other.lifeline_);
    pidfd_ = std::move(other.pidfd_);
    output_ = std::move(other.output_);
    status_ = other.status_;
  }
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !status_) Stop(std::chrono::milliseconds(0));
  ReleaseGuard();
}

void Process::ReleaseGuard() {
  if (guard_pid_ <= 0) return;
  // The guard (alive or a zombie until reaped here) keeps the group id reserved, so this reaches only ours.
  ::kill(-pgid_, SIGKILL);
  while (::waitpid(guard_pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  guard_pid_ = -1;
  lifeline_.Reset();
}

bool Process::Exited(std::chrono::milliseconds timeout) const {
  pollfd p{pidfd_.get(), POLLIN, 0};
  const auto ms = static_cast<int>(std::max<int64_t>(0, timeout.count()));
  while (true) {
    const int rc = ::poll(&p, 1, ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc > 0;
  }
}

ExitStatus Process::Reap() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = FromWaitStatus(status);
  return *status_;
}

std::optional<ExitStatus> Process::Poll() { return Wait(std::chrono::milliseconds(0)); }

std::optional<ExitStatus> Process::Wait(std::chrono::milliseconds timeout) {
  if (status_) return status_;
  if (pid_ <= 0 || !Exited(timeout)) return std::nullopt;
  return Reap();
}

Status Process::SignalGroup(int sig) {
  if (pid_ <= 0 || status_) return MakeError(ErrorCode::kConflict, "the process has already ended");
  if (::kill(-pgid_, sig) != 0 && errno != ESRCH) return MakeError(ErrorCode::kIo, "kill: " + Errno(errno));
  return {};
}

ExitStatus Process::Stop(std::chrono::milliseconds grace) {
  if (status_) {
    ReleaseGuard();  // the engine ended by itself: its workers may not have
    return *status_;
  }
  // The leader is not reaped until the group has been killed, so the group id cannot have been reused.
  if (!Exited(std::chrono::milliseconds(0))) {
    ::kill(-pgid_, SIGTERM);
    Exited(grace);
  }
  ::kill(-pgid_, SIGKILL);
  const ExitStatus status = Reap();
  ReleaseGuard();
  return status;
}

void LineSplitter::Feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    const size_t room = max_line_ - partial_.size();
    partial_.append(piece.substr(0, std::min(room, piece.size())));
    if (newline == std::string_view::npos) {
      if (partial_.size() >= max_line_ && !truncated_) {
        sink_(partial_);
        truncated_ = true;
      }
      return;
    }
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    // A line cut at max_line has been delivered already; its rest up to the newline is dropped.
    if (!truncated_) sink_(partial_);
    truncated_ = false;
    partial_.clear();
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::Finish() {
  if (!partial_.empty() && !truncated_) sink_(partial_);
  partial_.clear();
  truncated_ = false;
}

Status PumpLines(int fd, const LineSplitter::Sink& sink, const std::function<bool()>& stop,
                 std::chrono::milliseconds poll_interval) {
  LineSplitter splitter(sink);
  char buffer[16384];
  while (!stop()) {
    pollfd p{fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, static_cast<int>(poll_interval.count()));
    if (rc < 0) {
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kIo, "poll: " + Errno(errno));
    }
    if (rc == 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return MakeError(ErrorCode::kIo, "read: " + Errno(errno));
    }
    if (n == 0) break;
    splitter.Feed(std::string_view(buffer, static_cast<size_t>(n)));
  }
  splitter.Finish();
  return {};
}

}  // namespace autotuner
