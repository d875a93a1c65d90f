#include "autotuner/core/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace autotuner {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> ReadAllLines(Process& p) {
  std::vector<std::string> lines;
  EXPECT_TRUE(PumpLines(
                  p.output_fd(), [&](std::string_view l) { lines.emplace_back(l); }, [] { return false; })
                  .ok());
  return lines;
}

bool Alive(pid_t pid) { return ::kill(pid, 0) == 0; }

ProcessOptions Command(std::vector<std::string> argv, bool capture = true) {
  ProcessOptions options;
  options.argv = std::move(argv);
  options.capture_output = capture;
  return options;
}

TEST(ProcessTest, CapturesStdoutAndStderrLineByLine) {
  auto p = Process::Spawn(Command({"sh", "-c", "echo one; echo two >&2; printf 'three'"}));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(ReadAllLines(*p), (std::vector<std::string>{"one", "two", "three"}));
  const auto status = p->Wait(milliseconds(5000));
  ASSERT_TRUE(status.has_value());
  EXPECT_FALSE(status->signaled);
  EXPECT_EQ(status->code, 0);
}

TEST(ProcessTest, ReportsExitCodeAndEnvironment) {
  ProcessOptions options = Command({"sh", "-c", "echo \"$AUTOTUNER_X-$HOME_UNSET\"; pwd; exit 7"});
  options.env = {{"AUTOTUNER_X", "hello"}};
  options.unset_env = {"HOME_UNSET"};
  options.working_dir = "/tmp";
  auto p = Process::Spawn(options);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(ReadAllLines(*p), (std::vector<std::string>{"hello-", "/tmp"}));
  const auto status = p->Wait(milliseconds(5000));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 7);
  EXPECT_EQ(status->AsShellCode(), 7);
  EXPECT_EQ(status->Describe(), "exited with status 7");
}

TEST(ProcessTest, MissingProgramIsNotFound) {
  auto p = Process::Spawn(Command({"/nonexistent/engine", "--port", "1"}));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kNotFound);
  EXPECT_NE(p.error().message.find("cannot start '/nonexistent/engine'"), std::string::npos);
}

TEST(ProcessTest, WaitTimesOutWhileRunning) {
  auto p = Process::Spawn(Command({"sleep", "30"}, false));
  ASSERT_TRUE(p.ok());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(p->Wait(milliseconds(100)).has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(90));
  EXPECT_FALSE(p->Poll().has_value());
  const ExitStatus status = p->Stop(milliseconds(2000));
  EXPECT_TRUE(status.signaled);
  EXPECT_EQ(status.signal, SIGTERM);
}

TEST(ProcessTest, StopKillsTheWholeGroupIncludingGrandchildren) {
  // The shell starts a background worker and prints its pid; stopping the shell must take the worker too.
  auto p = Process::Spawn(Command({"sh", "-c", "sleep 60 & echo $!; wait"}));
  ASSERT_TRUE(p.ok());
  std::string first;
  LineSplitter splitter([&](std::string_view l) {
    if (first.empty()) first = l;
  });
  char buf[64];
  while (first.empty()) {
    const ssize_t n = ::read(p->output_fd(), buf, sizeof(buf));
    ASSERT_GT(n, 0);
    splitter.Feed(std::string_view(buf, static_cast<size_t>(n)));
  }
  const pid_t worker = std::stoi(first);
  ASSERT_TRUE(Alive(worker));
  p->Stop(milliseconds(2000));
  // The worker was in the group: it is gone (or a zombie about to be reaped by init).
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(worker) + "/stat");
    std::string text;
    std::getline(stat, text);
    gone = !stat || text.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(gone);
}

TEST(ProcessTest, StopEscalatesToSigkillAfterGrace) {
  auto p = Process::Spawn(Command({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"}));
  ASSERT_TRUE(p.ok());
  char buf[16];
  ASSERT_GT(::read(p->output_fd(), buf, sizeof(buf)), 0);  // the trap is installed
  const auto start = std::chrono::steady_clock::now();
  const ExitStatus status = p->Stop(milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(status.signaled);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(5000));
}

// Gone, or a zombie that nobody reaps yet (the parent of an orphan may be a container's init).
bool GoneWithin(pid_t pid, milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    if (!stat || text.find(") Z") != std::string::npos) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// `kill -9` of autotuner must not leave the engine and its workers holding GPUs: a stand-in for autotuner
// (a forked child) spawns a guarded engine with a background worker, reports both pids and is SIGKILLed.
TEST(ProcessTest, GuardedGroupDiesWithItsOwnerEvenAfterSigkill) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t owner = ::fork();
  ASSERT_GE(owner, 0);
  if (owner == 0) {
    ProcessOptions options = Command({"sh", "-c", "sleep 60 & echo $!; wait"});
    options.guard = true;
    options.guard_grace = milliseconds(200);
    auto p = Process::Spawn(options);
    if (!p.ok()) ::_exit(1);
    char buf[32];
    const ssize_t n = ::read(p->output_fd(), buf, sizeof(buf));  // the worker's pid
    const std::string line = std::to_string(p->pid()) + " " + std::string(buf, n > 0 ? n : 0);
    (void)!::write(report[1], line.data(), line.size());
    ::pause();  // until killed: no destructor runs
  }
  ::close(report[1]);
  char buf[64] = {};
  ASSERT_GT(::read(report[0], buf, sizeof(buf) - 1), 0);
  ::close(report[0]);
  pid_t engine = 0, worker = 0;
  ASSERT_EQ(std::sscanf(buf, "%d %d", &engine, &worker), 2) << buf;
  EXPECT_TRUE(Alive(engine));
  EXPECT_TRUE(Alive(worker));
  ::kill(owner, SIGKILL);
  ::waitpid(owner, nullptr, 0);
  EXPECT_TRUE(GoneWithin(engine, milliseconds(5000)));
  EXPECT_TRUE(GoneWithin(worker, milliseconds(5000)));
}

// The engine exits by itself and leaves a worker: Stop() still takes the worker (and the guard).
TEST(ProcessTest, GuardedProcessReportsItsOwnExitAndLeavesNothing) {
  ProcessOptions options = Command({"sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!; exit 3"});
  options.guard = true;
  auto p = Process::Spawn(options);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_NE(p->pgid(), p->pid());
  const auto lines = ReadAllLines(*p);
  ASSERT_EQ(lines.size(), 1u);
  const pid_t worker = std::stoi(lines[0]);
  const auto status = p->Wait(milliseconds(5000));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 3);
  EXPECT_TRUE(Alive(worker));
  EXPECT_TRUE(Alive(p->pgid()));  // the guard holds the group until its owner is done with it
  const pid_t guard = p->pgid();
  p->Stop(milliseconds(100));
  EXPECT_TRUE(GoneWithin(worker, milliseconds(5000)));
  EXPECT_FALSE(Alive(guard));  // reaped
}

TEST(ProcessTest, DestructorLeavesNothingRunning) {
  pid_t pid = -1;
  {
    auto p = Process::Spawn(Command({"sleep", "60"}, false));
    ASSERT_TRUE(p.ok());
    pid = p->pid();
    ASSERT_TRUE(Alive(pid));
  }
  EXPECT_FALSE(Alive(pid));
}

TEST(LineSplitterTest, HandlesSplitsCrLfAndLongLines) {
  std::vector<std::string> lines;
  LineSplitter s([&](std::string_view l) { lines.emplace_back(l); }, 8);
  s.Feed("ab");
  s.Feed("c\r\nde");
  s.Feed("f\n0123456789\n");
  s.Feed("0123456789");  // a long line cut across reads is delivered once
  s.Feed("ab\nx\n");
  s.Feed("tail");
  s.Finish();
  EXPECT_EQ(lines, (std::vector<std::string>{"abc", "def", "01234567", "01234567", "x", "tail"}));
}

TEST(PumpLinesTest, StopsWhenAsked) {
  auto p = Process::Spawn(Command({"sleep", "30"}));
  ASSERT_TRUE(p.ok());
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(100));
    stop = true;
  });
  const auto status = PumpLines(
      p->output_fd(), [](std::string_view) {}, [&] { return stop.load(); }, milliseconds(20));
  stopper.join();
  EXPECT_TRUE(status.ok());
}

}  // namespace
}  // namespace autotuner
