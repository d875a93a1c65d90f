#pragma once

// The task parser shared by the parse*.cc files, one per part of the task document; not for use outside
// task/ (the entry points are in parse.h).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/strings.h"
#include "autotuner/task/limits.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::task::internal {

using Keys = std::span<const std::string_view>;

inline bool Contains(Keys keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// An integral value (also 3.0), or nothing.
std::optional<int64_t> AsInteger(const Json& v);
std::optional<double> AsNumber(const Json& v);

// Validates one task document, collecting every error and warning.
class Parser {
 public:
  explicit Parser(const RuntimeCatalog* catalog) : catalog_(catalog) {}

  TaskParseResult Run(const Json& doc);

 private:
  // ---- reporting and typed field readers (parse.cc): each reader returns nothing (and reports) when the
  // value is unusable
  void Fail(std::string path, std::string message);
  void Warn(std::string path, std::string message);
  void CheckKeys(const Json& obj, const std::string& path, Keys allowed);
  const Json* Field(const Json& obj, std::string_view key);
  const Json* Object(const Json& obj, std::string_view key, const std::string& path);
  std::optional<std::string> String(const Json& obj, std::string_view key, const std::string& path,
                                    bool required = false);
  std::optional<std::string> Choice(const Json& obj, std::string_view key, const std::string& path,
                                    Keys choices);
  std::optional<bool> Bool(const Json& obj, std::string_view key, const std::string& path);
  std::optional<int64_t> IntegerValue(const Json& v, const std::string& path, int64_t min_value,
                                      int64_t max_value = limits::kNoMax);
  std::optional<int64_t> Integer(const Json& obj, std::string_view key, const std::string& path,
                                 int64_t min_value, int64_t max_value = limits::kNoMax);
  std::optional<double> Number(const Json& obj, std::string_view key, const std::string& path, bool positive,
                               double max_value = limits::kNoMaxNumber);

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

  auto PositiveIntReader(int64_t max_value) {
    return [this, max_value](const Json& v, const std::string& path) {
      return IntegerValue(v, path, 1, max_value);
    };
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

  // ---- identity, model and hardware (parse.cc)
  void ParseIdentity(const Json& doc, Task& task);
  void ParseModel(const Json& doc, Task& task);
  void ParseHardware(const Json& doc, Task& task);
  std::optional<std::string> SimulatedGpuType(const std::string& gpu);
  std::optional<std::string> RealGpuType(const std::string& gpu);

  // ---- quantization_config / quant_config (parse_quantization.cc)
  void ParseQuantization(const Json& doc, Task& task);
  void ParseQuantizationBlock(const Json& q, const std::string& path, QuantizationConfig& out);
  void ParseLegacyQuant(const Json& q, QuantizationConfig& out);

  // ---- parallel_config and parameters: the search space (parse_parameters.cc)
  void ParseParallel(const Json& doc, Task& task);
  void CheckParallelSupported(const Task& task);
  void ParseParameters(const Json& doc, Task& task);
  const FlagDefinition* LookUpFlag(const std::string& name, const std::string& path);
  void CheckAgainstFlag(const Parameter& p, const FlagDefinition& flag, const std::string& path);
  void CheckDimensionConflict(const Task& task, const FlagDefinition& flag, const std::string& path);
  std::optional<Parameter> ParseParameter(const std::string& name, const Json& value,
                                          const std::string& path);
  // The typed range form of a parameter, after its type.
  std::optional<Parameter> ParseRange(Parameter p, const Json& value, const std::string& path,
                                      const std::string& type);
  void CheckParameterValues(const Parameter& p, const FlagDefinition& flag, const std::string& path);

  // ---- benchmark (parse_benchmark.cc)
  void ParseBenchmark(const Json& doc, Task& task);
  void ParseScenarios(const Json& value, const std::string& path, Benchmark& b);

  // ---- optimization and slo (parse_optimization.cc)
  void ParseOptimization(const Json& doc, Task& task);
  void ParseSlo(const Json& doc, Task& task);
  SloMetric ParseSloMetric(const Json& slo, std::string_view key);
  std::optional<SloEntry> ParseSloEntry(const Json& e, const std::string& path);

  // ---- OME resources and storage (parse_deployment.cc)
  void ParseOme(const Json& doc, Task& task);

  // ---- the kubernetes block (parse_kubernetes.cc)
  void ParseKubernetes(const Json& doc, Task& task);

  // ---- env, the engine environment (parse_env.cc)
  void ParseEnv(const Json& doc, Task& task);
  std::optional<std::string> EnvValue(const Json& v, const std::string& path);

  const RuntimeCatalog* catalog_ = nullptr;
  const RuntimeDefinition* runtime_ = nullptr;  // set once base_runtime names a catalogued runtime
  std::vector<Diagnostic> errors_;
  std::vector<Diagnostic> warnings_;
};

}  // namespace autotuner::task::internal
