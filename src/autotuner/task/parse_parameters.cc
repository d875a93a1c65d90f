// Parser: the search space: parallel_config and parameters, checked against the runtime's flags.

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

#include "autotuner/core/strings.h"
#include "autotuner/task/parse_internal.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task::internal {
namespace {

constexpr std::array<std::string_view, 4> kParallelKeys = {"tp", "pp", "dp", "ep"};
constexpr std::array<std::string_view, 6> kParameterTypes = {"integer",    "int",         "float",
                                                             "continuous", "categorical", "choice"};

bool IsScalar(const Json& v) { return v.is_boolean() || v.is_number() || v.is_string(); }

std::string FormatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return DumpJson(Json(v));
}

}  // namespace

void Parser::ParseParallel(const Json& doc, Task& task) {
  const Json* pc = Object(doc, "parallel_config", "parallel_config");
  if (pc == nullptr) return;
  CheckKeys(*pc, "parallel_config", kParallelKeys);
  const auto read = [&](std::string_view key) -> std::vector<int64_t> {
    const Json* v = Field(*pc, key);
    if (v == nullptr) return {};
    return ScalarOrList<int64_t>(*v, JoinPath("parallel_config", key), PositiveIntReader(limits::kMaxGpus));
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

// Parallel degrees the runtime has no flag for cannot be searched.
void Parser::CheckParallelSupported(const Task& task) {
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

void Parser::ParseParameters(const Json& doc, Task& task) {
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
    const FlagDefinition* flag = runtime_ != nullptr ? LookUpFlag(name, path) : nullptr;
    if (runtime_ != nullptr && flag == nullptr) continue;
    if (flag != nullptr) CheckDimensionConflict(task, *flag, path);
    if (auto parameter = ParseParameter(name, value, path)) {
      if (flag != nullptr) {
        CheckParameterValues(*parameter, *flag, path);
        CheckAgainstFlag(*parameter, *flag, path);
      }
      task.parameters.push_back(std::move(*parameter));
    }
  }
}

// The runtime's flag for a parameter, or null after reporting why it cannot be searched.
const FlagDefinition* Parser::LookUpFlag(const std::string& name, const std::string& path) {
  const FlagDefinition* flag = runtime_->FindFlag(name);
  if (flag == nullptr) {
    std::string hint;
    const std::vector<std::string_view> names = runtime_->FlagNames();
    if (auto match = ClosestMatch(name, names)) hint = "; did you mean " + runtime_->RenderFlag(*match) + "?";
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
void Parser::CheckAgainstFlag(const Parameter& p, const FlagDefinition& flag, const std::string& path) {
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

// A parameter naming the runtime's flag for a parallel_config / quantization_config dimension that the
// task also sets there is ambiguous.
void Parser::CheckDimensionConflict(const Task& task, const FlagDefinition& flag, const std::string& path) {
  const auto plays = [&](const std::map<std::string, std::string>& flags, const char* key) {
    const auto it = flags.find(key);
    return it != flags.end() && runtime_->FindFlag(it->second) == &flag;
  };
  const auto& q = task.quantization;
  // A preset takes a dimension only when one of its presets sets it (kv-cache-fp8 leaves FP8 compute
  // to a `quantization` parameter).
  const auto preset_sets = [&](bool (*sets)(const QuantizationPreset&)) {
    return std::any_of(q.presets.begin(), q.presets.end(), [&](const std::string& name) {
      const auto preset = FindQuantizationPreset(name);
      return preset && sets(*preset);
    });
  };
  struct Dimension {
    std::string_view config_path;
    bool played_by_flag;
    bool set;
  };
  const Dimension dimensions[] = {
      {"parallel_config.tp", plays(runtime_->parallel, "tp"), !task.parallel.tp.empty()},
      {"parallel_config.pp", plays(runtime_->parallel, "pp"), !task.parallel.pp.empty()},
      {"parallel_config.dp", plays(runtime_->parallel, "dp"), !task.parallel.dp.empty()},
      {"parallel_config.ep", plays(runtime_->parallel, "ep"), !task.parallel.ep.empty()},
      {"quantization_config.model_dtype", plays(runtime_->quantization, "model_dtype"),
       !q.model_dtype.empty() ||
           preset_sets([](const QuantizationPreset& p) { return p.model_dtype != "auto"; })},
      {"quantization_config.kv_cache_dtype", plays(runtime_->quantization, "kv_cache_dtype"),
       !q.kv_cache_dtype.empty() ||
           preset_sets([](const QuantizationPreset& p) { return p.kv_cache_dtype != "auto"; })},
      {"quantization_config.enable_fp8_compute", plays(runtime_->quantization, "fp8_compute"),
       !q.enable_fp8_compute.empty() ||
           preset_sets([](const QuantizationPreset& p) { return p.enable_fp8_compute; })},
  };
  for (const Dimension& d : dimensions) {
    if (d.played_by_flag && d.set) {
      Fail(path, "sets the same dimension as " + std::string(d.config_path) + "; give it in one place only");
    }
  }
}

std::optional<Parameter> Parser::ParseParameter(const std::string& name, const Json& value,
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
  return ParseRange(std::move(p), value, path, *type);
}

// The typed range form {type: integer|int|float|continuous, low, high, log}.
std::optional<Parameter> Parser::ParseRange(Parameter p, const Json& value, const std::string& path,
                                            const std::string& type) {
  constexpr std::array<std::string_view, 4> kKeys = {"type", "low", "high", "log"};
  CheckKeys(value, path, kKeys);
  p.kind = (type == "integer" || type == "int") ? Parameter::Kind::kInteger : Parameter::Kind::kFloat;
  const bool integer = p.kind == Parameter::Kind::kInteger;
  const auto bound = [&](std::string_view key) -> std::optional<double> {
    const std::string bound_path = JoinPath(path, key);
    const Json* v = Field(value, key);
    if (v == nullptr) {
      Fail(bound_path, "is required for a " + type + " range");
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

// Value rules for flags whose role the runtime declares: memory fractions and GPU counts.
void Parser::CheckParameterValues(const Parameter& p, const FlagDefinition& flag, const std::string& path) {
  const bool fraction = runtime_->HasRole(flag, FlagRole::kMemoryFraction);
  const bool gpu_count = runtime_->IsGpuCountFlag(flag);
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

}  // namespace autotuner::task::internal
