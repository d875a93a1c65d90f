// Where the CLI finds its data directory, the built web UI and the simulator binary, and how its studies run.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "autotuner/deploy/deployer_factory.h"
#include "commands.h"
#include "dry_run.h"

namespace autotuner::app {

namespace fs = std::filesystem;

int Fail(const Error& error, std::string_view program) {
  std::cerr << program << ": " << error.message << "\n";
  return ExitCodeFor(error.code);
}

std::string DataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/autotuner";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/autotuner";
}

std::string DefaultWebRoot() {
  if (const char* env = std::getenv("AUTOTUNER_WEB_ROOT"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path built = fs::path(AUTOTUNER_SOURCE_DIR) / "web" / "dist";
  return fs::exists(built / "index.html", ec) ? built.string() : "";
}

void PreferSiblingBinaries() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec || !fs::exists(self.parent_path() / "autotuner-sim", ec)) return;
  const char* path = std::getenv("PATH");
  const std::string value = self.parent_path().string() + (path != nullptr ? ":" + std::string(path) : "");
  ::setenv("PATH", value.c_str(), 1);
}

runner::RunnerEnvironment CliRunnerEnvironment(store::Store* store, runner::EventBus* events,
                                               const task::RuntimeCatalog* catalog,
                                               const std::string& gpu_ids) {
  runner::RunnerEnvironment env;
  env.store = store;
  env.events = events;
  env.catalog = catalog;
  env.make_deployer = deploy::DefaultDeployerFactory(DataDir());
  env.make_load_generator = runner::DefaultLoadGeneratorFactory();
  env.gpu_ids = gpu_ids;
  env.preflight_probes = CliPreflightProbes();
  env.preflight_on_start = true;
  env.state_dir = DataDir();
  return env;
}

}  // namespace autotuner::app
