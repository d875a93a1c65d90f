#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/task/scenario.h"

namespace autotuner::task {

enum class DeploymentMode { kLocal, kDocker, kKubernetes, kOme };
// Kubernetes or OME: the cluster places engines and owns their GPUs.
inline bool IsCluster(DeploymentMode mode) {
  return mode == DeploymentMode::kKubernetes || mode == DeploymentMode::kOme;
}
enum class Strategy { kGridSearch, kRandom, kBayesian };
enum class Objective {
  kMinimizeLatency,
  kMaximizeThroughput,
  kMinimizeTtft,
  kMinimizeTpot,
  kMaximizeGoodput
};
enum class BenchmarkTask { kTextToText, kTextToEmbeddings };
enum class Api { kCompletions, kChat };

// One engine flag to search. `name` is as the user wrote it (compared with '-' and '_' alike).
struct Parameter {
  enum class Kind { kCategorical, kInteger, kFloat };
  std::string name;
  Kind kind = Kind::kCategorical;
  std::vector<Json> values;  // kCategorical: the choices (JSON scalars), in the user's order
  double low = 0;            // kInteger / kFloat: inclusive bounds
  double high = 0;
  bool log = false;
  bool operator==(const Parameter&) const = default;
};

// Runtime quantization (SPEC §4). Exactly one form is used; lists are searched as dimensions.
struct QuantizationConfig {
  enum class Form { kNone, kPreset, kPresets, kCustom };
  Form form = Form::kNone;
  std::vector<std::string> presets;      // kPreset: one name; kPresets: the searched names
  std::vector<std::string> model_dtype;  // kCustom: each empty (unset), one value, or a list to search
  std::vector<std::string> kv_cache_dtype;
  std::vector<bool> enable_fp8_compute;
  bool operator==(const QuantizationConfig&) const = default;
};

// Engine-neutral parallelism; each empty (unset), one value, or a list to search.
struct ParallelConfig {
  std::vector<int64_t> tp, pp, dp, ep;
  bool empty() const { return tp.empty() && pp.empty() && dp.empty() && ep.empty(); }
  bool operator==(const ParallelConfig&) const = default;
};

struct Model {
  std::string id_or_path;
  std::string ns;  // "namespace"
  bool operator==(const Model&) const = default;
};

struct Hardware {
  std::string gpu_type;
  int64_t num_gpus = 0;  // 0 = not given
  bool operator==(const Hardware&) const = default;
};

struct Optimization {
  Strategy strategy = Strategy::kGridSearch;
  std::vector<Objective> objectives;  // first is primary
  int64_t max_iterations = 0;
  double timeout_per_iteration = 0;
  int64_t n_initial_random = 0;
  int64_t seed = 0;
  int64_t parallel_experiments = 0;
  // Engine defaults as experiment 0: nothing = auto (on for bayesian and random, off for grid_search);
  // `baseline_parameters` are fixed flags the baseline runs with ({flag: value} instead of true).
  std::optional<bool> baseline;
  Json baseline_parameters = Json::object();
  // Re-measurements of the best and the runner-up: nothing = auto (2 real runtimes, 0 simulated).
  std::optional<int64_t> confirm;
  bool early_stop = true;              // bayesian: calibrated early stopping
  std::optional<double> max_duration;  // seconds for the whole study
  bool operator==(const Optimization&) const = default;
};

struct Dataset {
  std::string path;
  std::string prompt_column;
  bool operator==(const Dataset&) const = default;
};

struct Benchmark {
  BenchmarkTask task = BenchmarkTask::kTextToText;
  std::string model_name;
  std::string model_tokenizer;
  std::vector<Scenario> traffic_scenarios;
  std::vector<int64_t> num_concurrency;
  std::vector<double> request_rate;  // +inf = closed loop; empty = closed loop only
  Api api = Api::kCompletions;
  double max_time_per_iteration = 0;
  int64_t max_requests_per_iteration = 0;
  Json additional_params = Json::object();
  std::optional<Dataset> dataset;
  std::string dataset_url;
  bool dataset_deduplicate = false;
  bool operator==(const Benchmark&) const = default;
};

struct SloEntry {
  double threshold = 0;
  double weight = 0;
  bool hard_fail = false;
  double fail_ratio = 0;
  bool operator==(const SloEntry&) const = default;
};

// Thresholds of one metric by statistic: "mean", "p50", "p90", "p95", "p99".
using SloMetric = std::map<std::string, SloEntry>;

struct Slo {
  SloMetric latency;  // e2e latency
  SloMetric ttft;
  SloMetric tpot;
  double steepness = 0;
  bool empty() const { return latency.empty() && ttft.empty() && tpot.empty(); }
  bool operator==(const Slo&) const = default;
};

// OME ClusterBaseModel / ClusterServingRuntime: a preset name or {name, spec}, plus overrides and metadata.
struct OmeResourceConfig {
  std::string preset;
  std::string name;
  Json spec = Json::object();
  Json overrides = Json::object();
  Json labels = Json::object();
  Json annotations = Json::object();
  bool operator==(const OmeResourceConfig&) const = default;
};

struct Storage {
  std::string type;
  std::string pvc_name;
  std::string pvc_subpath;
  std::string mount_path;
  bool operator==(const Storage&) const = default;
};

// One variable of the task's `env` (SPEC §1): set in every engine's environment. A single value is fixed; a
// list is searched like a parameter (dimension "env.NAME").
struct EnvVariable {
  std::string name;
  std::vector<std::string> values;  // one or more
  bool searched = false;            // written as a list
  bool operator==(const EnvVariable&) const = default;
};

// The `kubernetes:` block (SPEC §1), read in kubernetes and ome modes only. The initialisers are the defaults
// of task/defaults.cc (its test checks they agree).
struct KubernetesOptions {
  enum class Bench { kAuto, kInCluster, kLocal };    // where the load generator runs
  std::map<std::string, std::string> node_selector;  // engines (and capacity) only on nodes with these labels
  Bench bench = Bench::kAuto;
  std::string bench_image;             // empty: autotuner's own image
  double unschedulable_timeout = 300;  // seconds a pod may stay Pending as unschedulable
  bool multi_node = false;             // engines larger than one node (LeaderWorkerSet)
  bool operator==(const KubernetesOptions&) const = default;
};

// A validated, normalised task (SPEC §1). Every defaulted field holds its default.
struct Task {
  std::string task_name;
  std::string description;
  DeploymentMode deployment_mode = DeploymentMode::kLocal;
  std::string base_runtime;
  std::string runtime_image_tag;
  Model model;
  std::optional<Hardware> hardware;
  std::vector<Parameter> parameters;
  QuantizationConfig quantization;
  ParallelConfig parallel;
  Optimization optimization;
  Benchmark benchmark;
  Slo slo;
  std::vector<EnvVariable> env;  // sorted by name
  std::optional<OmeResourceConfig> clusterbasemodel_config;
  std::optional<OmeResourceConfig> clusterservingruntime_config;
  std::optional<Storage> storage;
  KubernetesOptions kubernetes;  // defaults unless the task gives the block (kubernetes / ome modes)
  bool operator==(const Task&) const = default;
};

std::string_view Name(DeploymentMode mode);
std::string_view Name(Strategy strategy);
std::string_view Name(Objective objective);
std::string_view Name(BenchmarkTask task);
std::string_view Name(Api api);
std::string_view Name(Parameter::Kind kind);
std::string_view Name(KubernetesOptions::Bench bench);

}  // namespace autotuner::task
