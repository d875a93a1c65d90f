#pragma once

// GPU telemetry sampled while an experiment benchmarks:
//   nvidia-smi --query-gpu=index,utilization.gpu,memory.used,power.draw,clocks.sm
//   --format=csv,noheader,nounits
// every `interval`, on a thread of its own, for the experiment's GPUs. Stored in the experiment's metrics as
//   gpu_monitoring: {interval_s, samples, gpus: [{index, uuid, name, utilization_gpu (mean %),
//                    memory_used_mib (max), power_w (mean), sm_clock_mhz: {min, mean, max}}]}
// and null for simulated and cluster runs.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/deploy/gpu_inventory.h"

namespace autotuner::deploy {

struct TelemetrySample {
  int index = 0;
  std::optional<double> utilization_pct;
  std::optional<double> memory_used_mib;
  std::optional<double> power_w;
  std::optional<double> sm_clock_mhz;
};

// One sample per line of the query above; [N/A] fields stay empty. Malformed → kParse.
Result<std::vector<TelemetrySample>> ParseTelemetry(std::string_view csv);

class GpuTelemetry {
 public:
  // Samples `gpus` (as the inventory described them) until Finish() or destruction.
  GpuTelemetry(std::vector<GpuDevice> gpus, std::chrono::milliseconds interval,
               CommandRunner run = RunCommandOutput);
  ~GpuTelemetry();
  GpuTelemetry(const GpuTelemetry&) = delete;
  GpuTelemetry& operator=(const GpuTelemetry&) = delete;

  // Stops sampling; the gpu_monitoring object, or null when no sample was taken.
  Json Finish();

 private:
  struct Stats {
    int samples = 0;
    double util_sum = 0;
    int util_n = 0;
    double memory_max = 0;
    double power_sum = 0;
    int power_n = 0;
    double clock_min = 0, clock_max = 0, clock_sum = 0;
    int clock_n = 0;
  };
  void Sample();

  std::vector<GpuDevice> gpus_;
  std::chrono::milliseconds interval_;
  CommandRunner run_;
  std::mutex mutex_;
  std::map<int, Stats> stats_;
  int samples_ = 0;
  std::jthread thread_;  // last: it uses the members above
};

}  // namespace autotuner::deploy
