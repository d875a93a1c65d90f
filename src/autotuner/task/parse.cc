#include "autotuner/task/parse.h"

#include <cmath>
#include <limits>

#include "autotuner/core/gpu_types.h"
#include "autotuner/core/strings.h"
#include "autotuner/task/defaults.h"
#include "autotuner/task/parse_internal.h"
#include "autotuner/task/validation.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task {
namespace internal {
namespace {

constexpr std::array<std::string_view, 19> kTopLevelKeys = {"task_name",
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
                                                            "env",
                                                            "clusterbasemodel_config",
                                                            "clusterservingruntime_config",
                                                            "storage",
                                                            "kubernetes"};
constexpr std::array<std::string_view, 2> kModelKeys = {"id_or_path", "namespace"};
constexpr std::array<std::string_view, 2> kHardwareKeys = {"gpu_type", "num_gpus"};

// A type of data/gpu_types.json by its name, or by the full name nvidia-smi reports ("NVIDIA A100-SXM4-80GB";
// a bare "H1000" is not read as H100), or empty.
std::string TableGpuType(const std::string& gpu) {
  const std::string key = NormalizeFlagName(gpu);
  for (const auto& type : KnownGpuTypes()) {
    if (NormalizeFlagName(type) == key) return type;
  }
  return key.starts_with("nvidia") ? GpuTypeOf(gpu) : "";
}

}  // namespace

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

TaskParseResult Parser::Run(const Json& doc) {
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
  ParseKubernetes(doc, task);
  ParseEnv(doc, task);
  result.errors = std::move(errors_);
  result.warnings = std::move(warnings_);
  if (result.errors.empty()) result.task = std::move(task);
  return result;
}

void Parser::Fail(std::string path, std::string message) {
  errors_.push_back({std::move(path), std::move(message), {}});
}

void Parser::Warn(std::string path, std::string message) {
  warnings_.push_back({std::move(path), std::move(message), {}});
}

void Parser::CheckKeys(const Json& obj, const std::string& path, Keys allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (!Contains(allowed, key)) {
      Fail(JoinPath(path, key), "unknown field '" + key + "'" + DidYouMean(key, allowed) +
                                    " (allowed: " + JoinNames(allowed) + ")");
    }
  }
}

const Json* Parser::Field(const Json& obj, std::string_view key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

// Reads a mapping; null/missing gives nullptr without error.
const Json* Parser::Object(const Json& obj, std::string_view key, const std::string& path) {
  const Json* v = Field(obj, key);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    Fail(path, "must be a mapping, got " + std::string(JsonTypeName(*v)));
    return nullptr;
  }
  return v;
}

std::optional<std::string> Parser::String(const Json& obj, std::string_view key, const std::string& path,
                                          bool required) {
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

std::optional<std::string> Parser::Choice(const Json& obj, std::string_view key, const std::string& path,
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

std::optional<bool> Parser::Bool(const Json& obj, std::string_view key, const std::string& path) {
  const Json* v = Field(obj, key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    Fail(path, "must be true or false, got " + Describe(*v));
    return std::nullopt;
  }
  return v->get<bool>();
}

// An integer >= min_value ("a positive integer" when min_value is 1).
std::optional<int64_t> Parser::IntegerValue(const Json& v, const std::string& path, int64_t min_value,
                                            int64_t max_value) {
  const auto i = AsInteger(v);
  const std::string want = min_value == 1   ? "a positive integer"
                           : min_value == 0 ? "a non-negative integer"
                                            : "an integer";
  if (!i || *i < min_value || *i > max_value) {
    Fail(path, "must be " + want +
                   (max_value != limits::kNoMax ? " up to " + std::to_string(max_value) : "") + ", got " +
                   Describe(v));
    return std::nullopt;
  }
  return i;
}

std::optional<int64_t> Parser::Integer(const Json& obj, std::string_view key, const std::string& path,
                                       int64_t min_value, int64_t max_value) {
  const Json* v = Field(obj, key);
  if (v == nullptr) return std::nullopt;
  return IntegerValue(*v, path, min_value, max_value);
}

// A finite number; `positive` requires > 0, otherwise >= 0.
std::optional<double> Parser::Number(const Json& obj, std::string_view key, const std::string& path,
                                     bool positive, double max_value) {
  const Json* v = Field(obj, key);
  if (v == nullptr) return std::nullopt;
  const auto d = AsNumber(*v);
  if (!d || !std::isfinite(*d) || (positive ? *d <= 0 : *d < 0) || *d > max_value) {
    Fail(path, std::string("must be a ") + (positive ? "positive" : "non-negative") + " number" +
                   (max_value != limits::kNoMaxNumber ? " up to " + limits::Format(max_value) : "") +
                   ", got " + Describe(*v));
    return std::nullopt;
  }
  return d;
}

void Parser::ParseIdentity(const Json& doc, Task& task) {
  if (auto name = String(doc, "task_name", "task_name", /*required=*/true)) {
    const std::string clean = SanitizeTaskName(*name);
    if (clean.find_first_not_of("-") == std::string::npos) {
      Fail("task_name", "must contain at least one letter or digit");
    } else if (clean.size() > kMaxTaskNameLength) {
      Fail("task_name", "must be at most " + std::to_string(kMaxTaskNameLength) + " characters, got " +
                            std::to_string(clean.size()));
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
        catalog_ != nullptr ? catalog_->Names()
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
      // The original tool ran in OME mode unless told otherwise; its task files name ClusterServingRuntimes.
      const bool ome_form =
          doc.contains("clusterservingruntime_config") || doc.contains("clusterbasemodel_config");
      Fail("base_runtime", "unknown runtime '" + *runtime + "'" + DidYouMean(*runtime, known) +
                               " (known: " + JoinNames(known) + ")" +
                               (ome_form ? "; for an OME ClusterServingRuntime set deployment_mode: ome "
                                           "(or run with --mode ome)"
                                         : ""));
    }
  }

  if (auto tag = String(doc, "runtime_image_tag", "runtime_image_tag")) {
    task.runtime_image_tag = *tag;
    if (task.deployment_mode == DeploymentMode::kLocal) {
      Warn("runtime_image_tag", "ignored in local mode (used by docker, kubernetes and ome)");
    }
  }
}

void Parser::ParseModel(const Json& doc, Task& task) {
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
    const bool valid = !ns->empty() && ns->size() <= 63 &&
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

void Parser::ParseHardware(const Json& doc, Task& task) {
  const Json* hw = Object(doc, "hardware", "hardware");
  if (hw == nullptr) return;
  CheckKeys(*hw, "hardware", kHardwareKeys);
  Hardware hardware;
  if (auto gpu = String(*hw, "gpu_type", "hardware.gpu_type")) {
    const bool simulated =
        runtime_ != nullptr ? runtime_->simulated : std::string_view(task.base_runtime).starts_with("sim-");
    hardware.gpu_type = (simulated ? SimulatedGpuType(*gpu) : RealGpuType(*gpu)).value_or("");
  }
  hardware.num_gpus = Integer(*hw, "num_gpus", "hardware.num_gpus", 1, limits::kMaxGpus).value_or(0);
  task.hardware = hardware;
}

// One of the GPUs the simulator models; a real GPU it does not model is named as such.
std::optional<std::string> Parser::SimulatedGpuType(const std::string& gpu) {
  const std::string key = NormalizeFlagName(gpu);
  for (std::string_view known : kSimulatedGpuTypes) {
    if (NormalizeFlagName(known) == key) return std::string(known);
  }
  if (key == "a100") return std::string("A100-80GB");  // the simulator's A100 without a size
  const std::string real = TableGpuType(gpu);
  Fail("hardware.gpu_type",
       (real.empty() ? "unknown GPU type '" + gpu + "'"
                     : "the simulator does not model " + real + " ('" + gpu + "' is a real GPU type)") +
           DidYouMean(gpu, kSimulatedGpuTypes) + " (simulated runtimes model " +
           JoinNames(kSimulatedGpuTypes) + "; real runtimes accept every type of data/gpu_types.json)");
  return std::nullopt;
}

std::optional<std::string> Parser::RealGpuType(const std::string& gpu) {
  if (const std::string type = TableGpuType(gpu); !type.empty()) {
    if (NormalizeFlagName(type) != NormalizeFlagName(gpu))
      Warn("hardware.gpu_type", "read '" + gpu + "' as " + type);
    return type;
  }
  const std::vector<std::string> known = KnownGpuTypes();
  const std::vector<std::string_view> names(known.begin(), known.end());
  Fail("hardware.gpu_type",
       "unknown GPU type '" + gpu + "'" + DidYouMean(gpu, names) +
           " (known: " + (names.empty() ? "none: data/gpu_types.json is missing" : JoinNames(names)) + ")");
  return std::nullopt;
}

}  // namespace internal

namespace {

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
  return internal::Parser(runtimes).Run(document);
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

std::string FormatDiagnostic(const Diagnostic& d, std::string_view source) {
  std::string out(source);
  if (d.mark) out += ":" + std::to_string(d.mark->line) + ":" + std::to_string(d.mark->column);
  out += ": ";
  if (!d.path.empty()) out += d.path + ": ";
  out += d.message;
  return out;
}

Error ValidationError(const TaskParseResult& result) {
  const Json errors = DiagnosticsJson(result.errors);
  const size_t n = result.errors.size();
  return MakeError(ErrorCode::kValidation,
                   "invalid task: " + std::to_string(n) + " error" + (n == 1 ? "" : "s"),
                   {{"errors", errors}});
}

}  // namespace autotuner::task
