#pragma once

// How `serve` and `run --ui` hand the browser and the same user's CLI a server's token (SPEC §6): a random
// token per start, a URL that carries it once, and a file only this user can read.

#include <string>

#include "autotuner/core/result.h"

namespace autotuner::api {

// 32 random bytes from the kernel, as 64 hex digits.
Result<std::string> GenerateToken();

// $XDG_RUNTIME_DIR/autotuner/serve-PORT.token (else /tmp/autotuner-UID/serve-PORT.token).
std::string TokenFilePath(int port);

// Writes the token to TokenFilePath(port) with mode 0600 (its directory 0700); returns the path.
Result<std::string> WriteTokenFile(int port, const std::string& token);

// `server_url`/?token=T#fragment (no token part when `token` is empty); the server swaps the token for its
// cookie and redirects to a URL without it.
std::string UiUrl(const std::string& server_url, const std::string& token, const std::string& fragment);

// Removes the token file when the server stops, so a stale token is never read.
class TokenFile {
 public:
  TokenFile() = default;
  explicit TokenFile(std::string path) : path_(std::move(path)) {}
  ~TokenFile();
  TokenFile(TokenFile&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TokenFile& operator=(TokenFile&& other) noexcept;
  TokenFile(const TokenFile&) = delete;
  TokenFile& operator=(const TokenFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace autotuner::api
