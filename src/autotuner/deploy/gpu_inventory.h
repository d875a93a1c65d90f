#pragma once

// The machine's GPUs as they are, from nvidia-smi's documented query formats:
//   nvidia-smi
//   --query-gpu=index,uuid,name,compute_cap,memory.total,memory.used,utilization.gpu,driver_version
//              --format=csv,noheader,nounits
//   nvidia-smi --query-compute-apps=gpu_uuid,pid,used_memory --format=csv,noheader,nounits
// A GPU is busy when memory not held by our engines exceeds 1 GiB or a compute process that is not ours runs
// on it; busy GPUs are left out of the pool (with a reason for the log) and re-checked before each deploy.
// The type (H100, A100, ...) comes from data/gpu_types.json; feature pruning uses compute_cap, so it works
// without hardware.gpu_type.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/gpu_types.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::deploy {

struct GpuDevice {
  int index = 0;
  std::string uuid;
  std::string name;  // as nvidia-smi reports it: "NVIDIA H100 80GB HBM3"
  int compute_major = 0;
  int compute_minor = 0;
  double memory_total_mib = 0;
  double memory_used_mib = 0;
  std::optional<double> utilization_pct;  // [N/A] on some parts
  std::string driver_version;
  std::string type;  // from the type table; empty when unknown

  int ComputeCapability() const { return compute_major * 10 + compute_minor; }  // 90 for 9.0
  std::string ComputeCapText() const;
  Json ToJson() const;
};

struct ComputeApp {
  std::string gpu_uuid;
  int pid = 0;
  double used_memory_mib = 0;
};

struct GpuInventory {
  bool queried = false;  // nvidia-smi ran and answered
  std::string error;     // why not, when !queried
  std::vector<GpuDevice> gpus;
  std::vector<ComputeApp> apps;
  std::string driver_version;
  std::string cuda_version;  // from nvidia-smi's banner, when it prints one
  Json ToJson() const;
};

// Parses the --query-gpu output above (one GPU a line; "[N/A]" / "[Not Supported]" fields are tolerated where
// optional). Malformed lines → kParse naming the line.
Result<std::vector<GpuDevice>> ParseGpuQuery(std::string_view csv);
Result<std::vector<ComputeApp>> ParseComputeApps(std::string_view csv);
// "CUDA Version: 12.4" of nvidia-smi's plain banner, or empty.
std::string ParseCudaVersion(std::string_view banner);

// Runs argv and returns its stdout+stderr on exit 0; kNotFound when the program is missing, kUnavailable on
// a non-zero exit or after `timeout`.
using CommandRunner = std::function<Result<std::string>(const std::vector<std::string>& argv)>;
Result<std::string> RunCommandOutput(const std::vector<std::string>& argv);

GpuInventory QueryGpuInventory(const CommandRunner& run = RunCommandOutput);

struct GpuAvailability {
  std::vector<int> free;  // indices
  struct Busy {
    int index = 0;
    std::string reason;
  };
  std::vector<Busy> busy;
};

// True when the process is one autotuner started (its environment holds AUTOTUNER_OWNER).
bool IsAutotunerProcess(int pid);

// Which GPUs are free: memory used by processes that are not ours over `busy_mib`, or any compute process
// that is not ours, makes a GPU busy. `only` limits the answer to those indices (a --gpus override).
GpuAvailability CheckGpus(const GpuInventory& inventory, const std::function<bool(int pid)>& is_ours,
                          const std::vector<int>& only = {}, double busy_mib = 1024);

}  // namespace autotuner::deploy
