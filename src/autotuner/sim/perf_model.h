#pragma once

// The physical model of one simulated engine replica: where memory goes at start-up, how long start-up takes,
// and how long one forward step of a batch takes.
//
// Memory (per GPU; all three engines load weights first, then size the KV pool from what is left):
//   SGLang:  KV = (total − context) × mem_fraction_static − weights; the rest, (total − context) × (1 −
//   fraction),
//            must hold activations, CUDA graphs and NCCL buffers. KV ≤ 0 → "Not enough memory. Please try to
//            increase --mem-fraction-static."; too little rest → CUDA OOM while capturing CUDA graphs.
//   vLLM:    KV = total × gpu_memory_utilization − weights − peak activations (profiled at
//   max-num-batched-tokens)
//            − non-torch memory. Utilization above the free memory → "Free memory on device ... on startup";
//            KV ≤ 0 → "No available memory for the cache blocks"; KV below one max-model-len sequence → "To
//            serve at least one request with the model's max seq len ...".
//   TensorRT-LLM: KV = kv_cache_free_gpu_memory_fraction × (total − weights − runtime buffers); a pool
//   shorter
//            than max_seq_len caps the attention window (or fails with
//            --fail_fast_on_attention_window_too_large).
//   Weights larger than the GPU → PyTorch's "CUDA out of memory" while loading, in every flavor.
// Weights shard over tp (vocab-parallel embeddings included) and pp; KV heads shard over tp (replicated when
// fewer than tp); FP8/INT8 KV halves the bytes per token.
//
// Step time: a sum of rooflines, one per kernel family, each max(FLOPs / (peak × efficiency), bytes /
// (bandwidth × efficiency)):
//   linear layers — 2 × active params × tokens FLOPs; weight bytes read once per step (MoE: only the experts
//   the
//     batch touches); FP8 compute runs at the FP8 peak where the GPU has one (weight-only on Ampere);
//   attention    — prefill: 4 × layers × heads × head_dim × query·key pairs; decode: reads each sequence's
//   KV; tensor parallel — 2 all-reduces per layer of tokens × hidden activations over NVLink or PCIe;
//   pipeline parallel — stages run in sequence plus a point-to-point hop between stages (micro-batch overlap
//   is
//     not modelled: pp saves memory, it does not add throughput);
//   overhead     — CUDA graphs: one launch per step for batches within the captured sizes; eager: per-kernel
//     gaps, or the CPU's launch rate when that is slower; plus the scheduler's CPU time per step and per
//     sequence, hidden behind the GPU when the engine overlaps scheduling (SGLang, TensorRT-LLM; vLLM only
//     with
//     --async-scheduling). torch.compile trims small-batch decode and costs start-up time.
// Efficiency constants are calibrated against published numbers (docs/sim-calibration.md).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/sim/engine_config.h"
#include "autotuner/sim/model_profile.h"

namespace autotuner::sim {

struct MemoryPlan {
  double total_bytes = 0;         // per GPU
  double weight_bytes = 0;        // per GPU
  double activation_bytes = 0;    // per GPU: peak activations of one step + logits
  double cuda_graph_bytes = 0;    // per GPU
  double runtime_bytes = 0;       // per GPU: CUDA context, NCCL buffers
  double kv_bytes = 0;            // per GPU
  double kv_bytes_per_token = 0;  // per GPU: this GPU's share of one token's K and V
  int64_t kv_tokens = 0;          // tokens one replica's pool holds
  int max_running_requests = 0;   // the resolved running-request cap
  int64_t context_length = 0;     // may be shorter than configured (TensorRT-LLM caps the attention window)
  double checkpoint_bytes = 0;    // whole checkpoint, all shards
  std::vector<std::string> log_lines;  // what the engine prints about its memory at start-up
};

// What a flavor's memory hooks (FlavorTraits::memory) see: the bytes per GPU before the KV pool is sized.
struct MemoryBudget {
  const ModelProfile& model;
  const ResolvedConfig& config;
  double total = 0;          // the GPU's memory
  double usable = 0;         // free when the process starts (total − CUDA context)
  double context_bytes = 0;  // CUDA context and allocator slack
  double work_bytes = 0;     // activations + CUDA graphs + NCCL buffers
};

inline constexpr double kSimGiB = 1024.0 * 1024.0 * 1024.0;

// PyTorch's allocator message, as every flavor prints it when a tensor does not fit.
std::string TorchOomMessage(const GpuProfile& gpu, double tried_bytes, double free_bytes,
                            double in_use_bytes);
// kResourceExhausted with `message` and details {kind: "oom", stage, flavor, gpu, ...numbers in GiB}.
Error OomError(const ResolvedConfig& config, std::string message, std::string_view stage,
               const MemoryPlan& plan);

// The memory plan, or the engine's out-of-memory failure: kResourceExhausted with the engine's message and
// details {kind: "oom", flavor, ...numbers in GiB}.
Result<MemoryPlan> PlanMemory(const ModelProfile& model, const ResolvedConfig& config);

// Virtual seconds from launch to ready: process start, weight loading (∝ checkpoint bytes), memory profiling,
// NCCL set-up, torch.compile and CUDA graph capture.
double StartupSeconds(const ModelProfile& model, const ResolvedConfig& config, const MemoryPlan& plan);

// What one forward step computes, summed over the batch.
struct BatchWork {
  int prefill_seqs = 0;        // sequences with a prompt chunk this step
  int64_t prefill_tokens = 0;  // prompt tokens computed this step (chunks included)
  double prefill_pairs = 0;    // Σ chunk × (tokens before it + (chunk + 1) / 2): attention query·key pairs
  int64_t prefill_kv_reads = 0;  // Σ tokens before each chunk (cached prefix, earlier chunks): KV read
  int decode_seqs = 0;           // sequences generating one token
  int64_t decode_kv_tokens = 0;  // Σ context lengths of those sequences
  int sampled = 0;               // sequences that sample a token this step (decodes + finished prompts)

  int64_t Tokens() const { return prefill_tokens + decode_seqs; }
  int Sequences() const { return prefill_seqs + decode_seqs; }
};

struct StepTime {
  double seconds = 0;  // wall time of the step
  double linear_s = 0;
  double attention_s = 0;
  double comm_s = 0;
  double overhead_s = 0;  // launch gaps and scheduler time not hidden behind the GPU
  bool cuda_graph = false;
};

class PerfModel {
 public:
  PerfModel(const ModelProfile& model, const ResolvedConfig& config);
  StepTime Step(const BatchWork& work) const;

 private:
  double LinkLatencyS() const;
  double AllReduceSeconds(double message_bytes) const;

  ModelProfile model_;
  ResolvedConfig config_;
  double linear_flops_per_token_ = 0;    // per GPU
  double dense_weight_bytes_ = 0;        // per GPU: attention + dense MLP/router + norms of all layers
  double expert_bytes_ = 0;              // per GPU: one expert of one layer
  double lm_head_bytes_ = 0;             // per GPU
  double lm_head_flops_per_seq_ = 0;     // per GPU
  double attention_flops_per_pair_ = 0;  // per GPU
  double kv_bytes_per_token_ = 0;        // per GPU, all layers
  double activation_bytes_per_token_ = 0;
  double linear_peak_flops_ = 0;   // effective
  double memory_bytes_per_s_ = 0;  // effective
  double weight_bytes_per_s_ = 0;  // effective, for the linear weights
  int kernels_per_step_ = 0;
};

}  // namespace autotuner::sim
