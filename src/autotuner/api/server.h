#pragma once

// `autotuner serve`'s HTTP server: the REST API (api.h) with auth, limits, SSE streams and the web UI's
// static files. Embeddable: `autotuner run --ui` runs one for the duration of a study.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "autotuner/api/api.h"
#include "autotuner/core/result.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::api {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;          // 0: any free port (see Server::port())
  std::string web_root;     // static web UI; empty: none
  std::string token;        // empty: no auth (only allowed on loopback unless insecure)
  bool insecure = false;    // allow a non-loopback bind without a token
  std::string cors_origin;  // empty: no CORS headers; "*" or one origin
  size_t max_body_bytes = size_t{4} << 20;
  size_t max_json_depth = 64;
  size_t max_streams = 512;             // SSE streams open at once, all clients
  size_t max_streams_per_client = 128;  // per remote address
  std::chrono::milliseconds heartbeat_interval = std::chrono::seconds(10);
  std::chrono::seconds read_timeout = std::chrono::seconds(10);
  std::chrono::seconds write_timeout = std::chrono::seconds(10);
  // Slow clients: a request (headers and body) must arrive within this from its first byte, and one address
  // holds at most this many connections (above max_streams_per_client, so its streams still fit).
  std::chrono::milliseconds request_deadline = std::chrono::seconds(30);
  size_t max_connections_per_client = 160;
  std::string gpu_ids;       // override for /api/gpus
  bool seed_presets = true;  // add the shipped parameter presets to the store at start
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopback(const std::string& host);

// SPEC §6: binding a non-loopback address without a token is refused unless `insecure`.
Status CheckBindSecurity(const ServerOptions& options);

class Server {
 public:
  // Nothing is owned; everything must outlive the server. `events` / `studies` may be null (see Api).
  Server(ServerOptions options, store::Store* store, runner::EventBus* events, StudyControl* studies,
         const task::RuntimeCatalog* catalog);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and serves on a background thread. kInvalidArgument for a refused bind (security, bad web root),
  // kUnavailable when the address cannot be bound.
  Status Start();
  // Ends every stream, stops accepting and joins the serving thread. Idempotent.
  void Stop();
  int port() const;
  // Connections from `address` admitted and not yet closed (the per-address cap counts these).
  size_t OpenConnectionsFrom(const std::string& address) const;
  // "http://host:port".
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace autotuner::api
