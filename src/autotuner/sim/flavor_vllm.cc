// vLLM (vllm serve MODEL): argparse that also accepts --foo_bar; without a model it serves --model's default.
// Defaults that matter to performance: gpu-memory-utilization 0.9 (0.92 in the newest development tree);
// max-num-batched-tokens/max-num-seqs 8192/1024 on ≥70 GiB non-A100 GPUs, else 2048/256; chunked prefill
// and prefix caching on; block size 16; CUDA graphs up to min(2×max-num-seqs, 512); torch.compile unless
// --enforce-eager; async scheduling off.

#include <fmt/format.h>

#include <algorithm>

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

constexpr const char* kVllmNoCacheBlocks =
    "ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when "
    "initializing the engine.";

std::string VllmTooFewGpus(int /*needed*/, int available, int tp) {
  return "AssertionError: please set tensor_parallel_size (" + std::to_string(tp) +
         ") to less than max local gpu count (" + std::to_string(available) + ")";
}

std::string VllmContextTooLong(int64_t requested, int64_t model_max) {
  return "ValueError: User-specified max_model_len (" + std::to_string(requested) +
         ") is greater than the derived max_model_len (max_position_embeddings=" + std::to_string(model_max) +
         " in model's config.json). To allow overriding this maximum, set the env var "
         "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1";
}

void VllmDefaults(const EngineConfig& config, ResolvedConfig& r) {
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
}

// KV = total × gpu_memory_utilization − weights − peak activations − non-torch memory; CUDA graphs are
// captured in what utilization leaves over.
Status VllmSizeKvPool(const MemoryBudget& budget, MemoryPlan& plan) {
  const ResolvedConfig& config = budget.config;
  const double fraction = config.memory_fraction;
  const double requested = budget.total * fraction;
  if (requested > budget.usable) {
    return OomError(
        config,
        fmt::format("ValueError: Free memory on device cuda:0 ({:.2f}/{:.2f} GiB) on startup is less "
                    "than desired GPU memory utilization ({}, {:.2f} GiB). Decrease GPU memory "
                    "utilization or reduce GPU memory used by other processes.",
                    budget.usable / kSimGiB, budget.total / kSimGiB, fraction, requested / kSimGiB),
        "startup", plan);
  }
  plan.kv_bytes = requested - plan.weight_bytes - plan.activation_bytes - plan.runtime_bytes;
  if (plan.kv_bytes <= 0) return OomError(config, kVllmNoCacheBlocks, "kv_cache", plan);
  if (budget.total - requested < plan.cuda_graph_bytes) {
    return OomError(config,
                    TorchOomMessage(config.gpu, plan.cuda_graph_bytes,
                                    budget.total - requested - budget.context_bytes, requested),
                    "cuda_graph_capture", plan);
  }
  return {};
}

Status VllmShortPool(const MemoryBudget& budget, MemoryPlan& plan) {
  const double need = plan.context_length * plan.kv_bytes_per_token;
  return OomError(
      budget.config,
      fmt::format("ValueError: To serve at least one request with the model's max seq len ({}), ({:.2f} "
                  "GiB KV cache is needed, which is larger than the available KV cache memory ({:.2f} "
                  "GiB). Based on the available memory, the estimated maximum model length is {}. Try "
                  "increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
                  "initializing the engine.",
                  plan.context_length, need / kSimGiB, plan.kv_bytes / kSimGiB, plan.kv_tokens),
      "kv_cache", plan);
}

void VllmReport(const MemoryBudget& budget, MemoryPlan& plan) {
  const int64_t tokens = plan.kv_tokens;
  plan.max_running_requests = budget.config.max_running_requests;
  plan.log_lines.push_back(fmt::format("Model loading took {:.2f} GiB", plan.weight_bytes / kSimGiB));
  plan.log_lines.push_back(fmt::format("Available KV cache memory: {:.2f} GiB", plan.kv_bytes / kSimGiB));
  plan.log_lines.push_back(fmt::format("GPU KV cache size: {} tokens", tokens));
  plan.log_lines.push_back(fmt::format("Maximum concurrency for {} tokens per request: {:.2f}x",
                                       plan.context_length,
                                       static_cast<double>(tokens) / plan.context_length));
}

std::string VllmContextExceeded(int64_t context, int64_t input, int64_t output) {
  return fmt::format(
      "This model's maximum context length is {} tokens. However, you requested {} tokens ({} in "
      "the messages, {} in the completion). Please reduce the length of the messages or "
      "completion.",
      context, input + output, input, output);
}

}  // namespace

const FlavorTraits& VllmTraits() {
  static const FlavorTraits traits = {
      .name = "vllm",
      .display_name = "vLLM",
      .aliases = {},
      .too_few_gpus = VllmTooFewGpus,
      .context_too_long = VllmContextTooLong,
      .apply_defaults = VllmDefaults,
      .cli = {.click = false,
              .underscores_ok = true,
              .positional_model = true,
              .prog = "vllm serve",
              .usage = "usage: vllm serve [model_tag] [options]"},
      .default_host = "127.0.0.1",
      .model_flag = "model",
      .missing_model_error = "",
      // The per-sequence cost is the largest (fitted to P10: ≈ 40 ms a step at 1,000 streams, on the
      // critical path without --async-scheduling); torch.compile compiles the whole graph once.
      .costs = {.step_s = 0.50e-3,
                .per_seq_s = 40e-6,
                .startup_s = 20,
                .compile_fixed_s = 25,
                .compile_per_size_s = 0},
      .graph_sizes_powers_of_two = false,
      .compile_speeds_decode = false,
      .graphs_by_token_count = true,
      .memory = {.size_kv_pool = VllmSizeKvPool,
                 .empty_pool_error = kVllmNoCacheBlocks,
                 .short_pool = VllmShortPool,
                 .report = VllmReport},
      .context_exceeded = VllmContextExceeded,
      .scheduler = {.low_priority_values_first = true,
                    .victim = VictimOrder::kNewest,
                    .least_loaded_dp = true,
                    .refuses_prompt_over_budget = false,
                    .policies = {SchedulePolicy::kFcfs, SchedulePolicy::kPriority}},
      .metrics = {.running = "vllm:num_requests_running",
                  .waiting = "vllm:num_requests_waiting",
                  .kv_usage = "vllm:kv_cache_usage_perc",
                  .prompt = "vllm:prompt_tokens_total",
                  .generation = "vllm:generation_tokens_total",
                  .ttft = "vllm:time_to_first_token_seconds",
                  .itl = "vllm:inter_token_latency_seconds",
                  .e2e = "vllm:e2e_request_latency_seconds",
                  .success = "vllm:request_success_total",
                  .preemptions = "vllm:num_preemptions_total",
                  .cached = "vllm:prefix_cache_hits_total",
                  .cache_queries = "vllm:prefix_cache_queries_total",
                  .itl_alias = "vllm:time_per_output_token_seconds",
                  .labels = "engine=\"0\",model_name=\"{}\"",
                  .success_by_reason = true},
      .routes = {.health = {"/health", "/ping"},
                 .prometheus = "/metrics",
                 .prometheus_needs_flag = false,
                 .iteration_stats = "",
                 .any_model_name = false},
      .wire = {.sglang_shapes = false,
               .vllm_fields = true,
               .null_usage_on_chunks = false,
               .owned_by = "vllm"},
  };
  return traits;
}

}  // namespace autotuner::sim
