// `autotuner`: the command-line entry point. Subcommands register themselves (commands.h).

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "autotuner/core/error.h"
#include "autotuner/core/log.h"
#include "autotuner/core/version.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "autotuner finds the best launch configuration of an LLM inference engine (SGLang, vLLM, "
      "TensorRT-LLM)\n"
      "for a model, a GPU and a traffic pattern.",
      "autotuner"};
  app.set_version_flag("--version", std::string("autotuner ") + autotuner::kVersion);
  app.require_subcommand(1);
  app.fallthrough(false);

  autotuner::app::CommandContext context;
  autotuner::app::RegisterValidateCommand(app, context);
  autotuner::app::RegisterRuntimesCommand(app, context);
  autotuner::app::RegisterTokenizeCommand(app, context);
  autotuner::app::RegisterStoreCommands(app, context);
  autotuner::app::RegisterBestCommand(app, context);
  autotuner::app::RegisterBenchCommand(app, context);
#ifdef AUTOTUNER_HAS_SERVE
  autotuner::app::RegisterServeCommand(app, context);
#endif
  autotuner::app::RegisterRunCommand(app, context);

  try {
    autotuner::InitLogging();
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes (105 for a bad value, ...) become SPEC §5's "invalid input".
    const int code = app.exit(e);
    return code == 0 ? autotuner::kExitSuccess : autotuner::kExitInvalidInput;
  } catch (const std::exception& e) {
    std::cerr << "autotuner: internal error: " << e.what() << "\n";
    return autotuner::kExitRuntimeError;
  }
  return context.exit_code;
}
