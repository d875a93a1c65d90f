#include "autotuner/runner/provenance.h"

#include <algorithm>

#include "autotuner/core/strings.h"
#include "autotuner/core/version.h"
#include "autotuner/deploy/kube_deployer.h"

namespace autotuner::runner {
namespace {

constexpr size_t kMaxVersionChars = 200;

Json OrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

// The first non-empty line of a probe's output, capped.
std::string FirstLine(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, std::min(end - start, kMaxVersionChars));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) return line;
    start = end + 1;
  }
  return "";
}

Json EngineProvenance(const task::Task& task, const task::RuntimeDefinition& runtime,
                      const PreflightProbes& probes) {
  Json engine = {{"image", nullptr}, {"image_digest", nullptr}, {"version", nullptr}};
  if (runtime.simulated) {
    engine["version"] = std::string("autotuner-sim ") + kVersion;  // the simulator is ours
    return engine;
  }
  if (task.deployment_mode == task::DeploymentMode::kLocal) {
    if (!runtime.version_probe.empty() && probes.command_output) {
      if (auto output = probes.command_output(runtime.version_probe); output.ok())
        engine["version"] = OrNull(FirstLine(*output));
    }
    return engine;
  }
  const std::string image = deploy::EngineImage(runtime.image, task.runtime_image_tag);
  engine["image"] = OrNull(image);
  // Docker pulls onto this machine, so its digest is known here; a cluster's nodes pull their own.
  if (task.deployment_mode == task::DeploymentMode::kDocker && !image.empty() && probes.docker_image_digest) {
    if (auto digest = probes.docker_image_digest(image); digest.ok())
      engine["image_digest"] = OrNull(*digest);
  }
  return engine;
}

}  // namespace

std::string TaskHash(const Json& spec) { return "fnv1a64:" + Fnv1a64Hex(DumpJson(spec)); }

Json StudyProvenance(const Json& spec, const task::Task& task, const task::RuntimeDefinition& runtime,
                     const StudyResources& resources, const PreflightProbes& probes) {
  Json gpus = Json::array();
  if (resources.real_gpus) {
    for (const auto& gpu : resources.inventory.gpus) {
      if (std::find(resources.gpu_ids.begin(), resources.gpu_ids.end(), gpu.index) == resources.gpu_ids.end())
        continue;
      const Json all = gpu.ToJson();
      Json one = Json::object();
      for (const char* key : {"index", "uuid", "name", "type", "compute_cap", "memory_total_mib"})
        one[key] = all[key];
      gpus.push_back(std::move(one));
    }
  }
  const std::string gpu_type =
      !resources.gpu_type.empty() ? resources.gpu_type : (task.hardware ? task.hardware->gpu_type : "");
  return {{"autotuner_version", kVersion},
          {"task_hash", TaskHash(spec)},
          {"runtime", runtime.name},
          {"simulated", runtime.simulated},
          {"deployment_mode", std::string(task::Name(task.deployment_mode))},
          {"gpu_type", OrNull(gpu_type)},
          {"gpu_count", resources.gpu_ids.size()},
          {"gpus", gpus},
          {"driver_version", OrNull(resources.inventory.driver_version)},
          {"cuda_version", OrNull(resources.inventory.cuda_version)},
          {"engine", EngineProvenance(task, runtime, probes)}};
}

std::string ProvenanceLine(const Json& p) {
  if (!p.is_object()) return "";
  const auto text = [&](const Json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  std::string out = "autotuner " + text(p.value("autotuner_version", Json())) + " · task " +
                    text(p.value("task_hash", Json())) + " · " + text(p.value("runtime", Json()));
  const Json& gpus = p.value("gpus", Json::array());
  if (gpus.is_array() && !gpus.empty()) {
    out += " · " + std::to_string(gpus.size()) + "x " + text(gpus.front().value("name", Json()));
  } else if (p.value("gpu_count", 0) > 0) {
    out += " · " + std::to_string(p.value("gpu_count", 0)) + "x " +
           (p.value("simulated", false) ? "simulated " : "") + text(p.value("gpu_type", Json()));
  }
  if (const std::string driver = text(p.value("driver_version", Json())); !driver.empty())
    out += " · driver " + driver;
  if (const std::string cuda = text(p.value("cuda_version", Json())); !cuda.empty()) out += " · CUDA " + cuda;
  const Json& engine = p.value("engine", Json::object());
  if (engine.is_object()) {
    for (const char* key : {"version", "image_digest", "image"}) {
      if (const std::string v = text(engine.value(key, Json())); !v.empty()) {
        out += " · engine " + v;
        break;
      }
    }
  }
  return out;
}

}  // namespace autotuner::runner
