// SGLang (python3 -m sglang.launch_server): argparse, dashes only, the model by --model-path.
// Defaults that matter to performance: mem-fraction-static 0.88/0.87/0.85/0.81/0.79 for tp 1/2/4/8/16;
// chunked-prefill-size 2048 (<35 GiB GPUs), 4096 (<60 GiB), else 8192; max-prefill-tokens 16384;
// cuda-graph-max-bs 24/32/256 (tp<4) or 80/160/512 by the same memory tiers; max-running-requests from the
// KV pool (tokens/2, at most the request pool of 2048..4096 slots); page size 1; radix cache on; overlap
// scheduler on; schedule policy fcfs.

#include <fmt/format.h>

#include <algorithm>

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

std::string SglangTooFewGpus(int needed, int available, int /*tp*/) {
  return "RuntimeError: CUDA error: invalid device ordinal (tp_size * pp_size * dp_size = " +
         std::to_string(needed) + " GPUs requested, " + std::to_string(available) + " visible)";
}

std::string SglangContextTooLong(int64_t requested, int64_t model_max) {
  return "ValueError: User-specified context_length (" + std::to_string(requested) +
         ") is greater than the derived context_length (" + std::to_string(model_max) +
         "). To allow overriding this maximum, set the env var SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1";
}

// Memory tiers SGLang uses to pick its defaults: <35 GiB (L4, A10G), <60 GiB (A100-40GB, L40S), larger.
int SglangTier(const GpuProfile& gpu) { return gpu.memory_gib < 35 ? 0 : gpu.memory_gib < 60 ? 1 : 2; }

double SglangMemFraction(int tp) {
  if (tp >= 16) return 0.79;
  if (tp >= 8) return 0.81;
  if (tp >= 4) return 0.85;
  if (tp >= 2) return 0.87;
  return 0.88;
}

void SglangDefaults(const EngineConfig& config, ResolvedConfig& r) {
  const int tier = SglangTier(r.gpu);
  r.memory_fraction = config.memory_fraction.value_or(SglangMemFraction(r.tp));
  r.max_batched_tokens = config.max_batched_tokens.value_or(16384);
  const int default_chunk = tier == 0 ? 2048 : tier == 1 ? 4096 : 8192;
  const int chunk = config.chunked_prefill_size.value_or(default_chunk);
  r.chunked_prefill = config.chunked_prefill.value_or(true) && chunk > 0;
  r.chunk_size = r.chunked_prefill ? chunk : 0;
  r.max_running_requests = config.max_running_requests.value_or(0);
  r.page_size = config.page_size.value_or(1);
  r.cache_block_tokens = std::max(r.page_size, 16);
  static constexpr int kGraphMaxBs[2][3] = {{24, 32, 256}, {80, 160, 512}};
  r.cuda_graph_max_bs = config.cuda_graph_max_bs.value_or(kGraphMaxBs[r.tp < 4 ? 0 : 1][tier]);
  r.torch_compile = config.torch_compile;
  r.overlap_schedule = config.overlap_schedule.value_or(true);
  r.admission = config.admission.value_or(AdmissionPolicy::kEstimated);
}

// KV = usable × mem_fraction_static − weights; the rest must hold activations, CUDA graphs and NCCL buffers.
Status SglangSizeKvPool(const MemoryBudget& budget, MemoryPlan& plan) {
  const ResolvedConfig& config = budget.config;
  const double fraction = config.memory_fraction;
  plan.kv_bytes = budget.usable * fraction - plan.weight_bytes;
  if (plan.kv_bytes <= 0) {
    return OomError(
        config,
        fmt::format("RuntimeError: Not enough memory. Please try to increase --mem-fraction-static. "
                    "Current value: mem_fraction_static={}",
                    fraction),
        "kv_cache", plan);
  }
  const double rest = budget.usable * (1 - fraction);
  if (rest >= budget.work_bytes) return {};
  const std::string oom = TorchOomMessage(config.gpu, plan.cuda_graph_bytes + plan.activation_bytes / 4,
                                          rest - budget.work_bytes + plan.activation_bytes / 4,
                                          budget.total - (rest - budget.work_bytes));
  if (!config.cuda_graphs) return OomError(config, oom, "warmup", plan);
  return OomError(config,
                  "Exception: Capture cuda graph failed: " + oom +
                      "\nPossible solutions:\n1. set --mem-fraction-static to a smaller value (e.g., 0.8 or "
                      "0.7)\n2. set --cuda-graph-max-bs to a smaller value (e.g., 16)\n3. disable torch "
                      "compile by not using --enable-torch-compile\n4. disable CUDA graph by "
                      "--disable-cuda-graph. (Not recommended. Huge performance loss)\nOpen an issue on "
                      "GitHub https://github.com/sgl-project/sglang/issues/new/choose",
                  "cuda_graph_capture", plan);
}

void SglangReport(const MemoryBudget& budget, MemoryPlan& plan) {
  const ResolvedConfig& config = budget.config;
  const int64_t tokens = plan.kv_tokens;
  if (config.max_running_requests > 0) {
    plan.max_running_requests = std::max(1, config.max_running_requests / config.dp);  // per DP rank
  } else {
    const int64_t request_slots = std::clamp<int64_t>(
        static_cast<int64_t>(static_cast<double>(tokens) / plan.context_length * 512), 2048, 4096);
    plan.max_running_requests = static_cast<int>(std::min<int64_t>(tokens / 2, request_slots));
  }
  plan.log_lines.push_back(
      fmt::format("Load weight end. type={}, dtype={}, avail mem={:.2f} GB, mem usage={:.2f} GB.",
                  budget.model.name, config.dense_bytes == 4 ? "torch.float32" : "torch.bfloat16",
                  (budget.usable - plan.weight_bytes) / kSimGiB, plan.weight_bytes / kSimGiB));
  plan.log_lines.push_back(
      fmt::format("KV Cache is allocated. #tokens: {}, K size: {:.2f} GB, V size: {:.2f} GB", tokens,
                  plan.kv_bytes / 2 / kSimGiB, plan.kv_bytes / 2 / kSimGiB));
  plan.log_lines.push_back(fmt::format(
      "max_total_num_tokens={}, chunked_prefill_size={}, max_prefill_tokens={}, max_running_requests={}, "
      "context_len={}",
      tokens, config.chunked_prefill ? config.chunk_size : -1, config.max_batched_tokens,
      plan.max_running_requests, plan.context_length));
}

std::string SglangContextExceeded(int64_t context, int64_t input, int64_t output) {
  return fmt::format(
      "Requested token count exceeds the model's maximum context length of {} tokens. You "
      "requested a total of {} tokens: {} tokens from the input messages and {} tokens for the "
      "completion. Please reduce the number of tokens in the input messages or the completion to "
      "fit within the limit.",
      context, input + output, input, output);
}

}  // namespace

const FlavorTraits& SglangTraits() {
  static const FlavorTraits traits = {
      .name = "sglang",
      .display_name = "SGLang",
      .aliases = {},
      .too_few_gpus = SglangTooFewGpus,
      .context_too_long = SglangContextTooLong,
      .apply_defaults = SglangDefaults,
      .cli = {.click = false,
              .underscores_ok = false,
              .positional_model = false,
              .prog = "launch_server.py",
              .usage = "usage: launch_server.py [-h] --model-path MODEL_PATH [options]"},
      .default_host = "127.0.0.1",
      .model_flag = "",
      .missing_model_error = "the following arguments are required: --model-path/--model",
      // torch.compile compiles every batch size up to --torch-compile-max-bs.
      .costs = {.step_s = 0.35e-3,
                .per_seq_s = 5e-6,
                .startup_s = 15,
                .compile_fixed_s = 20,
                .compile_per_size_s = 1.5},
      .graph_sizes_powers_of_two = false,
      .compile_speeds_decode = true,
      .graphs_by_token_count = false,
      .memory = {.size_kv_pool = SglangSizeKvPool,
                 .empty_pool_error =
                     "RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.",
                 // SGLang starts; a request longer than the pool is rejected when it arrives.
                 .short_pool = nullptr,
                 .report = SglangReport},
      .context_exceeded = SglangContextExceeded,
      .scheduler = {.low_priority_values_first = false,  // unless --schedule-low-priority-values-first
                    .victim = VictimOrder::kFewestOutputTokens,
                    .least_loaded_dp = false,
                    .refuses_prompt_over_budget = false,
                    .policies = {}},
      .metrics = {.running = "sglang:num_running_reqs",
                  .waiting = "sglang:num_queue_reqs",
                  .kv_usage = "sglang:token_usage",
                  .prompt = "sglang:prompt_tokens_total",
                  .generation = "sglang:generation_tokens_total",
                  .ttft = "sglang:time_to_first_token_seconds",
                  .itl = "sglang:inter_token_latency_seconds",
                  .e2e = "sglang:e2e_request_latency_seconds",
                  .success = "sglang:num_requests_total",
                  .preemptions = "sglang:num_retracted_requests_total",
                  .cached = "sglang:cached_tokens_total",
                  .cache_queries = "",
                  .itl_alias = "",
                  .labels = "model_name=\"{}\"",
                  .success_by_reason = false},
      .routes = {.health = {"/health", "/ping", "/health_generate"},
                 .prometheus = "/metrics",
                 .prometheus_needs_flag = true,
                 .iteration_stats = "",
                 .any_model_name = true},
      .wire = {.sglang_shapes = true,
               .vllm_fields = false,
               .null_usage_on_chunks = false,
               .owned_by = "sglang"},
  };
  return traits;
}

}  // namespace autotuner::sim
