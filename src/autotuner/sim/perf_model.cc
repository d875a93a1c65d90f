#include "autotuner/sim/perf_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

constexpr double kGiB = kSimGiB;
constexpr double kMiB = 1024.0 * 1024.0;

// Achieved fractions of the spec-sheet peaks (calibrated, docs/sim-calibration.md; physics in
// docs/simulator.md).
constexpr double kHbmEfficiency = 0.80;           // streaming weights and activations
constexpr double kAttentionHbmEfficiency = 0.50;  // paged KV reads of decode attention (gathers, small heads)
// BF16/FP16 GEMMs over a whole model step. Hopper's 989 TFLOPS assume boost clocks it does not hold under
// sustained tensor-core load: measured H100/A100 BF16 serving ratios are ≈ 2.3×, not the peak ratio 3.2×.
constexpr double kAmpereGemmEfficiency = 0.55;
constexpr double kHopperGemmEfficiency = 0.42;
constexpr double kAdaGemmEfficiency = 0.50;  // not pinned by a published point
// Per-tensor FP8 (ModelOpt, --quantization fp8): of the FP8 (or INT8) peak; ≈ 2.4× the achieved BF16 rate
// on Hopper, where FP8 GEMMs keep the tensor cores fed at lower power per operation.
constexpr double kFp8GemmEfficiency = 0.50;
constexpr double kBlockFp8Speedup = 1.25;       // block-scaled FP8 GEMMs vs the achieved BF16 rate
constexpr double kWeightOnlyEfficiency = 0.80;  // dequantizing GEMMs (AWQ, GPTQ, Marlin FP8) vs BF16
constexpr double kWeightOnlyBandwidth = 0.65;   // share of kHbmEfficiency a dequantizing GEMV streams at
constexpr double kAttentionEfficiency = 0.35;   // prefill attention vs the BF16 peak
constexpr double kTorchCompileSpeedup = 0.92;   // SGLang --enable-torch-compile on small decode batches
// Compute/memory overlap near the ridge point: p-norm of the two times (p → ∞ would be a hard max()).
constexpr double kOverlapExponent = 2.5;
// Tensor parallelism: a collective call's fixed cost (launch, barrier) and the achieved share of the link
// bandwidth (NCCL bus bandwidth ≈ 360 of 450 GB/s on H100 NVLink).
constexpr double kAllReduceCallS = 10e-6;
constexpr double kLinkEfficiency = 0.8;

// Launch costs: eager PyTorch leaves a gap between kernels and cannot launch faster than the CPU issues them.
constexpr int kKernelsPerLayer = 14;
constexpr int kKernelsPerStep = 10;  // embedding, final norm, LM head, sampling
constexpr double kKernelGapS = 2.5e-6;
constexpr double kKernelLaunchS = 5e-6;
constexpr double kGraphLaunchS = 20e-6;

constexpr double kContextBytes = 0.6 * kGiB;  // CUDA context and allocator slack per process
constexpr double kNcclBytes = 0.3 * kGiB;     // NCCL / custom all-reduce buffers when tp × pp > 1
constexpr double kLoadBytesPerS = 2.5e9;      // reading the checkpoint (every rank reads the files it shards)

double LinearBits(const ModelProfile& model, const ResolvedConfig& config) {
  if (model.quantization.IsQuantized()) return model.quantization.weight_bits;
  if (config.fp8_compute || config.fp8_weight_only) return 8;
  return config.dense_bytes * 8;
}

bool WeightOnlyQuantized(const ModelProfile& model, const ResolvedConfig& config) {
  if (config.fp8_weight_only) return true;
  const QuantMethod m = model.quantization.method;
  return m == QuantMethod::kAwq || m == QuantMethod::kGptq || m == QuantMethod::kGguf ||
         m == QuantMethod::kBitsAndBytes;
}

double WeightBytesPerGpu(const ModelProfile& model, const ResolvedConfig& config) {
  const double layers = model.LayerWeightBytes(LinearBits(model, config)) / (config.tp * config.pp);
  // Vocab-parallel embedding and LM head; with pp the heaviest stage holds one of the two.
  const double embedding_params = config.pp == 1 ? model.EmbeddingParams() : model.LmHeadParams();
  return layers + embedding_params * config.dense_bytes / config.tp;
}

double KvBytesPerTokenPerGpu(const ModelProfile& model, const ResolvedConfig& config) {
  const int layers = (model.num_layers + config.pp - 1) / config.pp;
  const double kv_heads = std::max(1.0, static_cast<double>(model.num_kv_heads) / config.tp);
  return 2.0 * layers * kv_heads * model.head_dim * config.kv_value_bytes;
}

// Peak activations of one step at the token budget, plus fp32 logits of the sequences sampled in it.
double ActivationBytes(const ModelProfile& model, const ResolvedConfig& config) {
  const double tokens = config.chunked_prefill ? std::max(config.chunk_size, config.max_batched_tokens)
                                               : static_cast<double>(config.max_batched_tokens);
  const double intermediate =
      static_cast<double>(model.intermediate_size) * std::max(1, model.experts_per_token);
  const double per_token = config.dense_bytes * (6.0 * model.hidden_size + 3.0 * intermediate / config.tp);
  const double sampled_rows = std::min(
      tokens, static_cast<double>(config.max_running_requests > 0 ? config.max_running_requests : 1024));
  return tokens * per_token + sampled_rows * model.vocab_size * 4.0;
}

double CudaGraphBytes(const ModelProfile& model, const ResolvedConfig& config) {
  if (!config.cuda_graphs) return 0;
  return 0.15 * kGiB +
         config.cuda_graph_max_bs * (48.0 * model.hidden_size + 4.0 * model.vocab_size / config.tp);
}

int CaptureSizes(const ResolvedConfig& config) {
  if (config.flavor->graph_sizes_powers_of_two) {
    return static_cast<int>(std::log2(std::max(1, config.cuda_graph_max_bs))) + 1;
  }
  return 4 + config.cuda_graph_max_bs / 8;
}

double GemmEfficiency(GpuArch arch) {
  switch (arch) {
    case GpuArch::kAmpere:
      return kAmpereGemmEfficiency;
    case GpuArch::kAda:
      return kAdaGemmEfficiency;
    case GpuArch::kHopper:
      return kHopperGemmEfficiency;
  }
  return kAmpereGemmEfficiency;
}

// A kernel that both computes and streams memory overlaps the two imperfectly near the ridge point: the
// p-norm of the two times is max() far from the ridge and 2^(1/p) × max() at it.
double Roofline(double compute_s, double memory_s) {
  return std::pow(std::pow(compute_s, kOverlapExponent) + std::pow(memory_s, kOverlapExponent),
                  1 / kOverlapExponent);
}

// Largest single tensor the loader allocates: one layer's fused gate/up projection shard.
double LargestWeightTensor(const ModelProfile& model, const ResolvedConfig& config) {
  return 2.0 * model.hidden_size * model.intermediate_size * LinearBits(model, config) / 8.0 / config.tp;
}

}  // namespace

std::string TorchOomMessage(const GpuProfile& gpu, double tried_bytes, double free_bytes,
                            double in_use_bytes) {
  return fmt::format(
      "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate {:.2f} MiB. GPU 0 has a total capacity "
      "of "
      "{:.2f} GiB of which {:.2f} MiB is free. Including non-PyTorch memory, this process has {:.2f} GiB "
      "memory in "
      "use. Of the allocated memory {:.2f} GiB is allocated by PyTorch, and 20.00 MiB is reserved by PyTorch "
      "but "
      "unallocated. If reserved but unallocated memory is large try setting "
      "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for "
      "Memory "
      "Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)",
      tried_bytes / kMiB, gpu.memory_gib, std::max(0.0, free_bytes) / kMiB, in_use_bytes / kGiB,
      std::max(0.0, in_use_bytes - kContextBytes) / kGiB);
}

Error OomError(const ResolvedConfig& config, std::string message, std::string_view stage,
               const MemoryPlan& plan) {
  return MakeError(ErrorCode::kResourceExhausted, std::move(message),
                   Json{{"kind", "oom"},
                        {"stage", stage},
                        {"flavor", FlavorName(config.flavor)},
                        {"gpu", config.gpu.name},
                        {"total_gib", plan.total_bytes / kGiB},
                        {"weights_gib", plan.weight_bytes / kGiB},
                        {"kv_cache_gib", plan.kv_bytes / kGiB},
                        {"memory_fraction", config.memory_fraction}});
}

Result<MemoryPlan> PlanMemory(const ModelProfile& model, const ResolvedConfig& config) {
  MemoryPlan plan;
  plan.total_bytes = config.gpu.MemoryBytes();
  plan.checkpoint_bytes = model.CheckpointBytes(config.dense_bytes);
  plan.weight_bytes = WeightBytesPerGpu(model, config);
  plan.activation_bytes = ActivationBytes(model, config);
  plan.cuda_graph_bytes = CudaGraphBytes(model, config);
  plan.runtime_bytes = kContextBytes + (config.GpusPerReplica() > 1 ? kNcclBytes : 0);
  plan.kv_bytes_per_token = KvBytesPerTokenPerGpu(model, config);
  plan.context_length = config.context_length;

  const MemoryBudget budget{
      .model = model,
      .config = config,
      .total = plan.total_bytes,
      .usable = plan.total_bytes - kContextBytes,
      .context_bytes = kContextBytes,
      .work_bytes = plan.activation_bytes + plan.cuda_graph_bytes + (plan.runtime_bytes - kContextBytes)};
  if (plan.weight_bytes > budget.usable) {
    const double tensor = LargestWeightTensor(model, config);
    return OomError(
        config,
        TorchOomMessage(config.gpu, tensor, budget.usable - (plan.weight_bytes - tensor), budget.total),
        "load_weights", plan);
  }
  const MemoryHooks& hooks = config.flavor->memory;
  if (Status sized = hooks.size_kv_pool(budget, plan); !sized) return std::move(sized).error();

  const int64_t page = config.page_size;
  int64_t tokens = static_cast<int64_t>(plan.kv_bytes / plan.kv_bytes_per_token) / page * page;
  if (config.max_total_tokens && *config.max_total_tokens > 0) {
    tokens = std::min(tokens, *config.max_total_tokens / page * page);
  }
  plan.kv_tokens = tokens;
  if (tokens <= 0) return OomError(config, hooks.empty_pool_error, "kv_cache", plan);
  if (tokens < plan.context_length && hooks.short_pool != nullptr) {
    if (Status fits = hooks.short_pool(budget, plan); !fits) return std::move(fits).error();
  }
  hooks.report(budget, plan);
  return plan;
}

double StartupSeconds(const ModelProfile& model, const ResolvedConfig& config, const MemoryPlan& plan) {
  const HostCosts& costs = config.flavor->costs;
  double seconds = costs.startup_s;
  seconds += plan.checkpoint_bytes / kLoadBytesPerS;
  seconds += 3;                                               // memory profiling and KV pool allocation
  if (config.GpusPerReplica() * config.dp > 1) seconds += 3;  // NCCL initialisation
  const double depth = model.num_layers / 32.0;
  if (config.cuda_graphs) seconds += CaptureSizes(config) * 0.12 * depth;
  if (config.torch_compile) {
    seconds +=
        costs.compile_fixed_s + costs.compile_per_size_s * (4 + config.torch_compile_max_bs / 8) * depth;
  }
  return seconds;
}

PerfModel::PerfModel(const ModelProfile& model, const ResolvedConfig& config)
    : model_(model), config_(config) {
  const double tp = config.tp;
  const double bytes = LinearBits(model, config) / 8.0;
  linear_flops_per_token_ = 2.0 * model.num_layers * model.ActiveLayerParams() / tp;
  if (model.IsMoe()) {
    expert_bytes_ = model.MlpParams() * bytes / tp;
    dense_weight_bytes_ =
        model.num_layers * (model.LayerParams() - model.num_experts * model.MlpParams()) * bytes / tp;
  } else {
    dense_weight_bytes_ = model.num_layers * model.LayerParams() * bytes / tp;
  }
  lm_head_bytes_ = model.LmHeadParams() * config.dense_bytes / tp;
  lm_head_flops_per_seq_ = 2.0 * model.LmHeadParams() / tp;
  attention_flops_per_pair_ = 4.0 * model.num_layers * model.num_heads * model.head_dim / tp;
  kv_bytes_per_token_ = 2.0 * model.num_layers * std::max(1.0, model.num_kv_heads / tp) * model.head_dim *
                        config.kv_value_bytes;
  const double intermediate =
      static_cast<double>(model.intermediate_size) * std::max(1, model.experts_per_token);
  activation_bytes_per_token_ =
      model.num_layers * config.dense_bytes * (10.0 * model.hidden_size + 3.0 * intermediate / tp);

  const GpuProfile& gpu = config.gpu;
  const double bf16_flops = gpu.bf16_tflops * 1e12 * GemmEfficiency(gpu.arch);
  if (config.fp8_compute) {
    // Block-scaled FP8 rescales every 128×128 tile inside the GEMM; per-tensor FP8 runs near the FP8 peak.
    linear_peak_flops_ =
        model.fp8_block_scaled ? bf16_flops * kBlockFp8Speedup : gpu.fp8_tflops * 1e12 * kFp8GemmEfficiency;
  } else if (model.quantization.method == QuantMethod::kInt8) {
    // INT8 tensor cores run at twice the BF16 rate on every supported GPU.
    linear_peak_flops_ =
        (gpu.HasFp8Compute() ? gpu.fp8_tflops : 2 * gpu.bf16_tflops) * 1e12 * kFp8GemmEfficiency;
  } else if (WeightOnlyQuantized(model, config)) {
    linear_peak_flops_ = bf16_flops * kWeightOnlyEfficiency;
  } else {
    linear_peak_flops_ = bf16_flops;
  }
  memory_bytes_per_s_ = gpu.hbm_bandwidth_gbs * 1e9 * kHbmEfficiency;
  // Dequantizing kernels (Marlin, AWQ GEMV) unpack every weight: they stream the compressed bytes at a
  // lower share of the bandwidth than a BF16 GEMV.
  weight_bytes_per_s_ = WeightOnlyQuantized(model, config) && !config.fp8_weight_only
                            ? memory_bytes_per_s_ * kWeightOnlyBandwidth
                            : memory_bytes_per_s_;
  kernels_per_step_ = model.num_layers * (kKernelsPerLayer + (config.tp > 1 ? 2 : 0)) + kKernelsPerStep;
}

double PerfModel::LinkLatencyS() const { return config_.gpu.link_latency_us * 1e-6; }

// Ring all-reduce (α–β model): 2(n − 1) steps, each paying the link latency, moving 2(n − 1)/n of the
// message at the achieved link bandwidth; plus the fixed cost of one collective call.
double PerfModel::AllReduceSeconds(double message_bytes) const {
  const double n = config_.tp;
  const double steps = 2 * (n - 1);
  return kAllReduceCallS + steps * LinkLatencyS() +
         steps / n * message_bytes / (config_.gpu.link_bandwidth_gbs * 1e9 * kLinkEfficiency);
}

StepTime PerfModel::Step(const BatchWork& work) const {
  StepTime t;
  const double tokens = static_cast<double>(work.Tokens());
  if (tokens <= 0) return t;
  const GpuProfile& gpu = config_.gpu;

  // Linear layers (+ LM head for the sampled sequences).
  double weight_bytes = dense_weight_bytes_ + (work.sampled > 0 ? lm_head_bytes_ : 0);
  if (model_.IsMoe()) {
    // Experts the batch touches per layer: E × (1 − (1 − k/E)^tokens).
    const double e = model_.num_experts;
    const double touched = e * (1 - std::pow(1 - model_.experts_per_token / e, tokens));
    weight_bytes += model_.num_layers * touched * expert_bytes_;
  }
  const double linear_flops = tokens * linear_flops_per_token_ + work.sampled * lm_head_flops_per_seq_;
  const double activation_bytes =
      tokens * activation_bytes_per_token_ + work.sampled * model_.vocab_size * 8.0;
  const double lm_head = work.sampled > 0 ? lm_head_bytes_ : 0;  // stays BF16 in quantized checkpoints
  t.linear_s =
      Roofline(linear_flops / linear_peak_flops_, (weight_bytes - lm_head) / weight_bytes_per_s_ +
                                                      (lm_head + activation_bytes) / memory_bytes_per_s_);

  // Attention: prefill is compute-heavy, decode streams each sequence's KV.
  const double pairs = work.prefill_pairs + static_cast<double>(work.decode_kv_tokens);
  const double kv_tokens = static_cast<double>(work.prefill_kv_reads + work.decode_kv_tokens) + tokens;
  t.attention_s =
      Roofline(attention_flops_per_pair_ * pairs / (gpu.bf16_tflops * 1e12 * kAttentionEfficiency),
               kv_tokens * kv_bytes_per_token_ / (gpu.hbm_bandwidth_gbs * 1e9 * kAttentionHbmEfficiency));

  // Tensor-parallel all-reduces (2 per layer) and pipeline hops.
  const double activation_message = tokens * model_.hidden_size * config_.dense_bytes;
  if (config_.tp > 1) t.comm_s += 2.0 * model_.num_layers * AllReduceSeconds(activation_message);
  if (config_.pp > 1) {
    t.comm_s += (config_.pp - 1) *
                (LinkLatencyS() + activation_message / (gpu.link_bandwidth_gbs * 1e9 * kLinkEfficiency));
  }

  double gpu_s = t.linear_s + t.attention_s + t.comm_s;
  const bool decode_only = work.prefill_tokens == 0;
  if (config_.flavor->compile_speeds_decode && config_.torch_compile && decode_only &&
      work.decode_seqs <= config_.torch_compile_max_bs) {
    gpu_s *= kTorchCompileSpeedup;
  }
  // Piecewise graphs run by token count (mixed batches too); whole-step graphs capture decode only.
  t.cuda_graph = config_.cuda_graphs && (config_.flavor->graphs_by_token_count
                                             ? tokens <= config_.cuda_graph_max_bs
                                             : decode_only && work.decode_seqs <= config_.cuda_graph_max_bs);
  const double device_s =
      t.cuda_graph ? gpu_s + kGraphLaunchS
                   : std::max(gpu_s + kernels_per_step_ * kKernelGapS, kernels_per_step_ * kKernelLaunchS);
  const HostCosts& costs = config_.flavor->costs;
  const double cpu_s = costs.step_s + costs.per_seq_s * work.Sequences();
  t.seconds = config_.overlap_schedule ? std::max(device_s, cpu_s) : device_s + cpu_s;
  t.overhead_s = t.seconds - gpu_s;
  return t;
}

}  // namespace autotuner::sim
