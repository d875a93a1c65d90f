#include "autotuner/runner/fenced_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace autotuner::runner {
namespace {

namespace fs = std::filesystem;

TEST(FencedStoreTest, ARunnerThatLostItsLeaseWritesNothingAndIsToldOnce) {
  const fs::path path =
      fs::temp_directory_path() / ("autotuner-fenced-" + std::to_string(::getpid()) + ".db");
  fs::remove(path);
  auto opened = store::OpenStore(path.string());
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  store::Store& inner = **opened;
  const int64_t task = inner.CreateTask("t", "", Json::object())->id;
  ASSERT_TRUE(*inner.AcquireLease(task, "runner-a", 30));
  int told = 0;
  FencedStore a(inner, task, [&] { ++told; });
  a.Bind("runner-a");
  auto e = a.CreateExperiment(task, 1, Json::object(), ExperimentStatus::kPending);
  ASSERT_TRUE(e.ok()) << e.error().message;
  ASSERT_TRUE(a.AppendLog(task, e->id, "info", "deploying").ok());
  ASSERT_TRUE(a.SetExperimentStatus(e->id, ExperimentStatus::kDeploying).ok());

  // runner-a is paused past the TTL; runner-b takes the task over.
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ASSERT_TRUE(*inner.AcquireLease(task, "runner-b", 0.05));
  store::ExperimentOutcome outcome;
  outcome.status = ExperimentStatus::kSuccess;
  outcome.score = 1.0;
  const Status finished = a.FinishExperiment(e->id, outcome);
  ASSERT_FALSE(finished.ok());
  EXPECT_TRUE(a.lease_lost());
  EXPECT_EQ(told, 1);
  EXPECT_FALSE(a.SetTaskStatus(task, TaskStatus::kCompleted, "").ok());
  EXPECT_FALSE(a.CreateExperiment(task, 2, Json::object(), ExperimentStatus::kPending).ok());
  EXPECT_FALSE(a.Heartbeat(task, "runner-a").ok());
  EXPECT_EQ(told, 1);
  EXPECT_EQ(inner.GetExperiment(e->id)->status, ExperimentStatus::kDeploying);
  EXPECT_EQ(inner.ListExperiments(task)->size(), 1u);
  EXPECT_NE(inner.GetTask(task)->status, TaskStatus::kCompleted);
  opened->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
}

TEST(FencedStoreTest, LostHeartbeatStopsTheStudy) {
  const fs::path path =
      fs::temp_directory_path() / ("autotuner-fenced-hb-" + std::to_string(::getpid()) + ".db");
  fs::remove(path);
  auto opened = store::OpenStore(path.string());
  ASSERT_TRUE(opened.ok());
  store::Store& inner = **opened;
  const int64_t task = inner.CreateTask("t", "", Json::object())->id;
  ASSERT_TRUE(*inner.AcquireLease(task, "runner-a", 30));
  bool told = false;
  FencedStore a(inner, task, [&] { told = true; });
  a.Bind("runner-a");
  ASSERT_TRUE(a.Heartbeat(task, "runner-a").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ASSERT_TRUE(*inner.AcquireLease(task, "runner-b", 0.05));
  EXPECT_FALSE(a.Heartbeat(task, "runner-a").ok());
  EXPECT_TRUE(told);
  opened->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
}

}  // namespace
}  // namespace autotuner::runner
