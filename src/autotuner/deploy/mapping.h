#pragma once

// Candidate → engine launch arguments (SPEC §4): parameters in the runtime's spelling, quantization_config
// and parallel_config mapped per engine, combinations the engine or GPU cannot run pruned with a stated
// reason.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::deploy {

// Offline quantization of the checkpoint (a property of the model, detected, never configured).
struct OfflineQuantization {
  std::string method;  // awq, gptq, fp8, gguf, ...
  std::string source;  // how it was detected, for the log
};

struct MappingInput {
  const task::Task* task = nullptr;
  const task::RuntimeDefinition* runtime = nullptr;
  // One value per search dimension, keyed by task::Dimension::name ("mem-fraction-static",
  // "quantization.preset", "parallel.tp", ...).
  Json assignment = Json::object();
  std::string gpu_type;        // "H100", "A100-80GB", ...; empty when unknown
  int64_t gpus_available = 0;  // 0 = unknown (no pruning by count)
  std::optional<OfflineQuantization> offline_quantization;
};

struct LaunchPlan {
  std::vector<std::string> args;      // engine flags, without the command, model, host and port
  Json config_file = Json::object();  // settings for the runtime's config file (empty: none needed)
  int64_t gpus_needed = 1;
  std::vector<std::string> notes;  // mapping decisions worth a log line ("fp8 → fp8_e4m3: ...")
  // The task's `env` for this candidate: fixed variables and the searched ones' assigned values.
  std::map<std::string, std::string> env;
};

struct MappingOutcome {
  std::optional<LaunchPlan> plan;  // set unless pruned
  std::string pruned_reason;       // why the engine or GPU cannot run this candidate
  bool pruned() const { return !plan.has_value(); }
};

MappingOutcome MapCandidate(const MappingInput& input);

// The environment an engine gets: `resolved` (what resolving the model added, HF_HUB_OFFLINE=1 for a Hub
// cache model) overlaid with the plan's `env`, so a variable the user set wins.
std::map<std::string, std::string> EngineEnv(const LaunchPlan& plan,
                                             std::map<std::string, std::string> resolved);

// Whether an environment variable's name looks like a credential (HF_TOKEN, *_API_KEY, *SECRET*, *PASSWORD*):
// such values never appear in stored logs or printed launch lines, which name the variable instead.
bool IsSecretEnvName(std::string_view name);

// The whole engine command line: the runtime's command, the model (positional or flag), host and port, the
// served model name, the metrics switch, the plan's flags, and the config file when the plan has one.
std::vector<std::string> BuildEngineArgv(const task::RuntimeDefinition& runtime, const std::string& model,
                                         const std::string& served_model_name, const LaunchPlan& plan,
                                         const std::string& host, int port,
                                         const std::string& config_file_path);

// The GPU generation matters for FP8: Hopper/Ada have FP8 tensor cores, Ampere runs FP8 weight-only, older
// GPUs have no FP8 kernels at all.
enum class GpuGeneration { kUnknown, kPreAmpere, kAmpere, kAda, kHopper, kBlackwell };
GpuGeneration GenerationOf(std::string_view gpu_type);

}  // namespace autotuner::deploy
