#pragma once

// The winner, actionable (SPEC §6 `best`, GET /api/tasks/{id}/best): a task's configuration as the commands a
// person runs to serve it — the engine's argv and a POSIX-shell line, the environment the engine gets, the
// `docker run` line the Docker deployer's container amounts to, and the Kubernetes / OME objects in those
// modes. The CLI's `run` and `best` and the API print these same lines.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// One word for a POSIX shell: as it is when made only of characters no shell treats specially, else in
// single quotes with each ' written '\''.
std::string ShellQuote(std::string_view word);

// `NAME=value ... argv...` with every part quoted as needed.
std::string ShellLine(const std::map<std::string, std::string>& env, const std::vector<std::string>& argv);

struct LaunchCommand {
  std::vector<std::string> argv;           // the engine's command line, listening on 0.0.0.0:8000
  std::map<std::string, std::string> env;  // what the engine's environment needs beyond the caller's
  std::string shell;                       // env + argv as one shell line
  std::vector<std::string> docker_argv;    // empty when the runtime has no image
  std::string docker;
  std::optional<Json> manifest;  // kubernetes / ome modes: {"items": [objects in creation order]}
  // The engine config file the argv names (path relative to the working directory), when the plan has one.
  std::optional<std::string> config_path;
  Json config_file = Json::object();

  // {argv, shell, env, docker, manifest|null, config_file: {path, content}|null}
  Json ToJson() const;
};

// The port and host the printed engine listens on.
inline constexpr int kLaunchPort = 8000;

// The launch of `parameters` on `runtime` for `task` (model files resolved as a study resolves them, offline
// quantization detected); kInvalidArgument naming the reason when the mapping prunes the candidate.
Result<LaunchCommand> BuildLaunchCommand(const task::Task& task, const Json& parameters,
                                         const task::RuntimeDefinition& runtime);

// A simulated runtime's real engine (its `engine`, when the catalogue has it and it is not simulated), else
// null.
const task::RuntimeDefinition* RealEngineOf(const task::RuntimeDefinition& runtime,
                                            const task::RuntimeCatalog& catalog);

// The best configuration of a stored task: {experiment, objective, launch, engine_launch|null,
// baseline|null}. kNoFeasible when no experiment succeeded feasibly; kValidation when the stored task no
// longer parses against the catalogue.
Result<Json> BestConfigurationJson(const store::TaskRecord& task,
                                   const std::vector<store::ExperimentRecord>& experiments,
                                   const task::RuntimeCatalog& catalog);

}  // namespace autotuner::runner
