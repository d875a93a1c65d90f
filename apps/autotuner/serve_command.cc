// `autotuner serve`: the REST API, live streams and web UI in one process that also runs the studies.

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "autotuner/api/server.h"
#include "autotuner/api/study_control.h"
#include "autotuner/api/ui_access.h"
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
  bool no_auth = false;
  bool insecure = false;
  std::string cors_origin;
  std::string gpus;
  size_t max_streams = 512;
};

int Serve(ServeOptions options) {
  if (options.token.empty()) {
    if (const char* env = std::getenv("AUTOTUNER_TOKEN"); env != nullptr) options.token = env;
  }
  if (options.no_auth && !options.token.empty())
    return Fail(MakeError(ErrorCode::kInvalidArgument,
                          "--no-auth and a token (--token, AUTOTUNER_TOKEN) exclude each other"),
                "autotuner serve");
  if (options.no_auth && !api::IsLoopback(options.host) && !options.insecure)
    return Fail(MakeError(ErrorCode::kInvalidArgument,
                          "--no-auth is for loopback binds only (--host 127.0.0.1); on " + options.host +
                              " anyone who can reach the port could run engines (--insecure overrides)"),
                "autotuner serve");
  // SPEC §6: no token given → one per start, so other local users and web pages cannot drive the server.
  const bool generated = options.token.empty() && !options.no_auth;
  if (generated) {
    auto token = api::GenerateToken();
    if (!token.ok()) return Fail(token.error(), "autotuner serve");
    options.token = *token;
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
  if (Status check = api::CheckBindSecurity(server_options); !check.ok())
    return Fail(check.error(), "autotuner serve");

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
  if (!store.ok()) return Fail(store.error(), "autotuner serve");
  auto catalog = task::RuntimeCatalog::LoadDefault();
  if (!catalog.ok()) return Fail(catalog.error(), "autotuner serve");
  runner::EventBus bus;
  const runner::RunnerEnvironment env = CliRunnerEnvironment(store->get(), &bus, &*catalog, options.gpus);
  int exit_code = kExitSuccess;
  {
    runner::StudyManager manager(env);
    api::StudyManagerControl control(&manager);
    api::Server server(server_options, store->get(), &bus, &control, &*catalog);
    if (Status started = server.Start(); !started.ok()) return Fail(started.error(), "autotuner serve");
    api::TokenFile token_file;
    if (generated) {
      auto written = api::WriteTokenFile(server.port(), options.token);
      if (!written.ok()) return Fail(written.error(), "autotuner serve");
      token_file = api::TokenFile(*written);
    }
    const int resumed = manager.ResumeInterrupted();
    // A given token is the user's secret and is not echoed; a generated one is printed once, in the URL.
    std::cout << "autotuner serve: " << api::UiUrl(server.url(), generated ? options.token : "", "/tasks")
              << " (store " << (*store)->Describe() << ")"
              << (options.token.empty() ? ", no auth (--no-auth)" : ", token required")
              << (server_options.web_root.empty() ? ", API only (no --web-root)" : "") << "\n";
    if (generated) std::cout << "Token file (this user only): " << token_file.path() << "\n";
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
  cmd->add_option("--token", options->token,
                  "Require this bearer token on /api (default: AUTOTUNER_TOKEN, else a generated one)");
  cmd->add_flag("--no-auth", options->no_auth,
                "Serve without a token (loopback only); by default a token is generated at each start");
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
