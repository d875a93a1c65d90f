#pragma once

// Offline-quantization detection for the mapping: whether the task's checkpoint is already quantized, so
// runtime weight quantization (model_dtype, enable_fp8_compute) does not apply to it.

#include <optional>
#include <string>

#include "autotuner/core/model_files.h"
#include "autotuner/deploy/mapping.h"

namespace autotuner::deploy {

// The checkpoint's offline quantization from its files as the model resolver finds them (core/model_files.h:
// a local directory, a bare name under model_dir, a Hub snapshot): config.json
// (`quantization_config.quant_method`), GGUF files, a `.gguf` file path; else name patterns of the id (-AWQ,
// -GPTQ, -FP8, -Int4, GGUF, ... case-insensitive); nothing when the checkpoint is not quantized.
std::optional<OfflineQuantization> DetectOfflineQuantization(
    const std::string& model_id_or_path, const ModelLocations& where = ModelLocations::FromEnvironment());

}  // namespace autotuner::deploy
