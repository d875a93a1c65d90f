#pragma once

// Hands disjoint GPU sets to concurrent experiments.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace autotuner::deploy {

class GpuPool;

// GPUs held by one experiment; given back when destroyed.
class GpuLease {
 public:
  GpuLease() = default;
  GpuLease(GpuLease&& other) noexcept;
  GpuLease& operator=(GpuLease&& other) noexcept;
  GpuLease(const GpuLease&) = delete;
  GpuLease& operator=(const GpuLease&) = delete;
  ~GpuLease();

  const std::vector<int>& ids() const { return ids_; }
  // "0,1" for CUDA_VISIBLE_DEVICES.
  std::string VisibleDevices() const;

 private:
  friend class GpuPool;
  GpuLease(GpuPool* pool, std::vector<int> ids) : pool_(pool), ids_(std::move(ids)) {}
  void Release();
  GpuPool* pool_ = nullptr;
  std::vector<int> ids_;
};

class GpuPool {
 public:
  explicit GpuPool(std::vector<int> ids) : free_(std::move(ids)), size_(free_.size()) {}
  GpuPool(const GpuPool&) = delete;
  GpuPool& operator=(const GpuPool&) = delete;

  size_t size() const { return size_; }
  // `count` free GPUs (lowest ids first), or nothing when fewer are free now.
  std::optional<GpuLease> TryAcquire(size_t count);
  // Waits until `count` GPUs are free, the deadline passes or stop is requested. Never succeeds when `count`
  // exceeds the pool.
  std::optional<GpuLease> Acquire(size_t count, std::chrono::steady_clock::time_point deadline,
                                  std::stop_token stop);

 private:
  friend class GpuLease;
  std::optional<GpuLease> TakeLocked(size_t count);
  void Give(const std::vector<int>& ids);

  std::mutex mutex_;
  std::condition_variable_any freed_;
  std::vector<int> free_;
  size_t size_;
};

// GPU ids for a pool: `override_ids` when given ("0,2,3"), else what nvidia-smi lists, else `fallback_count`
// virtual ids 0..n-1 (simulated runtimes use the task's hardware.num_gpus).
std::vector<int> DiscoverGpus(const std::string& override_ids, int fallback_count);

}  // namespace autotuner::deploy
