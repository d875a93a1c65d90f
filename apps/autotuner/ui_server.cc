#include "ui_server.h"

#include <iostream>
#include <vector>

namespace autotuner::app {
namespace {

// The ports `run --ui` tries in order when none is given; 0 = any free port.
std::vector<int> CandidatePorts(std::optional<int> port) {
  if (port) return {*port};
  std::vector<int> ports;
  for (int p = 8080; p <= 8090; ++p) ports.push_back(p);
  ports.push_back(0);
  return ports;
}

}  // namespace

std::optional<UiServer> StartUiServer(UiServerRequest request, store::Store* store, runner::EventBus* bus,
                                      api::StudyControl* control, const task::RuntimeCatalog* catalog) {
  const auto refuse = [](const std::string& why) -> std::optional<UiServer> {
    std::cerr << "autotuner: web UI not started (" << why
              << "); the study runs without it (--ui PORT picks another port)\n";
    return std::nullopt;
  };
  if (!request.no_auth) {
    auto token = api::GenerateToken();
    if (!token.ok()) return refuse(token.error().message);
    request.options.token = *token;
  }
  UiServer ui;
  std::string last_error;
  for (int port : CandidatePorts(request.port)) {
    request.options.port = port;
    ui.server = std::make_unique<api::Server>(request.options, store, bus, control, catalog);
    const Status started = ui.server->Start();
    if (started.ok()) break;
    last_error = started.error().message;
    ui.server.reset();
    if (started.error().code != ErrorCode::kUnavailable) break;  // not a busy port: another will not help
  }
  if (!ui.server) return refuse(last_error);
  if (!request.options.token.empty()) {
    auto written = api::WriteTokenFile(ui.server->port(), request.options.token);
    if (written.ok()) {
      ui.token_file = api::TokenFile(*written);
    } else {
      std::cerr << "autotuner: token file not written (" << written.error().message << ")\n";
    }
  }
  ui.url = api::UiUrl(ui.server->url(), request.options.token, request.fragment);
  std::cout << "Web UI: " << ui.url
            << (request.options.web_root.empty() ? "  (API only: web/dist is not built)" : "") << std::endl;
  return ui;
}

}  // namespace autotuner::app
