#pragma once

// Preflight (SPEC §5): what does not depend on the configuration, checked before the first experiment so a
// missing model, tokenizer, launcher, Docker daemon or GPU costs seconds instead of a study of failed
// experiments. Input problems (model, tokenizer) are kValidation (exit 2, HTTP 422 with details.errors);
// environment problems (launcher, Docker, cluster, GPUs, disk) are kUnavailable (exit 1, HTTP 503 with
// details.checks). Nothing is stored.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/model_files.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/gpu_inventory.h"
#include "autotuner/deploy/kube_capacity.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"
#include "autotuner/tokenizer/model_tokenizer.h"

namespace autotuner::runner {

struct PreflightCheck {
  std::string name;  // model | tokenizer | dataset | launcher | docker | cluster | gpus | disk
  bool ok = true;
  bool input = false;    // a problem of the task file (exit 2) rather than of the machine (exit 1)
  bool warning = false;  // ok, but worth saying (an image that will be pulled, busy GPUs left out)
  std::string message;
  Json ToJson() const;
};

// The outside world as preflight sees it; every member has a real default (PreflightProbes::Default) and
// tests replace them.
struct PreflightProbes {
  std::function<bool(const std::string& program)> on_path;
  std::function<Status(const std::vector<std::string>& argv)> run_probe;
  std::function<Status()> docker_reachable;
  std::function<Result<bool>(const std::string& image)> docker_image_present;
  std::function<Status(const task::Task& task)> cluster_reachable;
  // Kubernetes / OME: what the cluster offers the task (deploy/kube_capacity.h). Unset or failing: the pool
  // comes from hardware.num_gpus, with a warning.
  std::function<Result<deploy::ClusterCapacity>(const task::Task& task)> cluster_capacity;
  std::function<deploy::GpuInventory()> gpu_inventory;
  std::function<bool(int pid)> is_our_process;
  // Whether the simulator has a built-in profile for a model it cannot find files of (unset: none).
  std::function<bool(const std::string& model)> simulator_knows_model;
  std::function<std::optional<uint64_t>(const std::filesystem::path& dir)> free_disk_bytes;
  // Provenance (runner/provenance.h): a command's output (the runtime's version_probe) and an image's digest.
  // Unset: not recorded.
  std::function<Result<std::string>(const std::vector<std::string>& argv)> command_output;
  std::function<Result<std::string>(const std::string& image)> docker_image_digest;

  static PreflightProbes Default();
};

struct PreflightOptions {
  std::string gpu_ids;              // --gpus override ("0,2")
  std::filesystem::path state_dir;  // where engines keep their state (disk check)
  uint64_t min_free_disk_bytes = uint64_t{1} << 30;
};

// The GPUs a real runtime's study may use now.
struct GpuSelection {
  std::vector<int> ids;               // free, narrowed by --gpus
  std::vector<std::string> left_out;  // "GPU n left out: reason"
  std::string type;                   // when every selected GPU has the same known type
  int compute_capability = 0;         // lowest of the selected (×10), 0 unknown
  deploy::GpuInventory inventory;
};
struct PreflightReport {
  std::vector<PreflightCheck> checks;
  GpuSelection gpus;      // real runtimes
  std::string tokenizer;  // what LoadTokenizer takes
  std::string tokenizer_note;
  std::optional<ModelFiles> model;

  bool ok() const;
  // kValidation (details.errors: messages) when an input check failed, else kUnavailable (details.checks).
  Error ToError() const;
  // One line per check: "✓ model: ..." / "✗ gpus: ..." / "! docker: ...".
  std::string Summary() const;
};

// The tokenizer the task counts with: benchmark.model_tokenizer resolved (tokenizer/model_tokenizer.h);
// simulated runtimes fall back to gpt2, as the simulator does.
Result<tokenizer::TokenizerSource> ResolveTaskTokenizer(const task::Task& task,
                                                        const task::RuntimeDefinition& runtime);

// kUnavailable when nvidia-smi cannot answer ("no GPUs: ..."); an empty selection is not an error here.
Result<GpuSelection> SelectGpus(const PreflightProbes& probes, const std::string& gpu_ids);

// What a study resolves once before its first experiment (after the preflight, or on resume): the tokenizer
// the benchmark counts with, the pool's GPU ids, and the GPU type the mapping prunes with when the task
// names none.
struct StudyResources {
  std::string tokenizer;
  std::vector<int> gpu_ids;
  std::string gpu_type;
  bool real_gpus = false;          // ids are this machine's GPUs (re-checked before each deploy)
  int64_t max_engine_gpus = 0;     // cluster modes: the GPUs of the largest node (0: unknown)
  std::vector<std::string> notes;  // for the study log
  std::vector<std::string> warnings;
  // What the engine is given: a bare name under model_dir becomes its path; a Hub id stays an id and the
  // engine runs with HF_HUB_OFFLINE=1 so it reads the cache and never downloads.
  std::string engine_model;
  std::map<std::string, std::string> engine_env;
  deploy::GpuInventory inventory;  // real runtimes: what nvidia-smi said when the GPUs were chosen
};
// What the engine is given for the task's model: a bare name under model_dir becomes its path; a Hub id in
// the cache stays an id with HF_HUB_OFFLINE=1; cluster modes leave the model as the task names it.
struct EngineModel {
  std::string model;
  std::map<std::string, std::string> env;
  std::string note;  // where the files are, for the study log; empty when not found
};
EngineModel ResolveEngineModel(const task::Task& task, const task::RuntimeDefinition& runtime);

// Runtimes on virtual GPUs (VirtualGpus: the simulators): hardware.num_gpus virtual ids (or --gpus); cluster
// modes: as many virtual ids as the cluster has free GPUs (probes.cluster_capacity; unknown:
// hardware.num_gpus with a warning), scheduled by the cluster, kUnavailable when it has none free; real
// local/Docker runtimes: SelectGpus, kUnavailable when none is free.
Result<StudyResources> ResolveStudyResources(const task::Task& task, const task::RuntimeDefinition& runtime,
                                             const PreflightProbes& probes, const std::string& gpu_ids);

// Before a deploy: waits (up to `max_wait`, polling) until none of `ids` carries foreign memory or processes,
// so memory someone else took mid-study fails the experiment as an environment problem, never as an OOM.
// kUnavailable naming the GPU and its user when the wait ends; kCancelled on stop.
Status WaitUntilGpusFree(const std::vector<int>& ids, const PreflightProbes& probes,
                         std::chrono::milliseconds max_wait, std::stop_token stop);

// The revision the task fixes with the engine's `revision` flag (a parameter with one value), or empty.
std::string TaskRevision(const task::Task& task);
// Where the task's model is looked for (the runtime's model_dir, the task's revision).
ModelLocations TaskModelLocations(const task::Task& task, const task::RuntimeDefinition& runtime);
// The fewest GPUs any candidate of the task needs (the mapping's gpus_needed over the finite grid, capped).
int64_t MinGpusNeeded(const task::Task& task, const task::RuntimeDefinition& runtime);
// Cluster modes: why a candidate needing `gpus_needed` GPUs cannot run when one node has at most
// `max_engine_gpus` (0: unknown) and the task does not allow multi-node engines; empty when it can.
std::string BeyondOneNodeReason(const task::Task& task, int64_t gpus_needed, int64_t max_engine_gpus);

PreflightReport RunPreflight(const task::Task& task, const task::RuntimeDefinition& runtime,
                             const PreflightProbes& probes, const PreflightOptions& options);

}  // namespace autotuner::runner
