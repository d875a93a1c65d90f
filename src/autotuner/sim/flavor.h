#pragma once

// Everything one simulated engine flavor does that its runtime definition (runtimes/sim-<flavor>.yaml) does
// not say: how its CLI library parses and reports errors, its defaults, its out-of-memory and rejection
// texts, its scheduler's choices, its HTTP routes, metric names and wire shapes. Flag facts (names, types,
// which flag plays which role) are data in the YAML; each flavor's traits live in sim/flavor_<flavor>.cc,
// which defines `const FlavorTraits& <Name>Traits()` (`flavor_trtllm.cc` → `TrtllmTraits()`). The build
// lists every sim/flavor_*.cc and generates the registry from them (sim/CMakeLists.txt), so a new flavor is
// that file plus its YAML; nothing else names a flavor.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/sim/engine_config.h"
#include "autotuner/sim/perf_model.h"

namespace autotuner::sim {

// How the engine's CLI library reads arguments and reports usage errors.
struct CliStyle {
  bool click = false;             // click (TensorRT-LLM) rather than argparse
  bool underscores_ok = false;    // vLLM rewrites --foo_bar to --foo-bar before parsing
  bool positional_model = false;  // `vllm serve MODEL`, `trtllm-serve MODEL`
  std::string prog;
  std::string usage;
};

// Per-step CPU costs and process start-up, outside the GPU's work.
struct HostCosts {
  double step_s = 0;  // scheduler + sampling + detokenizer hand-off per step
  // Python/C++ bookkeeping per scheduled sequence: scheduler update, output processing, and the API server's
  // detokenizing and SSE framing of each stream's token.
  double per_seq_s = 0;
  double startup_s = 0;  // process start, imports, tokenizer, warm-up
  // torch.compile at start-up: fixed_s + per_size_s × (captured batch sizes up to --torch-compile-max-bs) ×
  // (layers / 32).
  double compile_fixed_s = 0;
  double compile_per_size_s = 0;
};

// How the engine sizes its KV pool and what it says about it (perf_model.cc calls these in order).
struct MemoryHooks {
  // Sets plan.kv_bytes from the memory left after weights, or fails as the engine does.
  Status (*size_kv_pool)(const MemoryBudget& budget, MemoryPlan& plan) = nullptr;
  // The failure when the pool rounds down to no tokens at all.
  std::string empty_pool_error;
  // When the pool (plan.kv_tokens) holds less than one context-length sequence: fail, or cap the context;
  // nullptr: start anyway and reject long requests when they arrive.
  Status (*short_pool)(const MemoryBudget& budget, MemoryPlan& plan) = nullptr;
  // Sets plan.max_running_requests and the start-up log lines about memory.
  void (*report)(const MemoryBudget& budget, MemoryPlan& plan) = nullptr;
};

// Which running request the scheduler preempts when the KV pool runs out.
enum class VictimOrder {
  kNewest,              // the newest admitted; the lowest priority under the priority policy (vLLM)
  kFewestOutputTokens,  // fewest output tokens, the longest prompt among equals (SGLang's retraction)
};

struct SchedulerTraits {
  bool low_priority_values_first = false;  // vLLM serves priority 0 before 1; SGLang the other way round
  VictimOrder victim = VictimOrder::kNewest;
  bool least_loaded_dp = false;  // data-parallel routing: least outstanding work (vLLM), else round robin
  // Without chunked prefill a prompt over the token budget is refused at admission (TensorRT-LLM).
  bool refuses_prompt_over_budget = false;
  // Policies --schedule-policy accepts; empty: all of them.
  std::vector<SchedulePolicy> policies;
};

// The engine's Prometheus metric names (metrics.cc renders them in one order for every flavor).
struct MetricNames {
  std::string running, waiting, kv_usage, prompt, generation, ttft, itl, e2e, success, preemptions;
  std::string cached;              // prompt tokens served from the prefix cache
  std::string cache_queries;       // prompt tokens looked up in the prefix cache; empty: not exported
  std::string itl_alias;           // a second name for the ITL histogram; empty: none
  std::string labels;              // every sample's labels; `{}` stands for the served model name
  bool success_by_reason = false;  // the success counter carries finished_reason="length"
};

// HTTP routes besides the OpenAI ones (/v1/completions, /v1/chat/completions, /v1/embeddings, /v1/models).
struct RouteTraits {
  std::vector<std::string> health;     // GETs answered 200 with an empty body
  std::string prometheus;              // Prometheus text
  bool prometheus_needs_flag = false;  // only with --enable-metrics (SGLang)
  std::string iteration_stats;         // TensorRT-LLM's JSON iteration stats; empty: none
  // SGLang serves any `model` a request names and echoes it (else "default"); embeddings carry the model
  // path. Others answer 404 for a name other than the served one.
  bool any_model_name = false;
};

// The JSON shapes of the OpenAI-compatible routes (wire_format.cc).
struct WireTraits {
  // SGLang's own shapes: bare hex ids, chat `created` recomputed per chunk, `reasoning_content` and
  // `matched_stop`, a separate finish chunk, flat error bodies, its own context-length message.
  bool sglang_shapes = false;
  // vLLM's extra null fields (prompt_token_ids, token_ids, kv_transfer_params, ...) and model permissions.
  bool vllm_fields = false;
  bool null_usage_on_chunks = false;  // `"usage": null` on role and token chunks (TensorRT-LLM)
  std::string owned_by;               // /v1/models
};

struct FlavorTraits {
  std::string name;                  // --flavor value, runtimes/sim-<name>.yaml
  std::string display_name;          // the engine's own spelling, in its messages
  std::vector<std::string> aliases;  // other accepted --flavor spellings
  // The engine's start-up error when the parallel layout needs more GPUs than are visible.
  std::string (*too_few_gpus)(int needed, int available, int tp) = nullptr;
  // The error when --context-length exceeds the model's; nullptr: the longer context is accepted.
  std::string (*context_too_long)(int64_t requested, int64_t model_max) = nullptr;
  // Fills the engine's defaults for what `config` leaves unset (ResolveConfig has set gpu, tp/pp/dp and
  // context_length): memory fraction, budgets, chunking, pages, CUDA graphs, compile, overlap, admission.
  void (*apply_defaults)(const EngineConfig& config, ResolvedConfig& r) = nullptr;
  CliStyle cli;
  std::string default_host;  // where the server binds without a host flag
  // A flag that names the model besides the positional argument (vLLM's --model); empty: none.
  std::string model_flag;
  // The usage error when no model is given; empty: the model flag's documented default is served.
  std::string missing_model_error;
  HostCosts costs;
  bool graph_sizes_powers_of_two = false;  // captured CUDA-graph batch sizes: 1, 2, 4, … (else every 8)
  bool compile_speeds_decode = false;      // torch.compile trims small decode batches (SGLang)
  bool graphs_by_token_count = false;      // piecewise graphs for any batch within the size (vLLM)
  MemoryHooks memory;
  // The rejection of a request whose prompt + output exceed the context.
  std::string (*context_exceeded)(int64_t context, int64_t input, int64_t output) = nullptr;
  SchedulerTraits scheduler;
  MetricNames metrics;
  RouteTraits routes;
  WireTraits wire;
};

// Every flavor built in (the generated registry), sorted by name.
const std::vector<const FlavorTraits*>& AllFlavors();

}  // namespace autotuner::sim
