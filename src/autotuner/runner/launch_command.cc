#include "autotuner/runner/launch_command.h"

#include <algorithm>
#include <filesystem>
#include <memory>

#include "autotuner/deploy/docker_deployer.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/deploy/offline_quant.h"
#include "autotuner/runner/baseline.h"
#include "autotuner/runner/preflight.h"
#include "autotuner/runner/results.h"
#include "autotuner/runner/study.h"
#include "autotuner/task/parse.h"

namespace autotuner::runner {
namespace {

namespace fs = std::filesystem;

// Where the printed commands expect the engine config file: a directory of the caller's working directory.
constexpr const char* kConfigDir = "autotuner-config";

bool ShellSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

std::string JoinShell(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    out += ShellQuote(arg);
  }
  return out;
}

deploy::DeploySpec LaunchSpec(const task::Task& task, const task::RuntimeDefinition& runtime,
                              const deploy::LaunchPlan& plan, const EngineModel& model) {
  deploy::DeploySpec spec;
  spec.task_name = task.task_name;
  spec.experiment = task.task_name + "/best";
  // The tag the task gives is for its own runtime's image; a simulated runtime's real engine keeps its own.
  spec.image =
      deploy::EngineImage(runtime.image, runtime.name == task.base_runtime ? task.runtime_image_tag : "");
  spec.runtime = &runtime;
  spec.model = model.model;
  spec.served_model_name = ServedModelName(task);
  spec.plan = plan;
  spec.env = deploy::EngineEnv(plan, model.env);
  return spec;
}

Json KubeObjects(const task::Task& task, const deploy::DeploySpec& spec) {
  deploy::KubeDeployerOptions options = deploy::KubeDeployerOptionsForTask(task, "");
  options.bookkeeping = false;
  // Rendering only: the deployer never talks to a cluster here.
  const deploy::KubeDeployer renderer(std::move(options), nullptr);
  Json items = Json::array();
  for (auto& object : renderer.ModelManifests(task.task_name)) items.push_back(std::move(object));
  for (auto& object : renderer.Manifests(spec)) items.push_back(std::move(object));
  return {{"items", items}};
}

}  // namespace

std::string ShellQuote(std::string_view word) {
  if (!word.empty() && std::all_of(word.begin(), word.end(), ShellSafe)) return std::string(word);
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ShellLine(const std::map<std::string, std::string>& env, const std::vector<std::string>& argv) {
  std::string out;
  // A credential is taken from the reader's own environment, never printed.
  for (const auto& [name, value] : env)
    out += name + "=" + (deploy::IsSecretEnvName(name) ? "\"$" + name + "\"" : ShellQuote(value)) + " ";
  return out + JoinShell(argv);
}

Json LaunchCommand::ToJson() const {
  Json env_json = Json::object();
  for (const auto& [name, value] : env) env_json[name] = value;
  return {
      {"argv", argv},
      {"shell", shell},
      {"env", env_json},
      {"docker", docker_argv.empty() ? Json(nullptr) : Json(docker)},
      {"manifest", manifest ? *manifest : Json(nullptr)},
      {"config_file", config_path ? Json{{"path", *config_path}, {"content", DumpJson(config_file, 2) + "\n"}}
                                  : Json(nullptr)}};
}

Result<LaunchCommand> BuildLaunchCommand(const task::Task& task, const Json& parameters,
                                         const task::RuntimeDefinition& runtime) {
  const auto offline = deploy::DetectOfflineQuantization(task.model.id_or_path);
  const auto mapped = MapTaskCandidate(task, runtime, parameters, offline);
  if (mapped.pruned())
    return MakeError(ErrorCode::kInvalidArgument,
                     "the configuration cannot run on " + runtime.name + ": " + mapped.pruned_reason);
  const EngineModel model = ResolveEngineModel(task, runtime);
  const deploy::DeploySpec spec = LaunchSpec(task, runtime, *mapped.plan, model);
  LaunchCommand out;
  const bool with_config = !mapped.plan->config_file.empty() && !runtime.config_file_flag.empty();
  if (with_config) {
    out.config_path = std::string(kConfigDir) + "/" + runtime.config_file_flag + ".yaml";
    out.config_file = mapped.plan->config_file;
  }
  out.argv = deploy::BuildEngineArgv(runtime, spec.model, spec.served_model_name, spec.plan, "0.0.0.0",
                                     kLaunchPort, out.config_path.value_or(""));
  out.env = spec.env;
  for (auto& [name, value] : out.env)
    if (deploy::IsSecretEnvName(name)) value = "$" + name;  // by name: see ShellLine
  out.shell = ShellLine(out.env, out.argv);
  if (!spec.image.empty()) {
    deploy::DockerDeployerOptions docker;
    docker.host = "0.0.0.0";
    const deploy::DockerDeployer renderer(std::move(docker));
    std::error_code ec;
    const std::string config_dir = with_config ? (fs::current_path(ec) / kConfigDir).string() : "";
    out.docker_argv = renderer.RunArgv(spec, kLaunchPort, config_dir);
    out.docker = JoinShell(out.docker_argv);
  }
  if (task::IsCluster(task.deployment_mode)) {
    out.manifest = KubeObjects(task, spec);
  }
  return out;
}

const task::RuntimeDefinition* RealEngineOf(const task::RuntimeDefinition& runtime,
                                            const task::RuntimeCatalog& catalog) {
  if (!runtime.simulated) return nullptr;
  const task::RuntimeDefinition* real = catalog.Find(runtime.engine);
  return real != nullptr && !real->simulated ? real : nullptr;
}

Result<Json> BestConfigurationJson(const store::TaskRecord& record,
                                   const std::vector<store::ExperimentRecord>& experiments,
                                   const task::RuntimeCatalog& catalog) {
  const auto best = BestExperiment(experiments);
  if (!best)
    return MakeError(ErrorCode::kNoFeasible,
                     "task " + record.name + " has no feasible successful experiment" +
                         (experiments.empty() ? " (it has no experiments yet)" : ""),
                     {{"task_id", record.id}, {"experiments", experiments.size()}});
  const auto parsed = task::ParseTask(record.spec, &catalog);
  if (!parsed.task) return task::ValidationError(parsed);
  const task::RuntimeDefinition* runtime = catalog.Find(parsed.task->base_runtime);
  if (runtime == nullptr) return MakeError(ErrorCode::kNotFound, "no runtime " + parsed.task->base_runtime);
  auto launch = BuildLaunchCommand(*parsed.task, best->parameters, *runtime);
  if (!launch.ok()) return std::move(launch).error();
  Json engine_launch = nullptr;
  if (const auto* real = RealEngineOf(*runtime, catalog)) {
    auto on_real = BuildLaunchCommand(*parsed.task, best->parameters, *real);
    // The simulator's best may be a configuration the real engine cannot run: said, not hidden.
    engine_launch = on_real.ok() ? on_real->ToJson() : Json{{"error", on_real.error().message}};
    engine_launch["runtime"] = real->name;
  }
  const task::Objective objective = PrimaryObjective(record.spec);
  return Json{{"experiment", ExperimentJson(*best, objective)},
              {"objective", std::string(task::Name(objective))},
              {"runtime", runtime->name},
              {"launch", launch->ToJson()},
              {"engine_launch", engine_launch},
              {"baseline", ImprovementJson(experiments, objective)}};
}

}  // namespace autotuner::runner
