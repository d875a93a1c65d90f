#include "autotuner/task/parse.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

#include "autotuner/core/strings.h"
#include "autotuner/task/defaults.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 17> kTopLevelKeys = {"task_name",
                                                            "description",
                                                            "deployment_mode",
                                                            "base_runtime",
                                                            "runtime_image_tag",
                                                            "model",
                                                            "hardware",
                                                            "parameters",
                                                            "quantization_config",
                                                            "quant_config",
                                                            "parallel_config",
                                                            "optimization",
                                                            "benchmark",
                                                            "slo",
                                                            "clusterbasemodel_config",
                                                            "clusterservingruntime_config",
                                                            "storage"};
constexpr std::array<std::string_view, 2> kModelKeys = {"id_or_path", "namespace"};
constexpr std::array<std::string_view, 2> kHardwareKeys = {"gpu_type", "num_gpus"};
constexpr std::array<std::string_view, 5> kQuantizationKeys = {"preset", "presets", "model_dtype",
                                                               "kv_cache_dtype", "enable_fp8_compute"};
constexpr std::array<std::string_view, 6> kLegacyQuantKeys = {
    "preset", "presets", "gemm_dtype", "kvcache_dtype", "attention_dtype", "moe_dtype"};
constexpr std::array<std::string_view, 4> kParallelKeys = {"tp", "pp", "dp", "ep"};
constexpr std::array<std::string_view, 7> kOptimizationKeys = {
    "strategy",         "objective", "max_iterations",      "timeout_per_iteration",
    "n_initial_random", "seed",      "parallel_experiments"};
constexpr std::array<std::string_view, 13> kBenchmarkKeys = {"task",
                                                             "model_name",
                                                             "model_tokenizer",
                                                             "traffic_scenarios",
                                                             "num_concurrency",
                                                             "request_rate",
                                                             "api",
                                                             "max_time_per_iteration",
                                                             "max_requests_per_iteration",
                                                             "additional_params",
                                                             "dataset",
                                                             "dataset_url",
                                                             "dataset_deduplicate"};
constexpr std::array<std::string_view, 2> kDatasetKeys = {"path", "prompt_column"};
constexpr std::array<std::string_view, 4> kSloKeys = {"latency", "ttft", "tpot", "steepness"};
constexpr std::array<std::string_view, 4> kSloEntryKeys = {"threshold", "weight", "hard_fail", "fail_ratio"};
constexpr std::array<std::string_view, 6> kOmeResourceKeys = {"preset",    "name",   "spec",
                                                              "overrides", "labels", "annotations"};
constexpr std::array<std::string_view, 4> kStorageKeys = {"type", "pvc_name", "pvc_subpath", "mount_path"};
constexpr std::array<std::string_view, 6> kParameterTypes = {"integer",    "int",         "float",
                                                             "continuous", "categorical", "choice"};

// Flags whose values are GPU-memory fractions (0 < v <= 1), in normalised spelling.
constexpr std::array<std::string_view, 4> kMemoryFractionFlags = {
    "mem-fraction-static", "gpu-memory-utilization", "free-gpu-memory-fraction",
    "kv-cache-free-gpu-memory-fraction"};

// Engine flags that express each parallel_config / quantization_config dimension, normalised; a parameter
// with one of these names and the same dimension in the config block is ambiguous.
struct DimensionFlags {
  std::string_view config_path;
  std::array<std::string_view, 4> flags;
};
constexpr std::array<DimensionFlags, 7> kDimensionFlags = {{
    {"parallel_config.tp", {"tp", "tp-size", "tensor-parallel-size", ""}},
    {"parallel_config.pp", {"pp", "pp-size", "pipeline-parallel-size", ""}},
    {"parallel_config.dp", {"dp", "dp-size", "data-parallel-size", ""}},
    {"parallel_config.ep", {"ep", "ep-size", "enable-expert-parallel", "expert-parallel-size"}},
    {"quantization_config.model_dtype", {"dtype", "model-dtype", "", ""}},
    {"quantization_config.kv_cache_dtype", {"kv-cache-dtype", "kv-cache-quant-algo", "", ""}},
    {"quantization_config.enable_fp8_compute", {"quantization", "quant-algo", "enable-fp8-compute", ""}},
}};

// Flags whose values are GPU counts (positive integers), normalised.
constexpr std::array<std::string_view, 9> kGpuCountFlags = {"tp",
                                                            "tp-size",
                                                            "tensor-parallel-size",
                                                            "pp-size",
                                                            "pipeline-parallel-size",
                                                            "dp-size",
                                                            "data-parallel-size",
                                                            "ep-size",
                                                            "expert-parallel-size"};

bool Contains(Keys keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool IsScalar(const Json& v) { return v.is_boolean() || v.is_number() || v.is_string(); }

std::optional<int64_t> AsInteger(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_unsigned()) {
    const auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> AsNumber(const Json& v) {
  if (v.is_number()) return v.get<double>();
  return std::nullopt;
}

std::string FormatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return DumpJson(Json(v));
}

class Parser {
 public:
  explicit Parser(const RuntimeCatalog* catalog) : catalog_(catalog) {}

  TaskParseResult Run(const Json& doc) {
    TaskParseResult result;
    if (!doc.is_object()) {
      Fail("", "a task must be a mapping of fields, got " + std::string(JsonTypeName(doc)));
      result.errors = std::move(errors_);
      return result;
    }
    CheckKeys(doc, "", kTopLevelKeys);
    Task task;
    ParseIdentity(doc, task);
    ParseModel(doc, task);
    ParseHardware(doc, task);
    ParseParallel(doc, task);
    CheckParallelSupported(task);
    ParseQuantization(doc, task);
    ParseParameters(doc, task);
    ParseOptimization(doc, task);
    ParseBenchmark(doc, task);
    ParseSlo(doc, task);
    ParseOme(doc, task);
    result.errors = std::move(errors_);
    result.warnings = std::move(warnings_);
    if (result.errors.empty()) result.task = std::move(task);
    return result;
  }

 private:
  // ---- reporting
  // -------------------------------------------------------------------------------------------
  void Fail(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::move(message), {}});
  }
  void Warn(std::string path, std::string message) {
    warnings_.push_back({std::move(path), std::move(message), {}});
  }

  void CheckKeys(const Json& obj, const std::string& path, Keys allowed) {
    for (const auto& [key, value] : obj.items()) {
      if (!Contains(allowed, key)) {
        Fail(JoinPath(path, key), "unknown field '" + key + "'" + DidYouMean(key, allowed) +
                                      " (allowed: " + JoinNames(allowed) + ")");
      }
    }
  }

  // ---- typed field readers: each returns nothing (and reports) when the value is unusable
  // ---------------------
  const Json* Field(const Json& obj, std::string_view key) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // Reads a mapping; null/missing gives nullptr without error.
  const Json* Object(const Json& obj, std::string_view key, const std::string& path) {
    const Json* v = Field(obj, key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Fail(path, "must be a mapping, got " + std::string(JsonTypeName(*v)));
      return nullptr;
    }
    return v;
  }

  std::optional<std::string> String(const Json& obj, std::string_view key, const std::string& path,
                                    bool required = false) {
    const Json* v = Field(obj, key);
    if (v == nullptr) {
      if (required) Fail(path, "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      Fail(path, "must be a string, got " + std::string(JsonTypeName(*v)) + " " + Describe(*v));
      return std::nullopt;
    }
    if (required && v->get<std::string>().empty()) {
      Fail(path, "must not be empty");
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  std::optional<std::string> Choice(const Json& obj, std::string_view key, const std::string& path,
                                    Keys choices) {
    auto value = String(obj, key, path);
    if (!value) return std::nullopt;
    if (!Contains(choices, *value)) {
      Fail(path, "unknown value '" + *value + "'" + DidYouMean(*value, choices) + " (expected one of " +
                     JoinNames(choices) + ")");
      return std::nullopt;
    }
    return value;
  }

  std::optional<bool> Bool(const Json& obj, std::string_view key, const std::string& path) {
    const Json* v = Field(obj, key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_boolean()) {
      Fail(path, "must be true or false, got " + Describe(*v));
      return std::nullopt;
    }
    return v->get<bool>();
  }

  // An integer >= min_value ("a positive integer" when min_value is 1).
  std::optional<int64_t> IntegerValue(const Json& v, const std::string& path, int64_t min_value) {
    const auto i = AsInteger(v);
    const std::string want = min_value == 1   ? "a positive integer"
                             : min_value == 0 ? "a non-negative integer"
                                              : "an integer";
    if (!i || *i < min_value) {
      Fail(path, "must be " + want + ", got " + Describe(v));
      return std::nullopt;
    }
    return i;
  }

  std::optional<int64_t> Integer(const Json& obj, std::string_view key, const std::string& path,
                                 int64_t min_value) {
    const Json* v = Field(obj, key);
    if (v == nullptr) return std::nullopt;
    return IntegerValue(*v, path, min_value);
  }

  // A finite number; `positive` requires > 0, otherwise >= 0.
  std::optional<double> Number(const Json& obj, std::string_view key, const std::string& path,
                               bool positive) {
    const Json* v = Field(obj, key);
    if (v == nullptr) return std::nullopt;
    const auto d = AsNumber(*v);
    if (!d || !std::isfinite(*d) || (positive ? *d <= 0 : *d < 0)) {
      Fail(path, std::string("must be a ") + (positive ? "positive" : "non-negative") + " number, got " +
                     Describe(*v));
      return std::nullopt;
    }
    return d;
  }

  // A scalar or a non-empty list of them, without repeats; `read` converts one element (reporting on
  // failure).
  template <typename T, typename Read>
  std::vector<T> ScalarOrList(const Json& v, const std::string& path, Read read) {
    std::vector<T> out;
    if (!v.is_array()) {
      if (auto one = read(v, path)) out.push_back(std::move(*one));
      return out;
    }
    if (v.empty()) {
      Fail(path, "must not be an empty list");
      return out;
    }
    bool all_ok = true;
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string item_path = IndexPath(path, i);
      auto one = read(v[i], item_path);
      if (!one) {
        all_ok = false;
        continue;
      }
      if (std::find(out.begin(), out.end(), *one) != out.end()) {
        Fail(item_path, "repeats the value " + Describe(v[i]));
        all_ok = false;
        continue;
      }
      out.push_back(std::move(*one));
    }
    if (!all_ok) out.clear();
    return out;
  }

  auto PositiveIntReader() {
    return [this](const Json& v, const std::string& path) { return IntegerValue(v, path, 1); };
  }

  auto ChoiceReader(Keys choices) {
    return [this, choices](const Json& v, const std::string& path) -> std::optional<std::string> {
      if (!v.is_string()) {
        Fail(path, "must be a string, got " + Describe(v));
        return std::nullopt;
      }
      const std::string s = v.get<std::string>();
      if (!Contains(choices, s)) {
        Fail(path, "unknown value '" + s + "'" + DidYouMean(s, choices) + " (expected one of " +
                       JoinNames(choices) + ")");
        return std::nullopt;
      }
      return s;
    };
  }

  // ---- sections
  // ---------------------------------------------------------------------------------------------
  void ParseIdentity(const Json& doc, Task& task) {
    if (auto name = String(doc, "task_name", "task_name", /*required=*/true)) {
      const std::string clean = SanitizeTaskName(*name);
      if (clean.find_first_not_of("-") == std::string::npos) {
        Fail("task_name", "must contain at least one letter or digit");
      } else if (clean.size() > 63) {
        Fail("task_name", "must be at most 63 characters, got " + std::to_string(clean.size()));
      } else {
        if (clean != *name) Warn("task_name", "sanitised '" + *name + "' to '" + clean + "'");
        task.task_name = clean;
      }
    }
    task.description = String(doc, "description", "description").value_or("");

    task.deployment_mode = *ParseDeploymentMode(DefaultFor("deployment_mode").get<std::string>());
    if (auto mode = Choice(doc, "deployment_mode", "deployment_mode", kDeploymentModes)) {
      task.deployment_mode = *ParseDeploymentMode(*mode);
    }

    if (auto runtime = String(doc, "base_runtime", "base_runtime", /*required=*/true)) {
      const std::vector<std::string_view> known =
          catalog_ != nullptr
              ? catalog_->Names()
              : std::vector<std::string_view>(kBuiltinRuntimes.begin(), kBuiltinRuntimes.end());
      if (Contains(known, *runtime)) {
        task.base_runtime = *runtime;
        if (catalog_ != nullptr) runtime_ = catalog_->Find(*runtime);
      } else if (task.deployment_mode == DeploymentMode::kOme) {
        // In OME mode the name may be a ClusterServingRuntime that only the cluster knows.
        task.base_runtime = *runtime;
        Warn("base_runtime",
             "'" + *runtime + "' is not a known runtime; treated as an OME ClusterServingRuntime");
      } else {
        Fail("base_runtime", "unknown runtime '" + *runtime + "'" + DidYouMean(*runtime, known) +
                                 " (known: " + JoinNames(known) + ")");
      }
    }

    if (auto tag = String(doc, "runtime_image_tag", "runtime_image_tag")) {
      task.runtime_image_tag = *tag;
      if (task.deployment_mode == DeploymentMode::kLocal) {
        Warn("runtime_image_tag", "ignored in local mode (used by docker, kubernetes and ome)");
      }
    }
  }

  void ParseModel(const Json& doc, Task& task) {
    task.model.ns = DefaultFor("model.namespace").get<std::string>();
    const Json* model = Field(doc, "model");
    if (model == nullptr) {
      Fail("model", "is required (model.id_or_path names the Hugging Face model or a local directory)");
      return;
    }
    if (!model->is_object()) {
      Fail("model", "must be a mapping with id_or_path, got " + std::string(JsonTypeName(*model)));
      return;
    }
    CheckKeys(*model, "model", kModelKeys);
    task.model.id_or_path = String(*model, "id_or_path", "model.id_or_path", /*required=*/true).value_or("");
    if (auto ns = String(*model, "namespace", "model.namespace")) {
      const bool valid =
          !ns->empty() && ns->size() <= 63 &&
          ns->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos &&
          ns->front() != '-' && ns->back() != '-';
      if (!valid) {
        Fail("model.namespace",
             "must be a DNS label: lower-case letters, digits and '-', at most 63 characters, got '" + *ns +
                 "'");
      } else {
        task.model.ns = *ns;
      }
    }
  }

  void ParseHardware(const Json& doc, Task& task) {
    const Json* hw = Object(doc, "hardware", "hardware");
    if (hw == nullptr) return;
    CheckKeys(*hw, "hardware", kHardwareKeys);
    Hardware hardware;
    if (auto gpu = String(*hw, "gpu_type", "hardware.gpu_type")) {
      const auto it = std::find_if(kGpuTypes.begin(), kGpuTypes.end(), [&](std::string_view known) {
        return NormalizeFlagName(known) == NormalizeFlagName(*gpu);
      });
      if (it == kGpuTypes.end()) {
        Fail("hardware.gpu_type", "unknown GPU type '" + *gpu + "'" + DidYouMean(*gpu, kGpuTypes) +
                                      " (known: " + JoinNames(kGpuTypes) + ")");
      } else {
        hardware.gpu_type = std::string(*it);
      }
    }
    hardware.num_gpus = Integer(*hw, "num_gpus", "hardware.num_gpus", 1).value_or(0);
    task.hardware = hardware;
  }

  void ParseParallel(const Json& doc, Task& task) {
    const Json* pc = Object(doc, "parallel_config", "parallel_config");
    if (pc == nullptr) return;
    CheckKeys(*pc, "parallel_config", kParallelKeys);
    const auto read = [&](std::string_view key) -> std::vector<int64_t> {
      const Json* v = Field(*pc, key);
      if (v == nullptr) return {};
      return ScalarOrList<int64_t>(*v, JoinPath("parallel_config", key), PositiveIntReader());
    };
    task.parallel.tp = read("tp");
    task.parallel.pp = read("pp");
    task.parallel.dp = read("dp");
    task.parallel.ep = read("ep");
    const auto smallest = [](const std::vector<int64_t>& v) {
      return v.empty() ? int64_t{1} : *std::min_element(v.begin(), v.end());
    };
    const int64_t min_gpus =
        smallest(task.parallel.tp) * smallest(task.parallel.pp) * smallest(task.parallel.dp);
    if (!task.hardware || task.hardware->num_gpus == 0) return;
    const int64_t gpus = task.hardware->num_gpus;
    if (min_gpus > gpus) {
      Fail("parallel_config", "every combination needs at least " + std::to_string(min_gpus) +
                                  " GPUs (tp x pp x dp) but hardware.num_gpus is " + std::to_string(gpus));
      return;
    }
    // Combinations that do not fit are pruned before deploy; say so now rather than surprise later.
    const auto or_one = [](const std::vector<int64_t>& v) { return v.empty() ? std::vector<int64_t>{1} : v; };
    size_t total = 0, too_big = 0;
    for (int64_t tp : or_one(task.parallel.tp)) {
      for (int64_t pp : or_one(task.parallel.pp)) {
        for (int64_t dp : or_one(task.parallel.dp)) {
          ++total;
          if (tp * pp * dp > gpus) ++too_big;
        }
      }
    }
    if (too_big > 0) {
      Warn("parallel_config", std::to_string(too_big) + " of " + std::to_string(total) +
                                  " combinations need more than hardware.num_gpus = " + std::to_string(gpus) +
                                  " GPUs and will be pruned");
    }
  }

  void ParseQuantization(const Json& doc, Task& task) {
    const bool has_new = Field(doc, "quantization_config") != nullptr;
    const bool has_old = Field(doc, "quant_config") != nullptr;
    if (has_new && has_old) {
      Fail("quant_config", "give either quantization_config or the older quant_config, not both");
      return;
    }
    if (has_new) {
      if (const Json* q = Object(doc, "quantization_config", "quantization_config")) {
        ParseQuantizationBlock(*q, "quantization_config", task.quantization);
      }
    } else if (has_old) {
      if (const Json* q = Object(doc, "quant_config", "quant_config"))
        ParseLegacyQuant(*q, task.quantization);
    }
  }

  void ParseQuantizationBlock(const Json& q, const std::string& path, QuantizationConfig& out) {
    CheckKeys(q, path, kQuantizationKeys);
    const bool preset = Field(q, "preset") != nullptr;
    const bool presets = Field(q, "presets") != nullptr;
    const bool custom =
        Field(q, "model_dtype") || Field(q, "kv_cache_dtype") || Field(q, "enable_fp8_compute");
    if (int(preset) + int(presets) + int(custom) > 1) {
      Fail(path,
           "use exactly one form: preset, presets, or the custom fields model_dtype / kv_cache_dtype / "
           "enable_fp8_compute");
      return;
    }
    if (preset) {
      if (auto name = Choice(q, "preset", JoinPath(path, "preset"), QuantizationPresetNames())) {
        out.form = QuantizationConfig::Form::kPreset;
        out.presets = {*name};
      }
    } else if (presets) {
      const Json& list = q["presets"];
      const std::string list_path = JoinPath(path, "presets");
      if (!list.is_array()) {
        Fail(list_path, "must be a list of preset names (or use preset: NAME)");
        return;
      }
      out.presets = ScalarOrList<std::string>(list, list_path, ChoiceReader(QuantizationPresetNames()));
      if (!out.presets.empty()) out.form = QuantizationConfig::Form::kPresets;
    } else if (custom) {
      out.form = QuantizationConfig::Form::kCustom;
      if (const Json* v = Field(q, "model_dtype")) {
        out.model_dtype =
            ScalarOrList<std::string>(*v, JoinPath(path, "model_dtype"), ChoiceReader(kModelDtypes));
      }
      if (const Json* v = Field(q, "kv_cache_dtype")) {
        out.kv_cache_dtype =
            ScalarOrList<std::string>(*v, JoinPath(path, "kv_cache_dtype"), ChoiceReader(kKvCacheDtypes));
      }
      if (const Json* v = Field(q, "enable_fp8_compute")) {
        out.enable_fp8_compute = ScalarOrList<bool>(
            *v, JoinPath(path, "enable_fp8_compute"), [this](const Json& item, const std::string& p) {
              if (!item.is_boolean()) {
                Fail(p, "must be true or false, got " + Describe(item));
                return std::optional<bool>();
              }
              return std::optional<bool>(item.get<bool>());
            });
      }
    }
  }

  // The older {gemm_dtype, kvcache_dtype, attention_dtype, moe_dtype} form, mapped onto SPEC §4's dimensions.
  void ParseLegacyQuant(const Json& q, QuantizationConfig& out) {
    const std::string path = "quant_config";
    CheckKeys(q, path, kLegacyQuantKeys);
    if (Field(q, "preset") || Field(q, "presets")) {
      Json as_new = Json::object();
      for (const char* key : {"preset", "presets"}) {
        if (q.contains(key)) as_new[key] = q[key];
      }
      ParseQuantizationBlock(as_new, path, out);
      return;
    }
    const auto values_of = [&](std::string_view key) {
      std::vector<std::string> values;
      const Json* v = Field(q, key);
      if (v == nullptr) return values;
      values = ScalarOrList<std::string>(
          *v, JoinPath(path, key),
          [this](const Json& item, const std::string& p) -> std::optional<std::string> {
            if (!item.is_string()) {
              Fail(p, "must be a string, got " + Describe(item));
              return std::nullopt;
            }
            return item.get<std::string>();
          });
      return values;
    };
    const auto add = [](auto& list, auto value) {
      if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
    };
    const std::vector<std::string> gemm = values_of("gemm_dtype");
    for (size_t i = 0; i < gemm.size(); ++i) {
      const std::string& g = gemm[i];
      const std::string item_path = IndexPath(JoinPath(path, "gemm_dtype"), i);
      if (g == "auto" || g == "float16" || g == "bfloat16" || g == "float32") {
        add(out.model_dtype, g);
        add(out.enable_fp8_compute, false);
      } else if (g == "fp16" || g == "bf16") {
        add(out.model_dtype, g == "fp16" ? std::string("float16") : std::string("bfloat16"));
        add(out.enable_fp8_compute, false);
      } else if (g.starts_with("fp8")) {
        add(out.enable_fp8_compute, true);
      } else {
        Warn(item_path, "gemm_dtype '" + g +
                            "' has no runtime equivalent (offline quantization comes from the "
                            "checkpoint); ignored");
      }
    }
    const std::vector<std::string> kv = values_of("kvcache_dtype");
    for (size_t i = 0; i < kv.size(); ++i) {
      const std::string& k = kv[i];
      const std::string item_path = IndexPath(JoinPath(path, "kvcache_dtype"), i);
      if (Contains(kKvCacheDtypes, k)) {
        add(out.kv_cache_dtype, k);
      } else if (k == "float16" || k == "bfloat16" || k == "fp16" || k == "bf16") {
        add(out.kv_cache_dtype, std::string("auto"));
        Warn(item_path, "kvcache_dtype '" + k + "' is the model dtype; mapped to kv_cache_dtype 'auto'");
      } else {
        Warn(item_path, "kvcache_dtype '" + k + "' has no runtime equivalent; ignored");
      }
    }
    for (std::string_view key : {"attention_dtype", "moe_dtype"}) {
      for (const std::string& v : values_of(key)) {
        Warn(JoinPath(path, key), std::string(key) + " '" + v + "' has no runtime equivalent; ignored");
      }
    }
    if (!out.model_dtype.empty() || !out.kv_cache_dtype.empty() || !out.enable_fp8_compute.empty()) {
      out.form = QuantizationConfig::Form::kCustom;
    }
    Warn(path, "quant_config is the older form; it is stored as quantization_config");
  }

  void ParseParameters(const Json& doc, Task& task) {
    const Json* params = Object(doc, "parameters", "parameters");
    if (params == nullptr) return;
    std::set<std::string> seen;
    for (const auto& [raw_name, value] : params->items()) {
      const std::string path = JoinPath("parameters", raw_name);
      std::string name = raw_name;
      if (name.starts_with("--")) {
        name = name.substr(2);
        Warn(path, "flag names are written without leading dashes; using '" + name + "'");
      }
      if (name.empty()) {
        Fail(path, "parameter name must not be empty");
        continue;
      }
      const std::string normalized = NormalizeFlagName(name);
      if (!seen.insert(normalized).second) {
        Fail(path, "repeats another parameter ('-' and '_' are treated alike)");
        continue;
      }
      CheckDimensionConflict(task, normalized, path);
      const FlagDefinition* flag = runtime_ != nullptr ? LookUpFlag(name, path) : nullptr;
      if (runtime_ != nullptr && flag == nullptr) continue;
      if (auto parameter = ParseParameter(name, value, path)) {
        CheckParameterValues(*parameter, normalized, path);
        if (flag != nullptr) CheckAgainstFlag(*parameter, *flag, path);
        task.parameters.push_back(std::move(*parameter));
      }
    }
  }

  // The runtime's flag for a parameter, or null after reporting why it cannot be searched.
  const FlagDefinition* LookUpFlag(const std::string& name, const std::string& path) {
    const FlagDefinition* flag = runtime_->FindFlag(name);
    if (flag == nullptr) {
      std::string hint;
      const std::vector<std::string_view> names = runtime_->FlagNames();
      if (auto match = ClosestMatch(name, names))
        hint = "; did you mean " + runtime_->RenderFlag(*match) + "?";
      Fail(path, "unknown flag " + runtime_->RenderFlag(name) + " for " + runtime_->name + hint);
      return nullptr;
    }
    for (const std::string& reserved : runtime_->reserved_flags) {
      if (runtime_->FindFlag(reserved) == flag) {
        Fail(path, runtime_->RenderFlag(flag->name) +
                       " is set by autotuner for every experiment; it cannot be searched");
        return nullptr;
      }
    }
    if (flag->deprecated)
      Warn(path, runtime_->RenderFlag(flag->name) + " is deprecated in " + runtime_->engine);
    return flag;
  }

  // Values must have the flag's type and be among its choices.
  void CheckAgainstFlag(const Parameter& p, const FlagDefinition& flag, const std::string& path) {
    using Type = FlagDefinition::Type;
    const std::string rendered = runtime_->RenderFlag(flag.name);
    if (p.kind != Parameter::Kind::kCategorical) {
      if (flag.type == Type::kInt && p.kind == Parameter::Kind::kFloat) {
        Fail(path, rendered + " takes integers: use {type: integer, ...}");
      } else if (flag.type != Type::kInt && flag.type != Type::kFloat) {
        Fail(path, rendered + " takes " + std::string(Name(flag.type)) + " values, not a numeric range");
      }
      return;
    }
    for (size_t i = 0; i < p.values.size(); ++i) {
      const Json& v = p.values[i];
      const std::string at = p.values.size() == 1 ? path : IndexPath(path, i);
      std::string problem;
      if (flag.type == Type::kInt && !AsInteger(v)) problem = "an integer";
      if (flag.type == Type::kFloat && !v.is_number()) problem = "a number";
      if (flag.type == Type::kBool && !v.is_boolean()) problem = "true or false";
      if (!problem.empty()) {
        Fail(at, rendered + " takes " + problem + ", got " + Describe(v));
        continue;
      }
      if (!flag.choices.empty()) {
        const std::string text = v.is_string() ? v.get<std::string>() : DumpJson(v);
        const std::vector<std::string_view> choices(flag.choices.begin(), flag.choices.end());
        if (!Contains(choices, text)) {
          Fail(at, rendered + " does not accept '" + text + "'" + DidYouMean(text, choices) +
                       " (choices: " + JoinNames(choices) + ")");
        }
      }
    }
  }

  // Parallel degrees the runtime has no flag for cannot be searched.
  void CheckParallelSupported(const Task& task) {
    if (runtime_ == nullptr) return;
    const std::array<std::pair<const char*, const std::vector<int64_t>*>, 4> dims = {
        {{"tp", &task.parallel.tp},
         {"pp", &task.parallel.pp},
         {"dp", &task.parallel.dp},
         {"ep", &task.parallel.ep}}};
    for (const auto& [key, values] : dims) {
      const bool beyond_one = std::any_of(values->begin(), values->end(), [](int64_t v) { return v > 1; });
      if (beyond_one && !runtime_->parallel.contains(key)) {
        Fail(JoinPath("parallel_config", key),
             runtime_->name + " has no " + key + " flag; it cannot run " + key + " > 1");
      }
    }
  }

  void CheckDimensionConflict(const Task& task, const std::string& normalized, const std::string& path) {
    for (const auto& dim : kDimensionFlags) {
      if (!Contains(dim.flags, normalized)) continue;
      const std::string_view config = dim.config_path;
      bool set = false;
      if (config == "parallel_config.tp") set = !task.parallel.tp.empty();
      if (config == "parallel_config.pp") set = !task.parallel.pp.empty();
      if (config == "parallel_config.dp") set = !task.parallel.dp.empty();
      if (config == "parallel_config.ep") set = !task.parallel.ep.empty();
      const auto& q = task.quantization;
      const bool preset =
          q.form == QuantizationConfig::Form::kPreset || q.form == QuantizationConfig::Form::kPresets;
      if (config == "quantization_config.model_dtype") set = preset || !q.model_dtype.empty();
      if (config == "quantization_config.kv_cache_dtype") set = preset || !q.kv_cache_dtype.empty();
      if (config == "quantization_config.enable_fp8_compute") set = preset || !q.enable_fp8_compute.empty();
      if (set) {
        Fail(path, "sets the same dimension as " + std::string(config) + "; give it in one place only");
      }
    }
  }

  std::optional<Parameter> ParseParameter(const std::string& name, const Json& value,
                                          const std::string& path) {
    Parameter p;
    p.name = name;
    if (value.is_null()) {
      Fail(path, "needs values: a list, or {type, low, high} / {type: categorical, values}");
      return std::nullopt;
    }
    if (IsScalar(value)) {  // a fixed value
      p.values = {value};
      return p;
    }
    if (value.is_array()) {
      if (value.empty()) {
        Fail(path, "must list at least one value");
        return std::nullopt;
      }
      bool ok = true;
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_path = IndexPath(path, i);
        if (!IsScalar(value[i])) {
          Fail(item_path, "must be a number, string or boolean, got " + std::string(JsonTypeName(value[i])));
          ok = false;
        } else if (std::find(p.values.begin(), p.values.end(), value[i]) != p.values.end()) {
          Fail(item_path, "repeats the value " + Describe(value[i]));
          ok = false;
        } else {
          p.values.push_back(value[i]);
        }
      }
      return ok ? std::optional<Parameter>(p) : std::nullopt;
    }
    // Typed form: {type: integer|int|float|continuous, low, high, log} or {type: categorical|choice, values}.
    const std::string type_path = JoinPath(path, "type");
    const auto type = Choice(value, "type", type_path, kParameterTypes);
    if (!value.contains("type")) {
      Fail(type_path, "is required in the typed form (" + JoinNames(kParameterTypes) + ")");
      return std::nullopt;
    }
    if (!type) return std::nullopt;
    if (*type == "categorical" || *type == "choice") {
      constexpr std::array<std::string_view, 3> kKeys = {"type", "values", "choices"};
      CheckKeys(value, path, kKeys);
      if (value.contains("values") && value.contains("choices")) {
        Fail(path, "give either values or choices, not both");
        return std::nullopt;
      }
      const char* key = value.contains("choices") ? "choices" : "values";
      const Json* list = Field(value, key);
      if (list == nullptr || !list->is_array()) {
        Fail(JoinPath(path, key), "must be a list of values");
        return std::nullopt;
      }
      auto as_list = ParseParameter(name, *list, JoinPath(path, key));
      return as_list;
    }
    constexpr std::array<std::string_view, 4> kKeys = {"type", "low", "high", "log"};
    CheckKeys(value, path, kKeys);
    p.kind = (*type == "integer" || *type == "int") ? Parameter::Kind::kInteger : Parameter::Kind::kFloat;
    const bool integer = p.kind == Parameter::Kind::kInteger;
    const auto bound = [&](std::string_view key) -> std::optional<double> {
      const std::string bound_path = JoinPath(path, key);
      const Json* v = Field(value, key);
      if (v == nullptr) {
        Fail(bound_path, "is required for a " + std::string(*type) + " range");
        return std::nullopt;
      }
      if (integer) {
        const auto i = AsInteger(*v);
        if (!i) {
          Fail(bound_path, "must be an integer, got " + Describe(*v));
          return std::nullopt;
        }
        return static_cast<double>(*i);
      }
      const auto d = AsNumber(*v);
      if (!d || !std::isfinite(*d)) {
        Fail(bound_path, "must be a number, got " + Describe(*v));
        return std::nullopt;
      }
      return d;
    };
    const auto low = bound("low");
    const auto high = bound("high");
    p.log = Bool(value, "log", JoinPath(path, "log")).value_or(false);
    if (!low || !high) return std::nullopt;
    p.low = *low;
    p.high = *high;
    if (integer ? p.low > p.high : p.low >= p.high) {
      Fail(path, "low (" + FormatNumber(p.low) + ") must be " + (integer ? "at most" : "less than") +
                     " high (" + FormatNumber(p.high) + ")");
      return std::nullopt;
    }
    if (p.log && p.low <= 0) {
      Fail(JoinPath(path, "low"), "must be positive when log is true, got " + FormatNumber(p.low));
      return std::nullopt;
    }
    return p;
  }

  // Value rules for flags whose meaning is engine-independent.
  void CheckParameterValues(const Parameter& p, const std::string& normalized, const std::string& path) {
    const bool fraction = Contains(kMemoryFractionFlags, normalized);
    const bool gpu_count = Contains(kGpuCountFlags, normalized);
    if (!fraction && !gpu_count) return;
    const auto check = [&](const Json& v, const std::string& at) {
      if (fraction) {
        const auto d = AsNumber(v);
        if (!d || *d <= 0 || *d > 1)
          Fail(at, "is a GPU memory fraction: must be in (0, 1], got " + Describe(v));
      } else {
        const auto i = AsInteger(v);
        if (!i || *i < 1) Fail(at, "is a GPU count: must be a positive integer, got " + Describe(v));
      }
    };
    if (p.kind == Parameter::Kind::kCategorical) {
      for (size_t i = 0; i < p.values.size(); ++i) {
        check(p.values[i], p.values.size() == 1 ? path : IndexPath(path, i));
      }
    } else {
      check(Json(p.low), JoinPath(path, "low"));
      check(Json(p.high), JoinPath(path, "high"));
      if (gpu_count && p.kind == Parameter::Kind::kFloat) Fail(path, "is a GPU count: use an integer range");
    }
  }

  void ParseOptimization(const Json& doc, Task& task) {
    Optimization& o = task.optimization;
    o.strategy = *ParseStrategy(DefaultFor("optimization.strategy").get<std::string>());
    o.objectives = {*ParseObjective(DefaultFor("optimization.objective").get<std::string>())};
    o.max_iterations = DefaultFor("optimization.max_iterations").get<int64_t>();
    o.timeout_per_iteration = DefaultFor("optimization.timeout_per_iteration").get<double>();
    o.n_initial_random = DefaultFor("optimization.n_initial_random").get<int64_t>();
    o.seed = DefaultFor("optimization.seed").get<int64_t>();
    o.parallel_experiments = DefaultFor("optimization.parallel_experiments").get<int64_t>();
    const Json* opt = Object(doc, "optimization", "optimization");
    if (opt == nullptr) return;
    CheckKeys(*opt, "optimization", kOptimizationKeys);
    if (auto s = String(*opt, "strategy", "optimization.strategy")) {
      if (auto strategy = ParseStrategy(*s)) {
        o.strategy = *strategy;
      } else {
        Fail("optimization.strategy", "unknown strategy '" + *s + "'" + DidYouMean(*s, kStrategies) +
                                          " (expected one of " + JoinNames(kStrategies) +
                                          "; aliases grid, random_search)");
      }
    }
    if (const Json* v = Field(*opt, "objective")) {
      auto objectives = ScalarOrList<std::string>(*v, "optimization.objective", ChoiceReader(kObjectives));
      if (!objectives.empty()) {
        o.objectives.clear();
        for (const auto& name : objectives) o.objectives.push_back(*ParseObjective(name));
      }
    }
    o.max_iterations =
        Integer(*opt, "max_iterations", "optimization.max_iterations", 1).value_or(o.max_iterations);
    o.timeout_per_iteration =
        Number(*opt, "timeout_per_iteration", "optimization.timeout_per_iteration", true)
            .value_or(o.timeout_per_iteration);
    o.n_initial_random =
        Integer(*opt, "n_initial_random", "optimization.n_initial_random", 0).value_or(o.n_initial_random);
    o.seed = Integer(*opt, "seed", "optimization.seed", 0).value_or(o.seed);
    o.parallel_experiments = Integer(*opt, "parallel_experiments", "optimization.parallel_experiments", 1)
                                 .value_or(o.parallel_experiments);
  }

  void ParseBenchmark(const Json& doc, Task& task) {
    Benchmark& b = task.benchmark;
    b.task = BenchmarkTask::kTextToText;
    // Null (the default): the model's own tokenizer, resolved when the study starts
    // (tokenizer/model_tokenizer.h).
    b.model_tokenizer.clear();
    b.api = Api::kCompletions;
    b.max_time_per_iteration = DefaultFor("benchmark.max_time_per_iteration").get<double>();
    b.max_requests_per_iteration = DefaultFor("benchmark.max_requests_per_iteration").get<int64_t>();
    b.additional_params = DefaultFor("benchmark.additional_params");
    b.dataset_deduplicate = DefaultFor("benchmark.dataset_deduplicate").get<bool>();
    for (const auto& n : DefaultFor("benchmark.num_concurrency"))
      b.num_concurrency.push_back(n.get<int64_t>());
    Json scenarios = DefaultFor("benchmark.traffic_scenarios");
    std::string scenarios_path = "benchmark.traffic_scenarios";
    // The served model name defaults to the last path component of the model id.
    std::string id = task.model.id_or_path;
    while (id.size() > 1 && id.back() == '/') id.pop_back();
    b.model_name = id.substr(id.find_last_of('/') == std::string::npos ? 0 : id.find_last_of('/') + 1);

    const Json* bench = Object(doc, "benchmark", "benchmark");
    if (bench != nullptr) {
      CheckKeys(*bench, "benchmark", kBenchmarkKeys);
      if (auto t = Choice(*bench, "task", "benchmark.task", kBenchmarkTasks)) {
        b.task = *t == "text-to-text" ? BenchmarkTask::kTextToText : BenchmarkTask::kTextToEmbeddings;
      }
      if (auto a = Choice(*bench, "api", "benchmark.api", kApis))
        b.api = *a == "chat" ? Api::kChat : Api::kCompletions;
      if (auto name = String(*bench, "model_name", "benchmark.model_name")) {
        if (name->empty()) {
          Fail("benchmark.model_name", "must not be empty (leave it out to use the model's base name)");
        } else {
          b.model_name = *name;
        }
      }
      if (auto tok = String(*bench, "model_tokenizer", "benchmark.model_tokenizer")) {
        if (tok->empty()) {
          Fail("benchmark.model_tokenizer", "must not be empty");
        } else {
          b.model_tokenizer = *tok;
        }
      }
      if (const Json* v = Field(*bench, "traffic_scenarios")) scenarios = *v;
      if (const Json* v = Field(*bench, "num_concurrency")) {
        b.num_concurrency = ScalarOrList<int64_t>(*v, "benchmark.num_concurrency", PositiveIntReader());
      }
      if (const Json* v = Field(*bench, "request_rate")) {
        b.request_rate = ScalarOrList<double>(
            *v, "benchmark.request_rate",
            [this](const Json& item, const std::string& p) -> std::optional<double> {
              if (item.is_string() && (item == "inf" || item == "Inf" || item == "INF")) {
                return std::numeric_limits<double>::infinity();
              }
              const auto d = AsNumber(item);
              if (!d || *d <= 0) {
                Fail(p, "must be a positive number of requests per second or \"inf\", got " + Describe(item));
                return std::nullopt;
              }
              return d;
            });
      }
      b.max_time_per_iteration =
          Number(*bench, "max_time_per_iteration", "benchmark.max_time_per_iteration", true)
              .value_or(b.max_time_per_iteration);
      b.max_requests_per_iteration =
          Integer(*bench, "max_requests_per_iteration", "benchmark.max_requests_per_iteration", 1)
              .value_or(b.max_requests_per_iteration);
      if (const Json* v = Object(*bench, "additional_params", "benchmark.additional_params"))
        b.additional_params = *v;
      if (const Json* ds = Object(*bench, "dataset", "benchmark.dataset")) {
        CheckKeys(*ds, "benchmark.dataset", kDatasetKeys);
        Dataset dataset;
        dataset.path = String(*ds, "path", "benchmark.dataset.path", /*required=*/true).value_or("");
        dataset.prompt_column = DefaultFor("benchmark.dataset.prompt_column").get<std::string>();
        if (auto col = String(*ds, "prompt_column", "benchmark.dataset.prompt_column"))
          dataset.prompt_column = *col;
        b.dataset = dataset;
      }
      b.dataset_url = String(*bench, "dataset_url", "benchmark.dataset_url").value_or("");
      b.dataset_deduplicate = Bool(*bench, "dataset_deduplicate", "benchmark.dataset_deduplicate")
                                  .value_or(b.dataset_deduplicate);
      if (b.dataset && !b.dataset_url.empty()) {
        Fail("benchmark.dataset_url", "give either benchmark.dataset or benchmark.dataset_url, not both");
      }
    }
    ParseScenarios(scenarios, scenarios_path, b);
  }

  void ParseScenarios(const Json& value, const std::string& path, Benchmark& b) {
    std::vector<std::string> texts = ScalarOrList<std::string>(
        value, path, [this](const Json& item, const std::string& p) -> std::optional<std::string> {
          if (!item.is_string()) {
            Fail(p, "must be a scenario string such as \"D(100,100)\", got " + Describe(item));
            return std::nullopt;
          }
          return item.get<std::string>();
        });
    const bool is_list = value.is_array();
    for (size_t i = 0; i < texts.size(); ++i) {
      const std::string item_path = is_list ? IndexPath(path, i) : path;
      auto scenario = ParseScenario(texts[i]);
      if (!scenario.ok()) {
        Fail(item_path, scenario.error().message);
        continue;
      }
      const bool embeddings = b.task == BenchmarkTask::kTextToEmbeddings;
      if (scenario->kind == ScenarioKind::kEmbedding && !embeddings) {
        Fail(item_path,
             "'" + texts[i] + "' is an embeddings scenario; set benchmark.task: text-to-embeddings");
      } else if (scenario->IsText() && embeddings) {
        Fail(item_path, "'" + texts[i] +
                            "' is a text-generation scenario but benchmark.task is text-to-embeddings; "
                            "use E(tokens)");
      } else if (!scenario->IsText() && scenario->kind != ScenarioKind::kEmbedding) {
        Fail(item_path,
             std::string(ScenarioKindName(scenario->kind)) + " scenario '" + texts[i] +
                 "' is not supported by the load generator yet (text-to-text and text-to-embeddings only)");
      } else if (std::find(b.traffic_scenarios.begin(), b.traffic_scenarios.end(), *scenario) !=
                 b.traffic_scenarios.end()) {
        Fail(item_path, "repeats the scenario " + scenario->ToString());
      } else {
        b.traffic_scenarios.push_back(*scenario);
      }
    }
  }

  void ParseSlo(const Json& doc, Task& task) {
    task.slo.steepness = DefaultFor("slo.steepness").get<double>();
    const Json* slo = Object(doc, "slo", "slo");
    if (slo == nullptr) return;
    CheckKeys(*slo, "slo", kSloKeys);
    task.slo.latency = ParseSloMetric(*slo, "latency");
    task.slo.ttft = ParseSloMetric(*slo, "ttft");
    task.slo.tpot = ParseSloMetric(*slo, "tpot");
    task.slo.steepness = Number(*slo, "steepness", "slo.steepness", true).value_or(task.slo.steepness);
  }

  // Either one entry {threshold, ...} checked against the mean, or entries by statistic {p90: {...}, ...}.
  SloMetric ParseSloMetric(const Json& slo, std::string_view key) {
    SloMetric metric;
    const std::string path = JoinPath("slo", key);
    const Json* m = Object(slo, key, path);
    if (m == nullptr) return metric;
    if (m->contains("threshold")) {
      CheckKeys(*m, path, kSloEntryKeys);
      if (auto entry = ParseSloEntry(*m, path)) metric["mean"] = *entry;
      return metric;
    }
    if (m->empty()) {
      Fail(path, "needs a threshold, or entries by statistic (" + JoinNames(kSloStats) + ")");
      return metric;
    }
    for (const auto& [stat, entry] : m->items()) {
      const std::string entry_path = JoinPath(path, stat);
      if (!Contains(kSloStats, stat)) {
        std::vector<std::string_view> candidates(kSloStats.begin(), kSloStats.end());
        candidates.insert(candidates.end(), kSloEntryKeys.begin(), kSloEntryKeys.end());
        Fail(entry_path, "unknown field '" + stat + "'" + DidYouMean(stat, candidates) +
                             " (expected threshold or " + JoinNames(kSloStats) + ")");
        continue;
      }
      if (!entry.is_object()) {
        Fail(entry_path, "must be a mapping {threshold, weight, hard_fail, fail_ratio}");
        continue;
      }
      CheckKeys(entry, entry_path, kSloEntryKeys);
      if (auto parsed = ParseSloEntry(entry, entry_path)) metric[stat] = *parsed;
    }
    return metric;
  }

  std::optional<SloEntry> ParseSloEntry(const Json& e, const std::string& path) {
    SloEntry entry;
    const auto threshold = Number(e, "threshold", JoinPath(path, "threshold"), true);
    if (!threshold && !Field(e, "threshold")) Fail(JoinPath(path, "threshold"), "is required");
    entry.weight = Number(e, "weight", JoinPath(path, "weight"), false)
                       .value_or(DefaultFor("slo.*.weight").get<double>());
    entry.hard_fail =
        Bool(e, "hard_fail", JoinPath(path, "hard_fail")).value_or(DefaultFor("slo.*.hard_fail").get<bool>());
    entry.fail_ratio = Number(e, "fail_ratio", JoinPath(path, "fail_ratio"), false)
                           .value_or(DefaultFor("slo.*.fail_ratio").get<double>());
    if (!threshold) return std::nullopt;
    entry.threshold = *threshold;
    return entry;
  }

  void ParseOme(const Json& doc, Task& task) {
    const bool ome = task.deployment_mode == DeploymentMode::kOme;
    for (const char* key : {"clusterbasemodel_config", "clusterservingruntime_config"}) {
      const Json* cfg = Object(doc, key, key);
      if (cfg == nullptr) continue;
      if (!ome) Warn(key, "only used when deployment_mode is ome; ignored");
      CheckKeys(*cfg, key, kOmeResourceKeys);
      OmeResourceConfig out;
      out.preset = String(*cfg, "preset", JoinPath(key, "preset")).value_or("");
      out.name = String(*cfg, "name", JoinPath(key, "name")).value_or("");
      if (out.preset.empty() == out.name.empty()) {
        Fail(key, "give either preset or name (with spec)");
      }
      for (const char* part : {"spec", "overrides"}) {
        if (const Json* v = Object(*cfg, part, JoinPath(key, part)))
          (part == std::string("spec") ? out.spec : out.overrides) = *v;
      }
      for (const char* part : {"labels", "annotations"}) {
        const std::string part_path = JoinPath(key, part);
        const Json* v = Object(*cfg, part, part_path);
        if (v == nullptr) continue;
        for (const auto& [k, val] : v->items()) {
          if (!val.is_string()) Fail(JoinPath(part_path, k), "must be a string, got " + Describe(val));
        }
        (part == std::string("labels") ? out.labels : out.annotations) = *v;
      }
      (key == std::string("clusterbasemodel_config") ? task.clusterbasemodel_config
                                                     : task.clusterservingruntime_config) = out;
    }
    if (const Json* st = Object(doc, "storage", "storage")) {
      if (!ome) Warn("storage", "only used when deployment_mode is ome; ignored");
      CheckKeys(*st, "storage", kStorageKeys);
      Storage storage;
      storage.type = DefaultFor("storage.type").get<std::string>();
      constexpr std::array<std::string_view, 1> kStorageTypes = {"pvc"};
      if (auto t = Choice(*st, "type", "storage.type", kStorageTypes)) storage.type = *t;
      storage.pvc_name = String(*st, "pvc_name", "storage.pvc_name", /*required=*/true).value_or("");
      storage.pvc_subpath = String(*st, "pvc_subpath", "storage.pvc_subpath").value_or("");
      storage.mount_path = String(*st, "mount_path", "storage.mount_path").value_or("");
      task.storage = storage;
    }
  }

  const RuntimeCatalog* catalog_ = nullptr;
  const RuntimeDefinition* runtime_ = nullptr;  // set once base_runtime names a catalogued runtime
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

Json ListOrScalar(const auto& values) {
  if (values.size() == 1) return Json(values.front());
  Json out = Json::array();
  for (const auto& v : values) out.push_back(v);
  return out;
}

Json SloMetricToJson(const SloMetric& metric) {
  Json out = Json::object();
  for (const auto& [stat, e] : metric) {
    out[stat] = {{"threshold", e.threshold},
                 {"weight", e.weight},
                 {"hard_fail", e.hard_fail},
                 {"fail_ratio", e.fail_ratio}};
  }
  return out;
}

Json OmeResourceToJson(const OmeResourceConfig& c) {
  Json out = Json::object();
  if (!c.preset.empty()) out["preset"] = c.preset;
  if (!c.name.empty()) out["name"] = c.name;
  if (!c.spec.empty()) out["spec"] = c.spec;
  if (!c.overrides.empty()) out["overrides"] = c.overrides;
  if (!c.labels.empty()) out["labels"] = c.labels;
  if (!c.annotations.empty()) out["annotations"] = c.annotations;
  return out;
}

// Nearest mark at or above `path`: "a.b[2].c" falls back to "a.b[2]", "a.b", "a".
std::optional<SourceMark> FindMark(const Document& doc, std::string path) {
  while (!path.empty()) {
    if (auto it = doc.marks.find(path); it != doc.marks.end()) return it->second;
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return std::nullopt;
}

}  // namespace

std::string SanitizeTaskName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    if (!ok) c = '-';
  }
  return out;
}

TaskParseResult ParseTask(const Json& document, const RuntimeCatalog* runtimes) {
  return Parser(runtimes).Run(document);
}

TaskParseResult ParseTask(const Document& document, const RuntimeCatalog* runtimes) {
  TaskParseResult result = ParseTask(document.value, runtimes);
  for (auto* list : {&result.errors, &result.warnings}) {
    for (auto& d : *list) d.mark = FindMark(document, d.path);
  }
  return result;
}

Result<TaskParseResult> LoadTaskFile(const std::string& path, const RuntimeCatalog* runtimes) {
  auto doc = LoadDocumentFile(path);
  if (!doc.ok()) return std::move(doc).error();
  return ParseTask(*doc, runtimes);
}

Json TaskToJson(const Task& t) {
  Json out = Json::object();
  out["task_name"] = t.task_name;
  if (!t.description.empty()) out["description"] = t.description;
  out["deployment_mode"] = Name(t.deployment_mode);
  out["base_runtime"] = t.base_runtime;
  if (!t.runtime_image_tag.empty()) out["runtime_image_tag"] = t.runtime_image_tag;
  out["model"] = {{"id_or_path", t.model.id_or_path}, {"namespace", t.model.ns}};
  if (t.hardware) {
    Json hw = Json::object();
    if (!t.hardware->gpu_type.empty()) hw["gpu_type"] = t.hardware->gpu_type;
    if (t.hardware->num_gpus > 0) hw["num_gpus"] = t.hardware->num_gpus;
    out["hardware"] = hw;
  }
  Json params = Json::object();
  for (const auto& p : t.parameters) {
    if (p.kind == Parameter::Kind::kCategorical) {
      params[p.name] = p.values;
    } else if (p.kind == Parameter::Kind::kInteger) {
      params[p.name] = {{"type", "integer"},
                        {"low", static_cast<int64_t>(p.low)},
                        {"high", static_cast<int64_t>(p.high)},
                        {"log", p.log}};
    } else {
      params[p.name] = {{"type", "float"}, {"low", p.low}, {"high", p.high}, {"log", p.log}};
    }
  }
  out["parameters"] = params;
  const auto& q = t.quantization;
  if (q.form == QuantizationConfig::Form::kPreset)
    out["quantization_config"] = {{"preset", q.presets.front()}};
  if (q.form == QuantizationConfig::Form::kPresets) out["quantization_config"] = {{"presets", q.presets}};
  if (q.form == QuantizationConfig::Form::kCustom) {
    Json custom = Json::object();
    if (!q.model_dtype.empty()) custom["model_dtype"] = ListOrScalar(q.model_dtype);
    if (!q.kv_cache_dtype.empty()) custom["kv_cache_dtype"] = ListOrScalar(q.kv_cache_dtype);
    if (!q.enable_fp8_compute.empty()) custom["enable_fp8_compute"] = ListOrScalar(q.enable_fp8_compute);
    out["quantization_config"] = custom;
  }
  if (!t.parallel.empty()) {
    Json pc = Json::object();
    if (!t.parallel.tp.empty()) pc["tp"] = ListOrScalar(t.parallel.tp);
    if (!t.parallel.pp.empty()) pc["pp"] = ListOrScalar(t.parallel.pp);
    if (!t.parallel.dp.empty()) pc["dp"] = ListOrScalar(t.parallel.dp);
    if (!t.parallel.ep.empty()) pc["ep"] = ListOrScalar(t.parallel.ep);
    out["parallel_config"] = pc;
  }
  const auto& o = t.optimization;
  Json objectives = Json::array();
  for (Objective obj : o.objectives) objectives.push_back(Name(obj));
  out["optimization"] = {{"strategy", Name(o.strategy)},
                         {"objective", objectives.size() == 1 ? objectives[0] : objectives},
                         {"max_iterations", o.max_iterations},
                         {"timeout_per_iteration", o.timeout_per_iteration},
                         {"n_initial_random", o.n_initial_random},
                         {"seed", o.seed},
                         {"parallel_experiments", o.parallel_experiments}};
  const auto& b = t.benchmark;
  Json bench = Json::object();
  bench["task"] = Name(b.task);
  bench["model_name"] = b.model_name;
  bench["model_tokenizer"] = b.model_tokenizer.empty() ? Json(nullptr) : Json(b.model_tokenizer);
  Json scenarios = Json::array();
  for (const auto& s : b.traffic_scenarios) scenarios.push_back(s.ToString());
  bench["traffic_scenarios"] = scenarios;
  bench["num_concurrency"] = b.num_concurrency;
  if (!b.request_rate.empty()) {
    Json rates = Json::array();
    for (double r : b.request_rate) rates.push_back(std::isinf(r) ? Json("inf") : Json(r));
    bench["request_rate"] = rates;
  }
  bench["api"] = Name(b.api);
  bench["max_time_per_iteration"] = b.max_time_per_iteration;
  bench["max_requests_per_iteration"] = b.max_requests_per_iteration;
  bench["additional_params"] = b.additional_params;
  if (b.dataset) bench["dataset"] = {{"path", b.dataset->path}, {"prompt_column", b.dataset->prompt_column}};
  if (!b.dataset_url.empty()) {
    bench["dataset_url"] = b.dataset_url;
    bench["dataset_deduplicate"] = b.dataset_deduplicate;
  }
  out["benchmark"] = bench;
  if (!t.slo.empty()) {
    Json slo = Json::object();
    if (!t.slo.latency.empty()) slo["latency"] = SloMetricToJson(t.slo.latency);
    if (!t.slo.ttft.empty()) slo["ttft"] = SloMetricToJson(t.slo.ttft);
    if (!t.slo.tpot.empty()) slo["tpot"] = SloMetricToJson(t.slo.tpot);
    slo["steepness"] = t.slo.steepness;
    out["slo"] = slo;
  }
  if (t.clusterbasemodel_config)
    out["clusterbasemodel_config"] = OmeResourceToJson(*t.clusterbasemodel_config);
  if (t.clusterservingruntime_config) {
    out["clusterservingruntime_config"] = OmeResourceToJson(*t.clusterservingruntime_config);
  }
  if (t.storage) {
    Json st = {{"type", t.storage->type}, {"pvc_name", t.storage->pvc_name}};
    if (!t.storage->pvc_subpath.empty()) st["pvc_subpath"] = t.storage->pvc_subpath;
    if (!t.storage->mount_path.empty()) st["mount_path"] = t.storage->mount_path;
    out["storage"] = st;
  }
  return out;
}

std::string FormatDiagnostic(const Diagnostic& d, std::string_view source) {
  std::string out(source);
  if (d.mark) out += ":" + std::to_string(d.mark->line) + ":" + std::to_string(d.mark->column);
  out += ": ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message;
  return out;
}

Error ValidationError(const TaskParseResult& result) {
  Json errors = Json::array();
  for (const auto& d : result.errors) {
    Json e = {{"path", d.path}, {"message", d.message}};
    if (d.mark) {
      e["line"] = d.mark->line;
      e["column"] = d.mark->column;
    }
    errors.push_back(e);
  }
  const size_t n = result.errors.size();
  return MakeError(ErrorCode::kValidation,
                   "invalid task: " + std::to_string(n) + " error" + (n == 1 ? "" : "s"),
                   {{"errors", errors}});
}

}  // namespace autotuner::task
