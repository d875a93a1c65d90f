#include "autotuner/task/runtime_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "autotuner/core/strings.h"
#include "autotuner/task/document.h"

#ifndef AUTOTUNER_RUNTIMES_DIR
#error "AUTOTUNER_RUNTIMES_DIR must name the shipped runtimes/ directory"
#endif

namespace autotuner::task {
namespace {

struct RoleName {
  FlagRole role;
  std::string_view name;
};
constexpr RoleName kRoleNames[] = {
    {FlagRole::kMemoryFraction, "memory_fraction"},
    {FlagRole::kMaxRunningRequests, "max_running_requests"},
    {FlagRole::kMaxBatchedTokens, "max_batched_tokens"},
    {FlagRole::kChunkSize, "chunk_size"},
    {FlagRole::kChunkedPrefill, "chunked_prefill"},
    {FlagRole::kMaxTotalTokens, "max_total_tokens"},
    {FlagRole::kKvBlocks, "kv_blocks"},
    {FlagRole::kPageSize, "page_size"},
    {FlagRole::kContextLength, "context_length"},
    {FlagRole::kSchedulePolicy, "schedule_policy"},
    {FlagRole::kPrefixCache, "prefix_cache"},
    {FlagRole::kDisablePrefixCache, "disable_prefix_cache"},
    {FlagRole::kDisableCudaGraph, "disable_cuda_graph"},
    {FlagRole::kEnforceEager, "enforce_eager"},
    {FlagRole::kCudaGraphMaxBatch, "cuda_graph_max_batch"},
    {FlagRole::kTorchCompile, "torch_compile"},
    {FlagRole::kTorchCompileMaxBatch, "torch_compile_max_batch"},
    {FlagRole::kOverlapSchedule, "overlap_schedule"},
    {FlagRole::kDisableOverlapSchedule, "disable_overlap_schedule"},
    {FlagRole::kMixedChunk, "mixed_chunk"},
    {FlagRole::kScheduleConservativeness, "schedule_conservativeness"},
    {FlagRole::kFailFastAttentionWindow, "fail_fast_attention_window"},
};

Error Bad(const std::string& file, const std::string& path, const std::string& message) {
  return MakeError(ErrorCode::kValidation, file + ": " + (path.empty() ? "" : path + ": ") + message,
                   {{"source", file}, {"path", path}});
}

std::optional<FlagDefinition::Type> ParseFlagType(std::string_view t) {
  if (t == "str") return FlagDefinition::Type::kString;
  if (t == "int") return FlagDefinition::Type::kInt;
  if (t == "float") return FlagDefinition::Type::kFloat;
  if (t == "bool") return FlagDefinition::Type::kBool;
  if (t == "json") return FlagDefinition::Type::kJson;
  if (t == "list") return FlagDefinition::Type::kList;
  return std::nullopt;
}

std::vector<std::string> Strings(const Json& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& item : v) out.push_back(item.is_string() ? item.get<std::string>() : DumpJson(item));
  }
  return out;
}

std::map<std::string, std::string> StringMap(const Json& v) {
  std::map<std::string, std::string> out;
  if (v.is_object()) {
    for (const auto& [k, val] : v.items()) {
      if (val.is_string()) out[k] = val.get<std::string>();
    }
  }
  return out;
}

Result<FlagDefinition> ParseFlag(const Json& j, const std::string& file, const std::string& path) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) {
    return Bad(file, path, "each flag needs a name");
  }
  FlagDefinition f;
  f.name = j["name"].get<std::string>();
  f.aliases = Strings(j.value("aliases", Json::array()));
  f.short_names = Strings(j.value("short", Json::array()));
  f.choices = Strings(j.value("choices", Json::array()));
  const std::string type = j.value("type", "str");
  const auto parsed = ParseFlagType(type);
  if (!parsed)
    return Bad(file, path + ".type", "unknown flag type '" + type + "' (str, int, float, bool, json, list)");
  f.type = *parsed;
  f.negatable = j.value("negatable", false);
  f.default_text = j.contains("default") && j["default"].is_string() ? j["default"].get<std::string>() : "";
  f.tuned = j.value("tuned", false);
  f.deprecated = j.value("deprecated", false);
  f.exact_spelling = j.value("exact_spelling", false);
  f.help = j.value("help", "");
  return f;
}

// `roles:` of one file, checked against the flags `def` has by then (its own and its parents').
Status ApplyRoles(const Json& roles, const std::string& file, RuntimeDefinition& def) {
  if (!roles.is_object()) return Bad(file, "roles", "must be a mapping of role to flag name(s)");
  for (const auto& [key, value] : roles.items()) {
    const std::string path = "roles." + key;
    const auto role = ParseFlagRole(key);
    if (!role) {
      return Bad(file, path,
                 "unknown role '" + key + "'" + DidYouMean(key, FlagRoleNames()) +
                     " (roles: " + JoinNames(FlagRoleNames()) + ")");
    }
    const std::vector<std::string> names =
        value.is_string() ? std::vector{value.get<std::string>()}
                          : (value.is_array() ? Strings(value) : std::vector<std::string>{});
    if (names.empty()) return Bad(file, path, "must name a flag or a list of flags");
    for (const std::string& name : names) {
      if (def.FindFlag(name) == nullptr)
        return Bad(file, path, "names '" + name + "', which is not one of " + def.name + "'s flags");
    }
    def.roles[*role] = names;
  }
  return {};
}

// Reads the fields one file sets onto `def` (which may already hold a parent's fields).
Status ApplyFile(const Json& doc, const std::string& file, RuntimeDefinition& def) {
  const auto str = [&](const char* key, std::string& out) {
    if (doc.contains(key) && doc[key].is_string()) out = doc[key].get<std::string>();
  };
  str("name", def.name);
  str("engine", def.engine);
  str("description", def.description);
  str("image", def.image);
  str("model_arg", def.model_arg);
  str("host_flag", def.host_flag);
  str("port_flag", def.port_flag);
  str("served_model_name_flag", def.served_model_name_flag);
  str("metrics_flag", def.metrics_flag);
  str("model_dir", def.model_dir);
  str("gpu_count_flag", def.gpu_count_flag);
  str("gpu_type_flag", def.gpu_type_flag);
  str("tokenizer_flag", def.tokenizer_flag);
  if (doc.contains("command")) def.command = Strings(doc["command"]);
  if (doc.contains("launcher_probe")) def.launcher_probe = Strings(doc["launcher_probe"]);
  if (doc.contains("version_probe")) def.version_probe = Strings(doc["version_probe"]);
  if (doc.contains("reserved_flags")) {
    for (auto& flag : Strings(doc["reserved_flags"])) def.reserved_flags.push_back(std::move(flag));
  }
  if (doc.contains("flag_style")) {
    const std::string style = doc["flag_style"].is_string() ? doc["flag_style"].get<std::string>() : "";
    if (style != "dashes" && style != "underscores")
      return Bad(file, "flag_style", "must be dashes or underscores");
    def.flag_style = style == "dashes" ? RuntimeDefinition::FlagStyle::kDashes
                                       : RuntimeDefinition::FlagStyle::kUnderscores;
  }
  if (doc.contains("endpoints")) {
    const Json& e = doc["endpoints"];
    def.health_path = e.value("health", def.health_path);
    def.ready_path = e.value("ready", def.ready_path);
    def.metrics_path = e.value("metrics", def.metrics_path);
  }
  if (doc.contains("parallel")) def.parallel = StringMap(doc["parallel"]);
  if (doc.contains("quantization")) def.quantization = StringMap(doc["quantization"]);
  if (doc.contains("config_file")) {
    def.config_file_flag = doc["config_file"].value("flag", "");
    def.config_file_settings = StringMap(doc["config_file"].value("settings", Json::object()));
  }
  if (doc.contains("simulated")) def.simulated = doc.value("simulated", false);
  if (doc.contains("flags")) {
    if (!doc["flags"].is_array()) return Bad(file, "flags", "must be a list");
    for (size_t i = 0; i < doc["flags"].size(); ++i) {
      auto flag = ParseFlag(doc["flags"][i], file, IndexPath("flags", i));
      if (!flag.ok()) return std::move(flag).error();
      def.flags.push_back(std::move(*flag));
    }
  }
  for (const char* key : {"gpu_count_flag", "gpu_type_flag", "tokenizer_flag"}) {
    const Json* name = doc.contains(key) ? &doc[key] : nullptr;
    if (name != nullptr && (!name->is_string() || def.FindFlag(name->get<std::string>()) == nullptr))
      return Bad(file, key, "must name one of " + def.name + "'s flags");
  }
  if (doc.contains("roles")) {
    if (Status applied = ApplyRoles(doc["roles"], file, def); !applied.ok()) return applied;
  }
  def.source_file = file;
  return {};
}

}  // namespace

const FlagDefinition* RuntimeDefinition::FindFlag(std::string_view name) const {
  while (name.starts_with("-")) name.remove_prefix(1);
  const std::string wanted = NormalizeFlagName(name);
  for (const auto& f : flags) {
    if (NormalizeFlagName(f.name) == wanted) return &f;
    for (const auto& alias : f.aliases) {
      if (NormalizeFlagName(alias) == wanted) return &f;
    }
  }
  return nullptr;
}

std::vector<const FlagDefinition*> RuntimeDefinition::RoleFlags(FlagRole role) const {
  std::vector<const FlagDefinition*> out;
  if (const auto it = roles.find(role); it != roles.end()) {
    for (const std::string& name : it->second) {
      if (const FlagDefinition* flag = FindFlag(name)) out.push_back(flag);
    }
  }
  return out;
}

bool RuntimeDefinition::HasRole(const FlagDefinition& flag, FlagRole role) const {
  const auto flags = RoleFlags(role);
  return std::find(flags.begin(), flags.end(), &flag) != flags.end();
}

bool RuntimeDefinition::IsGpuCountFlag(const FlagDefinition& flag) const {
  if (flag.type != FlagDefinition::Type::kInt) return false;
  return std::any_of(parallel.begin(), parallel.end(),
                     [&](const auto& entry) { return FindFlag(entry.second) == &flag; });
}

std::vector<std::string_view> RuntimeDefinition::FlagNames() const {
  std::vector<std::string_view> names;
  for (const auto& f : flags) {
    names.push_back(f.name);
    for (const auto& alias : f.aliases) names.push_back(alias);
  }
  return names;
}

std::string RuntimeDefinition::RenderFlag(std::string_view name) const {
  if (const FlagDefinition* flag = FindFlag(name); flag != nullptr && flag->exact_spelling)
    return "--" + flag->name;
  std::string out = "--";
  for (char c : name) {
    if (flag_style == FlagStyle::kDashes && c == '_') c = '-';
    if (flag_style == FlagStyle::kUnderscores && c == '-') c = '_';
    out += c;
  }
  return out;
}

std::vector<std::string> RuntimeCatalog::DefaultDirectories() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("AUTOTUNER_RUNTIMES_DIR"); env != nullptr) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      if (colon != 0) dirs.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  dirs.emplace_back(AUTOTUNER_RUNTIMES_DIR);
  return dirs;
}

Result<RuntimeCatalog> RuntimeCatalog::LoadDefault() { return Load(DefaultDirectories()); }

Result<RuntimeCatalog> RuntimeCatalog::Load(const std::vector<std::string>& directories) {
  // name → (file, document); the first directory that defines a name wins.
  std::map<std::string, std::pair<std::string, Json>> documents;
  for (const auto& dir : directories) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      const std::string ext = entry.path().extension().string();
      if (ext == ".yaml" || ext == ".yml") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto doc = LoadDocumentFile(file);
      if (!doc.ok()) return std::move(doc).error();
      const Json& value = doc->value;
      if (!value.is_object() || !value.contains("name") || !value["name"].is_string()) {
        return Bad(file, "name", "a runtime file needs a name");
      }
      documents.try_emplace(value["name"].get<std::string>(), file, value);
    }
  }
  RuntimeCatalog catalog;
  for (const auto& [name, entry] : documents) {
    // Resolve the `extends` chain, parents first.
    std::vector<const std::pair<std::string, Json>*> chain = {&entry};
    std::set<std::string> seen = {name};
    while (chain.back()->second.contains("extends")) {
      const std::string parent = chain.back()->second.value("extends", "");
      if (!seen.insert(parent).second)
        return Bad(chain.back()->first, "extends", "cycle through '" + parent + "'");
      const auto it = documents.find(parent);
      if (it == documents.end())
        return Bad(chain.back()->first, "extends", "unknown runtime '" + parent + "'");
      chain.push_back(&it->second);
    }
    RuntimeDefinition def;
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (auto applied = ApplyFile((*it)->second, (*it)->first, def); !applied.ok())
        return std::move(applied).error();
    }
    def.name = name;
    for (const std::string* managed :
         {&def.model_arg, &def.host_flag, &def.port_flag, &def.served_model_name_flag}) {
      if (!managed->empty() && *managed != "positional") def.reserved_flags.push_back(*managed);
    }
    if (def.engine != "sglang" && def.engine != "vllm" && def.engine != "trtllm") {
      return Bad(entry.first, "engine", "must be sglang, vllm or trtllm, got '" + def.engine + "'");
    }
    if (def.command.empty()) return Bad(entry.first, "command", "is required");
    catalog.runtimes_.push_back(std::move(def));
  }
  if (catalog.runtimes_.empty()) {
    std::string where;
    for (const auto& d : directories) where += (where.empty() ? "" : ", ") + d;
    return MakeError(ErrorCode::kNotFound, "no runtime definitions found in " + where);
  }
  return catalog;
}

const RuntimeDefinition* RuntimeCatalog::Find(std::string_view name) const {
  for (const auto& r : runtimes_) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::vector<std::string_view> RuntimeCatalog::Names() const {
  std::vector<std::string_view> names;
  for (const auto& r : runtimes_) names.push_back(r.name);
  return names;
}

std::string_view Name(FlagRole role) {
  for (const auto& entry : kRoleNames) {
    if (entry.role == role) return entry.name;
  }
  return "";
}

std::optional<FlagRole> ParseFlagRole(std::string_view name) {
  for (const auto& entry : kRoleNames) {
    if (entry.name == name) return entry.role;
  }
  return std::nullopt;
}

std::vector<std::string_view> FlagRoleNames() {
  std::vector<std::string_view> names;
  for (const auto& entry : kRoleNames) names.push_back(entry.name);
  return names;
}

std::string_view Name(FlagDefinition::Type type) {
  switch (type) {
    case FlagDefinition::Type::kString:
      return "str";
    case FlagDefinition::Type::kInt:
      return "int";
    case FlagDefinition::Type::kFloat:
      return "float";
    case FlagDefinition::Type::kBool:
      return "bool";
    case FlagDefinition::Type::kJson:
      return "json";
    case FlagDefinition::Type::kList:
      return "list";
  }
  return "str";
}

}  // namespace autotuner::task
