#pragma once

// The closed sets of names a task may use, and the shipped quantization presets (SPEC §1, §4).

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "autotuner/task/task.h"

namespace autotuner::task {

inline constexpr std::array<std::string_view, 4> kDeploymentModes = {"local", "docker", "kubernetes", "ome"};
inline constexpr std::array<std::string_view, 3> kStrategies = {"grid_search", "random", "bayesian"};
inline constexpr std::array<std::string_view, 5> kObjectives = {
    "minimize_latency", "maximize_throughput", "minimize_ttft", "minimize_tpot", "maximize_goodput"};
inline constexpr std::array<std::string_view, 2> kBenchmarkTasks = {"text-to-text", "text-to-embeddings"};
inline constexpr std::array<std::string_view, 2> kApis = {"completions", "chat"};
inline constexpr std::array<std::string_view, 3> kKubernetesBench = {"auto", "in_cluster", "local"};
// The GPUs the engine simulator models (sim/gpu.cc; its tests check the two lists agree). Real runtimes
// accept every type of data/gpu_types.json instead.
inline constexpr std::array<std::string_view, 7> kSimulatedGpuTypes = {
    "H100", "H200", "A100-80GB", "A100-40GB", "L40S", "L4", "A10G"};
// Until runtime definitions exist (runtimes/*.yaml), these are the runtimes a task may name.
inline constexpr std::array<std::string_view, 6> kBuiltinRuntimes = {"sglang",     "vllm",     "trtllm",
                                                                     "sim-sglang", "sim-vllm", "sim-trtllm"};
inline constexpr std::array<std::string_view, 4> kModelDtypes = {"auto", "float16", "bfloat16", "float32"};
inline constexpr std::array<std::string_view, 5> kKvCacheDtypes = {"auto", "fp8", "fp8_e5m2", "fp8_e4m3",
                                                                   "int8"};
inline constexpr std::array<std::string_view, 5> kSloStats = {"mean", "p50", "p90", "p95", "p99"};

struct QuantizationPreset {
  std::string_view name;
  std::string_view model_dtype;
  std::string_view kv_cache_dtype;
  bool enable_fp8_compute;
};

inline constexpr std::array<QuantizationPreset, 5> kQuantizationPresets = {{
    {"default", "auto", "auto", false},
    {"kv-cache-fp8", "auto", "fp8_e5m2", false},
    {"dynamic-fp8", "auto", "fp8_e5m2", true},
    {"bf16-stable", "bfloat16", "fp8_e5m2", false},
    {"int8-kv-cache", "auto", "int8", false},
}};

std::optional<QuantizationPreset> FindQuantizationPreset(std::string_view name);
std::span<const std::string_view> QuantizationPresetNames();

// Strategy names with the aliases of the original tool ("grid", "random_search").
std::optional<Strategy> ParseStrategy(std::string_view name);
std::optional<Objective> ParseObjective(std::string_view name);
std::optional<DeploymentMode> ParseDeploymentMode(std::string_view name);

}  // namespace autotuner::task
