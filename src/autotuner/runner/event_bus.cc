#include "autotuner/runner/event_bus.h"

#include <algorithm>

namespace autotuner::runner {
namespace {

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

int64_t EventBus::Publish(int64_t task_id, StudyEvent event) {
  int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    history_.push_back(Event{id, task_id, std::move(event), WallNow()});
    if (history_.size() > capacity_) history_.pop_front();
  }
  published_.notify_all();
  return id;
}

int64_t EventBus::last_id() const {
  std::lock_guard lock(mutex_);
  return next_id_ - 1;
}

EventBus::Subscription EventBus::Subscribe(std::optional<int64_t> task_id, int64_t since_id) {
  return Subscription(this, task_id, since_id);
}

std::vector<Event> EventBus::Subscription::Next(std::chrono::milliseconds timeout, std::stop_token stop) {
  std::unique_lock lock(bus_->mutex_);
  std::vector<Event> out;
  const auto collect = [&] {
    const auto& history = bus_->history_;
    if (!history.empty() && history.front().id > cursor_ + 1 && cursor_ > 0) fell_behind_ = true;
    // Ids are consecutive: the first unread event is at a computable offset.
    const int64_t first_kept = history.empty() ? bus_->next_id_ : history.front().id;
    const size_t start = static_cast<size_t>(std::max<int64_t>(0, cursor_ + 1 - first_kept));
    for (size_t i = start; i < history.size(); ++i) {
      const Event& e = history[i];
      cursor_ = e.id;
      if (!task_id_ || e.task_id == *task_id_) out.push_back(e);
    }
    return !out.empty();
  };
  bus_->published_.wait_for(lock, stop, timeout, collect);
  return out;
}

}  // namespace autotuner::runner
