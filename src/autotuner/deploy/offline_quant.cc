#include "autotuner/deploy/offline_quant.h"

#include "autotuner/task/checkpoint_quantization.h"

namespace autotuner::deploy {

std::optional<OfflineQuantization> DetectOfflineQuantization(const std::string& model_id_or_path,
                                                             const ModelLocations& where) {
  // The checkpoint's own files when they are here (a Hub snapshot's config.json says FP8 where the name may
  // not); the id's name pattern otherwise, and for a snapshot whose directory is only a commit hash.
  const auto files = ResolveModelFiles(model_id_or_path, where);
  task::CheckpointQuantization q =
      task::DetectCheckpointQuantization(files.ok() ? files->path.string() : model_id_or_path);
  if (!q.IsQuantized() && files.ok() && !files->hub_id.empty()) q = task::QuantizationFromName(files->hub_id);
  if (!q.IsQuantized()) return std::nullopt;
  return OfflineQuantization{std::string(task::QuantMethodName(q.method)), q.source};
}

}  // namespace autotuner::deploy
