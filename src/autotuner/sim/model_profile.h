#pragma once

// Model profiles of the engine simulator: the shape numbers a roofline needs (layers, hidden size, heads, KV
// heads, vocabulary, experts) and the bytes each weight takes, for the built-in catalog (public config.json
// values of Llama-3.2-1B/3B, Llama-3.1-8B/70B, Qwen2.5-0.5B/7B/14B, Qwen3-14B, Mistral-7B-v0.3, Mixtral-8x7B)
// or read from a model directory's config.json.
//
// Offline quantization is a property of the checkpoint (task/checkpoint_quantization.h). Quantized linear
// weights take `weight_bits` each; embeddings and the LM head stay in the checkpoint dtype, as AWQ/GPTQ/FP8
// exports keep them.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/task/checkpoint_quantization.h"

namespace autotuner::sim {

// The checkpoint's quantization, shared with the deployer (task/checkpoint_quantization.h).
using QuantMethod = task::QuantMethod;
using Quantization = task::CheckpointQuantization;
using task::QuantizationFromConfig;
using task::QuantizationFromGguf;
using task::QuantizationFromName;
using task::QuantMethodName;

struct ModelProfile {
  std::string name;  // catalog name ("Llama-3.1-8B") or the directory's name
  int num_layers = 0;
  int hidden_size = 0;
  int intermediate_size = 0;  // of the dense MLP, or of one expert for MoE models
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  int vocab_size = 0;
  int64_t max_context = 0;
  bool tie_word_embeddings = false;
  int num_experts = 0;        // 0 = dense
  int experts_per_token = 0;  // routed experts per token (top-k)
  double dtype_bytes = 2;     // checkpoint dtype: 2 for bf16/fp16, 4 for fp32
  Quantization quantization;
  // FP8 weights with per-128×128-block scales (quantization_config.weight_block_size: Qwen3, DeepSeek):
  // their GEMMs rescale every block and run well below per-tensor FP8 speed.
  bool fp8_block_scaled = false;

  bool IsMoe() const { return num_experts > 0; }
  double AttentionParamsPerLayer() const;
  double MlpParams() const;  // one dense MLP, or one expert
  // Per layer: every weight, and the weights one token passes through (top-k experts only).
  double LayerParams() const;
  double ActiveLayerParams() const;
  double EmbeddingParams() const;  // input embedding + LM head (once when tied)
  double LmHeadParams() const;
  double TotalParams() const;
  double ActiveParams() const;
  // Bytes of the transformer layers' linear weights when stored at `linear_bits` per weight.
  double LayerWeightBytes(double linear_bits) const;
  // Bytes of the whole checkpoint as stored: quantized linear layers + embeddings in `dense_bytes`.
  double CheckpointBytes(double dense_bytes) const;
  // K and V of one token over all layers and KV heads at `value_bytes` per element.
  double KvBytesPerToken(double value_bytes) const;
};

// The built-in profiles (unquantized, bf16), in the documented order.
std::span<const ModelProfile> CatalogModels();

// A catalog profile by name or Hugging Face id: case-insensitive, organisation prefix and suffixes ignored
// ("meta-llama/Llama-3.2-1B-Instruct" → Llama-3.2-1B, "Qwen/Qwen2.5-7B-Instruct-AWQ" → Qwen2.5-7B with AWQ
// weights). Unknown → kNotFound naming the known models.
Result<ModelProfile> FindModelProfile(std::string_view id);

// A profile from a model directory: its config.json (kParse/kValidation naming the field when broken), or,
// for a directory of *.gguf files only, the catalog profile its name points to.
Result<ModelProfile> LoadModelProfile(const std::filesystem::path& dir);

// `--model-path`/`vllm serve <model>`: a directory → LoadModelProfile, anything else → FindModelProfile.
Result<ModelProfile> ResolveModel(std::string_view id_or_path);

// The shape fields of a Hugging Face config.json (or its `text_config`), with `name` for messages.
Result<ModelProfile> ModelProfileFromConfig(const Json& config, std::string_view name);

}  // namespace autotuner::sim
