#include "autotuner/sim/perf_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace autotuner::sim {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
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

struct FlavorCosts {
  double step_s;  // scheduler + sampling + detokenizer hand-off per step
  // Python/C++ bookkeeping per scheduled sequence: scheduler update, output processing, and the API server's
  // detokenizing and SSE framing of each stream's token. vLLM's is the largest (fitted to P10: ≈ 40 ms a step
  // at 1,000 streams, on the critical path without --async-scheduling); SGLang and TensorRT-LLM overlap it.
  double per_seq_s;
  double startup_s;  // process start, imports, tokenizer, warm-up
};

FlavorCosts Costs(Flavor flavor) {
  switch (flavor) {
    case Flavor::kSglang:
      return {0.35e-3, 5e-6, 15};
    case Flavor::kVllm:
      return {0.50e-3, 40e-6, 20};
    case Flavor::kTrtllm:
      return {0.25e-3, 3e-6, 25};
  }
  return {0.5e-3, 8e-6, 20};
}

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
  if (config.flavor == Flavor::kTrtllm) {
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

std::string Gib(double bytes) { return fmt::format("{:.2f}", bytes / kGiB); }

// PyTorch's allocator message, as every flavor prints it when a tensor does not fit.
std::string TorchOom(const GpuProfile& gpu, double tried_bytes, double free_bytes, double in_use_bytes) {
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

Error Oom(const ResolvedConfig& config, std::string message, std::string_view stage, const MemoryPlan& plan) {
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

// Largest single tensor the loader allocates: one layer's fused gate/up projection shard.
double LargestWeightTensor(const ModelProfile& model, const ResolvedConfig& config) {
  return 2.0 * model.hidden_size * model.intermediate_size * LinearBits(model, config) / 8.0 / config.tp;
}

}  // namespace

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

  const double total = plan.total_bytes;
  const double usable = total - kContextBytes;  // free when the process starts
  if (plan.weight_bytes > usable) {
    const double tensor = LargestWeightTensor(model, config);
    return Oom(config, TorchOom(config.gpu, tensor, usable - (plan.weight_bytes - tensor), total),
               "load_weights", plan);
  }
  const double fraction = config.memory_fraction;
  const double work_bytes =
      plan.activation_bytes + plan.cuda_graph_bytes + (plan.runtime_bytes - kContextBytes);
  std::string kv_log;
  switch (config.flavor) {
    case Flavor::kSglang: {
      plan.kv_bytes = usable * fraction - plan.weight_bytes;
      if (plan.kv_bytes <= 0) {
        return Oom(
            config,
            fmt::format("RuntimeError: Not enough memory. Please try to increase --mem-fraction-static. "
                        "Current value: mem_fraction_static={}",
                        fraction),
            "kv_cache", plan);
      }
      const double rest = usable * (1 - fraction);
      if (rest < work_bytes) {
        const std::string oom =
            TorchOom(config.gpu, plan.cuda_graph_bytes + plan.activation_bytes / 4,
                     rest - work_bytes + plan.activation_bytes / 4, total - (rest - work_bytes));
        return Oom(
            config,
            config.cuda_graphs
                ? "Exception: Capture cuda graph failed: " + oom +
                      "\nPossible solutions:\n1. set --mem-fraction-static to a smaller value (e.g., 0.8 or "
                      "0.7)\n2. set --cuda-graph-max-bs to a smaller value (e.g., 16)\n3. disable torch "
                      "compile by not using --enable-torch-compile\n4. disable CUDA graph by "
                      "--disable-cuda-graph. (Not recommended. Huge performance loss)\nOpen an issue on "
                      "GitHub https://github.com/sgl-project/sglang/issues/new/choose"
                : oom,
            config.cuda_graphs ? "cuda_graph_capture" : "warmup", plan);
      }
      break;
    }
    case Flavor::kVllm: {
      const double requested = total * fraction;
      if (requested > usable) {
        return Oom(
            config,
            fmt::format("ValueError: Free memory on device cuda:0 ({:.2f}/{:.2f} GiB) on startup is less "
                        "than desired GPU memory utilization ({}, {:.2f} GiB). Decrease GPU memory "
                        "utilization or reduce GPU memory used by other processes.",
                        usable / kGiB, total / kGiB, fraction, requested / kGiB),
            "startup", plan);
      }
      plan.kv_bytes = requested - plan.weight_bytes - plan.activation_bytes - plan.runtime_bytes;
      if (plan.kv_bytes <= 0) {
        return Oom(config,
                   "ValueError: No available memory for the cache blocks. Try increasing "
                   "`gpu_memory_utilization` when initializing the engine.",
                   "kv_cache", plan);
      }
      if (total - requested < plan.cuda_graph_bytes) {
        return Oom(config,
                   TorchOom(config.gpu, plan.cuda_graph_bytes, total - requested - kContextBytes, requested),
                   "cuda_graph_capture", plan);
      }
      break;
    }
    case Flavor::kTrtllm: {
      const double free_after = usable - plan.weight_bytes - work_bytes;
      if (free_after <= 0) {
        return Oom(config,
                   TorchOom(config.gpu, plan.activation_bytes, free_after + plan.activation_bytes, total),
                   "runtime_buffers", plan);
      }
      plan.kv_bytes = free_after * fraction;
      break;
    }
  }

  const int64_t page = config.page_size;
  int64_t tokens = static_cast<int64_t>(plan.kv_bytes / plan.kv_bytes_per_token) / page * page;
  if (config.max_total_tokens && *config.max_total_tokens > 0) {
    tokens = std::min(tokens, *config.max_total_tokens / page * page);
  }
  plan.kv_tokens = tokens;
  if (tokens <= 0) {
    return Oom(config,
               config.flavor == Flavor::kSglang
                   ? "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static."
                   : "ValueError: No available memory for the cache blocks. Try increasing "
                     "`gpu_memory_utilization` when initializing the engine.",
               "kv_cache", plan);
  }

  if (tokens < plan.context_length) {
    const double need = plan.context_length * plan.kv_bytes_per_token;
    switch (config.flavor) {
      case Flavor::kVllm:
        return Oom(config,
                   fmt::format(
                       "ValueError: To serve at least one request with the model's max seq len ({}), ({:.2f} "
                       "GiB KV cache is needed, which is larger than the available KV cache memory ({:.2f} "
                       "GiB). Based on the available memory, the estimated maximum model length is {}. Try "
                       "increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
                       "initializing the engine.",
                       plan.context_length, need / kGiB, plan.kv_bytes / kGiB, tokens),
                   "kv_cache", plan);
      case Flavor::kTrtllm:
        if (config.fail_fast_on_attention_window_too_large) {
          return Oom(config,
                     fmt::format(
                         "RuntimeError: Attention window too large: the KV cache holds {} tokens, fewer than "
                         "one sequence of max_seq_len {} (fail_fast_on_attention_window_too_large is set)",
                         tokens, plan.context_length),
                     "kv_cache", plan);
        }
        plan.log_lines.push_back(fmt::format(
            "[TensorRT-LLM][WARNING] maxAttentionWindow and maxSequenceLen are too large for at least one "
            "sequence to fit in kvCache. They are reduced to {}",
            tokens));
        plan.context_length = tokens;
        break;
      case Flavor::kSglang:
        // SGLang starts; a request longer than the pool is rejected when it arrives.
        break;
    }
  }

  switch (config.flavor) {
    case Flavor::kSglang: {
      if (config.max_running_requests > 0) {
        plan.max_running_requests = std::max(1, config.max_running_requests / config.dp);  // per DP rank
      } else {
        const int64_t request_slots = std::clamp<int64_t>(
            static_cast<int64_t>(static_cast<double>(tokens) / plan.context_length * 512), 2048, 4096);
        plan.max_running_requests = static_cast<int>(std::min<int64_t>(tokens / 2, request_slots));
      }
      plan.log_lines.push_back(
          fmt::format("Load weight end. type={}, dtype={}, avail mem={:.2f} GB, mem usage={:.2f} GB.",
                      model.name, config.dense_bytes == 4 ? "torch.float32" : "torch.bfloat16",
                      (usable - plan.weight_bytes) / kGiB, plan.weight_bytes / kGiB));
      plan.log_lines.push_back(
          fmt::format("KV Cache is allocated. #tokens: {}, K size: {:.2f} GB, V size: {:.2f} GB", tokens,
                      plan.kv_bytes / 2 / kGiB, plan.kv_bytes / 2 / kGiB));
      plan.log_lines.push_back(fmt::format(
          "max_total_num_tokens={}, chunked_prefill_size={}, max_prefill_tokens={}, max_running_requests={}, "
          "context_len={}",
          tokens, config.chunked_prefill ? config.chunk_size : -1, config.max_batched_tokens,
          plan.max_running_requests, plan.context_length));
      break;
    }
    case Flavor::kVllm:
      plan.max_running_requests = config.max_running_requests;
      plan.log_lines.push_back(fmt::format("Model loading took {} GiB", Gib(plan.weight_bytes)));
      plan.log_lines.push_back(fmt::format("Available KV cache memory: {} GiB", Gib(plan.kv_bytes)));
      plan.log_lines.push_back(fmt::format("GPU KV cache size: {} tokens", tokens));
      plan.log_lines.push_back(fmt::format("Maximum concurrency for {} tokens per request: {:.2f}x",
                                           plan.context_length,
                                           static_cast<double>(tokens) / plan.context_length));
      break;
    case Flavor::kTrtllm:
      plan.max_running_requests = config.max_running_requests;
      plan.log_lines.push_back(
          fmt::format("[TensorRT-LLM][INFO] [MemUsageChange] Allocated {} GiB for max tokens in "
                      "paged KV cache ({}).",
                      Gib(plan.kv_bytes), tokens));
      break;
  }
  return plan;
}

double StartupSeconds(const ModelProfile& model, const ResolvedConfig& config, const MemoryPlan& plan) {
  double seconds = Costs(config.flavor).startup_s;
  seconds += plan.checkpoint_bytes / kLoadBytesPerS;
  seconds += 3;                                               // memory profiling and KV pool allocation
  if (config.GpusPerReplica() * config.dp > 1) seconds += 3;  // NCCL initialisation
  const double depth = model.num_layers / 32.0;
  if (config.cuda_graphs) seconds += CaptureSizes(config) * 0.12 * depth;
  if (config.torch_compile) {
    // vLLM compiles the whole graph once; SGLang compiles every batch size up to --torch-compile-max-bs.
    seconds += config.flavor == Flavor::kVllm ? 25 : 20 + 1.5 * (4 + config.torch_compile_max_bs / 8) * depth;
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
  if (config_.flavor == Flavor::kSglang && config_.torch_compile && decode_only &&
      work.decode_seqs <= config_.torch_compile_max_bs) {
    gpu_s *= kTorchCompileSpeedup;
  }
  // vLLM captures piecewise graphs by token count (mixed batches too); SGLang and TensorRT-LLM capture
  // decode.
  t.cuda_graph = config_.cuda_graphs && (config_.flavor == Flavor::kVllm
                                             ? tokens <= config_.cuda_graph_max_bs
                                             : decode_only && work.decode_seqs <= config_.cuda_graph_max_bs);
  const double device_s =
      t.cuda_graph ? gpu_s + kGraphLaunchS
                   : std::max(gpu_s + kernels_per_step_ * kKernelGapS, kernels_per_step_ * kKernelLaunchS);
  const FlavorCosts costs = Costs(config_.flavor);
  const double cpu_s = costs.step_s + costs.per_seq_s * work.Sequences();
  t.seconds = config_.overlap_schedule ? std::max(device_s, cpu_s) : device_s + cpu_s;
  t.overhead_s = t.seconds - gpu_s;
  return t;
}

}  // namespace autotuner::sim
