#include "autotuner/sim/launch_flags.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "autotuner/core/strings.h"
#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

using task::FlagDefinition;
using task::RuntimeDefinition;

Error UsageError(const CliStyle& style, const std::string& message) {
  std::string text;
  if (style.click) {
    text = style.usage + "\nTry '" + style.prog + " --help' for help.\n\nError: " + message + "\n";
  } else {
    text = style.usage + "\n" + style.prog + ": error: " + message + "\n";
  }
  return MakeError(ErrorCode::kInvalidArgument, text, {{"kind", "usage"}});
}

// argparse names an argument by all its option strings: "-tp/--tensor-parallel-size".
std::string ArgparseName(const FlagDefinition& flag) {
  std::string out;
  for (const auto& s : flag.short_names) out += "-" + s + "/";
  out += "--" + flag.name;
  for (const auto& a : flag.aliases) out += "/--" + a;
  return out;
}

std::string QuotedList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "'" : ", '") + item + "'";
  return out;
}

bool LooksNegativeNumber(std::string_view s) {
  return s.size() > 1 && s[0] == '-' && (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.');
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    char* end = nullptr;
    const std::string copy(text);
    out = std::strtod(copy.c_str(), &end);
    return !copy.empty() && end == copy.c_str() + copy.size();
  } else {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
  }
}

// Checks one value against the flag's type and choices; an error message in the engine's words, or "".
std::string CheckValue(const CliStyle& style, const FlagDefinition& flag, const std::string& shown,
                       const std::string& value) {
  const auto bad = [&](std::string_view argparse_type, std::string_view click_type) {
    if (style.click)
      return "Invalid value for '" + shown + "': '" + value + "' is not a valid " + std::string(click_type) +
             ".";
    return "argument " + ArgparseName(flag) + ": invalid " + std::string(argparse_type) + " value: '" +
           value + "'";
  };
  if (flag.type == FlagDefinition::Type::kInt) {
    int64_t v = 0;
    if (!ParseNumber(value, v)) return bad("int", "integer");
  } else if (flag.type == FlagDefinition::Type::kFloat) {
    double v = 0;
    if (!ParseNumber(value, v)) return bad("float", "float");
  } else if (flag.type == FlagDefinition::Type::kJson) {
    if (!Json::accept(value)) return bad("loads", "JSON");
  }
  if (!flag.choices.empty() &&
      std::find(flag.choices.begin(), flag.choices.end(), value) == flag.choices.end()) {
    if (style.click) {
      return "Invalid value for '" + shown + "': '" + value + "' is not one of " + QuotedList(flag.choices) +
             ".";
    }
    return "argument " + ArgparseName(flag) + ": invalid choice: '" + value + "' (choose from " +
           QuotedList(flag.choices) + ")";
  }
  return "";
}

struct Lookup {
  const FlagDefinition* flag = nullptr;
  bool negated = false;
};

// Finds the flag spelt `name` (no leading dashes) exactly as the engine's parser would accept it.
Lookup FindSpelt(const CliStyle& style, const RuntimeDefinition& runtime, std::string name, bool is_short) {
  if (style.underscores_ok && !is_short) std::replace(name.begin(), name.end(), '_', '-');
  for (const auto& flag : runtime.flags) {
    if (is_short) {
      for (const auto& s : flag.short_names) {
        if (s == name) return {&flag, false};
      }
      continue;
    }
    if (flag.name == name) return {&flag, false};
    for (const auto& alias : flag.aliases) {
      if (alias == name) return {&flag, false};
    }
    if (flag.type == FlagDefinition::Type::kBool && flag.negatable && name == "no-" + flag.name) {
      return {&flag, true};
    }
  }
  return {};
}

struct Parsed {
  std::map<std::string, std::string> values;  // canonical name → value ("true"/"false" for booleans)
  std::vector<std::string> positionals;
  bool help = false;
};

Result<Parsed> Tokenize(const CliStyle& style, const RuntimeDefinition& runtime,
                        std::span<const std::string> args) {
  Parsed parsed;
  std::vector<std::string> unrecognized;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-' || LooksNegativeNumber(arg)) {
      parsed.positionals.push_back(arg);
      continue;
    }
    const bool is_short = arg[1] != '-';
    std::string body = arg.substr(is_short ? 1 : 2);
    std::optional<std::string> inline_value;
    if (const size_t eq = body.find('='); eq != std::string::npos) {
      inline_value = body.substr(eq + 1);
      body.resize(eq);
    }
    const Lookup found = FindSpelt(style, runtime, body, is_short);
    const std::string shown = arg.substr(0, arg.find('='));
    if (found.flag == nullptr) {
      if (style.click) {
        std::string message = "No such option: " + shown;
        std::vector<std::string> spelt;
        for (const auto& f : runtime.flags) spelt.push_back(f.name);
        const std::vector<std::string_view> names(spelt.begin(), spelt.end());
        if (auto close = ClosestMatch(body, names)) message += " Did you mean --" + *close + "?";
        return UsageError(style, message);
      }
      unrecognized.push_back(arg);
      continue;
    }
    const FlagDefinition& flag = *found.flag;
    if (flag.type == FlagDefinition::Type::kBool) {
      if (inline_value) {
        return UsageError(style, style.click ? "Option '" + shown + "' does not take a value."
                                             : "argument " + ArgparseName(flag) +
                                                   ": ignored explicit argument '" + *inline_value + "'");
      }
      parsed.values[flag.name] = found.negated ? "false" : "true";
      continue;
    }
    std::vector<std::string> values;
    if (inline_value) {
      values.push_back(*inline_value);
    } else if (flag.type == FlagDefinition::Type::kList && !style.click) {
      while (i + 1 < args.size() && (args[i + 1].empty() || args[i + 1][0] != '-'))
        values.push_back(args[++i]);
    } else if (i + 1 < args.size() &&
               (style.click || !args[i + 1].starts_with("-") || LooksNegativeNumber(args[i + 1]))) {
      values.push_back(args[++i]);
    }
    if (values.empty()) {
      if (style.click) return UsageError(style, "Option '" + shown + "' requires an argument.");
      return UsageError(style,
                        "argument " + ArgparseName(flag) +
                            (flag.type == FlagDefinition::Type::kList ? ": expected at least one argument"
                                                                      : ": expected one argument"));
    }
    for (const auto& value : values) {
      if (std::string message = CheckValue(style, flag, shown, value); !message.empty()) {
        return UsageError(style, message);
      }
    }
    parsed.values[flag.name] = values.front();
  }
  if (!style.positional_model && !parsed.positionals.empty()) {
    for (const auto& p : parsed.positionals) unrecognized.push_back(p);
  }
  if (style.positional_model && parsed.positionals.size() > 1) {
    if (style.click)
      return UsageError(style, "Got unexpected extra argument (" + parsed.positionals[1] + ")");
    for (size_t i = 1; i < parsed.positionals.size(); ++i) unrecognized.push_back(parsed.positionals[i]);
  }
  if (!unrecognized.empty()) {
    std::string joined;
    for (const auto& u : unrecognized) joined += (joined.empty() ? "" : " ") + u;
    return UsageError(style, "unrecognized arguments: " + joined);
  }
  return parsed;
}

// What a flag means to the simulator. Flags not bound here are accepted and logged as not modelled.
enum class Field {
  kModel,
  kHost,
  kPort,
  kServedName,
  kEnableMetrics,
  kTp,
  kPp,
  kDp,
  kMemoryFraction,
  kMaxRunning,
  kMaxBatched,
  kChunkSize,       // SGLang: -1 disables chunking
  kChunkedPrefill,  // boolean switch
  kMaxTotalTokens,
  kGpuBlocks,  // vLLM: --num-gpu-blocks-override × block size
  kSchedulePolicy,
  kPrefixCache,
  kNoPrefixCache,
  kKvCacheDtype,
  kQuantization,
  kModelDtype,
  kNoCudaGraph,
  kEnforceEager,
  kCudaGraphMaxBs,
  kTorchCompile,
  kTorchCompileMaxBs,
  kPageSize,
  kContextLength,
  kNoOverlap,
  kOverlap,
  kMixedChunk,
  kConservativeness,
  kFailFast,
  kExtraOptions,  // TensorRT-LLM --extra_llm_api_options YAML
};

struct Binding {
  const FlagDefinition* flag;
  Field field;
};

struct RoleField {
  task::FlagRole role;
  Field field;
};
// In this order: the page size before kv_blocks converts blocks to tokens.
constexpr RoleField kRoleFields[] = {
    {task::FlagRole::kMemoryFraction, Field::kMemoryFraction},
    {task::FlagRole::kMaxRunningRequests, Field::kMaxRunning},
    {task::FlagRole::kMaxBatchedTokens, Field::kMaxBatched},
    {task::FlagRole::kChunkSize, Field::kChunkSize},
    {task::FlagRole::kChunkedPrefill, Field::kChunkedPrefill},
    {task::FlagRole::kMaxTotalTokens, Field::kMaxTotalTokens},
    {task::FlagRole::kPageSize, Field::kPageSize},
    {task::FlagRole::kKvBlocks, Field::kGpuBlocks},
    {task::FlagRole::kContextLength, Field::kContextLength},
    {task::FlagRole::kSchedulePolicy, Field::kSchedulePolicy},
    {task::FlagRole::kPrefixCache, Field::kPrefixCache},
    {task::FlagRole::kDisablePrefixCache, Field::kNoPrefixCache},
    {task::FlagRole::kDisableCudaGraph, Field::kNoCudaGraph},
    {task::FlagRole::kEnforceEager, Field::kEnforceEager},
    {task::FlagRole::kCudaGraphMaxBatch, Field::kCudaGraphMaxBs},
    {task::FlagRole::kTorchCompile, Field::kTorchCompile},
    {task::FlagRole::kTorchCompileMaxBatch, Field::kTorchCompileMaxBs},
    {task::FlagRole::kOverlapSchedule, Field::kOverlap},
    {task::FlagRole::kDisableOverlapSchedule, Field::kNoOverlap},
    {task::FlagRole::kMixedChunk, Field::kMixedChunk},
    {task::FlagRole::kScheduleConservativeness, Field::kConservativeness},
    {task::FlagRole::kFailFastAttentionWindow, Field::kFailFast},
};

// The flags the simulator models, all from the runtime definition: the managed flags, the parallel degrees
// (expert parallelism is not modelled), the roles, quantization, and the config file last so its settings
// win over the flags'.
std::vector<Binding> BindingsFor(const FlavorTraits& traits, const RuntimeDefinition& runtime) {
  std::vector<Binding> out;
  const auto bind = [&](std::string_view name, Field field) {
    if (name.empty() || name == "positional") return;
    if (const FlagDefinition* flag = runtime.FindFlag(name)) out.push_back({flag, field});
  };
  const auto bind_from = [&](const std::map<std::string, std::string>& flags, const char* key, Field field) {
    if (const auto it = flags.find(key); it != flags.end()) bind(it->second, field);
  };
  bind(runtime.model_arg, Field::kModel);
  bind(traits.model_flag, Field::kModel);
  bind(runtime.host_flag, Field::kHost);
  bind(runtime.port_flag, Field::kPort);
  bind(runtime.served_model_name_flag, Field::kServedName);
  bind(runtime.metrics_flag, Field::kEnableMetrics);
  bind_from(runtime.parallel, "tp", Field::kTp);
  bind_from(runtime.parallel, "pp", Field::kPp);
  bind_from(runtime.parallel, "dp", Field::kDp);
  for (const RoleField& entry : kRoleFields) {
    for (const FlagDefinition* flag : runtime.RoleFlags(entry.role)) out.push_back({flag, entry.field});
  }
  bind_from(runtime.quantization, "model_dtype", Field::kModelDtype);
  bind_from(runtime.quantization, "kv_cache_dtype", Field::kKvCacheDtype);
  bind_from(runtime.quantization, "fp8_compute", Field::kQuantization);
  bind(runtime.config_file_flag, Field::kExtraOptions);
  return out;
}

int64_t ToInt(const std::string& s) {
  int64_t v = 0;
  ParseNumber(s, v);
  return v;
}
double ToDouble(const std::string& s) {
  double v = 0;
  ParseNumber(s, v);
  return v;
}

Status ApplyQuantization(EngineConfig& config, const std::string& method) {
  if (method == "fp8" || method == "FP8" || method == "modelopt_fp8" || method == "w8a8_fp8") {
    config.fp8_compute = true;
  }
  return {};
}

// TensorRT-LLM's --extra_llm_api_options file: the LLM API settings the simulator models.
Status ApplyExtraOptions(const CliStyle& style, EngineConfig& config, const std::string& path) {
  if (!std::filesystem::exists(path)) {
    return UsageError(style,
                      "Invalid value for '--extra_llm_api_options': Path '" + path + "' does not exist.");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kParse, path + ": " + e.what());
  }
  if (!root.IsMap()) return {};
  try {
    if (auto kv = root["kv_cache_config"]; kv && kv.IsMap()) {
      if (kv["free_gpu_memory_fraction"])
        config.memory_fraction = kv["free_gpu_memory_fraction"].as<double>();
      if (kv["enable_block_reuse"]) config.prefix_cache = kv["enable_block_reuse"].as<bool>();
      if (kv["max_tokens"]) config.max_total_tokens = kv["max_tokens"].as<int64_t>();
      if (kv["dtype"]) {
        auto dtype = ParseKvCacheDtype(kv["dtype"].as<std::string>());
        if (!dtype) return dtype.error();
        config.kv_cache_dtype = *dtype;
      }
    }
    if (auto quant = root["quant_config"]; quant && quant.IsMap() && quant["quant_algo"]) {
      if (Status s = ApplyQuantization(config, quant["quant_algo"].as<std::string>()); !s) return s;
    }
    if (auto graphs = root["cuda_graph_config"]) {
      config.cuda_graphs = !graphs.IsNull();
      if (graphs.IsMap() && graphs["max_batch_size"])
        config.cuda_graph_max_bs = graphs["max_batch_size"].as<int>();
    }
    if (root["disable_overlap_scheduler"])
      config.overlap_schedule = !root["disable_overlap_scheduler"].as<bool>();
    if (root["enable_chunked_prefill"]) config.chunked_prefill = root["enable_chunked_prefill"].as<bool>();
    if (root["max_batch_size"]) config.max_running_requests = root["max_batch_size"].as<int>();
    if (root["max_num_tokens"]) config.max_batched_tokens = root["max_num_tokens"].as<int>();
    if (root["max_seq_len"]) config.context_length = root["max_seq_len"].as<int64_t>();
    if (auto sched = root["scheduler_config"]; sched && sched.IsMap() && sched["capacity_scheduler_policy"]) {
      const auto policy = sched["capacity_scheduler_policy"].as<std::string>();
      config.admission =
          policy == "GUARANTEED_NO_EVICT" ? AdmissionPolicy::kReserveFull : AdmissionPolicy::kOptimistic;
    }
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kParse, path + ": " + e.what());
  }
  return {};
}

Status ApplyField(const CliStyle& style, Field field, const std::string& v, LaunchOptions& out) {
  EngineConfig& c = out.engine;
  const bool on = v == "true";
  switch (field) {
    case Field::kModel:
      out.model = v;
      break;
    case Field::kHost:
      out.host = v;
      break;
    case Field::kPort:
      out.port = static_cast<int>(ToInt(v));
      break;
    case Field::kServedName:
      out.served_model_name = v;
      break;
    case Field::kEnableMetrics:
      out.enable_metrics = on;
      break;
    case Field::kTp:
      c.tp = static_cast<int>(ToInt(v));
      break;
    case Field::kPp:
      c.pp = static_cast<int>(ToInt(v));
      break;
    case Field::kDp:
      c.dp = static_cast<int>(ToInt(v));
      break;
    case Field::kMemoryFraction:
      c.memory_fraction = ToDouble(v);
      break;
    case Field::kMaxRunning:
      c.max_running_requests = static_cast<int>(ToInt(v));
      break;
    case Field::kMaxBatched:
      c.max_batched_tokens = static_cast<int>(ToInt(v));
      break;
    case Field::kChunkSize:
      c.chunked_prefill_size = static_cast<int>(ToInt(v));
      if (ToInt(v) <= 0) c.chunked_prefill = false;
      break;
    case Field::kChunkedPrefill:
      c.chunked_prefill = on;
      break;
    case Field::kMaxTotalTokens:
      c.max_total_tokens = ToInt(v);
      break;
    case Field::kGpuBlocks:
      c.max_total_tokens = ToInt(v) * c.page_size.value_or(16);
      break;
    case Field::kSchedulePolicy: {
      auto policy = ParseSchedulePolicy(v);
      if (!policy) return policy.error();
      c.schedule_policy = *policy;
      break;
    }
    case Field::kPrefixCache:
      c.prefix_cache = on;
      break;
    case Field::kNoPrefixCache:
      c.prefix_cache = !on;
      break;
    case Field::kKvCacheDtype: {
      auto dtype = ParseKvCacheDtype(v);
      if (!dtype) return dtype.error();
      c.kv_cache_dtype = *dtype;
      break;
    }
    case Field::kQuantization:
      return ApplyQuantization(c, v);
    case Field::kModelDtype:
      c.model_dtype = v;
      break;
    case Field::kNoCudaGraph:
      c.cuda_graphs = !on;
      break;
    case Field::kEnforceEager:
      c.cuda_graphs = !on;
      c.torch_compile = !on;
      break;
    case Field::kCudaGraphMaxBs:
      c.cuda_graph_max_bs = static_cast<int>(ToInt(v));
      break;
    case Field::kTorchCompile:
      c.torch_compile = on;
      break;
    case Field::kTorchCompileMaxBs:
      c.torch_compile_max_bs = static_cast<int>(ToInt(v));
      break;
    case Field::kPageSize:
      c.page_size = static_cast<int>(ToInt(v));
      break;
    case Field::kContextLength:
      c.context_length = ToInt(v);
      break;
    case Field::kNoOverlap:
      c.overlap_schedule = !on;
      break;
    case Field::kOverlap:
      c.overlap_schedule = on;
      break;
    case Field::kMixedChunk:
      c.enable_mixed_chunk = on;
      break;
    case Field::kConservativeness:
      c.schedule_conservativeness = ToDouble(v);
      break;
    case Field::kFailFast:
      c.fail_fast_on_attention_window_too_large = on;
      break;
    case Field::kExtraOptions:
      return ApplyExtraOptions(style, c, v);
  }
  return {};
}

int CudaVisibleDeviceCount() {
  const char* env = std::getenv("CUDA_VISIBLE_DEVICES");
  if (env == nullptr || *env == '\0') return 1;
  int count = 1;
  for (const char* p = env; *p != '\0'; ++p) count += *p == ',';
  return count;
}

// The --sim-* settings, the same in every flavor.
void ApplySimFlags(const Parsed& parsed, LaunchOptions& out, std::set<std::string>& used) {
  const auto get = [&](const std::string& name) -> const std::string* {
    auto it = parsed.values.find(name);
    if (it == parsed.values.end()) return nullptr;
    used.insert(name);
    return &it->second;
  };
  EngineConfig& c = out.engine;
  FaultOptions& f = out.faults;
  c.num_gpus = CudaVisibleDeviceCount();
  if (auto v = get("sim-gpu-type")) c.gpu_type = *v;
  if (auto v = get("sim-num-gpus")) c.num_gpus = static_cast<int>(ToInt(*v));
  if (auto v = get("sim-time-scale")) c.time_scale = ToDouble(*v);
  if (auto v = get("sim-startup-scale")) out.startup_scale = ToDouble(*v);
  if (auto v = get("sim-seed")) c.seed = static_cast<uint64_t>(ToInt(*v));
  if (auto v = get("sim-noise")) c.noise = ToDouble(*v);
  if (auto v = get("sim-tokenizer")) out.tokenizer = *v;
  if (auto v = get("sim-firehose")) out.firehose = *v == "true";
  if (auto v = get("sim-fault-crash-at-start")) f.crash_at_start = *v == "true";
  if (auto v = get("sim-fault-hang-at-start")) f.hang_at_start = *v == "true";
  if (auto v = get("sim-fault-crash-after")) f.crash_after = ToInt(*v);
  if (auto v = get("sim-fault-hang-after-tokens")) f.hang_after_tokens = ToInt(*v);
  if (auto v = get("sim-fault-slow-tokens")) f.slow_tokens = ToDouble(*v);
  if (auto v = get("sim-fault-drop-rate")) f.drop_rate = ToDouble(*v);
  if (auto v = get("sim-fault-http-500-rate")) f.http_500_rate = ToDouble(*v);
}

}  // namespace

std::string RuntimeNameFor(Flavor flavor) { return "sim-" + std::string(FlavorName(flavor)); }

Result<LaunchOptions> ParseLaunchFlags(Flavor flavor, const RuntimeDefinition& runtime,
                                       std::span<const std::string> args) {
  const FlavorTraits& traits = flavor.traits();
  const CliStyle& style = traits.cli;
  auto parsed = Tokenize(style, runtime, args);
  if (!parsed) return parsed.error();
  LaunchOptions out;
  out.engine.flavor = flavor;
  out.help = parsed->help;
  if (out.help) return out;
  out.host = traits.default_host;
  std::set<std::string> used;
  ApplySimFlags(*parsed, out, used);
  for (const Binding& binding : BindingsFor(traits, runtime)) {
    auto it = parsed->values.find(binding.flag->name);
    if (it == parsed->values.end()) continue;
    used.insert(binding.flag->name);
    if (Status s = ApplyField(style, binding.field, it->second, out); !s) return s.error();
  }
  if (style.positional_model && !parsed->positionals.empty()) out.model = parsed->positionals.front();
  if (out.model.empty()) {
    if (!traits.missing_model_error.empty()) return UsageError(style, traits.missing_model_error);
    const FlagDefinition* model_flag = runtime.FindFlag(traits.model_flag);
    out.model = model_flag != nullptr ? model_flag->default_text : "";
  }
  for (const auto& [name, value] : parsed->values) {
    if (!used.contains(name)) out.not_modelled.push_back(name);
  }
  return out;
}

std::string HelpText(Flavor flavor, const RuntimeDefinition& runtime) {
  const CliStyle& style = flavor->cli;
  std::string text = style.usage + "\n\n" + runtime.description + "\n\noptions:\n";
  for (const auto& flag : runtime.flags) {
    std::string names = flag.exact_spelling ? "--" + flag.name : ArgparseName(flag);
    if (flag.type != FlagDefinition::Type::kBool) names += " " + std::string(task::Name(flag.type));
    if (flag.negatable) names += " | --no-" + flag.name;
    text += "  " + names + "\n      " + flag.help;
    if (!flag.choices.empty())
      text += " {" + JoinNames(std::vector<std::string_view>(flag.choices.begin(), flag.choices.end()), ",") +
              "}";
    if (!flag.default_text.empty()) text += " (default: " + flag.default_text + ")";
    text += "\n";
  }
  return text;
}

}  // namespace autotuner::sim
