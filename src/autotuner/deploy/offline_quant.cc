#include "autotuner/deploy/offline_quant.h"

#include "autotuner/task/checkpoint_quantization.h"

namespace autotuner::deploy {

std::optional<OfflineQuantization> DetectOfflineQuantization(const std::string& model_id_or_path) {
  const task::CheckpointQuantization q = task::DetectCheckpointQuantization(model_id_or_path);
  if (!q.IsQuantized()) return std::nullopt;
  return OfflineQuantization{std::string(task::QuantMethodName(q.method)), q.source};
}

}  // namespace autotuner::deploy
