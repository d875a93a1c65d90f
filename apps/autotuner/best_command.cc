// `autotuner best NAME|ID [--format shell|docker|k8s|json]`: a stored task's best configuration as the
// command that serves it (runner/launch_command.h; the same lines `run` prints and GET /api/tasks/{id}/best
// returns).

#include <iostream>
#include <memory>

#include "autotuner/core/json.h"
#include "autotuner/runner/launch_command.h"
#include "autotuner/runner/results.h"
#include "autotuner/store/store.h"
#include "commands.h"

namespace autotuner::app {
namespace {

struct BestOptions {
  std::string db;
  std::string task;  // name or id
  std::string format = "shell";
};

// The config file the command reads, as a heredoc that writes it first.
void PrintConfigFile(const Json& launch) {
  const Json file = launch.value("config_file", Json(nullptr));
  if (!file.is_object()) return;
  const std::string path = file.value("path", "");
  std::cout << "mkdir -p " << runner::ShellQuote(path.substr(0, path.rfind('/'))) << " && cat > "
            << runner::ShellQuote(path) << " <<'EOF'\n"
            << file.value("content", "") << "EOF\n";
}

int PrintBest(const Json& best, const std::string& format) {
  const Json& launch = best["launch"];
  if (format == "json") {
    std::cout << DumpJson(best, 2) << "\n";
    return kExitSuccess;
  }
  if (format == "k8s") {
    const Json manifest = launch.value("manifest", Json(nullptr));
    if (!manifest.is_object())
      return Fail(MakeError(ErrorCode::kInvalidArgument,
                            "the task does not deploy to a cluster (deployment_mode kubernetes or ome): no "
                            "manifest; use --format shell or docker"));
    for (const auto& object : manifest["items"]) std::cout << "---\n" << runner::ToYaml(object);
    return kExitSuccess;
  }
  const std::string key = format == "docker" ? "docker" : "shell";
  const Json line = launch.value(key, Json(nullptr));
  if (!line.is_string())
    return Fail(MakeError(ErrorCode::kInvalidArgument, "the runtime has no container image: no docker line"));
  PrintConfigFile(launch);
  std::cout << line.get<std::string>() << "\n";
  const Json engine = best.value("engine_launch", Json(nullptr));
  if (engine.is_object()) {
    const Json real = engine.value(key, Json(nullptr));
    // A comment, so the output stays a script that runs the tuned (simulated) configuration.
    std::cout << "# on the real engine (" << engine.value("runtime", "") << "): "
              << (real.is_string() ? real.get<std::string>() : engine.value("error", "no " + key + " line"))
              << "\n";
  }
  return kExitSuccess;
}

int RunBest(const BestOptions& options) {
  auto catalog = task::RuntimeCatalog::LoadDefault();
  if (!catalog.ok()) return Fail(catalog.error());
  auto store = store::OpenStore(store::DefaultStoreUrl(options.db));
  if (!store.ok()) return Fail(store.error());
  auto record = FindTask(**store, options.task);
  if (!record.ok()) return Fail(record.error());
  auto experiments = (*store)->ListExperiments(record->id);
  if (!experiments.ok()) return Fail(experiments.error());
  auto best = runner::BestConfigurationJson(*record, *experiments, *catalog);
  if (!best.ok()) return Fail(best.error());
  return PrintBest(*best, options.format);
}

}  // namespace

void RegisterBestCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<BestOptions>();
  CLI::App* cmd = app.add_subcommand(
      "best",
      "Print a stored task's best configuration as the command that serves it (the line `run` prints).\n"
      "Exit codes: 0 printed, 1 store error, 2 unknown task or format not available, 3 no feasible "
      "configuration.");
  cmd->add_option("TASK", options->task, "Task name or id")->required();
  cmd->add_option("--format", options->format,
                  "shell: the engine's command line (default); docker: a `docker run` line; k8s: the "
                  "Kubernetes / OME objects as YAML (cluster tasks only); json: everything, as the API's "
                  "GET /api/tasks/{id}/best")
      ->check(CLI::IsMember({"shell", "docker", "k8s", "json"}));
  cmd->add_option("--db", options->db,
                  "Store: a SQLite file or a postgresql:// URL (default: $AUTOTUNER_DB, else "
                  "~/.local/share/autotuner/autotuner.db)");
  cmd->callback([options, &context] { context.exit_code = RunBest(*options); });
}

}  // namespace autotuner::app
