#pragma once

// Engine-neutral configuration of a simulated engine. The flag parsers of each flavor fill `EngineConfig` (an
// unset optional = "the engine's own default"); `ResolveConfig` applies that flavor's defaults, validates the
// parallel layout against the GPUs and the model, and yields the concrete `ResolvedConfig` the performance
// model and scheduler use.
//
// Which flag sets which field is data, the `roles:` of runtimes/<engine>.yaml and runtimes/sim-<flavor>.yaml
// (read by launch_flags.cc); what memory_fraction means to each engine is in perf_model.h.
// Each flavor's defaults that matter to performance are in its sim/flavor_<flavor>.cc (see
// /work/shared/engines/*-flags.md and the engines' sources).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/sim/gpu.h"
#include "autotuner/sim/model_profile.h"

namespace autotuner::sim {

struct FlavorTraits;

// A simulated engine flavor: a handle on its traits (sim/flavor.h), never null. The default is vLLM.
class Flavor {
 public:
  Flavor();
  explicit Flavor(const FlavorTraits& traits) : traits_(&traits) {}
  const FlavorTraits& traits() const { return *traits_; }
  const FlavorTraits* operator->() const { return traits_; }
  bool operator==(const Flavor&) const = default;

 private:
  const FlavorTraits* traits_;
};

// Order of the waiting queue. vLLM has fcfs and priority; SGLang all of them.
enum class SchedulePolicy { kFcfs, kLpm, kRandom, kDfsWeight, kLof, kPriority };

enum class KvCacheDtype { kAuto, kFloat16, kBfloat16, kFp8E4m3, kFp8E5m2, kInt8 };

// How a request is admitted against the KV pool.
enum class AdmissionPolicy {
  kOptimistic,   // room for the next chunk only; preempt (recompute) when the pool runs out (vLLM)
  kEstimated,    // prompt + an estimate of future output tokens that adapts after retractions (SGLang)
  kReserveFull,  // prompt + every output token up front; never preempts (TensorRT-LLM GUARANTEED_NO_EVICT)
};

struct EngineConfig {
  Flavor flavor;
  std::string gpu_type = "H100";  // --sim-gpu-type
  int num_gpus = 1;               // --sim-num-gpus
  int tp = 1;
  int pp = 1;
  int dp = 1;
  std::optional<double> memory_fraction;
  std::optional<int> max_running_requests;
  std::optional<int> max_batched_tokens;
  std::optional<bool> chunked_prefill;
  std::optional<int> chunked_prefill_size;
  std::optional<int64_t> max_total_tokens;
  SchedulePolicy schedule_policy = SchedulePolicy::kFcfs;
  std::optional<bool> prefix_cache;
  KvCacheDtype kv_cache_dtype = KvCacheDtype::kAuto;
  bool fp8_compute = false;
  std::string model_dtype = "auto";  // --dtype: auto, half, float16, bfloat16, float, float32
  bool cuda_graphs = true;
  std::optional<int> cuda_graph_max_bs;
  bool torch_compile = false;  // SGLang --enable-torch-compile; vLLM compiles whenever CUDA graphs are on
  std::optional<int> torch_compile_max_bs;
  std::optional<int> page_size;
  std::optional<int64_t> context_length;
  std::optional<bool> overlap_schedule;
  bool enable_mixed_chunk = false;         // SGLang: decode requests ride along with prefill chunks
  double schedule_conservativeness = 1.0;  // SGLang: scales the estimate of future output tokens
  std::optional<AdmissionPolicy> admission;
  bool fail_fast_on_attention_window_too_large = false;  // TensorRT-LLM
  uint64_t seed = 0;                                     // --sim-seed
  double noise = 0.0;       // --sim-noise: relative standard deviation of each step's duration
  double time_scale = 1.0;  // --sim-time-scale: used by the real-time driver, not by the virtual-time model
};

struct ResolvedConfig {
  Flavor flavor;
  GpuProfile gpu;
  int num_gpus = 1;
  int tp = 1;
  int pp = 1;
  int dp = 1;
  double memory_fraction = 0.9;
  int max_running_requests = 0;  // 0 until PlanMemory derives it (SGLang derives it from the KV pool)
  int max_batched_tokens = 8192;
  bool chunked_prefill = true;
  int chunk_size = 8192;  // tokens of one prompt per step when chunking
  std::optional<int64_t> max_total_tokens;
  SchedulePolicy schedule_policy = SchedulePolicy::kFcfs;
  bool prefix_cache = true;
  int page_size = 16;           // KV allocation granularity
  int cache_block_tokens = 16;  // prefix-cache match granularity
  KvCacheDtype kv_cache_dtype = KvCacheDtype::kAuto;
  double kv_value_bytes = 2;
  double dense_bytes = 2;        // activations and unquantized weights
  bool fp8_compute = false;      // FP8 matmuls (Ada/Hopper only)
  bool fp8_weight_only = false;  // FP8 weights on Ampere: memory saved, compute stays BF16
  bool cuda_graphs = true;
  int cuda_graph_max_bs = 256;
  bool torch_compile = false;
  int torch_compile_max_bs = 32;
  int64_t context_length = 0;
  bool overlap_schedule = true;
  bool enable_mixed_chunk = false;
  double schedule_conservativeness = 1.0;
  AdmissionPolicy admission = AdmissionPolicy::kOptimistic;
  bool fail_fast_on_attention_window_too_large = false;
  uint64_t seed = 0;
  double noise = 0.0;
  // Log lines an engine would print about the choices made (ignored flags, derived values).
  std::vector<std::string> notes;

  int GpusPerReplica() const { return tp * pp; }
};

// Applies the flavor's defaults and checks the layout: too few GPUs for tp × pp × dp, heads not divisible by
// tp, a context longer than the model's, and out-of-range values fail as the engine would (kInvalidArgument,
// with the engine's message and details.kind).
Result<ResolvedConfig> ResolveConfig(const EngineConfig& config, const ModelProfile& model);

std::string_view FlavorName(Flavor flavor);
// A name or alias of a registered flavor (sim/flavor.h).
Result<Flavor> ParseFlavor(std::string_view name);
// A flavor the calling code knows is built in (the default, tests); aborts on an unknown name.
Flavor FlavorNamed(std::string_view name);
std::string_view SchedulePolicyName(SchedulePolicy policy);
// Engine-neutral names ("fcfs", "lpm", "random", "dfs-weight", "lof", "priority").
Result<SchedulePolicy> ParseSchedulePolicy(std::string_view name);
std::string_view KvCacheDtypeName(KvCacheDtype dtype);
// "auto", "float16"/"fp16"/"half", "bfloat16"/"bf16", "fp8" (= fp8_e4m3), "fp8_e4m3", "fp8_e5m2", "int8".
Result<KvCacheDtype> ParseKvCacheDtype(std::string_view name);

}  // namespace autotuner::sim
