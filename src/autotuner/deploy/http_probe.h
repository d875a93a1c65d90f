#pragma once

#include <chrono>
#include <string>

namespace autotuner::deploy {

// GET base_url + path; true on a 2xx answer within `timeout`.
bool HttpGetOk(const std::string& base_url, const std::string& path,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(1000));

}  // namespace autotuner::deploy
