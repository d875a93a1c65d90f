#pragma once

// GPU profiles of the engine simulator (`--sim-gpu-type`): the spec-sheet numbers its roofline needs.
//
// Sources: NVIDIA data sheets for H100 SXM, H200 SXM, A100 SXM4 (40/80 GB), L40S, L4; dense (not 2:4 sparse)
// tensor-core peaks. Memory is what `nvidia-smi` reports as usable (e.g. 81559 MiB on an H100), not the
// marketing GB. The A10G (AWS g5) has no public NVIDIA sheet: its numbers are the commonly quoted ones and
// approximate. Interconnect is the per-direction GPU↔GPU bandwidth an all-reduce ring sees: NVLink on the SXM
// parts, PCIe Gen4 x16 (≈25 GB/s achievable) on L40S, L4 and A10G, which have no NVLink.

#include <span>
#include <string_view>

#include "autotuner/core/result.h"

namespace autotuner::sim {

enum class GpuArch { kAmpere, kAda, kHopper };

struct GpuProfile {
  std::string_view name;
  GpuArch arch = GpuArch::kHopper;
  double memory_gib = 0;          // usable device memory
  double hbm_bandwidth_gbs = 0;   // device memory bandwidth, GB/s (1e9 bytes)
  double bf16_tflops = 0;         // dense BF16/FP16 tensor-core peak
  double fp8_tflops = 0;          // dense FP8 tensor-core peak; 0 = no FP8 tensor cores (Ampere)
  double link_bandwidth_gbs = 0;  // per-direction GPU↔GPU bandwidth (NVLink or PCIe)
  double link_latency_us = 0;     // one step of a ring all-reduce, or one point-to-point transfer
  bool nvlink = false;

  // FP8 matmuls run natively (Ada, Hopper); on Ampere FP8 weights are only a storage format.
  bool HasFp8Compute() const { return fp8_tflops > 0; }
  double MemoryBytes() const;
};

// Every profile, in the order `--sim-gpu-type` documents them.
std::span<const GpuProfile> AllGpus();

// Case-insensitive lookup ("h100", "A100-80GB"; "A100" alone means the 80 GB part); kNotFound names the
// choices.
Result<GpuProfile> FindGpu(std::string_view name);

std::string_view ArchName(GpuArch arch);

}  // namespace autotuner::sim
