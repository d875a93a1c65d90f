#pragma once

// Runtime definitions (SPEC §4): engines are data, read from runtimes/*.yaml, never branches in code.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::task {

// One launch flag an engine knows. Names are stored without leading dashes, in the engine's own spelling.
struct FlagDefinition {
  enum class Type { kString, kInt, kFloat, kBool, kJson, kList };
  std::string name;
  std::vector<std::string> aliases;      // other long names
  std::vector<std::string> short_names;  // "-tp"
  Type type = Type::kString;
  std::vector<std::string> choices;  // enforced choices, empty = free-form
  bool negatable = false;            // bool with a --no-x form
  std::string default_text;          // as documented ("None (auto)")
  bool tuned = false;
  bool deprecated = false;
  bool exact_spelling = false;  // rendered as written, whatever the runtime's flag style (the sim's --sim-*)
  std::string help;
};

// The part a flag plays, whatever the engine calls it: what autotuner checks and what the simulator models.
// Each runtime file names its flags for these under `roles:` (YAML keys are Name(role)).
enum class FlagRole {
  kMemoryFraction,          // GPU memory share, a fraction in (0, 1]
  kMaxRunningRequests,      // cap on concurrently scheduled requests
  kMaxBatchedTokens,        // token budget of one step / prefill batch
  kChunkSize,               // tokens per prefill chunk (-1 disables chunking)
  kChunkedPrefill,          // switch: chunked prefill on
  kMaxTotalTokens,          // KV pool size in tokens
  kKvBlocks,                // KV pool size in blocks of page_size tokens
  kPageSize,                // tokens per KV page / block
  kContextLength,           // longest prompt + output
  kSchedulePolicy,          // request ordering policy
  kPrefixCache,             // switch: prefix cache on
  kDisablePrefixCache,      // switch: prefix cache off
  kDisableCudaGraph,        // switch: no CUDA graphs
  kEnforceEager,            // switch: no CUDA graphs and no torch.compile
  kCudaGraphMaxBatch,       // largest batch captured in a CUDA graph
  kTorchCompile,            // switch: torch.compile on
  kTorchCompileMaxBatch,    // largest batch compiled
  kOverlapSchedule,         // switch: CPU/GPU overlap scheduling on
  kDisableOverlapSchedule,  // switch: CPU/GPU overlap scheduling off
  kMixedChunk,              // switch: prefill chunks mixed with decode
  kScheduleConservativeness,
  kFailFastAttentionWindow,  // switch: exit when the attention window cannot fit one sequence
};
std::string_view Name(FlagRole role);
std::optional<FlagRole> ParseFlagRole(std::string_view name);
// Every role's YAML name, for messages.
std::vector<std::string_view> FlagRoleNames();

struct RuntimeDefinition {
  enum class FlagStyle { kDashes, kUnderscores };
  std::string name;
  std::string engine;  // sglang | vllm | trtllm: which engine's flags, API and wire format
  std::string description;
  std::string image;                 // default image:tag for docker / kubernetes
  std::vector<std::string> command;  // argv prefix
  // Preflight: a command that exits 0 when the engine is installed (`python3 -c "import sglang"`); empty:
  // command[0] on PATH is enough.
  std::vector<std::string> launcher_probe;
  // Study provenance: a command whose first output line is the installed engine's version; empty: unknown.
  std::vector<std::string> version_probe;
  std::string model_dir;  // where bare model names live (core/model_files.h); empty: the default
  std::string model_arg;  // flag carrying the model, or "positional"
  std::string host_flag;
  std::string port_flag;
  std::string served_model_name_flag;  // empty: the engine names the model itself
  FlagStyle flag_style = FlagStyle::kDashes;
  std::string health_path;
  std::string ready_path;
  std::string metrics_path;
  std::string metrics_flag;  // flag that turns metrics on, if any
  // Flags autotuner sets on every launch (model, host, port, served name, plus `reserved_flags` of the file):
  // a task may not search them.
  std::vector<std::string> reserved_flags;
  std::map<std::string, std::string> parallel;      // tp|pp|dp|ep → flag name
  std::map<std::string, std::string> quantization;  // model_dtype|kv_cache_dtype|fp8_compute → flag name
  std::string config_file_flag;                     // e.g. extra_llm_api_options
  std::map<std::string, std::string> config_file_settings;  // setting → dotted key in the config file
  // role → the runtime's flags for it (long names; more than one where an old spelling is still accepted).
  std::map<FlagRole, std::vector<std::string>> roles;
  bool simulated = false;
  // Flags the runner fills from the study, not the search (a simulator's): the number of GPUs an experiment
  // was given, the task's hardware.gpu_type, the tokenizer the benchmark counts with. Empty: none.
  std::string gpu_count_flag;
  std::string gpu_type_flag;
  std::string tokenizer_flag;
  std::vector<FlagDefinition> flags;
  std::string source_file;

  // The flag called `name` (any spelling: '-' and '_' alike, leading dashes ignored, aliases), or null.
  const FlagDefinition* FindFlag(std::string_view name) const;
  // A runtime told its GPU count by a flag runs on virtual GPUs: ids 0..n-1, never this machine's.
  bool VirtualGpus() const { return !gpu_count_flag.empty(); }
  // The flags playing `role` (first: the current spelling), empty when the runtime has none.
  std::vector<const FlagDefinition*> RoleFlags(FlagRole role) const;
  // Whether `flag` plays `role`.
  bool HasRole(const FlagDefinition& flag, FlagRole role) const;
  // Whether `flag` sets a parallel degree in GPUs (an integer `parallel` flag; vLLM's expert-parallel switch
  // is not).
  bool IsGpuCountFlag(const FlagDefinition& flag) const;
  // All long names and aliases, for "did you mean" suggestions.
  std::vector<std::string_view> FlagNames() const;
  // "--name" in this runtime's spelling (a known flag with exact_spelling keeps its own).
  std::string RenderFlag(std::string_view name) const;
};

class RuntimeCatalog {
 public:
  // Loads every *.yaml in the directories, earlier directories first: a user's runtime file overrides a
  // shipped one of the same name. `extends: other` copies other's fields and appends its own flags.
  static Result<RuntimeCatalog> Load(const std::vector<std::string>& directories);
  // AUTOTUNER_RUNTIMES_DIR (':'-separated) followed by the shipped runtimes/ directory.
  static Result<RuntimeCatalog> LoadDefault();
  static std::vector<std::string> DefaultDirectories();

  const RuntimeDefinition* Find(std::string_view name) const;
  std::vector<std::string_view> Names() const;
  const std::vector<RuntimeDefinition>& runtimes() const { return runtimes_; }

 private:
  std::vector<RuntimeDefinition> runtimes_;  // sorted by name
};

std::string_view Name(FlagDefinition::Type type);

}  // namespace autotuner::task
