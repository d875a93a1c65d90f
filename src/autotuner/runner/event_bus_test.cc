#include "autotuner/runner/event_bus.h"

#include <gtest/gtest.h>

#include <thread>

#include "autotuner/core/thread_testing.h"

namespace autotuner::runner {
namespace {

using std::chrono::milliseconds;

StudyProgress Progress(int64_t task_id, int64_t done) {
  StudyProgress p;
  p.task_id = task_id;
  p.done = done;
  return p;
}

TEST(EventBusTest, IdsAreMonotonicAndSubscribersSeeTheirTask) {
  EventBus bus;
  EXPECT_EQ(bus.Publish(1, TaskStatusChanged{1, TaskStatus::kRunning, ""}), 1);
  EXPECT_EQ(bus.Publish(2, TaskStatusChanged{2, TaskStatus::kRunning, ""}), 2);
  EXPECT_EQ(bus.Publish(1, ExperimentCreated{{{"experiment_id", 1}}}), 3);
  auto task1 = bus.Subscribe(1);
  const auto events = task1.Next(milliseconds(0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, 1);
  EXPECT_EQ(events[1].type(), "experiment_created");
  EXPECT_TRUE(task1.Next(milliseconds(10)).empty());  // nothing new
  auto all = bus.Subscribe(std::nullopt);
  EXPECT_EQ(all.Next(milliseconds(0)).size(), 3u);
}

TEST(EventBusTest, ResumesAfterALastEventId) {
  EventBus bus;
  for (int i = 0; i < 5; ++i) bus.Publish(7, Progress(7, i));
  auto resumed = bus.Subscribe(7, 3);
  const auto events = resumed.Next(milliseconds(0));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].id, 4);
  EXPECT_EQ(events[1].data()["done"], 4);
}

TEST(EventBusTest, WaitingSubscriberWakesWithinMilliseconds) {
  EventBus bus;
  auto sub = bus.Subscribe(1);
  std::chrono::steady_clock::time_point published;
  std::thread publisher([&] {
    autotuner::testing::CatchAll("publisher", [&] {
      std::this_thread::sleep_for(milliseconds(50));
      published = std::chrono::steady_clock::now();
      bus.Publish(1, ExperimentStatusChanged{1, 1, 1, ExperimentStatus::kDeploying, 0});
    });
  });
  const auto events = sub.Next(milliseconds(5000));
  const auto received = std::chrono::steady_clock::now();
  publisher.join();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_LT(received - published, milliseconds(100));  // SPEC: events reach subscribers within 100 ms
}

TEST(EventBusTest, StopEndsTheWait) {
  EventBus bus;
  auto sub = bus.Subscribe(1);
  std::stop_source stop;
  std::thread stopper([&] {
    // request_stop() runs whatever happened, or the subscriber would wait its whole timeout.
    autotuner::testing::CatchAll(
        "stopper", [&] { std::this_thread::sleep_for(milliseconds(30)); }, [] {});
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(sub.Next(milliseconds(10000), stop.get_token()).empty());
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(5000));
}

TEST(EventBusTest, HistoryIsBoundedAndSlowSubscribersAreToldTheyFellBehind) {
  EventBus bus(4);
  auto slow = bus.Subscribe(1);
  bus.Publish(1, Progress(1, 0));
  EXPECT_EQ(slow.Next(milliseconds(0)).size(), 1u);
  for (int i = 0; i < 10; ++i) bus.Publish(1, Progress(1, i));
  const auto events = slow.Next(milliseconds(0));
  EXPECT_TRUE(slow.fell_behind());
  ASSERT_EQ(events.size(), 4u);  // only what the history still holds
  EXPECT_EQ(events.back().id, 11);
  EXPECT_EQ(bus.last_id(), 11);
}

}  // namespace
}  // namespace autotuner::runner
