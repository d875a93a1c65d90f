#pragma once

// httplib::Server with the defences its 0.11 release lacks against slow clients: a deadline for reading each
// request (headers and body), not only a timeout per recv, and a cap on connections per client address. A
// client that sends one header byte every few seconds no longer holds a worker thread for ever, and one
// address cannot take every worker.

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace autotuner::api {

struct ConnectionLimits {
  std::chrono::milliseconds request_deadline = std::chrono::seconds(30);  // from a request's first byte
  size_t max_connections_per_client = 160;
};

class GuardedHttpServer final : public httplib::Server {
 public:
  explicit GuardedHttpServer(ConnectionLimits limits) : limits_(limits) {}

  // Open connections from `address` now (for tests).
  size_t ConnectionsFrom(const std::string& address) const;

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool Admit(const std::string& address);
  void Leave(const std::string& address);

  ConnectionLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, size_t> connections_;
};

}  // namespace autotuner::api
