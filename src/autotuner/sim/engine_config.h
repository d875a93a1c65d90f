#pragma once

// Engine-neutral configuration of a simulated engine. The flag parsers of each flavor fill `EngineConfig` (an
// unset optional = "the engine's own default"); `ResolveConfig` applies that flavor's defaults, validates the
// parallel layout against the GPUs and the model, and yields the concrete `ResolvedConfig` the performance
// model and scheduler use.
//
// How the flags map (SGLang | vLLM | TensorRT-LLM trtllm-serve):
//   memory_fraction        --mem-fraction-static (weights + KV pool share of total memory)
//                          | --gpu-memory-utilization (everything this instance uses, share of total)
//                          | --kv_cache_free_gpu_memory_fraction (KV share of the memory free after weights)
//   max_running_requests   --max-running-requests | --max-num-seqs | --max_batch_size
//   max_batched_tokens     --max-prefill-tokens | --max-num-batched-tokens | --max_num_tokens
//   chunked_prefill_size   --chunked-prefill-size (-1 disables) | chunks are the token budget
//   chunked_prefill        (size -1) | --[no-]enable-chunked-prefill | --enable_chunked_prefill
//   max_total_tokens       --max-total-tokens | --num-gpu-blocks-override × block size |
//   kv_cache_config.max_tokens prefix_cache           !--disable-radix-cache | --[no-]enable-prefix-caching |
//   kv_cache_config.enable_block_reuse kv_cache_dtype         --kv-cache-dtype | --kv-cache-dtype |
//   kv_cache_config.dtype fp8_compute            --quantization fp8 | --quantization fp8 | --quant-algo FP8
//   cuda_graphs            !--disable-cuda-graph | !--enforce-eager | cuda_graph_config
//   torch_compile          --enable-torch-compile | (always, unless --enforce-eager) | —
//   overlap_schedule       !--disable-overlap-schedule | --async-scheduling | !disable_overlap_scheduler
//   context_length         --context-length | --max-model-len | --max_seq_len
//   admission              (SGLang estimates future tokens) | (vLLM admits optimistically, preempts)
//                          | scheduler_config.capacity_scheduler_policy (GUARANTEED_NO_EVICT reserves all)
// Defaults that matter to performance, per flavor (see /work/shared/engines/*-flags.md and the engines'
// sources):
//   SGLang: mem-fraction-static 0.88/0.87/0.85/0.81/0.79 for tp 1/2/4/8/16; chunked-prefill-size 2048 (<35
//   GiB
//     GPUs), 4096 (<60 GiB), else 8192; max-prefill-tokens 16384; cuda-graph-max-bs 24/32/256 (tp<4) or
//     80/160/512 by the same memory tiers; max-running-requests from the KV pool (tokens/2, at most the
//     request pool of 2048..4096 slots); page size 1; radix cache on; overlap scheduler on; schedule policy
//     fcfs.
//   vLLM: gpu-memory-utilization 0.9 (0.92 in the newest development tree);
//   max-num-batched-tokens/max-num-seqs
//     8192/1024 on ≥70 GiB non-A100 GPUs, else 2048/256; chunked prefill and prefix caching on; block size
//     16; CUDA graphs up to min(2×max-num-seqs, 512); torch.compile unless --enforce-eager; async scheduling
//     off.
//   TensorRT-LLM: kv_cache_free_gpu_memory_fraction 0.9; max_batch_size 2048; max_num_tokens 8192; chunked
//     prefill off; block reuse on, 32 tokens per block; CUDA graphs up to batch 128; overlap scheduler on;
//     GUARANTEED_NO_EVICT admission.

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
