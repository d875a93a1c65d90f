#include "autotuner/deploy/config_file.h"

#include <string>
#include <vector>

#include "autotuner/task/document.h"

namespace autotuner::deploy {
namespace {

// The dotted paths of every non-object value ("kv_cache_config.dtype").
void LeafPaths(const Json& value, const std::string& prefix, std::vector<std::string>& out) {
  if (!value.is_object() || value.empty()) {
    out.push_back(prefix);
    return;
  }
  for (const auto& [key, child] : value.items())
    LeafPaths(child, prefix.empty() ? key : prefix + "." + key, out);
}

const Json* AtPath(const Json& value, const std::string& dotted) {
  const Json* at = &value;
  size_t start = 0;
  while (start <= dotted.size()) {
    const size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return at;
}

}  // namespace

Json MergeConfig(Json base, const Json& over) {
  if (!base.is_object() || !over.is_object()) return over;
  for (const auto& [key, value] : over.items()) {
    base[key] = base.contains(key) ? MergeConfig(std::move(base[key]), value) : value;
  }
  return base;
}

Status MergeUserConfigFile(const task::RuntimeDefinition& runtime, LaunchPlan& plan) {
  if (runtime.config_file_flag.empty() || plan.config_file.empty()) return {};
  const std::string flag = runtime.RenderFlag(runtime.config_file_flag);
  auto it = plan.args.begin();
  while (it != plan.args.end() && *it != flag) ++it;
  if (it == plan.args.end() || it + 1 == plan.args.end()) return {};
  const std::string path = *(it + 1);

  std::vector<std::string> derived;
  LeafPaths(plan.config_file, "", derived);
  std::string derived_text;
  for (const auto& p : derived) derived_text += (derived_text.empty() ? "" : ", ") + p;
  const std::string what = runtime.config_file_flag + " file '" + path + "'";
  auto loaded = task::LoadDocumentFile(path);
  if (!loaded.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot merge the " + what +
                                                      " with the derived settings (" + derived_text +
                                                      "): " + loaded.error().message);
  }
  const Json& user = loaded->value;
  if (!user.is_null() && !user.is_object()) {
    return MakeError(ErrorCode::kInvalidArgument, "the " + what + " must be a mapping of settings, got " +
                                                      std::string(JsonTypeName(user)));
  }
  for (const auto& p : derived) {
    if (const Json* mine = user.is_object() ? AtPath(user, p) : nullptr; mine != nullptr)
      plan.notes.push_back(what + " sets " + p + " = " + DumpJson(*mine) + ", over the derived " +
                           DumpJson(*AtPath(plan.config_file, p)));
  }
  plan.config_file = MergeConfig(std::move(plan.config_file), user.is_object() ? user : Json::object());
  plan.notes.push_back("merged the " + what + " with the derived " + derived_text + " (the file's keys win)");
  plan.args.erase(it, it + 2);
  return {};
}

}  // namespace autotuner::deploy
