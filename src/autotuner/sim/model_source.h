#pragma once

// The simulator's model catalogue through the model resolver (core/model_files.h), so a simulated study sees
// the same checkpoint files a real one would: a local directory, a bare name under model_dir, or a Hub id in
// the Hub cache is read from its config.json (any standard config: Llama, Qwen, Mistral, Mixtral,
// DeepSeek-style MoE, Gemma); only a model with no files here falls back to the built-in profiles.

#include <string_view>

#include "autotuner/core/model_files.h"
#include "autotuner/sim/model_profile.h"

namespace autotuner::sim {

// kNotFound lists the places the resolver tried and the built-in models.
Result<ModelProfile> ResolveSimulatedModel(std::string_view id_or_path, const ModelLocations& where);

}  // namespace autotuner::sim
