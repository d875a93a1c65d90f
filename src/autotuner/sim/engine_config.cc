#include "autotuner/sim/engine_config.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <string>

#include "autotuner/core/strings.h"
#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

Error Invalid(std::string message, std::string_view kind) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), Json{{"kind", kind}});
}

std::string Lower(std::string_view text) { return NormalizeFlagName(text); }

Result<double> DenseBytes(std::string_view dtype) {
  const std::string d = Lower(dtype);
  if (d == "auto" || d == "half" || d == "float16" || d == "bfloat16" || d == "bf16" || d == "fp16") {
    return 2.0;
  }
  if (d == "float" || d == "float32" || d == "fp32") return 4.0;
  return Invalid("unknown dtype '" + std::string(dtype) + "' (auto, half, float16, bfloat16, float, float32)",
                 "invalid_value");
}

// An engine that knows only some policies refuses the others at start-up.
Status CheckSchedulePolicy(std::string_view engine, const std::vector<SchedulePolicy>& known,
                           SchedulePolicy policy) {
  if (known.empty() || std::find(known.begin(), known.end(), policy) != known.end()) return {};
  std::string names;
  for (size_t i = 0; i < known.size(); ++i) {
    names += (i == 0                  ? ""
              : i + 1 == known.size() ? " or "
                                      : ", ") +
             std::string(SchedulePolicyName(known[i]));
  }
  return Invalid(std::string(engine) + " scheduling policy must be " + names + ", got " +
                     std::string(SchedulePolicyName(policy)),
                 "invalid_value");
}

}  // namespace

Flavor::Flavor() : Flavor(FlavorNamed("vllm")) {}

std::string_view FlavorName(Flavor flavor) { return flavor->name; }

Flavor FlavorNamed(std::string_view name) {
  auto flavor = ParseFlavor(name);
  if (!flavor) std::abort();  // a name the code itself spells; unknown only if that flavor is not built
  return *flavor;
}

Result<Flavor> ParseFlavor(std::string_view name) {
  const std::string n = Lower(name);
  std::string known;
  for (const FlavorTraits* traits : AllFlavors()) {
    if (n == traits->name ||
        std::find(traits->aliases.begin(), traits->aliases.end(), n) != traits->aliases.end())
      return Flavor(*traits);
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
    return MakeError(ErrorCode::kInvalidArgument, r.flavor->too_few_gpus(needed, r.num_gpus, r.tp),
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
    if (*config.context_length > model.max_context && r.flavor->context_too_long != nullptr) {
      return Invalid(r.flavor->context_too_long(*config.context_length, model.max_context),
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

  r.flavor->apply_defaults(config, r);
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
  if (Status policy =
          CheckSchedulePolicy(r.flavor->display_name, r.flavor->scheduler.policies, r.schedule_policy);
      !policy) {
    return std::move(policy).error();
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
