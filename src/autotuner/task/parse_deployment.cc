// Parser: the OME resources (clusterbasemodel_config, clusterservingruntime_config) and storage.

#include <array>

#include "autotuner/task/defaults.h"
#include "autotuner/task/parse_internal.h"

namespace autotuner::task::internal {
namespace {

constexpr std::array<std::string_view, 6> kOmeResourceKeys = {"preset",    "name",   "spec",
                                                              "overrides", "labels", "annotations"};
constexpr std::array<std::string_view, 4> kStorageKeys = {"type", "pvc_name", "pvc_subpath", "mount_path"};

}  // namespace

void Parser::ParseOme(const Json& doc, Task& task) {
  const bool ome = task.deployment_mode == DeploymentMode::kOme;
  for (const char* key : {"clusterbasemodel_config", "clusterservingruntime_config"}) {
    const Json* cfg = Object(doc, key, key);
    if (cfg == nullptr) continue;
    if (!ome) Warn(key, "only used when deployment_mode is ome; ignored");
    CheckKeys(*cfg, key, kOmeResourceKeys);
    OmeResourceConfig out;
    out.preset = String(*cfg, "preset", JoinPath(key, "preset")).value_or("");
    out.name = String(*cfg, "name", JoinPath(key, "name")).value_or("");
    if (out.preset.empty() == out.name.empty()) {
      Fail(key, "give either preset or name (with spec)");
    }
    for (const char* part : {"spec", "overrides"}) {
      if (const Json* v = Object(*cfg, part, JoinPath(key, part)))
        (part == std::string("spec") ? out.spec : out.overrides) = *v;
    }
    for (const char* part : {"labels", "annotations"}) {
      const std::string part_path = JoinPath(key, part);
      const Json* v = Object(*cfg, part, part_path);
      if (v == nullptr) continue;
      for (const auto& [k, val] : v->items()) {
        if (!val.is_string()) Fail(JoinPath(part_path, k), "must be a string, got " + Describe(val));
      }
      (part == std::string("labels") ? out.labels : out.annotations) = *v;
    }
    (key == std::string("clusterbasemodel_config") ? task.clusterbasemodel_config
                                                   : task.clusterservingruntime_config) = out;
  }
  if (const Json* st = Object(doc, "storage", "storage")) {
    if (!ome) Warn("storage", "only used when deployment_mode is ome; ignored");
    CheckKeys(*st, "storage", kStorageKeys);
    Storage storage;
    storage.type = DefaultFor("storage.type").get<std::string>();
    constexpr std::array<std::string_view, 1> kStorageTypes = {"pvc"};
    if (auto t = Choice(*st, "type", "storage.type", kStorageTypes)) storage.type = *t;
    storage.pvc_name = String(*st, "pvc_name", "storage.pvc_name", /*required=*/true).value_or("");
    storage.pvc_subpath = String(*st, "pvc_subpath", "storage.pvc_subpath").value_or("");
    storage.mount_path = String(*st, "mount_path", "storage.mount_path").value_or("");
    task.storage = storage;
  }
}

}  // namespace autotuner::task::internal
