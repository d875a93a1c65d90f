#pragma once

// GPU types by the names nvidia-smi reports (data/gpu_types.json): the task parser checks
// hardware.gpu_type against them and the GPU inventory names each device with them.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autotuner {

// The type of an nvidia-smi name ("NVIDIA H100 80GB HBM3" → "H100", "h100" → "H100") from the table, or
// empty.
std::string GpuTypeOf(std::string_view nvidia_smi_name);
// Every type name the table knows, in its order.
std::vector<std::string> KnownGpuTypes();
// "8.9" → 89 (compute capability ×10), or 0 when the text is not MAJOR.MINOR.
int ParseComputeCapability(std::string_view text);
// Minimum compute capability (×10) a feature needs ("fp8" → 89), or nothing for unknown features.
std::optional<int> FeatureMinComputeCapability(std::string_view feature);

}  // namespace autotuner
