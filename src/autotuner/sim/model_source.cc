#include "autotuner/sim/model_source.h"

namespace autotuner::sim {

Result<ModelProfile> ResolveSimulatedModel(std::string_view id_or_path, const ModelLocations& where) {
  auto files = ResolveModelFiles(id_or_path, where);
  if (files.ok() && files->IsDirectory()) {
    auto profile = LoadModelProfile(files->path);
    if (!profile.ok() || files->hub_id.empty()) return profile;
    // A snapshot directory is named by its commit: the Hub id names the model and may tell its quantization.
    profile->name = files->hub_id;
    if (!profile->quantization.IsQuantized()) profile->quantization = QuantizationFromName(files->hub_id);
    return profile;
  }
  auto builtin = FindModelProfile(id_or_path);
  if (builtin.ok() || files.ok()) return builtin;
  Error error = std::move(builtin).error();
  error.message = files.error().message + "\nnor a built-in simulated model: " + error.message;
  error.details["tried"] = files.error().details.value("tried", Json::array());
  return error;
}

}  // namespace autotuner::sim
