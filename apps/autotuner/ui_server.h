#pragma once

// The web UI server that `run --ui` runs beside its study (SPEC §6): a generated token unless --no-auth, the
// token file, and a free port when none was asked for.

#include <memory>
#include <optional>
#include <string>

#include "autotuner/api/server.h"
#include "autotuner/api/ui_access.h"

namespace autotuner::app {

struct UiServer {
  std::unique_ptr<api::Server> server;
  api::TokenFile token_file;
  std::string url;  // as printed: with the token and the fragment
};

struct UiServerRequest {
  api::ServerOptions options;  // host, web root, GPUs; port and token are chosen here
  std::optional<int> port;     // --ui PORT; none: the first free of 8080–8090, else any free port
  bool no_auth = false;
  std::string fragment;  // where the printed URL opens, e.g. "/tasks/3"
};

// Starts the server and prints its URL; nullopt (after printing why) when it cannot start: the study runs
// on without a UI.
std::optional<UiServer> StartUiServer(UiServerRequest request, store::Store* store, runner::EventBus* bus,
                                      api::StudyControl* control, const task::RuntimeCatalog* catalog);

}  // namespace autotuner::app
