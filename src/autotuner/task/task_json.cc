// TaskToJson: the normalised task document (declared in parse.h).
#include <cmath>

#include "autotuner/task/parse.h"
#include "autotuner/task/tuning_keys.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task {
namespace {

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

Json ParametersToJson(const std::vector<Parameter>& parameters) {
  Json params = Json::object();
  for (const auto& p : parameters) {
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
  return params;
}

// quantization_config in the form the task gave it (none when it gave none).
void AddQuantization(const QuantizationConfig& q, Json& out) {
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
}

Json BenchmarkToJson(const Benchmark& b) {
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
  return bench;
}

}  // namespace

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
  out["parameters"] = ParametersToJson(t.parameters);
  AddQuantization(t.quantization, out);
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
  TuningKeysToJson(o, out["optimization"]);
  out["benchmark"] = BenchmarkToJson(t.benchmark);
  if (!t.slo.empty()) {
    Json slo = Json::object();
    if (!t.slo.latency.empty()) slo["latency"] = SloMetricToJson(t.slo.latency);
    if (!t.slo.ttft.empty()) slo["ttft"] = SloMetricToJson(t.slo.ttft);
    if (!t.slo.tpot.empty()) slo["tpot"] = SloMetricToJson(t.slo.tpot);
    slo["steepness"] = t.slo.steepness;
    out["slo"] = slo;
  }
  if (!t.env.empty()) {
    Json env = Json::object();
    for (const auto& v : t.env) env[v.name] = v.searched ? Json(v.values) : Json(v.values.front());
    out["env"] = env;
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
  if (IsCluster(t.deployment_mode)) {
    const KubernetesOptions& k = t.kubernetes;
    out["kubernetes"] = {{"node_selector", k.node_selector},
                         {"bench", Name(k.bench)},
                         {"bench_image", k.bench_image.empty() ? Json(nullptr) : Json(k.bench_image)},
                         {"unschedulable_timeout", k.unschedulable_timeout},
                         {"multi_node", k.multi_node}};
  }
  return out;
}

}  // namespace autotuner::task
