#include "autotuner/deploy/gpu_pool.h"

#include <gtest/gtest.h>

#include <thread>

namespace autotuner::deploy {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(GpuPoolTest, HandsOutDisjointSetsAndTakesThemBack) {
  GpuPool pool({0, 1, 2, 3});
  auto a = pool.TryAcquire(2);
  auto b = pool.TryAcquire(2);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ids(), (std::vector<int>{0, 1}));
  EXPECT_EQ(b->ids(), (std::vector<int>{2, 3}));
  EXPECT_EQ(b->VisibleDevices(), "2,3");
  EXPECT_FALSE(pool.TryAcquire(1).has_value());
  a.reset();
  auto c = pool.TryAcquire(2);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->ids(), (std::vector<int>{0, 1}));
}

TEST(GpuPoolTest, AcquireWaitsForARelease) {
  GpuPool pool({0, 1});
  auto held = pool.TryAcquire(2);
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(50));
    held.reset();
  });
  auto lease = pool.Acquire(1, Clock::now() + milliseconds(5000), {});
  releaser.join();
  ASSERT_TRUE(lease.has_value());
}

TEST(GpuPoolTest, AcquireGivesUpAtDeadlineOrStopOrImpossibleCount) {
  GpuPool pool({0});
  auto held = pool.TryAcquire(1);
  EXPECT_FALSE(pool.Acquire(1, Clock::now() + milliseconds(50), {}).has_value());
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(pool.Acquire(1, Clock::now() + milliseconds(5000), stop.get_token()).has_value());
  EXPECT_FALSE(pool.Acquire(2, Clock::now() + milliseconds(5000), {}).has_value());
}

TEST(GpuPoolTest, DiscoverHonoursOverrideAndFallback) {
  EXPECT_EQ(DiscoverGpus("0, 2,3", 8), (std::vector<int>{0, 2, 3}));
  // No nvidia-smi here: the fallback count of virtual GPUs (a simulated runtime's hardware.num_gpus).
  if (std::system("command -v nvidia-smi >/dev/null 2>&1") != 0) {
    EXPECT_EQ(DiscoverGpus("", 2), (std::vector<int>{0, 1}));
  }
}

}  // namespace
}  // namespace autotuner::deploy
