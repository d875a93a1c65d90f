#include "autotuner/task/parse.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "autotuner/task/defaults.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::task {
namespace {

constexpr const char* kBase = "task_name: t\nbase_runtime: sglang\nmodel: {id_or_path: org/my-model}\n";

TaskParseResult ParseYaml(const std::string& text) {
  auto doc = ParseDocument(text, "test.yaml", DocumentFormat::kYaml);
  EXPECT_TRUE(doc.ok()) << doc.error().message;
  if (!doc.ok()) return {};
  return ParseTask(*doc);
}

TaskParseResult ParseJsonText(const std::string& text) {
  auto doc = ParseDocument(text, "test.json", DocumentFormat::kJson);
  EXPECT_TRUE(doc.ok()) << doc.error().message;
  if (!doc.ok()) return {};
  return ParseTask(*doc);
}

std::string AllMessages(const std::vector<Diagnostic>& list) {
  std::string out;
  for (const auto& d : list) out += "  [" + d.path + "] " + d.message + "\n";
  return out;
}

const Diagnostic* FindAt(const std::vector<Diagnostic>& list, const std::string& path) {
  for (const auto& d : list) {
    if (d.path == path) return &d;
  }
  return nullptr;
}

// ---- every validation rule has a failing case whose message names the field path
// ---------------------------

struct BadCase {
  const char* name;
  std::string yaml;  // appended to kBase unless `whole` is set
  std::string path;
  std::string message;
  bool whole = false;
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

class InvalidTaskTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(InvalidTaskTest, ReportsFieldPathAndMessage) {
  const BadCase& c = GetParam();
  const TaskParseResult result = ParseYaml(c.whole ? c.yaml : kBase + c.yaml);
  EXPECT_FALSE(result.ok());
  EXPECT_FALSE(result.task.has_value());
  const Diagnostic* d = FindAt(result.errors, c.path);
  ASSERT_NE(d, nullptr) << "no error at '" << c.path << "'; errors:\n" << AllMessages(result.errors);
  EXPECT_NE(d->message.find(c.message), std::string::npos)
      << "message '" << d->message << "' lacks '" << c.message << "'";
}

const std::string kLongName(70, 'a');

INSTANTIATE_TEST_SUITE_P(
    Rules, InvalidTaskTest,
    ::testing::Values(
        BadCase{"EnvNotMapping", "env: [A]\n", "env", "must be a mapping"},
        BadCase{"EnvBadName", "env: {1BAD: x}\n", "env.1BAD", "not an environment variable name"},
        BadCase{"EnvReservedName", "env: {CUDA_VISIBLE_DEVICES: '0'}\n", "env.CUDA_VISIBLE_DEVICES",
                "choose GPUs with --gpus"},
        BadCase{"EnvBoolean", "env: {NCCL_DEBUG: true}\n", "env.NCCL_DEBUG", "quote it (\"true\")"},
        BadCase{"EnvEmptyList", "env: {VLLM_ATTENTION_BACKEND: []}\n", "env.VLLM_ATTENTION_BACKEND",
                "must not be an empty list"},
        BadCase{"EnvRepeatedValue", "env: {VLLM_ATTENTION_BACKEND: [FLASH_ATTN, FLASH_ATTN]}\n",
                "env.VLLM_ATTENTION_BACKEND[1]", "repeats the value"},
        BadCase{"EnvNestedValue", "env: {A: {b: c}}\n", "env.A", "must be a string"},
        BadCase{"MissingTaskName", "base_runtime: sglang\nmodel: {id_or_path: m}\n", "task_name",
                "is required", true},
        BadCase{"TaskNameNotString", "task_name: [a]\nbase_runtime: sglang\nmodel: {id_or_path: m}\n",
                "task_name", "must be a string", true},
        BadCase{"TaskNameTooLong",
                "task_name: " + kLongName + "\nbase_runtime: sglang\nmodel: {id_or_path: m}\n", "task_name",
                "at most 63 characters", true},
        BadCase{"TaskNameOnlySymbols", "task_name: '!!!'\nbase_runtime: sglang\nmodel: {id_or_path: m}\n",
                "task_name", "at least one letter or digit", true},
        BadCase{"UnknownTopLevelKey", "benchmrk: {}\n", "benchmrk", "did you mean 'benchmark'?"},
        BadCase{"DescriptionNotString", "description: 5\n", "description", "must be a string"},
        BadCase{"BadDeploymentMode", "deployment_mode: cloud\n", "deployment_mode", "unknown value 'cloud'"},
        BadCase{"MissingRuntime", "task_name: t\nmodel: {id_or_path: m}\n", "base_runtime", "is required",
                true},
        BadCase{"UnknownRuntime", "task_name: t\nbase_runtime: sglangg\nmodel: {id_or_path: m}\n",
                "base_runtime", "did you mean 'sglang'?", true},
        BadCase{"MissingModel", "task_name: t\nbase_runtime: vllm\n", "model", "is required", true},
        BadCase{"ModelNotMapping", "task_name: t\nbase_runtime: vllm\nmodel: m\n", "model",
                "must be a mapping", true},
        BadCase{"MissingModelId", "task_name: t\nbase_runtime: vllm\nmodel: {namespace: x}\n",
                "model.id_or_path", "is required", true},
        BadCase{"BadNamespace",
                "task_name: t\nbase_runtime: vllm\nmodel: {id_or_path: m, namespace: Bad_NS}\n",
                "model.namespace", "DNS label", true},
        BadCase{"UnknownModelKey", "task_name: t\nbase_runtime: vllm\nmodel: {id_or_path: m, idorpath: x}\n",
                "model.idorpath", "did you mean 'id_or_path'?", true},
        BadCase{"UnknownGpu", "hardware: {gpu_type: H1000}\n", "hardware.gpu_type",
                "unknown GPU type 'H1000'"},
        BadCase{"ZeroGpus", "hardware: {num_gpus: 0}\n", "hardware.num_gpus", "must be a positive integer"},
        BadCase{"ParametersNotMapping", "parameters: [1, 2]\n", "parameters", "must be a mapping"},
        BadCase{"EmptyValueList", "parameters: {x: []}\n", "parameters.x", "at least one value"},
        BadCase{"RepeatedValue", "parameters: {x: [1, 1]}\n", "parameters.x[1]", "repeats the value 1"},
        BadCase{"NestedListValue", "parameters: {x: [[1]]}\n", "parameters.x[0]",
                "must be a number, string or"},
        BadCase{"NullParameter", "parameters: {x: null}\n", "parameters.x", "needs values"},
        BadCase{"UnknownParamType", "parameters: {x: {type: gaussian, low: 1, high: 2}}\n",
                "parameters.x.type", "unknown value 'gaussian'"},
        BadCase{"MissingParamType", "parameters: {x: {low: 1, high: 2}}\n", "parameters.x.type",
                "is required"},
        BadCase{"IntegerLowAboveHigh", "parameters: {x: {type: integer, low: 5, high: 1}}\n", "parameters.x",
                "low (5) must be at most high (1)"},
        BadCase{"FloatEmptyRange", "parameters: {x: {type: float, low: 1, high: 1}}\n", "parameters.x",
                "must be less than high"},
        BadCase{"IntegerFractionalBound", "parameters: {x: {type: integer, low: 1.5, high: 4}}\n",
                "parameters.x.low", "must be an integer"},
        BadCase{"LogRangeFromZero", "parameters: {x: {type: float, low: 0, high: 1, log: true}}\n",
                "parameters.x.low", "must be positive when log is true"},
        BadCase{"MissingLow", "parameters: {x: {type: integer, high: 3}}\n", "parameters.x.low",
                "is required"},
        BadCase{"NonNumericHigh", "parameters: {x: {type: continuous, low: 0.1, high: big}}\n",
                "parameters.x.high", "must be a number"},
        BadCase{"LogNotBool", "parameters: {x: {type: float, low: 0.1, high: 1, log: 1}}\n",
                "parameters.x.log", "must be true or false"},
        BadCase{"UnknownRangeKey", "parameters: {x: {type: float, low: 0.1, high: 1, step: 0.1}}\n",
                "parameters.x.step", "unknown field 'step'"},
        BadCase{"ValuesAndChoices", "parameters: {x: {type: choice, values: [1], choices: [2]}}\n",
                "parameters.x", "either values or choices"},
        BadCase{"ChoiceValuesNotList", "parameters: {x: {type: categorical, values: 3}}\n",
                "parameters.x.values", "must be a list"},
        BadCase{"RepeatedLegacyChoice", "parameters: {x: {type: choice, values: [a, a]}}\n",
                "parameters.x.values[1]", "repeats"},
        BadCase{"DashAndUnderscoreTwins", "parameters: {tp-size: [1], tp_size: [2]}\n", "parameters.tp_size",
                "repeats another parameter"},
        BadCase{"UnknownParallelKey", "parallel_config: {tp_size: 2}\n", "parallel_config.tp_size",
                "did you mean 'tp'?"},
        BadCase{"ZeroParallel", "parallel_config: {tp: 0}\n", "parallel_config.tp",
                "must be a positive integer"},
        BadCase{"RepeatedParallel", "parallel_config: {tp: [2, 2]}\n", "parallel_config.tp[1]", "repeats"},
        BadCase{"TooFewGpus", "hardware: {num_gpus: 4}\nparallel_config: {tp: [4], dp: [2]}\n",
                "parallel_config", "at least 8 GPUs"},
        BadCase{"UnknownPreset", "quantization_config: {preset: fp4}\n", "quantization_config.preset",
                "unknown value 'fp4'"},
        BadCase{"UnknownPresetInList", "quantization_config: {presets: [default, kv-cache-fp9]}\n",
                "quantization_config.presets[1]", "did you mean 'kv-cache-fp8'?"},
        BadCase{"PresetsNotList", "quantization_config: {presets: default}\n", "quantization_config.presets",
                "must be a list"},
        BadCase{"MixedQuantizationForms", "quantization_config: {preset: default, kv_cache_dtype: fp8}\n",
                "quantization_config", "exactly one form"},
        BadCase{"UnknownKvDtype", "quantization_config: {kv_cache_dtype: [fp8, fp16]}\n",
                "quantization_config.kv_cache_dtype[1]", "unknown value 'fp16'"},
        BadCase{"UnknownModelDtype", "quantization_config: {model_dtype: half}\n",
                "quantization_config.model_dtype", "unknown value 'half'"},
        BadCase{"Fp8ComputeNotBool", "quantization_config: {enable_fp8_compute: 'yes'}\n",
                "quantization_config.enable_fp8_compute", "must be true or false"},
        BadCase{"BothQuantForms", "quantization_config: {preset: default}\nquant_config: {gemm_dtype: fp8}\n",
                "quant_config", "not both"},
        BadCase{"LegacyQuantNotString", "quant_config: {gemm_dtype: 5}\n", "quant_config.gemm_dtype",
                "must be a string"},
        BadCase{"UnknownLegacyQuantKey", "quant_config: {kv_dtype: fp8}\n", "quant_config.kv_dtype",
                "unknown field 'kv_dtype'"},
        BadCase{"UnknownStrategy", "optimization: {strategy: anneal}\n", "optimization.strategy",
                "unknown strategy 'anneal'"},
        BadCase{"UnknownObjective", "optimization: {objective: maximize_speed}\n", "optimization.objective",
                "unknown value 'maximize_speed'"},
        BadCase{"RepeatedObjective", "optimization: {objective: [minimize_latency, minimize_latency]}\n",
                "optimization.objective[1]", "repeats"},
        BadCase{"EmptyObjectives", "optimization: {objective: []}\n", "optimization.objective",
                "must not be an empty list"},
        BadCase{"ZeroIterations", "optimization: {max_iterations: 0}\n", "optimization.max_iterations",
                "must be a positive integer"},
        BadCase{"NegativeTimeout", "optimization: {timeout_per_iteration: -5}\n",
                "optimization.timeout_per_iteration", "must be a positive number"},
        BadCase{"NegativeInitialRandom", "optimization: {n_initial_random: -1}\n",
                "optimization.n_initial_random", "must be a non-negative integer"},
        BadCase{"FractionalParallelExperiments", "optimization: {parallel_experiments: 2.5}\n",
                "optimization.parallel_experiments", "must be a positive integer"},
        BadCase{"UnknownOptimizationKey", "optimization: {max_iteration: 3}\n", "optimization.max_iteration",
                "did you mean 'max_iterations'?"},
        BadCase{"OptimizationNotMapping", "optimization: bayesian\n", "optimization", "must be a mapping"},
        BadCase{"UnknownBenchmarkTask", "benchmark: {task: text-to-image}\n", "benchmark.task",
                "unknown value 'text-to-image'"},
        BadCase{"UnknownApi", "benchmark: {api: grpc}\n", "benchmark.api", "unknown value 'grpc'"},
        BadCase{"ScenarioWrongArity", "benchmark: {traffic_scenarios: ['D(100)']}\n",
                "benchmark.traffic_scenarios[0]", "D takes (input_tokens,output_tokens)"},
        BadCase{"ScenarioUnknownKind", "benchmark: {traffic_scenarios: ['X(1,2)']}\n",
                "benchmark.traffic_scenarios[0]", "unknown kind 'X'"},
        BadCase{"EmbeddingScenarioForText", "benchmark: {traffic_scenarios: ['E(128)']}\n",
                "benchmark.traffic_scenarios[0]", "set benchmark.task: text-to-embeddings"},
        BadCase{"TextScenarioForEmbeddings",
                "benchmark: {task: text-to-embeddings, traffic_scenarios: ['D(1,1)']}\n",
                "benchmark.traffic_scenarios[0]", "text-generation scenario"},
        BadCase{"ImageScenarioUnsupported", "benchmark: {traffic_scenarios: ['I(512,512)']}\n",
                "benchmark.traffic_scenarios[0]", "not supported by the load generator"},
        BadCase{"NoScenarios", "benchmark: {traffic_scenarios: []}\n", "benchmark.traffic_scenarios",
                "must not be an empty list"},
        BadCase{"RepeatedScenario", "benchmark: {traffic_scenarios: ['D(1,1)', 'D( 1, 1 )']}\n",
                "benchmark.traffic_scenarios[1]", "repeats the scenario D(1,1)"},
        BadCase{"UniformMinAboveMax", "benchmark: {traffic_scenarios: ['U(10,5)/(1,2)']}\n",
                "benchmark.traffic_scenarios[0]", "minimum is larger than maximum"},
        BadCase{"NegativeStddev", "benchmark: {traffic_scenarios: ['N(100,-1)/(10,1)']}\n",
                "benchmark.traffic_scenarios[0]", "standard deviations must not be negative"},
        BadCase{"ScenarioNotString", "benchmark: {traffic_scenarios: [100]}\n",
                "benchmark.traffic_scenarios[0]", "must be a scenario string"},
        BadCase{"NegativeConcurrency", "benchmark: {num_concurrency: [1, 4, -2]}\n",
                "benchmark.num_concurrency[2]", "must be a positive integer up to 100000, got -2"},
        BadCase{"QuotedConcurrency", "benchmark: {num_concurrency: '8'}\n", "benchmark.num_concurrency",
                "must be a positive integer up to 100000, got \"8\""},
        BadCase{"ZeroRate", "benchmark: {request_rate: [0]}\n", "benchmark.request_rate[0]",
                "positive number of requests per second"},
        BadCase{"WordRate", "benchmark: {request_rate: [fast]}\n", "benchmark.request_rate[0]", "or \"inf\""},
        BadCase{"ZeroRunTime", "benchmark: {max_time_per_iteration: 0}\n", "benchmark.max_time_per_iteration",
                "must be a positive number"},
        BadCase{"ZeroRequests", "benchmark: {max_requests_per_iteration: 0}\n",
                "benchmark.max_requests_per_iteration", "must be a positive integer"},
        BadCase{"AdditionalParamsNotMapping", "benchmark: {additional_params: [1]}\n",
                "benchmark.additional_params", "must be a mapping"},
        BadCase{"DatasetWithoutPath", "benchmark: {dataset: {prompt_column: text}}\n",
                "benchmark.dataset.path", "is required"},
        BadCase{"DatasetTwice", "benchmark: {dataset: {path: a.jsonl}, dataset_url: 'http://x/y.csv'}\n",
                "benchmark.dataset_url", "not both"},
        BadCase{"DeduplicateNotBool", "benchmark: {dataset_deduplicate: 1}\n",
                "benchmark.dataset_deduplicate", "must be true or false"},
        BadCase{"EmptyModelName", "benchmark: {model_name: ''}\n", "benchmark.model_name",
                "must not be empty"},
        BadCase{"UnknownBenchmarkKey", "benchmark: {max_time_per_iteraton: 5}\n",
                "benchmark.max_time_per_iteraton", "did you mean 'max_time_per_iteration'?"},
        BadCase{"UnknownSloStat", "slo: {latency: {p85: {threshold: 1}}}\n", "slo.latency.p85",
                "unknown field 'p85'"},
        BadCase{"SloMissingThreshold", "slo: {latency: {p90: {weight: 1}}}\n", "slo.latency.p90.threshold",
                "is required"},
        BadCase{"SloZeroThreshold", "slo: {ttft: {threshold: 0}}\n", "slo.ttft.threshold",
                "must be a positive number"},
        BadCase{"SloNegativeWeight", "slo: {tpot: {threshold: 0.05, weight: -1}}\n", "slo.tpot.weight",
                "must be a non-negative number"},
        BadCase{"SloHardFailNotBool", "slo: {latency: {p99: {threshold: 1, hard_fail: 'yes'}}}\n",
                "slo.latency.p99.hard_fail", "must be true or false"},
        BadCase{"SloNegativeFailRatio", "slo: {latency: {p99: {threshold: 1, fail_ratio: -0.1}}}\n",
                "slo.latency.p99.fail_ratio", "must be a non-negative number"},
        BadCase{"SloZeroSteepness", "slo: {steepness: 0}\n", "slo.steepness", "must be a positive number"},
        BadCase{"SloEmptyMetric", "slo: {latency: {}}\n", "slo.latency", "needs a threshold"},
        BadCase{"SloUnknownMetric", "slo: {throughput: {threshold: 5}}\n", "slo.throughput",
                "unknown field 'throughput'"},
        BadCase{"SloEntryNotMapping", "slo: {latency: {p90: 5}}\n", "slo.latency.p90", "must be a mapping"},
        BadCase{"SloUnknownEntryKey", "slo: {ttft: {threshold: 1, wieght: 2}}\n", "slo.ttft.wieght",
                "did you mean 'weight'?"},
        BadCase{"StorageUnknownType", "deployment_mode: ome\nstorage: {type: s3, pvc_name: x}\n",
                "storage.type", "unknown value 's3'"},
        BadCase{"StorageWithoutPvc", "deployment_mode: ome\nstorage: {type: pvc}\n", "storage.pvc_name",
                "is required"},
        BadCase{"OmeConfigEmpty", "deployment_mode: ome\nclusterbasemodel_config: {}\n",
                "clusterbasemodel_config", "give either preset or name"},
        BadCase{"OmeConfigPresetAndName",
                "deployment_mode: ome\nclusterbasemodel_config: {preset: a, name: b}\n",
                "clusterbasemodel_config", "give either preset or name"},
        BadCase{"OmeLabelNotString",
                "deployment_mode: ome\nclusterservingruntime_config: {preset: x, labels: {a: 1}}\n",
                "clusterservingruntime_config.labels.a", "must be a string"},
        BadCase{"DocumentNotMapping", "- a\n- b\n", "", "must be a mapping", true}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

// ---- whole-task behaviour
// -------------------------------------------------------------------------------------

TEST(ParseTaskTest, ReportsEveryErrorAtOnce) {
  const auto result = ParseYaml(std::string(kBase) +
                                "optimization: {strategy: anneal, max_iterations: 0}\n"
                                "benchmark: {num_concurrency: [0], api: grpc}\n"
                                "slo: {steepness: -1}\n");
  EXPECT_EQ(result.errors.size(), 5u) << AllMessages(result.errors);
}

TEST(ParseTaskTest, TuningKeysAreReadAndNormalised) {
  const auto result =
      ParseYaml(std::string(kBase) +
                "optimization: {strategy: bayesian, baseline: {schedule-policy: fcfs}, confirm: 3, "
                "early_stop: false, max_duration: 900}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const Optimization& o = result.task->optimization;
  EXPECT_EQ(o.baseline, true);
  EXPECT_EQ(o.baseline_parameters, (Json{{"schedule-policy", "fcfs"}}));
  EXPECT_EQ(o.confirm, 3);
  EXPECT_FALSE(o.early_stop);
  EXPECT_EQ(o.max_duration, 900.0);
  const Json normalised = TaskToJson(*result.task)["optimization"];
  EXPECT_EQ(normalised["confirm"], 3);
  EXPECT_EQ(normalised["max_duration"], 900.0);
  const auto bad = ParseYaml(std::string(kBase) + "optimization: {confirm: many, early_stop: 1}\n");
  EXPECT_EQ(bad.errors.size(), 2u) << AllMessages(bad.errors);
  const auto defaults = ParseYaml(kBase);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(TaskToJson(*defaults.task)["optimization"]["baseline"], "auto");
}

TEST(ParseTaskTest, DefaultsComeFromTheTable) {
  const auto result = ParseYaml(kBase);
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const Task& t = *result.task;
  EXPECT_EQ(Name(t.deployment_mode), DefaultFor("deployment_mode").get<std::string>());
  EXPECT_EQ(t.model.ns, DefaultFor("model.namespace").get<std::string>());
  EXPECT_EQ(Name(t.optimization.strategy), DefaultFor("optimization.strategy").get<std::string>());
  ASSERT_EQ(t.optimization.objectives.size(), 1u);
  EXPECT_EQ(Name(t.optimization.objectives[0]), DefaultFor("optimization.objective").get<std::string>());
  EXPECT_EQ(t.optimization.max_iterations, DefaultFor("optimization.max_iterations").get<int64_t>());
  EXPECT_EQ(t.optimization.timeout_per_iteration,
            DefaultFor("optimization.timeout_per_iteration").get<double>());
  EXPECT_EQ(t.optimization.n_initial_random, DefaultFor("optimization.n_initial_random").get<int64_t>());
  EXPECT_EQ(t.optimization.parallel_experiments,
            DefaultFor("optimization.parallel_experiments").get<int64_t>());
  EXPECT_EQ(Name(t.benchmark.api), DefaultFor("benchmark.api").get<std::string>());
  EXPECT_EQ(Name(t.benchmark.task), DefaultFor("benchmark.task").get<std::string>());
  ASSERT_EQ(t.benchmark.traffic_scenarios.size(), 1u);
  EXPECT_EQ(t.benchmark.traffic_scenarios[0].ToString(),
            DefaultFor("benchmark.traffic_scenarios")[0].get<std::string>());
  EXPECT_EQ(Json(t.benchmark.num_concurrency), DefaultFor("benchmark.num_concurrency"));
  EXPECT_EQ(t.benchmark.max_time_per_iteration, DefaultFor("benchmark.max_time_per_iteration").get<double>());
  EXPECT_EQ(t.benchmark.max_requests_per_iteration,
            DefaultFor("benchmark.max_requests_per_iteration").get<int64_t>());
  EXPECT_EQ(t.benchmark.model_name, "my-model");  // basename of model.id_or_path
  EXPECT_TRUE(t.slo.empty());
  EXPECT_EQ(t.slo.steepness, DefaultFor("slo.steepness").get<double>());
}

TEST(ParseTaskTest, SloEntryDefaultsAndForms) {
  const auto result = ParseYaml(std::string(kBase) +
                                "slo:\n"
                                "  latency: {p90: {threshold: 5, hard_fail: true}}\n"
                                "  ttft: {threshold: 1.0, weight: 2}\n"
                                "  tpot: {p99: {threshold: 0.1, fail_ratio: 0.2}}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const Slo& slo = result.task->slo;
  ASSERT_TRUE(slo.latency.contains("p90"));
  EXPECT_EQ(slo.latency.at("p90").threshold, 5.0);
  EXPECT_TRUE(slo.latency.at("p90").hard_fail);
  EXPECT_EQ(slo.latency.at("p90").weight, DefaultFor("slo.*.weight").get<double>());
  EXPECT_EQ(slo.latency.at("p90").fail_ratio, DefaultFor("slo.*.fail_ratio").get<double>());
  ASSERT_TRUE(slo.ttft.contains("mean"));  // a bare threshold is checked against the mean
  EXPECT_EQ(slo.ttft.at("mean").weight, 2.0);
  EXPECT_EQ(slo.tpot.at("p99").fail_ratio, 0.2);
}

TEST(ParseTaskTest, LegacyJsonFormatIsAccepted) {
  const auto result = ParseJsonText(R"json({
    "task_name": "legacy",
    "base_runtime": "sglang",
    "model": {"id_or_path": "llama-3-2-1b-instruct", "namespace": "autotuner"},
    "parameters": {"tp_size": {"type": "choice", "values": [1, 2]},
                   "mem_frac": {"type": "choice", "values": [0.8, 0.9]}},
    "optimization": {"strategy": "grid", "objective": "minimize_latency", "max_iterations": 4},
    "benchmark": {"task": "text-to-text", "model_name": "llama", "model_tokenizer": "meta-llama/Llama-3.2-1B",
                  "traffic_scenarios": ["D(100,100)"], "num_concurrency": [1, 4],
                  "additional_params": {
    "temperature" : 0.0}
}
})json");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const Task& t = *result.task;
  EXPECT_EQ(t.deployment_mode, DeploymentMode::kLocal);  // missing deployment_mode defaults to local
  EXPECT_EQ(t.optimization.strategy, Strategy::kGridSearch);
  ASSERT_EQ(t.parameters.size(), 2u);
  EXPECT_EQ(t.parameters[0].name, "tp_size");
  EXPECT_EQ(t.parameters[0].kind, Parameter::Kind::kCategorical);
  EXPECT_EQ(t.parameters[0].values, (std::vector<Json>{1, 2}));
  EXPECT_EQ(t.benchmark.additional_params["temperature"], 0.0);
}

TEST(ParseTaskTest, StrategyAliases) {
  for (const auto& [alias, want] :
       std::vector<std::pair<std::string, Strategy>>{{"grid", Strategy::kGridSearch},
                                                     {"random_search", Strategy::kRandom},
                                                     {"bayesian", Strategy::kBayesian}}) {
    const auto result = ParseYaml(std::string(kBase) + "optimization: {strategy: " + alias + "}\n");
    ASSERT_TRUE(result.ok()) << alias << AllMessages(result.errors);
    EXPECT_EQ(result.task->optimization.strategy, want) << alias;
  }
}

TEST(ParseTaskTest, TypedParameterForms) {
  const auto result = ParseYaml(std::string(kBase) +
                                "parameters:\n"
                                "  a: {type: int, low: 1, high: 8}\n"
                                "  b: {type: continuous, low: 0.5, high: 0.9}\n"
                                "  c: {type: integer, low: 512, high: 8192, log: true}\n"
                                "  d: {type: categorical, choices: [x, y]}\n"
                                "  e: 7\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const auto& p = result.task->parameters;
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].kind, Parameter::Kind::kInteger);
  EXPECT_EQ(p[1].kind, Parameter::Kind::kFloat);
  EXPECT_EQ(p[1].low, 0.5);
  EXPECT_TRUE(p[2].log);
  EXPECT_EQ(p[3].values, (std::vector<Json>{"x", "y"}));
  EXPECT_EQ(p[4].values, (std::vector<Json>{7}));  // a scalar is a fixed value
}

TEST(ParseTaskTest, LegacyQuantConfigMapsOntoRuntimeDimensions) {
  const auto result =
      ParseYaml(std::string(kBase) +
                "quant_config: {gemm_dtype: [auto, fp8, int4_wo], kvcache_dtype: [fp8_e5m2, bfloat16],"
                " attention_dtype: fp8}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const auto& q = result.task->quantization;
  EXPECT_EQ(q.form, QuantizationConfig::Form::kCustom);
  EXPECT_EQ(q.model_dtype, (std::vector<std::string>{"auto"}));
  EXPECT_EQ(q.enable_fp8_compute, (std::vector<bool>{false, true}));
  EXPECT_EQ(q.kv_cache_dtype, (std::vector<std::string>{"fp8_e5m2", "auto"}));
  // Each value without a runtime equivalent gets a warning naming it.
  EXPECT_NE(FindAt(result.warnings, "quant_config.gemm_dtype[2]"), nullptr) << AllMessages(result.warnings);
  EXPECT_NE(FindAt(result.warnings, "quant_config.kvcache_dtype[1]"), nullptr);
  EXPECT_NE(FindAt(result.warnings, "quant_config.attention_dtype"), nullptr);
}

TEST(ParseTaskTest, AQuantizationPresetBlocksOnlyTheDimensionsItSets) {
  // kv-cache-fp8 sets the KV-cache dtype only: FP8 compute (sglang's --quantization) stays free to search.
  // Which flag sets which dimension is the runtime's (its `quantization` map).
  const auto parse = [](const std::string& extra) {
    auto doc = ParseDocument(std::string(kBase) + extra, "test.yaml", DocumentFormat::kYaml);
    EXPECT_TRUE(doc.ok());
    return doc.ok() ? ParseTask(*doc, &testing::ShippedRuntimes()) : TaskParseResult{};
  };
  const TaskParseResult free_dimension =
      parse("quantization_config: {preset: kv-cache-fp8}\nparameters: {quantization: [fp8]}\n");
  EXPECT_TRUE(free_dimension.ok()) << AllMessages(free_dimension.errors);
  const TaskParseResult taken =
      parse("quantization_config: {preset: dynamic-fp8}\nparameters: {quantization: [fp8]}\n");
  EXPECT_NE(FindAt(taken.errors, "parameters.quantization"), nullptr) << AllMessages(taken.errors);
}

TEST(ParseTaskTest, LegacyQuantConfigPresets) {
  const auto result = ParseYaml(std::string(kBase) + "quant_config: {presets: [default, dynamic-fp8]}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  EXPECT_EQ(result.task->quantization.form, QuantizationConfig::Form::kPresets);
  EXPECT_EQ(result.task->quantization.presets, (std::vector<std::string>{"default", "dynamic-fp8"}));
}

TEST(ParseTaskTest, NameIsSanitisedWithWarning) {
  const auto result = ParseYaml("task_name: 'my task/v2'\nbase_runtime: vllm\nmodel: {id_or_path: m}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  EXPECT_EQ(result.task->task_name, "my-task-v2");
  const Diagnostic* w = FindAt(result.warnings, "task_name");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->message.find("my-task-v2"), std::string::npos);
}

TEST(ParseTaskTest, OmeAcceptsClusterServingRuntimeNames) {
  const auto result = ParseYaml(
      "task_name: t\ndeployment_mode: ome\nbase_runtime: srt-llama-3-1-8b\nmodel: {id_or_path: llama}\n"
      "clusterbasemodel_config: {name: llama, spec: {vendor: meta}}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  EXPECT_EQ(result.task->base_runtime, "srt-llama-3-1-8b");
  EXPECT_NE(FindAt(result.warnings, "base_runtime"), nullptr);
  EXPECT_EQ(result.task->clusterbasemodel_config->spec["vendor"], "meta");
}

TEST(ParseTaskTest, OmeFieldsOutsideOmeModeWarn) {
  const auto result = ParseYaml(std::string(kBase) + "storage: {pvc_name: weights}\nruntime_image_tag: v1\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  EXPECT_NE(FindAt(result.warnings, "storage"), nullptr);
  EXPECT_NE(FindAt(result.warnings, "runtime_image_tag"), nullptr);
}

TEST(ParseTaskTest, ParallelCombinationsBeyondGpusWarn) {
  const auto result =
      ParseYaml(std::string(kBase) + "hardware: {num_gpus: 4}\nparallel_config: {tp: [2, 4], dp: [1, 2]}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const Diagnostic* w = FindAt(result.warnings, "parallel_config");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->message.find("1 of 4 combinations"), std::string::npos) << w->message;
}

TEST(ParseTaskTest, RequestRateAcceptsInf) {
  const auto result = ParseYaml(std::string(kBase) + "benchmark: {request_rate: [2, 8.5, inf]}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const auto& rates = result.task->benchmark.request_rate;
  ASSERT_EQ(rates.size(), 3u);
  EXPECT_EQ(rates[1], 8.5);
  EXPECT_TRUE(std::isinf(rates[2]));
}

TEST(ParseTaskTest, LeadingDashesOnFlagNamesWarn) {
  const auto result = ParseYaml(std::string(kBase) + "parameters: {'--schedule-policy': [lpm]}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  EXPECT_EQ(result.task->parameters[0].name, "schedule-policy");
  EXPECT_NE(FindAt(result.warnings, "parameters.--schedule-policy"), nullptr);
}

TEST(ParseTaskTest, YamlErrorsCarryLineAndColumn) {
  const auto result = ParseYaml(std::string(kBase) +
                                "benchmark:\n"
                                "  num_concurrency: [1, -4]\n");
  const Diagnostic* d = FindAt(result.errors, "benchmark.num_concurrency[1]");
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE(d->mark.has_value());
  EXPECT_EQ(d->mark->line, 5);
  EXPECT_EQ(d->mark->column, 24);
  EXPECT_EQ(FormatDiagnostic(*d, "f.yaml"), "f.yaml:5:24: benchmark.num_concurrency[1]: " + d->message);
}

TEST(ParseTaskTest, ValidationErrorListsPathsForTheApi) {
  const auto result = ParseYaml(std::string(kBase) + "optimization: {max_iterations: 0}\n");
  const Error error = ValidationError(result);
  EXPECT_EQ(error.code, ErrorCode::kValidation);
  EXPECT_EQ(HttpStatusFor(error.code), 422);
  ASSERT_EQ(error.details["errors"].size(), 1u);
  EXPECT_EQ(error.details["errors"][0]["path"], "optimization.max_iterations");
}

TEST(ParseTaskTest, QuotedYamlScalarsStayStrings) {
  const auto result = ParseYaml(std::string(kBase) + "parameters: {x: ['1', 1, yes, true]}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const auto& values = result.task->parameters[0].values;
  EXPECT_TRUE(values[0].is_string());
  EXPECT_TRUE(values[1].is_number_integer());
  EXPECT_TRUE(values[2].is_string());  // YAML 1.2: plain `yes` is a string
  EXPECT_TRUE(values[3].is_boolean());
}

// ---- YAML and JSON give identical normalised output; normalised tasks round-trip
// ------------------------------

TEST(RoundTripTest, YamlAndJsonAgree) {
  const std::string yaml =
      "task_name: same\nbase_runtime: sim-vllm\nmodel: {id_or_path: Qwen/Qwen2.5-7B}\n"
      "hardware: {gpu_type: h100, num_gpus: 2}\n"
      "parameters:\n  max-num-seqs: {type: integer, low: 8, high: 256, log: true}\n"
      "  gpu-memory-utilization: [0.8, 0.9]\n"
      "parallel_config: {tp: [1, 2]}\n"
      "quantization_config: {kv_cache_dtype: [auto, fp8_e5m2], enable_fp8_compute: false}\n"
      "optimization: {strategy: bayesian, objective: [maximize_throughput, minimize_latency]}\n"
      "benchmark: {traffic_scenarios: ['N(480,240)/(300,150)', 'U(10,100)'], request_rate: [1, inf]}\n"
      "slo: {latency: {p90: {threshold: 5, hard_fail: true}}}\n";
  const std::string json = R"json({
    "task_name": "same", "base_runtime": "sim-vllm", "model": {"id_or_path": "Qwen/Qwen2.5-7B"},
    "hardware": {"gpu_type": "h100", "num_gpus": 2},
    "parameters": {"max-num-seqs": {"type": "integer", "low": 8, "high": 256, "log": true},
                   "gpu-memory-utilization": [0.8, 0.9]},
    "parallel_config": {"tp": [1, 2]},
    "quantization_config": {"kv_cache_dtype": ["auto", "fp8_e5m2"], "enable_fp8_compute": false},
    "optimization": {"strategy": "bayesian", "objective": ["maximize_throughput", "minimize_latency"]},
    "benchmark": {"traffic_scenarios": ["N(480,240)/(300,150)", "U(10,100)"], "request_rate": [1, "inf"]
}
, "slo" : {
  "latency" : {
    "p90" : { "threshold" : 5, "hard_fail" : true }
  }
}
})json";
  const auto from_yaml = ParseYaml(yaml);
  const auto from_json = ParseJsonText(json);
  ASSERT_TRUE(from_yaml.ok()) << AllMessages(from_yaml.errors);
  ASSERT_TRUE(from_json.ok()) << AllMessages(from_json.errors);
  EXPECT_EQ(*from_yaml.task, *from_json.task);
  EXPECT_EQ(DumpJson(TaskToJson(*from_yaml.task), 2), DumpJson(TaskToJson(*from_json.task), 2));
  EXPECT_EQ(from_yaml.task->hardware->gpu_type, "H100");  // canonical spelling
}

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(AUTOTUNER_SOURCE_DIR) + "/examples")) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleTest, ValidatesAndRoundTrips) {
  auto loaded = LoadTaskFile(GetParam());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_TRUE(loaded->ok()) << AllMessages(loaded->errors);
  const Json normalised = TaskToJson(*loaded->task);
  // parse → normalised JSON → parse gives the same object, and normalising again changes nothing.
  const auto again = ParseTask(normalised);
  ASSERT_TRUE(again.ok()) << AllMessages(again.errors);
  EXPECT_EQ(*again.task, *loaded->task);
  EXPECT_EQ(TaskToJson(*again.task), normalised);
  // The normalised form has no warnings left to give, except those about fields ignored in this mode.
  for (const auto& w : again.warnings) {
    EXPECT_TRUE(w.path == "base_runtime" || w.path == "parallel_config" || w.path == "runtime_image_tag")
        << w.path << ": " << w.message;
  }
}

TEST(ExampleTest, EnoughExamples) { EXPECT_GE(ExampleFiles().size(), 7u); }

INSTANTIATE_TEST_SUITE_P(Examples, ExampleTest, ::testing::ValuesIn(ExampleFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).filename().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(GpuTypeTest, RealRuntimesAcceptEveryTypeOfTheTableAndNvidiaSmiNames) {
  for (const auto& [written, type] :
       std::vector<std::pair<std::string, std::string>>{{"V100", "V100"},
                                                        {"t4", "T4"},
                                                        {"B200", "B200"},
                                                        {"L40S", "L40S"},
                                                        {"NVIDIA A100-SXM4-80GB", "A100"}}) {
    const TaskParseResult result =
        ParseYaml(std::string(kBase) + "hardware: {gpu_type: '" + written + "'}\n");
    ASSERT_TRUE(result.ok()) << written << ":\n" << AllMessages(result.errors);
    EXPECT_EQ(result.task->hardware->gpu_type, type) << written;
  }
  const TaskParseResult by_smi_name = ParseYaml(std::string(kBase) + "hardware: {gpu_type: NVIDIA H200}\n");
  EXPECT_NE(FindAt(by_smi_name.warnings, "hardware.gpu_type"), nullptr) << "the reading is said";
}

TEST(GpuTypeTest, SimulatedRuntimesAcceptTheModelledGpusAndNameThemOtherwise) {
  const std::string sim = "task_name: t\nbase_runtime: sim-sglang\nmodel: {id_or_path: m}\n";
  const TaskParseResult ok = ParseYaml(sim + "hardware: {gpu_type: a100_40gb}\n");
  ASSERT_TRUE(ok.ok()) << AllMessages(ok.errors);
  EXPECT_EQ(ok.task->hardware->gpu_type, "A100-40GB");
  EXPECT_EQ(ParseYaml(sim + "hardware: {gpu_type: A100}\n").task->hardware->gpu_type, "A100-80GB");

  const TaskParseResult v100 = ParseYaml(sim + "hardware: {gpu_type: V100}\n");
  const Diagnostic* d = FindAt(v100.errors, "hardware.gpu_type");
  ASSERT_NE(d, nullptr) << AllMessages(v100.errors);
  EXPECT_NE(d->message.find("the simulator does not model V100"), std::string::npos) << d->message;
  EXPECT_NE(d->message.find("H100, H200, A100-80GB, A100-40GB, L40S, L4, A10G"), std::string::npos)
      << d->message;
}

TEST(EnvTest, FixedAndSearchedVariablesRoundTrip) {
  const TaskParseResult result =
      ParseYaml(std::string(kBase) +
                "env: {HF_TOKEN: secret, NCCL_IB_DISABLE: 1, VLLM_ATTENTION_BACKEND: "
                "[FLASH_ATTN, FLASHINFER]}\n");
  ASSERT_TRUE(result.ok()) << AllMessages(result.errors);
  const std::vector<EnvVariable> want = {{"HF_TOKEN", {"secret"}, false},
                                         {"NCCL_IB_DISABLE", {"1"}, false},
                                         {"VLLM_ATTENTION_BACKEND", {"FLASH_ATTN", "FLASHINFER"}, true}};
  EXPECT_EQ(result.task->env, want);
  const Json normalised = TaskToJson(*result.task);
  EXPECT_EQ(normalised["env"], Json::parse(R"({"HF_TOKEN": "secret", "NCCL_IB_DISABLE": "1",
                                              "VLLM_ATTENTION_BACKEND": ["FLASH_ATTN", "FLASHINFER"]})"));
  const TaskParseResult again = ParseTask(normalised);
  ASSERT_TRUE(again.ok()) << AllMessages(again.errors);
  EXPECT_EQ(again.task->env, want);
}

TEST(EnvTest, NoEnvLeavesTheNormalisedTaskWithoutTheKey) {
  const TaskParseResult result = ParseYaml(kBase);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.task->env.empty());
  EXPECT_FALSE(TaskToJson(*result.task).contains("env"));
}

TEST(LoadTaskFileTest, MissingFileIsAnInputError) {
  auto loaded = LoadTaskFile("/nonexistent/task.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(ExitCodeFor(loaded.error().code), 2);
  EXPECT_NE(loaded.error().message.find("/nonexistent/task.yaml: cannot open"), std::string::npos);
}

TEST(SanitizeTaskNameTest, ReplacesOnlyDisallowedCharacters) {
  EXPECT_EQ(SanitizeTaskName("Llama_3.2-1B"), "Llama_3.2-1B");
  EXPECT_EQ(SanitizeTaskName("a b:c"), "a-b-c");
}

}  // namespace
}  // namespace autotuner::task
