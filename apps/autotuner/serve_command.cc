// `autotuner serve`: the REST API, live streams and web UI in one process that also runs the studies.

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "autotuner/api/server.h"
#include "autotuner/api/study_control.h"
#include "autotuner/core/error.h"
#include "autotuner/core/log.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/runner/study.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "commands.h"

namespace autotuner::app {
namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string db;
  std::string web_root;
  std::string token;
  bool insecure = false;
  std::string cors_origin;
  std::string gpus;
  size_t max_streams = 512;
};

int Fail(const Error& error) {
  std::cerr << "autotuner serve: " << error.message << "\n";
  return ExitCodeFor(error.code);
}

int Serve(ServeOptions options) {
  if (options.token.empty()) {
    if (const char* env = std::getenv("AUTOTUNER_TOKEN"); env != nullptr) options.token = env;
  }
  api::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  server_options.web_root = options.web_root.empty() ? DefaultWebRoot() : options.web_root;
  server_options.token = options.token;
  server_options.insecure = options.insecure;
  server_options.cors_origin = options.cors_origin;
  server_options.gpu_ids = options.gpus;
  server_options.max_streams = options.max_streams;
  // Refuse an unsafe bind before touching the store or resuming studies.
  if (Status check = api::CheckBindSecurity(server_options); !check.ok()) return Fail(check.error());

  // Signals are blocked before any thread exists so every thread inherits the mask and only sigwait below
  // takes them (engines are spawned with an empty mask and still get their SIGTERM).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  ::signal(SIGINT, SIG_DFL);  // background jobs of a shell start with SIGINT ignored
  ::signal(SIGTERM, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  PreferSiblingBinaries();  // simulated runtimes launch the autotuner-sim built with this binary
  auto store = store::OpenStore(store::DefaultStoreUrl(options.db));
  if (!store.ok()) return Fail(store.error());
  auto catalog = task::RuntimeCatalog::LoadDefault();
  if (!catalog.ok()) return Fail(catalog.error());
  runner::EventBus bus;
  const runner::RunnerEnvironment env = CliRunnerEnvironment(store->get(), &bus, &*catalog, options.gpus);
  int exit_code = kExitSuccess;
  {
    runner::StudyManager manager(env);
    api::StudyManagerControl control(&manager);
    api::Server server(server_options, store->get(), &bus, &control, &*catalog);
    if (Status started = server.Start(); !started.ok()) return Fail(started.error());
    const int resumed = manager.ResumeInterrupted();
    std::cout << "autotuner serve: " << server.url() << " (store " << (*store)->Describe() << ")"
              << (options.token.empty() ? "" : ", token required")
              << (server_options.web_root.empty() ? ", API only (no --web-root)" : "") << "\n";
    if (resumed > 0) std::cout << "Resumed " << resumed << " interrupted task(s).\n";
    std::cout.flush();
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    std::cout << "\nautotuner serve: stopping (cancelling running studies)...\n";
    server.Stop();
    // The manager's destructor cancels every study and waits for its engines to stop.
  }
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  return exit_code;
}

}  // namespace

void RegisterServeCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* cmd =
      app.add_subcommand("serve", "Serve the REST API, live event streams and the web UI, and run studies");
  cmd->add_option("--host", options->host, "Address to bind (non-loopback needs --token or --insecure)")
      ->capture_default_str();
  cmd->add_option("--port", options->port, "Port")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--db", options->db, "Store URL (sqlite path or postgresql://...; default AUTOTUNER_DB)");
  cmd->add_option("--web-root", options->web_root,
                  "Directory of the built web UI (default: AUTOTUNER_WEB_ROOT, else the built web/dist)");
  cmd->add_option("--token", options->token, "Require this bearer token on /api (default: AUTOTUNER_TOKEN)");
  cmd->add_flag("--insecure", options->insecure, "Allow a non-loopback bind without a token");
  cmd->add_option("--cors-origin", options->cors_origin,
                  "Allow this origin (or *) cross-origin; off by default");
  cmd->add_option("--gpus", options->gpus, "GPU ids to use (\"0,1\"); default: all nvidia-smi lists");
  cmd->add_option("--max-streams", options->max_streams, "Live streams open at once (all clients)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->callback([options, &context] { context.exit_code = Serve(*options); });
}

}  // namespace autotuner::app
