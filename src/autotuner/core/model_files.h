#pragma once

// The one place that turns a task's `model.id_or_path` into files on this machine (never a download): a local
// directory or file; a bare name under the model directory (the runtime file's `model_dir`, else
// $AUTOTUNER_MODEL_DIR, else /mnt/data/models, as the original tool did); a Hugging Face Hub id through the
// local Hub cache ($HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), where
// `models--ORG--NAME/refs/<revision>` names the snapshot directory `snapshots/<commit>/`. Used by the
// tokenizer resolution, offline-quantization detection, the simulator's model catalogue and the container
// mounts, so every consumer sees the same files.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"

namespace autotuner {

inline constexpr std::string_view kDefaultModelDir = "/mnt/data/models";

// Where models are looked for.
struct ModelLocations {
  std::filesystem::path model_dir;  // bare names
  std::filesystem::path hub_cache;  // Hub ids
  std::string revision;             // a branch/tag under refs/ or a commit; empty = main

  // `runtime_model_dir` (the runtime file's model_dir) when not empty, else $AUTOTUNER_MODEL_DIR, else
  // /mnt/data/models; the Hub cache from the environment.
  static ModelLocations FromEnvironment(std::string_view runtime_model_dir = "", std::string revision = "");
};

// $HF_HUB_CACHE, else $HF_HOME/hub, else $HOME/.cache/huggingface/hub (empty without HOME).
std::filesystem::path DefaultHubCache();

struct ModelFiles {
  enum class Source { kLocalPath, kModelDir, kHubCache };
  Source source = Source::kLocalPath;
  // The checkpoint: a directory (config.json, tokenizer.json, weights) or a single file (.gguf).
  std::filesystem::path path;
  std::string hub_id;    // kHubCache: ORG/NAME
  std::string revision;  // kHubCache: the snapshot's commit

  bool IsDirectory() const;
  // The file `name` of the checkpoint directory when it exists, else empty.
  std::filesystem::path File(std::string_view name) const;
};

std::string_view Name(ModelFiles::Source source);

// The checkpoint files of `id_or_path`. Not found → kNotFound whose message lists every place tried (and
// details.tried), so the user sees where to put the model.
Result<ModelFiles> ResolveModelFiles(std::string_view id_or_path, const ModelLocations& where);

// True for ORG/NAME (one '/', no leading '.', '/' or '~'): what the Hub accepts as a model id.
bool LooksLikeHubId(std::string_view id);

}  // namespace autotuner
