#include "autotuner/sim/gpu.h"

#include <array>
#include <string>
#include <vector>

#include "autotuner/core/strings.h"

namespace autotuner::sim {
namespace {

constexpr double kGiBPerMiB = 1.0 / 1024.0;  // MiB → GiB

constexpr std::array<GpuProfile, 7> kGpus = {{
    {"H100", GpuArch::kHopper, 81559 * kGiBPerMiB, 3350, 989, 1979, 450, 5, true},
    {"H200", GpuArch::kHopper, 143771 * kGiBPerMiB, 4800, 989, 1979, 450, 5, true},
    {"A100-80GB", GpuArch::kAmpere, 81920 * kGiBPerMiB, 2039, 312, 0, 300, 5, true},
    {"A100-40GB", GpuArch::kAmpere, 40960 * kGiBPerMiB, 1555, 312, 0, 300, 5, true},
    {"L40S", GpuArch::kAda, 46068 * kGiBPerMiB, 864, 362, 733, 25, 25, false},
    {"L4", GpuArch::kAda, 23034 * kGiBPerMiB, 300, 121, 242, 25, 25, false},
    {"A10G", GpuArch::kAmpere, 23028 * kGiBPerMiB, 600, 70, 0, 25, 25, false},
}};

}  // namespace

double GpuProfile::MemoryBytes() const { return memory_gib * 1024.0 * 1024.0 * 1024.0; }

std::span<const GpuProfile> AllGpus() { return kGpus; }

Result<GpuProfile> FindGpu(std::string_view name) {
  const std::string wanted = NormalizeFlagName(name);
  for (const GpuProfile& gpu : kGpus) {
    if (NormalizeFlagName(gpu.name) == wanted) return gpu;
  }
  if (wanted == "a100") return kGpus[2];
  std::vector<std::string_view> names;
  for (const GpuProfile& gpu : kGpus) names.push_back(gpu.name);
  return MakeError(ErrorCode::kNotFound, "unknown GPU type '" + std::string(name) +
                                             "' (known: " + JoinNames(names) + ")" + DidYouMean(name, names));
}

std::string_view ArchName(GpuArch arch) {
  switch (arch) {
    case GpuArch::kAmpere:
      return "ampere";
    case GpuArch::kAda:
      return "ada";
    case GpuArch::kHopper:
      return "hopper";
  }
  return "unknown";
}

}  // namespace autotuner::sim
