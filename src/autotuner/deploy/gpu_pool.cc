#include "autotuner/deploy/gpu_pool.h"

#include <algorithm>

#include "autotuner/core/process.h"

namespace autotuner::deploy {

GpuLease::GpuLease(GpuLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), ids_(std::move(other.ids_)) {}

GpuLease& GpuLease::operator=(GpuLease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    ids_ = std::move(other.ids_);
  }
  return *this;
}

GpuLease::~GpuLease() { Release(); }

void GpuLease::Release() {
  if (pool_ != nullptr) pool_->Give(ids_);
  pool_ = nullptr;
}

std::string GpuLease::VisibleDevices() const {
  std::string out;
  for (size_t i = 0; i < ids_.size(); ++i) out += (i ? "," : "") + std::to_string(ids_[i]);
  return out;
}

std::optional<GpuLease> GpuPool::TakeLocked(size_t count) {
  if (free_.size() < count) return std::nullopt;
  std::sort(free_.begin(), free_.end());
  std::vector<int> taken(free_.begin(), free_.begin() + static_cast<std::ptrdiff_t>(count));
  free_.erase(free_.begin(), free_.begin() + static_cast<std::ptrdiff_t>(count));
  return GpuLease(this, std::move(taken));
}

std::optional<GpuLease> GpuPool::TryAcquire(size_t count) {
  std::lock_guard lock(mutex_);
  return TakeLocked(count);
}

std::optional<GpuLease> GpuPool::Acquire(size_t count, std::chrono::steady_clock::time_point deadline,
                                         std::stop_token stop) {
  if (count > size_) return std::nullopt;
  std::unique_lock lock(mutex_);
  std::optional<GpuLease> lease;
  freed_.wait_until(lock, stop, deadline, [&] {
    lease = TakeLocked(count);
    return lease.has_value();
  });
  return lease;
}

void GpuPool::Give(const std::vector<int>& ids) {
  {
    std::lock_guard lock(mutex_);
    free_.insert(free_.end(), ids.begin(), ids.end());
  }
  freed_.notify_all();
}

namespace {

// "0,2, 3" or one id per line → ids; anything else is skipped.
std::vector<int> ParseIds(std::string_view text) {
  std::vector<int> ids;
  std::string id;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (c >= '0' && c <= '9') {
      id += c;
    } else if (c == ',' || c == '\n') {
      if (!id.empty()) ids.push_back(std::stoi(id));
      id.clear();
    }
  }
  return ids;
}

}  // namespace

std::vector<int> DiscoverGpus(const std::string& override_ids, int fallback_count) {
  if (!override_ids.empty()) return ParseIds(override_ids);
  std::vector<int> ids;
  ProcessOptions options;
  options.argv = {"nvidia-smi", "--query-gpu=index", "--format=csv,noheader"};
  if (auto smi = Process::Spawn(options); smi.ok()) {
    std::string text;
    (void)PumpLines(
        smi->output_fd(), [&](std::string_view line) { text += std::string(line) + "\n"; },
        [] { return false; });
    const auto status = smi->Wait(std::chrono::seconds(10));
    if (status && !status->signaled && status->code == 0) ids = ParseIds(text);
  }
  if (ids.empty()) {
    for (int i = 0; i < fallback_count; ++i) ids.push_back(i);
  }
  return ids;
}

}  // namespace autotuner::deploy
