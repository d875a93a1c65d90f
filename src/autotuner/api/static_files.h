// The web UI's files as `autotuner serve --web-root` serves them: path checks (nothing outside the root), the
// single-page app's fallback to index.html, the precompressed twins the web build writes (`x.js.br`,
// `x.js.gz`: served as stored, so no request pays for compression) and caching headers (hashed assets are
// immutable, index.html is revalidated by its ETag). No HTTP library here: server.cc writes the answer.

#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace autotuner::api {

struct StaticRequest {
  std::string path;             // the URL path, "/assets/index-abc.js"
  std::string accept_encoding;  // the request's Accept-Encoding, "" when absent
  std::string if_none_match;    // the request's If-None-Match, "" when absent
};

struct StaticFile {
  int status = 200;   // 200, 304 (the ETag matched), 400 (a bad path), 404
  std::string error;  // for 400 / 404
  std::string body;   // the bytes to send, already encoded when `encoding` is set; empty for 304
  std::string content_type;
  std::string encoding;  // "" (identity), "br" or "gzip": the Content-Encoding of `body`
  std::vector<std::pair<std::string, std::string>> headers;  // Cache-Control, ETag, Vary
};

// `web_root` is canonical.
StaticFile ResolveStaticFile(const std::filesystem::path& web_root, const StaticRequest& request);

// The encodings the client accepts, in the order we prefer them ("br", then "gzip"); q=0 refuses one.
std::vector<std::string> AcceptedEncodings(const std::string& accept_encoding);

}  // namespace autotuner::api
