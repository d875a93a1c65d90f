#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "autotuner/core/result.h"
#include "autotuner/runner/study.h"
#include "autotuner/store/store.h"
#include "autotuner/task/parse.h"

namespace autotuner::app {

// Shared state of one CLI invocation: the subcommand that ran sets the process exit code.
struct CommandContext {
  int exit_code = 0;
};

// Each subcommand lives in its own file and registers itself on the root app.
void RegisterValidateCommand(CLI::App& app, CommandContext& context);
void RegisterRuntimesCommand(CLI::App& app, CommandContext& context);
void RegisterTokenizeCommand(CLI::App& app, CommandContext& context);
void RegisterStoreCommands(CLI::App& app, CommandContext& context);
void RegisterBestCommand(CLI::App& app, CommandContext& context);
void RegisterBenchCommand(CLI::App& app, CommandContext& context);
void RegisterServeCommand(CLI::App& app, CommandContext& context);
void RegisterRunCommand(CLI::App& app, CommandContext& context);

// Where autotuner keeps its data (engine records, ...): $XDG_DATA_HOME/autotuner or ~/.local/share/autotuner.
std::string DataDir();
// The built web UI: $AUTOTUNER_WEB_ROOT, else the source tree's web/dist when built, else "" (API only).
std::string DefaultWebRoot();
// Simulated runtimes launch `autotuner-sim`: the copy built next to this binary goes first on PATH.
void PreferSiblingBinaries();
// What `run` and `serve` give their studies: the default deployers (engine records under DataDir()) and load
// generator, over the given store, event bus and runtimes; `gpu_ids` as --gpus gives them.
runner::RunnerEnvironment CliRunnerEnvironment(store::Store* store, runner::EventBus* events,
                                               const task::RuntimeCatalog* catalog,
                                               const std::string& gpu_ids);
// Prints "<program>: <message>" to stderr; returns the error's exit code (core/error.h).
int Fail(const Error& error, std::string_view program = "autotuner");
// A stored task by id (all digits) or name.
Result<store::TaskRecord> FindTask(store::Store& s, const std::string& key);
// Prints a task file's warnings, and its errors with file:line:column when it is invalid (then returns
// false).
bool ReportTaskDiagnostics(const task::TaskParseResult& result, const std::string& task_file);

}  // namespace autotuner::app
