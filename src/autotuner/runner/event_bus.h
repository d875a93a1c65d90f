#pragma once

// In-process publish/subscribe of study events (task status, progress, experiment status and results). Events
// get a monotonic id, so a subscriber (an SSE client with Last-Event-ID) resumes exactly where it left off.
// Every subscriber reads one shared, bounded history: a slow client cannot grow memory, it only falls behind
// (and is told so) once its events have left the history.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/runner/study_event.h"

namespace autotuner::runner {

struct Event {
  int64_t id = 0;
  int64_t task_id = 0;
  StudyEvent event;
  double at = 0;  // seconds since the epoch

  std::string_view type() const { return TypeOf(event); }
  Json data() const { return DataOf(event); }
};

class EventBus {
 public:
  explicit EventBus(size_t history = 10000) : capacity_(history) {}
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Publishes an event (after its state was persisted) and returns its id.
  int64_t Publish(int64_t task_id, StudyEvent event);
  int64_t last_id() const;

  class Subscription {
   public:
    // Events after the last one returned (or after `since_id`), of the task subscribed to (all tasks when
    // none), waiting up to `timeout` for the first; empty on timeout or stop.
    std::vector<Event> Next(std::chrono::milliseconds timeout, std::stop_token stop = {});
    // True once events this subscriber had not read left the history before it read them.
    bool fell_behind() const { return fell_behind_; }
    int64_t cursor() const { return cursor_; }

   private:
    friend class EventBus;
    Subscription(EventBus* bus, std::optional<int64_t> task_id, int64_t since_id)
        : bus_(bus), task_id_(task_id), cursor_(since_id) {}
    EventBus* bus_;
    std::optional<int64_t> task_id_;
    int64_t cursor_;
    bool fell_behind_ = false;
  };

  // A subscription to one task's events (or every task's), starting after `since_id` (0: from the oldest
  // kept).
  Subscription Subscribe(std::optional<int64_t> task_id, int64_t since_id = 0);

 private:
  size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable_any published_;
  std::deque<Event> history_;
  int64_t next_id_ = 1;
};

}  // namespace autotuner::runner
