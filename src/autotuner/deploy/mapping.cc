#include "autotuner/deploy/mapping.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "autotuner/core/strings.h"
#include "autotuner/task/search_space.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::deploy {
namespace {

using task::FlagDefinition;
using task::RuntimeDefinition;

// The runtime quantization a candidate asks for; unset fields leave the engine's default.
struct Quantization {
  std::optional<std::string> model_dtype;
  std::optional<std::string> kv_cache_dtype;
  std::optional<bool> fp8_compute;
};

std::string ValueText(const Json& v, const FlagDefinition* flag) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() && flag != nullptr && flag->type == FlagDefinition::Type::kInt) {
    return std::to_string(static_cast<int64_t>(std::llround(v.get<double>())));
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return DumpJson(Json(d));
  }
  return DumpJson(v);
}

int64_t AsCount(const Json& v) {
  if (v.is_number()) return static_cast<int64_t>(std::llround(v.get<double>()));
  return 1;
}

// Sets a dotted key ("kv_cache_config.dtype") in a nested object.
void SetDotted(Json& root, std::string_view dotted, Json value) {
  Json* node = &root;
  while (true) {
    const size_t dot = dotted.find('.');
    const std::string key(dotted.substr(0, dot));
    if (dot == std::string_view::npos) {
      (*node)[key] = std::move(value);
      return;
    }
    node = &(*node)[key];
    dotted.remove_prefix(dot + 1);
  }
}

class Mapper {
 public:
  explicit Mapper(const MappingInput& in) : in_(in), runtime_(*in.runtime) {}

  MappingOutcome Run() {
    MapParameters();
    const int64_t gpus = MapParallel();
    if (!pruned_.empty()) return Pruned();
    if (in_.gpus_available > 0 && gpus > in_.gpus_available) {
      return Prune("needs " + std::to_string(gpus) + " GPUs (tp x pp x dp) but " +
                   std::to_string(in_.gpus_available) + " are available");
    }
    plan_.gpus_needed = gpus;
    MapQuantization(ResolveQuantization());
    if (!pruned_.empty()) return Pruned();
    MapGpuType();
    MapEnv();
    MappingOutcome out;
    out.plan = std::move(plan_);
    return out;
  }

 private:
  MappingOutcome Prune(std::string reason) {
    pruned_ = std::move(reason);
    return Pruned();
  }
  MappingOutcome Pruned() const {
    MappingOutcome out;
    out.pruned_reason = pruned_;
    return out;
  }

  // Adds `--flag value` (or the boolean form); a flag the user set explicitly is never overridden.
  void Emit(std::string_view name, const Json& value, bool explicit_flag) {
    const FlagDefinition* flag = runtime_.FindFlag(name);
    if (!explicit_flag && flag != nullptr && explicit_.contains(flag)) {
      plan_.notes.push_back("explicit " + runtime_.RenderFlag(name) +
                            " wins over the value derived for it (" + ValueText(value, flag) + ")");
      return;
    }
    if (explicit_flag && flag != nullptr) explicit_.insert(flag);
    const std::string rendered = runtime_.RenderFlag(flag != nullptr ? std::string_view(flag->name) : name);
    if (value.is_boolean()) {
      if (value.get<bool>()) {
        plan_.args.push_back(rendered);
      } else if (flag != nullptr && flag->negatable) {
        // Omitting a flag that defaults on (vLLM's --enable-prefix-caching) cannot turn it off.
        plan_.args.push_back("--no-" + rendered.substr(2));
      }
      return;
    }
    plan_.args.push_back(rendered);
    plan_.args.push_back(ValueText(value, flag));
  }

  void MapEnv() {
    for (const auto& variable : in_.task->env) {
      const std::string dim = task::EnvDimension(variable.name);
      const auto it = in_.assignment.find(dim);
      plan_.env[variable.name] =
          it != in_.assignment.end() && it->is_string() ? it->get<std::string>() : variable.values.front();
    }
  }

  void MapParameters() {
    for (const auto& p : in_.task->parameters) {
      if (!in_.assignment.contains(p.name)) continue;
      Emit(p.name, in_.assignment[p.name], /*explicit_flag=*/true);
    }
  }

  // The degree of one parallel dimension: from parallel_config, else from an explicit engine flag, else 1.
  int64_t Degree(const std::string& key) {
    const std::string dim = "parallel." + key;
    if (in_.assignment.contains(dim)) return AsCount(in_.assignment[dim]);
    const auto it = runtime_.parallel.find(key);
    if (it == runtime_.parallel.end()) return 1;
    const FlagDefinition* flag = runtime_.FindFlag(it->second);
    for (const auto& p : in_.task->parameters) {
      if (flag != nullptr && runtime_.FindFlag(p.name) == flag && in_.assignment.contains(p.name)) {
        return AsCount(in_.assignment[p.name]);
      }
    }
    return 1;
  }

  int64_t MapParallel() {
    for (const char* key : {"tp", "pp", "dp", "ep"}) {
      const std::string dim = std::string("parallel.") + key;
      if (!in_.assignment.contains(dim)) continue;
      const int64_t degree = AsCount(in_.assignment[dim]);
      const auto it = runtime_.parallel.find(key);
      if (it == runtime_.parallel.end()) {
        if (degree > 1)
          pruned_ = runtime_.name + " has no " + key + " flag; it cannot run " + key + " = " +
                    std::to_string(degree);
        continue;
      }
      const FlagDefinition* flag = runtime_.FindFlag(it->second);
      if (flag != nullptr && flag->type == FlagDefinition::Type::kBool) {
        Emit(it->second, Json(degree > 1), false);  // vLLM: experts are spread over the TP/DP GPUs
      } else {
        Emit(it->second, Json(degree), false);
      }
    }
    return Degree("tp") * Degree("pp") * Degree("dp");
  }

  Quantization ResolveQuantization() {
    Quantization q;
    const Json& a = in_.assignment;
    if (a.contains("quantization.preset")) {
      if (auto preset = task::FindQuantizationPreset(a["quantization.preset"].get<std::string>())) {
        q.model_dtype = std::string(preset->model_dtype);
        q.kv_cache_dtype = std::string(preset->kv_cache_dtype);
        q.fp8_compute = preset->enable_fp8_compute;
      }
    }
    if (a.contains("quantization.model_dtype"))
      q.model_dtype = a["quantization.model_dtype"].get<std::string>();
    if (a.contains("quantization.kv_cache_dtype")) {
      q.kv_cache_dtype = a["quantization.kv_cache_dtype"].get<std::string>();
    }
    if (a.contains("quantization.enable_fp8_compute"))
      q.fp8_compute = a["quantization.enable_fp8_compute"].get<bool>();
    return q;
  }

  // The engine's spelling of a KV-cache dtype: itself when the engine accepts it, else its nearest
  // equivalent.
  std::optional<std::string> KvCacheValue(const std::string& wanted,
                                          const std::vector<std::string>& choices) {
    const auto accepts = [&](const std::string& v) {
      return choices.empty() || std::find(choices.begin(), choices.end(), v) != choices.end();
    };
    if (accepts(wanted)) return wanted;
    static const std::map<std::string, std::vector<std::string>> kEquivalents = {
        {"fp8", {"fp8_e4m3", "fp8_e5m2"}}, {"fp8_e4m3", {"fp8"}}, {"fp8_e5m2", {"fp8"}}};
    if (const auto it = kEquivalents.find(wanted); it != kEquivalents.end()) {
      for (const auto& alternative : it->second) {
        if (accepts(alternative)) {
          plan_.notes.push_back("kv_cache_dtype " + wanted + " → " + alternative + ": " + runtime_.engine +
                                " has no '" + wanted + "', this is its nearest equivalent");
          return alternative;
        }
      }
    }
    return std::nullopt;
  }

  void MapQuantization(Quantization q) {
    const bool fp8_kv = q.kv_cache_dtype && q.kv_cache_dtype->starts_with("fp8");
    if (in_.offline_quantization) {
      const std::string what = "the checkpoint is already quantized (" + in_.offline_quantization->method +
                               ", from " + in_.offline_quantization->source + ")";
      if (q.fp8_compute.value_or(false)) plan_.notes.push_back("enable_fp8_compute ignored: " + what);
      if (q.model_dtype && *q.model_dtype != "auto") plan_.notes.push_back("model_dtype ignored: " + what);
      q.fp8_compute.reset();
      q.model_dtype.reset();
    }
    const GpuGeneration generation = GenerationOf(in_.gpu_type);
    if ((fp8_kv || q.fp8_compute.value_or(false)) && generation == GpuGeneration::kPreAmpere) {
      pruned_ = "FP8 needs an Ampere or newer GPU; " + in_.gpu_type + " has no FP8 kernels";
      return;
    }
    if (q.fp8_compute.value_or(false) && generation == GpuGeneration::kAmpere) {
      plan_.notes.push_back("FP8 compute on " + in_.gpu_type +
                            " (Ampere) is weight-only: memory is saved, compute is not faster");
    }
    const auto flag_for = [&](const char* setting) -> std::string {
      const auto it = runtime_.quantization.find(setting);
      return it == runtime_.quantization.end() ? "" : it->second;
    };
    const auto config_key = [&](const char* setting) -> std::string {
      const auto it = runtime_.config_file_settings.find(setting);
      return it == runtime_.config_file_settings.end() ? "" : it->second;
    };

    if (q.model_dtype && *q.model_dtype != "auto") {
      if (const std::string flag = flag_for("model_dtype"); !flag.empty()) {
        Emit(flag, Json(*q.model_dtype), false);
      } else {
        plan_.notes.push_back("model_dtype " + *q.model_dtype + " ignored: " + runtime_.engine +
                              " takes the dtype from the checkpoint");
      }
    }
    if (q.kv_cache_dtype && *q.kv_cache_dtype != "auto") {
      const std::string& wanted = *q.kv_cache_dtype;
      if (const std::string flag = flag_for("kv_cache_dtype"); !flag.empty()) {
        const FlagDefinition* def = runtime_.FindFlag(flag);
        const auto value = KvCacheValue(wanted, def != nullptr ? def->choices : std::vector<std::string>{});
        if (!value) {
          pruned_ = runtime_.engine + " cannot store the KV cache as " + wanted + " (" +
                    runtime_.RenderFlag(flag) + " has no such choice or equivalent)";
          return;
        }
        Emit(flag, Json(*value), false);
      } else if (const std::string key = config_key("kv_cache_dtype"); !key.empty()) {
        // TensorRT-LLM's KV-cache quantization names: FP8 (e4m3) or INT8.
        const std::string value = fp8_kv ? "fp8" : wanted;
        if (wanted == "fp8_e5m2") {
          plan_.notes.push_back("kv_cache_dtype fp8_e5m2 → fp8: " + runtime_.engine +
                                "'s FP8 KV cache is e4m3");
        }
        SetDotted(plan_.config_file, key, value);
      }
    }
    if (q.fp8_compute.value_or(false)) {
      if (const std::string flag = flag_for("fp8_compute"); !flag.empty()) {
        Emit(flag, Json("fp8"), false);
      } else if (const std::string key = config_key("fp8_compute"); !key.empty()) {
        SetDotted(plan_.config_file, key, "FP8");
      }
    }
  }

  // A runtime with a gpu_type_flag (a simulator) learns the GPU model from the task's hardware (its GPU
  // count the runner passes at deploy).
  void MapGpuType() {
    if (runtime_.gpu_type_flag.empty() || in_.gpu_type.empty()) return;
    Emit(runtime_.gpu_type_flag, Json(in_.gpu_type), false);
  }

  const MappingInput& in_;
  const RuntimeDefinition& runtime_;
  LaunchPlan plan_;
  std::set<const FlagDefinition*> explicit_;
  std::string pruned_;
};

}  // namespace

GpuGeneration GenerationOf(std::string_view gpu_type) {
  const std::string g = NormalizeFlagName(gpu_type);
  if (g.empty()) return GpuGeneration::kUnknown;
  if (g.starts_with("b100") || g.starts_with("b200") || g.starts_with("gb200"))
    return GpuGeneration::kBlackwell;
  if (g.starts_with("h100") || g.starts_with("h200") || g.starts_with("h800") || g.starts_with("gh200")) {
    return GpuGeneration::kHopper;
  }
  if (g.starts_with("l40") || g.starts_with("l4") || g.starts_with("rtx-40") ||
      g.starts_with("rtx-6000-ada")) {
    return GpuGeneration::kAda;
  }
  if (g.starts_with("a100") || g.starts_with("a10") || g.starts_with("a30") || g.starts_with("a40") ||
      g.starts_with("a800") || g.starts_with("rtx-30") || g.starts_with("a6000")) {
    return GpuGeneration::kAmpere;
  }
  if (g.starts_with("v100") || g.starts_with("t4") || g.starts_with("p100") || g.starts_with("rtx-20")) {
    return GpuGeneration::kPreAmpere;
  }
  return GpuGeneration::kUnknown;
}

MappingOutcome MapCandidate(const MappingInput& input) { return Mapper(input).Run(); }

std::map<std::string, std::string> EngineEnv(const LaunchPlan& plan,
                                             std::map<std::string, std::string> resolved) {
  for (const auto& [name, value] : plan.env) resolved[name] = value;
  return resolved;
}

bool IsSecretEnvName(std::string_view name) {
  const auto has = [&](std::string_view part) { return name.find(part) != std::string_view::npos; };
  return has("TOKEN") || has("SECRET") || has("PASSWORD") || name.ends_with("KEY");
}

std::vector<std::string> BuildEngineArgv(const task::RuntimeDefinition& rt, const std::string& model,
                                         const std::string& served_model_name, const LaunchPlan& plan,
                                         const std::string& host, int port,
                                         const std::string& config_file_path) {
  std::vector<std::string> argv = rt.command;
  if (rt.model_arg == "positional") {
    argv.push_back(model);
  } else if (!rt.model_arg.empty()) {
    argv.push_back(rt.RenderFlag(rt.model_arg));
    argv.push_back(model);
  }
  argv.push_back(rt.RenderFlag(rt.host_flag));
  argv.push_back(host);
  argv.push_back(rt.RenderFlag(rt.port_flag));
  argv.push_back(std::to_string(port));
  if (!rt.served_model_name_flag.empty() && !served_model_name.empty()) {
    argv.push_back(rt.RenderFlag(rt.served_model_name_flag));
    argv.push_back(served_model_name);
  }
  if (!rt.metrics_flag.empty() && rt.FindFlag(rt.metrics_flag) != nullptr) {
    const std::string metrics = rt.RenderFlag(rt.metrics_flag);
    if (std::find(plan.args.begin(), plan.args.end(), metrics) == plan.args.end()) argv.push_back(metrics);
  }
  argv.insert(argv.end(), plan.args.begin(), plan.args.end());
  if (!config_file_path.empty()) {
    argv.push_back(rt.RenderFlag(rt.config_file_flag));
    argv.push_back(config_file_path);
  }
  return argv;
}

}  // namespace autotuner::deploy
