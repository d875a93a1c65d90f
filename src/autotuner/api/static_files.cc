#include "autotuner/api/static_files.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "autotuner/core/strings.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

// Vite names what it emits under assets/ by content hash: a changed file is a new URL.
constexpr const char* kImmutable = "public, max-age=31536000, immutable";

std::string MimeType(const fs::path& path) {
  static const std::map<std::string, std::string> kTypes = {{".html", "text/html; charset=utf-8"},
                                                            {".js", "text/javascript"},
                                                            {".mjs", "text/javascript"},
                                                            {".css", "text/css"},
                                                            {".json", "application/json"},
                                                            {".svg", "image/svg+xml"},
                                                            {".png", "image/png"},
                                                            {".ico", "image/x-icon"},
                                                            {".woff2", "font/woff2"},
                                                            {".woff", "font/woff"},
                                                            {".map", "application/json"},
                                                            {".txt", "text/plain"},
                                                            {".wasm", "application/wasm"},
                                                            {".jpg", "image/jpeg"},
                                                            {".webp", "image/webp"}};
  auto it = kTypes.find(path.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

std::optional<std::string> ReadAll(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  if (!file) return std::nullopt;
  return std::move(content).str();
}

// The request path below the root, or nothing when it could leave it.
std::optional<fs::path> RelativePath(const std::string& path) {
  if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return std::nullopt;
  fs::path relative;
  std::istringstream in(path);
  std::string segment;
  while (std::getline(in, segment, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") return std::nullopt;
    relative /= segment;
  }
  return relative;
}

bool Matches(const std::string& if_none_match, const std::string& etag) {
  std::istringstream in(if_none_match);
  std::string token;
  while (std::getline(in, token, ',')) {
    token = std::string(TrimAsciiSpace(token));
    if (token == "*" || token == etag || token == "W/" + etag) return true;
  }
  return false;
}

StaticFile RefusedFile(int status, std::string error) {
  StaticFile out;
  out.status = status;
  out.error = std::move(error);
  return out;
}

}  // namespace

std::vector<std::string> AcceptedEncodings(const std::string& accept_encoding) {
  bool br = false, gzip = false;
  std::istringstream in(accept_encoding);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t semicolon = item.find(';');
    const std::string coding = AsciiLower(TrimAsciiSpace(std::string_view(item).substr(0, semicolon)));
    const std::string params = semicolon == std::string::npos ? "" : AsciiLower(item.substr(semicolon + 1));
    const size_t q = params.find("q=");
    if (q != std::string::npos && std::strtod(params.c_str() + q + 2, nullptr) <= 0) continue;
    br = br || coding == "br";
    gzip = gzip || coding == "gzip";
  }
  std::vector<std::string> out;
  if (br) out.push_back("br");
  if (gzip) out.push_back("gzip");
  return out;
}

StaticFile ResolveStaticFile(const fs::path& web_root, const StaticRequest& request) {
  StaticFile out;
  const auto relative = RelativePath(request.path);
  if (!relative) return RefusedFile(400, "bad path");
  std::error_code ec;
  fs::path candidate = web_root / *relative;
  if (fs::is_directory(candidate, ec)) candidate /= "index.html";
  fs::path resolved = fs::weakly_canonical(candidate, ec);
  const auto rel = resolved.lexically_relative(web_root);
  const bool inside = !ec && !rel.empty() && *rel.begin() != "..";
  std::optional<std::string> identity = inside ? ReadAll(resolved) : std::nullopt;
  bool app_page = resolved.filename() == "index.html";
  if (!identity) {
    // SPA fallback: client-side routes (/tasks/3) get the app's index.html.
    resolved = web_root / "index.html";
    identity = ReadAll(resolved);
    if (!identity) return RefusedFile(404, "no such file: " + request.path);
    app_page = true;
  }
  out.content_type = MimeType(resolved);
  out.body = std::move(*identity);
  // index.html's ETag: of the identity bytes, one per encoding (a strong ETag names one representation).
  std::string etag = "\"" + (app_page ? Fnv1a64Hex(out.body) : "");
  bool has_twin = false;
  for (const std::string& encoding : AcceptedEncodings(request.accept_encoding)) {
    if (auto bytes = ReadAll(resolved.string() + (encoding == "br" ? ".br" : ".gz"))) {
      out.encoding = encoding;
      out.body = std::move(*bytes);
      etag += "-" + encoding;
      has_twin = true;
      break;
    }
  }
  etag += "\"";
  if (has_twin || fs::exists(resolved.string() + ".br", ec) || fs::exists(resolved.string() + ".gz", ec))
    out.headers.emplace_back("Vary", "Accept-Encoding");
  if (app_page) {
    out.headers.emplace_back("Cache-Control", "no-cache");
    out.headers.emplace_back("ETag", etag);
    if (Matches(request.if_none_match, etag)) {
      out.status = 304;
      out.body.clear();
    }
  } else if (!relative->empty() && *relative->begin() == "assets") {
    out.headers.emplace_back("Cache-Control", kImmutable);
  }
  return out;
}

}  // namespace autotuner::api
