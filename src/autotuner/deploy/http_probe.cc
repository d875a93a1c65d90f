#include "autotuner/deploy/http_probe.h"

#include <httplib.h>

namespace autotuner::deploy {

bool HttpGetOk(const std::string& base_url, const std::string& path, std::chrono::milliseconds timeout) {
  httplib::Client client(base_url);
  const auto seconds = timeout.count() / 1000;
  const auto micros = (timeout.count() % 1000) * 1000;
  client.set_connection_timeout(seconds, micros);
  client.set_read_timeout(seconds, micros);
  const auto response = client.Get(path);
  return response && response->status >= 200 && response->status < 300;
}

}  // namespace autotuner::deploy
