#include "autotuner/core/data_files.h"

#include <cstdlib>
#include <fstream>
#include <string>

#ifndef AUTOTUNER_DATA_DEFAULT_DIR
#error "AUTOTUNER_DATA_DEFAULT_DIR must name the source tree's data directory"
#endif

namespace autotuner {

namespace {
constexpr size_t kMaxDataBytes = 1 << 20;
}  // namespace

std::filesystem::path DataDir() {
  if (const char* env = std::getenv("AUTOTUNER_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return AUTOTUNER_DATA_DEFAULT_DIR;
}

Result<Json> ReadDataJson(std::string_view name, const std::filesystem::path& file) {
  const std::filesystem::path path = file.empty() ? DataDir() / std::string(name) : file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(ErrorCode::kNotFound, path.string() + ": cannot open", {{"path", path.string()}});
  std::string text(kMaxDataBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxDataBytes) {
    return MakeError(ErrorCode::kValidation, path.string() + ": over 1 MiB", {{"path", path.string()}});
  }
  return ParseJson(text, path.string());
}

}  // namespace autotuner
