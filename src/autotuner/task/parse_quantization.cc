// Parser: quantization_config and the older quant_config.

#include <algorithm>
#include <array>

#include "autotuner/task/parse_internal.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task::internal {
namespace {

constexpr std::array<std::string_view, 5> kQuantizationKeys = {"preset", "presets", "model_dtype",
                                                               "kv_cache_dtype", "enable_fp8_compute"};
constexpr std::array<std::string_view, 6> kLegacyQuantKeys = {
    "preset", "presets", "gemm_dtype", "kvcache_dtype", "attention_dtype", "moe_dtype"};

}  // namespace

void Parser::ParseQuantization(const Json& doc, Task& task) {
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
    if (const Json* q = Object(doc, "quant_config", "quant_config")) ParseLegacyQuant(*q, task.quantization);
  }
}

void Parser::ParseQuantizationBlock(const Json& q, const std::string& path, QuantizationConfig& out) {
  CheckKeys(q, path, kQuantizationKeys);
  const bool preset = Field(q, "preset") != nullptr;
  const bool presets = Field(q, "presets") != nullptr;
  const bool custom = Field(q, "model_dtype") || Field(q, "kv_cache_dtype") || Field(q, "enable_fp8_compute");
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
      out.enable_fp8_compute = ScalarOrList<bool>(*v, JoinPath(path, "enable_fp8_compute"),
                                                  [this](const Json& item, const std::string& p) {
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
void Parser::ParseLegacyQuant(const Json& q, QuantizationConfig& out) {
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

}  // namespace autotuner::task::internal
