#pragma once

// Offline-quantization detection for the mapping: whether the task's checkpoint is already quantized, so
// runtime weight quantization (model_dtype, enable_fp8_compute) does not apply to it.

#include <optional>
#include <string>

#include "autotuner/deploy/mapping.h"

namespace autotuner::deploy {

// The checkpoint's offline quantization from a local directory's config.json
// (`quantization_config.quant_method`), its GGUF files, a `.gguf` file path, or name patterns of a Hub id
// (-AWQ, -GPTQ, -FP8, -Int4, GGUF, ... case-insensitive); nothing when the checkpoint is not quantized.
std::optional<OfflineQuantization> DetectOfflineQuantization(const std::string& model_id_or_path);

}  // namespace autotuner::deploy
