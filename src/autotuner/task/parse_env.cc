// Parser: the task's `env`, the engine environment (SPEC §1).

#include <array>

#include "autotuner/task/parse_internal.h"

namespace autotuner::task::internal {
namespace {

constexpr size_t kMaxEnvVariables = 256;
constexpr size_t kMaxEnvValueBytes = 32 * 1024;

// Set by the deployers themselves: a task that set them would fight the GPU assignment or the ownership
// records that orphan cleanup relies on.
constexpr std::array<std::string_view, 4> kReservedEnv = {"CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES",
                                                          "AUTOTUNER_OWNER", "AUTOTUNER_EXPERIMENT"};

bool ValidEnvName(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

// A string, or a number written without quotes (YAML's `NCCL_IB_DISABLE: 1`) as its text.
std::optional<std::string> Parser::EnvValue(const Json& v, const std::string& path) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number()) {
    text = DumpJson(v);
  } else {
    Fail(path, "must be a string (or a list of strings to search), got " + std::string(JsonTypeName(v)) +
                   (v.is_boolean() ? "; quote it (\"" + DumpJson(v) + "\") to set the text" : ""));
    return std::nullopt;
  }
  if (text.size() > kMaxEnvValueBytes) {
    Fail(path, "must be at most " + std::to_string(kMaxEnvValueBytes) + " bytes, got " +
                   std::to_string(text.size()));
    return std::nullopt;
  }
  if (text.find('\0') != std::string::npos) {
    Fail(path, "must not contain a NUL character");
    return std::nullopt;
  }
  return text;
}

void Parser::ParseEnv(const Json& doc, Task& task) {
  const Json* env = Object(doc, "env", "env");
  if (env == nullptr) return;
  if (env->size() > kMaxEnvVariables) {
    Fail("env", "must have at most " + std::to_string(kMaxEnvVariables) + " variables, got " +
                    std::to_string(env->size()));
    return;
  }
  // nlohmann's object keeps its keys sorted, so task.env comes out sorted by name.
  for (const auto& [name, value] : env->items()) {
    const std::string path = JoinPath("env", name);
    if (!ValidEnvName(name)) {
      Fail(path, "'" + name +
                     "' is not an environment variable name (letters, digits and '_', not starting "
                     "with a digit)");
      continue;
    }
    if (Contains(kReservedEnv, name)) {
      Fail(path, name + " is set by autotuner itself (from the GPUs and the experiment it runs)" +
                     (name.ends_with("VISIBLE_DEVICES") ? "; choose GPUs with --gpus" : ""));
      continue;
    }
    EnvVariable variable;
    variable.name = name;
    variable.searched = value.is_array();
    variable.values = ScalarOrList<std::string>(
        value, path, [this](const Json& v, const std::string& p) { return EnvValue(v, p); });
    if (variable.values.empty()) continue;
    task.env.push_back(std::move(variable));
  }
}

}  // namespace autotuner::task::internal
