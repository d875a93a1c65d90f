#include "autotuner/bench/dataset_cache.h"

#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <system_error>

namespace autotuner::bench {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxUrlBytes = 4096;

// A path component safe on every file system: letters, digits, '.', '-', '_' kept, the rest '_'; "." and
// ".." (which would leave the cache) become "_".
std::string SafeComponent(std::string_view part) {
  std::string out;
  for (const char c : part) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    out += ok ? c : '_';
  }
  if (out == "." || out == "..") return "_";
  return out;
}

}  // namespace

fs::path DatasetCacheDir() {
  if (const char* dir = std::getenv("AUTOTUNER_DATASET_CACHE"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return fs::path(xdg) / "autotuner" / "datasets";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr && *home != '\0' ? home : "/tmp") / ".cache" / "autotuner" / "datasets";
}

Result<fs::path> DatasetCachePath(const std::string& url) {
  const auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "benchmark.dataset_url '" + url.substr(0, 200) + "': " + why);
  };
  if (url.size() > kMaxUrlBytes) return bad("longer than " + std::to_string(kMaxUrlBytes) + " bytes");
  size_t start = 0;
  for (const char* scheme : {"https://", "http://"}) {
    if (url.starts_with(scheme)) start = std::string_view(scheme).size();
  }
  if (start == 0) return bad("must start with http:// or https://");
  std::string rest = url.substr(start);
  rest = rest.substr(0, rest.find_first_of("?#"));  // the query does not name the file
  const size_t slash = rest.find('/');
  const std::string host = rest.substr(0, slash);
  if (host.empty()) return bad("has no host");
  fs::path path = DatasetCacheDir() / SafeComponent(host.substr(0, host.find(':')));
  bool has_file = false;
  size_t pos = slash;
  while (pos != std::string::npos && pos < rest.size()) {
    const size_t next = rest.find('/', pos + 1);
    const std::string part =
        rest.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    if (!part.empty()) {
      path /= SafeComponent(part);
      has_file = next == std::string::npos;
    }
    pos = next;
  }
  if (!has_file) return bad("names no file (it must end in the file's name, e.g. .../prompts.jsonl.gz)");
  return path;
}

Result<fs::path> ResolveDatasetUrl(const std::string& url) {
  auto path = DatasetCachePath(url);
  if (!path.ok()) return path;
  std::error_code ec;
  if (fs::is_regular_file(*path, ec)) return path;
  return MakeError(ErrorCode::kNotFound,
                   "benchmark.dataset_url '" + url + "' is not in the dataset cache (tried " +
                       path->string() +
                       "); autotuner never downloads during a study: fetch it once with\n  mkdir -p '" +
                       path->parent_path().string() + "' && curl -fL -o '" + path->string() + "' '" + url +
                       "'\n(or set AUTOTUNER_DATASET_CACHE to a directory that has it)");
}

Result<std::string> ReadDatasetFile(const fs::path& path, size_t max_bytes) {
  const std::string name = path.string();
  const auto too_big = [&] {
    return MakeError(ErrorCode::kResourceExhausted,
                     "dataset " + name + " is over " + std::to_string(max_bytes >> 20) + " MiB");
  };
  std::string text;
  char chunk[1 << 16];
  if (path.extension() == ".gz") {
    const std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(name.c_str(), "rb"), gzclose);
    if (!in) return MakeError(ErrorCode::kNotFound, "cannot read dataset " + name);
    for (;;) {
      const int n = gzread(in.get(), chunk, sizeof chunk);
      if (n < 0) return MakeError(ErrorCode::kParse, "dataset " + name + " is not valid gzip");
      if (n == 0) {
        // End of input: a cut-off file ends here too, which only the stream's error state tells.
        int error = Z_OK;
        gzerror(in.get(), &error);
        if (error != Z_OK) return MakeError(ErrorCode::kParse, "dataset " + name + " is not valid gzip");
        break;
      }
      if (text.size() + static_cast<size_t>(n) > max_bytes) return too_big();
      text.append(chunk, static_cast<size_t>(n));
    }
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, "cannot read dataset " + name);
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    if (text.size() + static_cast<size_t>(in.gcount()) > max_bytes) return too_big();
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  return text;
}

}  // namespace autotuner::bench
