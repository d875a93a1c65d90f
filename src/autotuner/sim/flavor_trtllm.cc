// TensorRT-LLM (trtllm-serve MODEL): click, underscores, binds to localhost.
// Defaults that matter to performance: kv_cache_free_gpu_memory_fraction 0.9; max_batch_size 2048;
// max_num_tokens 8192; chunked prefill off; block reuse on, 32 tokens per block; CUDA graphs up to batch 128;
// overlap scheduler on; GUARANTEED_NO_EVICT admission.

#include <fmt/format.h>

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

std::string TrtllmTooFewGpus(int needed, int available, int /*tp*/) {
  return "RuntimeError: world size " + std::to_string(needed) +
         " (tp_size * pp_size) is larger than the number of available GPUs (" + std::to_string(available) +
         ")";
}

void TrtllmDefaults(const EngineConfig& config, ResolvedConfig& r) {
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
}

// KV = kv_cache_free_gpu_memory_fraction × (usable − weights − runtime buffers).
Status TrtllmSizeKvPool(const MemoryBudget& budget, MemoryPlan& plan) {
  const double free_after = budget.usable - plan.weight_bytes - budget.work_bytes;
  if (free_after <= 0) {
    return OomError(budget.config,
                    TorchOomMessage(budget.config.gpu, plan.activation_bytes,
                                    free_after + plan.activation_bytes, budget.total),
                    "runtime_buffers", plan);
  }
  plan.kv_bytes = free_after * budget.config.memory_fraction;
  return {};
}

// A pool shorter than max_seq_len caps the attention window, unless told to fail.
Status TrtllmShortPool(const MemoryBudget& budget, MemoryPlan& plan) {
  const int64_t tokens = plan.kv_tokens;
  if (budget.config.fail_fast_on_attention_window_too_large) {
    return OomError(
        budget.config,
        fmt::format("RuntimeError: Attention window too large: the KV cache holds {} tokens, fewer than "
                    "one sequence of max_seq_len {} (fail_fast_on_attention_window_too_large is set)",
                    tokens, plan.context_length),
        "kv_cache", plan);
  }
  plan.log_lines.push_back(fmt::format(
      "[TensorRT-LLM][WARNING] maxAttentionWindow and maxSequenceLen are too large for at least one "
      "sequence to fit in kvCache. They are reduced to {}",
      tokens));
  plan.context_length = tokens;
  return {};
}

void TrtllmReport(const MemoryBudget& budget, MemoryPlan& plan) {
  plan.max_running_requests = budget.config.max_running_requests;
  plan.log_lines.push_back(
      fmt::format("[TensorRT-LLM][INFO] [MemUsageChange] Allocated {:.2f} GiB for max tokens in "
                  "paged KV cache ({}).",
                  plan.kv_bytes / kSimGiB, plan.kv_tokens));
}

std::string TrtllmContextExceeded(int64_t context, int64_t input, int64_t output) {
  return fmt::format("The sum of prompt length ({}) and max_tokens ({}) should not exceed max_seq_len ({})",
                     input, output, context);
}

}  // namespace

const FlavorTraits& TrtllmTraits() {
  static const FlavorTraits traits = {
      .name = "trtllm",
      .display_name = "TensorRT-LLM",
      .aliases = {"tensorrt-llm", "trt-llm"},
      .too_few_gpus = TrtllmTooFewGpus,
      .context_too_long = nullptr,  // max_seq_len may exceed the model's
      .apply_defaults = TrtllmDefaults,
      .cli = {.click = true,
              .underscores_ok = false,
              .positional_model = true,
              .prog = "trtllm-serve",
              .usage = "Usage: trtllm-serve [OPTIONS] MODEL"},
      .default_host = "localhost",
      .model_flag = "",
      .missing_model_error = "Missing argument 'MODEL'.",
      .costs = {.step_s = 0.25e-3,
                .per_seq_s = 3e-6,
                .startup_s = 25,
                .compile_fixed_s = 0,
                .compile_per_size_s = 0},
      .graph_sizes_powers_of_two = true,
      .compile_speeds_decode = false,
      .graphs_by_token_count = false,
      .memory = {.size_kv_pool = TrtllmSizeKvPool,
                 .empty_pool_error = "ValueError: No available memory for the cache blocks. Try increasing "
                                     "`gpu_memory_utilization` when initializing the engine.",
                 .short_pool = TrtllmShortPool,
                 .report = TrtllmReport},
      .context_exceeded = TrtllmContextExceeded,
      .scheduler = {.low_priority_values_first = false,
                    .victim = VictimOrder::kNewest,
                    .least_loaded_dp = false,
                    .refuses_prompt_over_budget = true,
                    .policies = {}},
      .metrics = {.running = "trtllm_num_requests_running",
                  .waiting = "trtllm_num_requests_waiting",
                  .kv_usage = "trtllm_kv_cache_utilization",
                  .prompt = "trtllm_prompt_tokens_total",
                  .generation = "trtllm_generation_tokens_total",
                  .ttft = "trtllm_time_to_first_token_seconds",
                  .itl = "trtllm_time_per_output_token_seconds",
                  .e2e = "trtllm_e2e_request_latency_seconds",
                  .success = "trtllm_request_success_total",
                  .preemptions = "trtllm_num_requests_preempted_total",
                  .cached = "trtllm_prompt_cached_tokens_total",
                  .cache_queries = "",
                  .itl_alias = "",
                  .labels = "engine_type=\"undefined\",model_name=\"undefined\"",
                  .success_by_reason = true},
      .routes = {.health = {"/health", "/ping"},
                 .prometheus = "/prometheus/metrics",
                 .prometheus_needs_flag = false,
                 .iteration_stats = "/metrics",
                 .any_model_name = false},
      .wire = {.sglang_shapes = false,
               .vllm_fields = false,
               .null_usage_on_chunks = true,
               .owned_by = "tensorrt_llm"},
  };
  return traits;
}

}  // namespace autotuner::sim
