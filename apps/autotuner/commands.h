#pragma once

#include <CLI/CLI.hpp>

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
void RegisterBenchCommand(CLI::App& app, CommandContext& context);

}  // namespace autotuner::app
