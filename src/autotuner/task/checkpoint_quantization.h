#pragma once

// Offline quantization of a checkpoint: a property of the model, detected, never configured (SPEC §4). Read
// from config.json `quantization_config.quant_method` (awq, gptq, fp8, compressed-tensors, modelopt,
// bitsandbytes, ...), `*.gguf` files, or name patterns (-AWQ, -GPTQ, -FP8, -GGUF, -Int8, -W4A16, ...). Shared
// by the simulator (memory and speed of quantized weights) and the deployer (interaction with runtime
// quantization), so both see the same checkpoint the same way.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "autotuner/core/json.h"

namespace autotuner::task {

enum class QuantMethod { kNone, kAwq, kGptq, kFp8, kInt8, kGguf, kBitsAndBytes };

struct CheckpointQuantization {
  QuantMethod method = QuantMethod::kNone;
  // Bits per quantized linear weight, scales included (4-bit formats carry ~0.16 bit/weight of group-128
  // scales and zeros).
  double weight_bits = 16;
  std::string
      source;  // how it was detected, for logs ("config.json ... quant_method=awq", "name pattern ...")

  bool IsQuantized() const { return method != QuantMethod::kNone; }
  // FP8 weights (and activations): native FP8 matmuls on Ada/Hopper, weight-only on Ampere.
  bool IsFp8() const { return method == QuantMethod::kFp8; }
};

std::string_view QuantMethodName(QuantMethod method);

// From a `quantization_config` object; kNone when absent or not a weight format.
CheckpointQuantization QuantizationFromConfig(const Json& quantization_config);
// From a checkpoint's name (-AWQ, -GPTQ-Int8, -FP8, -GGUF with Q4_K_M, ...), case-insensitive.
CheckpointQuantization QuantizationFromName(std::string_view name);
// From a GGUF file (its name tells the k-quant: Q4_K_M, Q8_0, ...).
CheckpointQuantization QuantizationFromGguf(const std::filesystem::path& file);

// The first `*.gguf` file of a directory by name, if any.
std::optional<std::filesystem::path> FirstGgufFile(const std::filesystem::path& dir);

// A model as a task names it: a local directory (its config.json, else its GGUF files, else its name), a
// `.gguf` file, or a Hub id (its name). An unreadable or malformed config.json counts as absent: detection
// only informs, the engine reports a broken checkpoint itself.
CheckpointQuantization DetectCheckpointQuantization(std::string_view id_or_path);

}  // namespace autotuner::task
