#include "autotuner/sim/engine_config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "autotuner/core/strings.h"
#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

Error Invalid(std::string message, std::string_view kind) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), Json{{"kind", kind}});
}

std::string Lower(std::string_view text) { return NormalizeFlagName(text); }

// Memory tiers SGLang uses to pick its defaults: <35 GiB (L4, A10G), <60 GiB (A100-40GB, L40S), larger.
int SglangTier(const GpuProfile& gpu) { return gpu.memory_gib < 35 ? 0 : gpu.memory_gib < 60 ? 1 : 2; }

double SglangMemFraction(int tp) {
  if (tp >= 16) return 0.79;
  if (tp >= 8) return 0.81;
  if (tp >= 4) return 0.85;
  if (tp >= 2) return 0.87;
  return 0.88;
}

Result<double> DenseBytes(std::string_view dtype) {
  const std::string d = Lower(dtype);
  if (d == "auto" || d == "half" || d == "float16" || d == "bfloat16" || d == "bf16" || d == "fp16") {
    return 2.0;
  }
  if (d == "float" || d == "float32" || d == "fp32") return 4.0;
  return Invalid("unknown dtype '" + std::string(dtype) + "' (auto, half, float16, bfloat16, float, float32)",
                 "invalid_value");
}

}  // namespace

std::string_view FlavorName(Flavor flavor) { return TraitsOf(flavor).name; }

const FlavorTraits& TraitsOf(Flavor flavor) {
  switch (flavor) {
    case Flavor::kSglang:
      return SglangTraits();
    case Flavor::kVllm:
      return VllmTraits();
    case Flavor::kTrtllm:
      return TrtllmTraits();
  }
  return VllmTraits();
}

std::vector<const FlavorTraits*> AllFlavors() { return {&SglangTraits(), &VllmTraits(), &TrtllmTraits()}; }

Result<Flavor> ParseFlavor(std::string_view name) {
  const std::string n = Lower(name);
  std::string known;
  for (const FlavorTraits* traits : AllFlavors()) {
    if (n == traits->name ||
        std::find(traits->aliases.begin(), traits->aliases.end(), n) != traits->aliases.end())
      return traits->flavor;
    known += (known.empty() ? "" : ", ") + traits->name;
  }
  return Invalid("unknown engine flavor '" + std::string(name) + "' (" + known + ")", "invalid_value");
}

std::string_view SchedulePolicyName(SchedulePolicy policy) {
  switch (policy) {
    case SchedulePolicy::kFcfs:
      return "fcfs";
    case SchedulePolicy::kLpm:
      return "lpm";
    case SchedulePolicy::kRandom:
      return "random";
    case SchedulePolicy::kDfsWeight:
      return "dfs-weight";
    case SchedulePolicy::kLof:
      return "lof";
    case SchedulePolicy::kPriority:
      return "priority";
  }
  return "unknown";
}

Result<SchedulePolicy> ParseSchedulePolicy(std::string_view name) {
  static constexpr std::array<SchedulePolicy, 6> kAll = {SchedulePolicy::kFcfs,   SchedulePolicy::kLpm,
                                                         SchedulePolicy::kRandom, SchedulePolicy::kDfsWeight,
                                                         SchedulePolicy::kLof,    SchedulePolicy::kPriority};
  const std::string n = Lower(name);
  for (SchedulePolicy policy : kAll) {
    if (n == SchedulePolicyName(policy)) return policy;
  }
  return Invalid(
      "unknown schedule policy '" + std::string(name) + "' (fcfs, lpm, random, dfs-weight, lof, priority)",
      "invalid_value");
}

std::string_view KvCacheDtypeName(KvCacheDtype dtype) {
  switch (dtype) {
    case KvCacheDtype::kAuto:
      return "auto";
    case KvCacheDtype::kFloat16:
      return "float16";
    case KvCacheDtype::kBfloat16:
      return "bfloat16";
    case KvCacheDtype::kFp8E4m3:
      return "fp8_e4m3";
    case KvCacheDtype::kFp8E5m2:
      return "fp8_e5m2";
    case KvCacheDtype::kInt8:
      return "int8";
  }
  return "unknown";
}

Result<KvCacheDtype> ParseKvCacheDtype(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "auto") return KvCacheDtype::kAuto;
  if (n == "float16" || n == "fp16" || n == "half") return KvCacheDtype::kFloat16;
  if (n == "bfloat16" || n == "bf16") return KvCacheDtype::kBfloat16;
  if (n == "fp8" || n == "fp8_e4m3") return KvCacheDtype::kFp8E4m3;
  if (n == "fp8_e5m2") return KvCacheDtype::kFp8E5m2;
  if (n == "int8") return KvCacheDtype::kInt8;
  return Invalid("unknown kv cache dtype '" + std::string(name) +
                     "' (auto, float16, bfloat16, fp8, fp8_e4m3, fp8_e5m2, int8)",
                 "invalid_value");
}

Result<ResolvedConfig> ResolveConfig(const EngineConfig& config, const ModelProfile& model) {
  auto gpu = FindGpu(config.gpu_type);
  if (!gpu) return std::move(gpu).error();
  ResolvedConfig r;
  r.flavor = config.flavor;
  r.gpu = *gpu;
  r.num_gpus = config.num_gpus;
  r.tp = config.tp;
  r.pp = config.pp;
  r.dp = config.dp;
  if (r.tp < 1 || r.pp < 1 || r.dp < 1 || r.num_gpus < 1) {
    return Invalid("tp, pp, dp and the number of GPUs must be at least 1", "invalid_value");
  }
  const int needed = r.tp * r.pp * r.dp;
  if (needed > r.num_gpus) {
    return MakeError(ErrorCode::kInvalidArgument, TraitsOf(r.flavor).too_few_gpus(needed, r.num_gpus, r.tp),
                     Json{{"kind", "insufficient_gpus"}, {"needed", needed}, {"available", r.num_gpus}});
  }
  if (model.num_heads % r.tp != 0) {
    return Invalid("ValueError: Total number of attention heads (" + std::to_string(model.num_heads) +
                       ") must be divisible by tensor parallel size (" + std::to_string(r.tp) + ").",
                   "invalid_parallelism");
  }
  if (r.pp > model.num_layers) {
    return Invalid("ValueError: pipeline parallel size (" + std::to_string(r.pp) +
                       ") exceeds the number of hidden layers (" + std::to_string(model.num_layers) + ")",
                   "invalid_parallelism");
  }
  if (config.noise < 0 || !std::isfinite(config.noise)) {
    return Invalid("--sim-noise must be ≥ 0", "invalid_value");
  }

  // Context length: the model's, or a shorter override; longer is refused as the engines do.
  r.context_length = model.max_context;
  if (config.context_length) {
    if (*config.context_length <= 0) return Invalid("context length must be positive", "invalid_value");
    if (*config.context_length > model.max_context && r.flavor != Flavor::kTrtllm) {
      const std::string user = std::to_string(*config.context_length);
      const std::string derived = std::to_string(model.max_context);
      return Invalid(
          r.flavor == Flavor::kVllm
              ? "ValueError: User-specified max_model_len (" + user +
                    ") is greater than the derived max_model_len (max_position_embeddings=" + derived +
                    " in model's config.json). To allow overriding this maximum, set the env var "
                    "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1"
              : "ValueError: User-specified context_length (" + user +
                    ") is greater than the derived context_length (" + derived +
                    "). To allow overriding this maximum, set the env var "
                    "SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1",
          "context_too_long");
    }
    r.context_length = *config.context_length;
  }

  auto dense = DenseBytes(config.model_dtype);
  if (!dense) return std::move(dense).error();
  // Offline quantization overrides --dtype for the quantized weights only; activations stay 16-bit.
  r.dense_bytes = model.quantization.IsQuantized() ? 2.0 : *dense;
  switch (config.kv_cache_dtype) {
    case KvCacheDtype::kAuto:
      r.kv_value_bytes = r.dense_bytes;
      break;
    case KvCacheDtype::kFloat16:
    case KvCacheDtype::kBfloat16:
      r.kv_value_bytes = 2;
      break;
    case KvCacheDtype::kFp8E4m3:
    case KvCacheDtype::kFp8E5m2:
    case KvCacheDtype::kInt8:
      r.kv_value_bytes = 1;
      break;
  }
  r.kv_cache_dtype = config.kv_cache_dtype;

  // FP8 compute: ignored for pre-quantized checkpoints, weight-only where the GPU has no FP8 tensor cores.
  if (config.fp8_compute && model.quantization.IsQuantized()) {
    r.notes.push_back("--quantization fp8 ignored: the checkpoint is already quantized (" +
                      std::string(QuantMethodName(model.quantization.method)) + ", " +
                      model.quantization.source + ")");
  }
  const bool fp8_requested =
      model.quantization.IsQuantized() ? model.quantization.IsFp8() : config.fp8_compute;
  r.fp8_compute = fp8_requested && r.gpu.HasFp8Compute();
  r.fp8_weight_only = fp8_requested && !r.gpu.HasFp8Compute();
  if (r.fp8_weight_only) {
    r.notes.push_back("GPU " + std::string(r.gpu.name) +
                      " has no FP8 tensor cores: FP8 weights run weight-only (Marlin), no compute speed-up");
  }

  const int tier = SglangTier(r.gpu);
  switch (r.flavor) {
    case Flavor::kSglang: {
      r.memory_fraction = config.memory_fraction.value_or(SglangMemFraction(r.tp));
      r.max_batched_tokens = config.max_batched_tokens.value_or(16384);
      const int default_chunk = tier == 0 ? 2048 : tier == 1 ? 4096 : 8192;
      const int chunk = config.chunked_prefill_size.value_or(default_chunk);
      r.chunked_prefill = config.chunked_prefill.value_or(true) && chunk > 0;
      r.chunk_size = r.chunked_prefill ? chunk : 0;
      r.max_running_requests = config.max_running_requests.value_or(0);
      r.page_size = config.page_size.value_or(1);
      r.cache_block_tokens = std::max(r.page_size, 16);
      r.cuda_graph_max_bs = config.cuda_graph_max_bs.value_or(r.tp < 4 ? (tier == 0   ? 24
                                                                          : tier == 1 ? 32
                                                                                      : 256)
                                                                       : (tier == 0   ? 80
                                                                          : tier == 1 ? 160
                                                                                      : 512));
      r.torch_compile = config.torch_compile;
      r.overlap_schedule = config.overlap_schedule.value_or(true);
      r.admission = config.admission.value_or(AdmissionPolicy::kEstimated);
      break;
    }
    case Flavor::kVllm: {
      r.memory_fraction = config.memory_fraction.value_or(0.9);
      const bool big_gpu = r.gpu.memory_gib >= 70 && r.gpu.arch != GpuArch::kAmpere;
      r.chunked_prefill = config.chunked_prefill.value_or(true);
      r.max_running_requests = config.max_running_requests.value_or(big_gpu ? 1024 : 256);
      int budget = config.max_batched_tokens.value_or(big_gpu ? 8192 : 2048);
      // Without chunking a whole prompt must fit one step.
      if (!r.chunked_prefill && !config.max_batched_tokens) {
        budget = static_cast<int>(std::max<int64_t>(budget, r.context_length));
      }
      r.max_batched_tokens = budget;
      r.chunk_size = r.chunked_prefill ? budget : 0;
      r.page_size = config.page_size.value_or(16);
      r.cache_block_tokens = r.page_size;
      r.cuda_graph_max_bs = config.cuda_graph_max_bs.value_or(std::min(2 * r.max_running_requests, 512));
      r.torch_compile = config.cuda_graphs;
      r.overlap_schedule = config.overlap_schedule.value_or(false);
      r.admission = config.admission.value_or(AdmissionPolicy::kOptimistic);
      break;
    }
    case Flavor::kTrtllm: {
      r.memory_fraction = config.memory_fraction.value_or(0.9);
      r.max_running_requests = config.max_running_requests.value_or(2048);
      r.max_batched_tokens = config.max_batched_tokens.value_or(8192);
      r.chunked_prefill = config.chunked_prefill.value_or(false);
      r.chunk_size = r.chunked_prefill ? r.max_batched_tokens : 0;
      r.page_size = config.page_size.value_or(32);
      r.cache_block_tokens = r.page_size;
      r.cuda_graph_max_bs = config.cuda_graph_max_bs.value_or(128);
      r.torch_compile = false;
      r.overlap_schedule = config.overlap_schedule.value_or(true);
      r.admission = config.admission.value_or(AdmissionPolicy::kReserveFull);
      break;
    }
  }
  if (config.max_running_requests && *config.max_running_requests < 1) {
    return Invalid("the running-request cap must be at least 1", "invalid_value");
  }
  if (r.memory_fraction <= 0 || r.memory_fraction > 1) {
    return Invalid("memory fraction must be in (0, 1], got " + std::to_string(r.memory_fraction),
                   "invalid_value");
  }
  if (r.max_batched_tokens < 1 || r.page_size < 1) {
    return Invalid("the token budget and the page size must be positive", "invalid_value");
  }
  r.max_total_tokens = config.max_total_tokens;
  r.schedule_policy = config.schedule_policy;
  if (r.flavor == Flavor::kVllm && r.schedule_policy != SchedulePolicy::kFcfs &&
      r.schedule_policy != SchedulePolicy::kPriority) {
    return Invalid("vLLM scheduling policy must be fcfs or priority, got " +
                       std::string(SchedulePolicyName(r.schedule_policy)),
                   "invalid_value");
  }
  r.prefix_cache = config.prefix_cache.value_or(true);
  r.cuda_graphs = config.cuda_graphs;
  r.torch_compile_max_bs = config.torch_compile_max_bs.value_or(32);
  r.enable_mixed_chunk = config.enable_mixed_chunk;
  r.schedule_conservativeness = config.schedule_conservativeness;
  r.fail_fast_on_attention_window_too_large = config.fail_fast_on_attention_window_too_large;
  r.seed = config.seed;
  r.noise = config.noise;
  return r;
}

}  // namespace autotuner::sim
