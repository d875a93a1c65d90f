#include "autotuner/core/model_files.h"

#include <cstdlib>
#include <fstream>

namespace autotuner {
namespace fs = std::filesystem;

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

bool IsDir(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

bool Exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// A ref file holds one commit hash; anything longer than a hash plus a newline is not a ref.
std::string ReadRef(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return "";
  std::string commit;
  in >> commit;
  if (commit.size() > 128 || commit.find_first_of("/\\.") != std::string::npos) return "";
  return commit;
}

bool LooksLikePath(std::string_view id) {
  return id.starts_with("/") || id.starts_with("./") || id.starts_with("../") || id.starts_with("~") ||
         id == "." || id == "..";
}

fs::path ExpandHome(std::string_view id) {
  if (id == "~") return Env("HOME");
  if (id.starts_with("~/")) return fs::path(Env("HOME")) / std::string(id.substr(2));
  return fs::path(std::string(id));
}

// snapshots/<commit>/ of `hub_id` in the cache, recording what was looked at in `tried`.
std::optional<ModelFiles> FromHubCache(std::string_view hub_id, const ModelLocations& where,
                                       std::vector<std::string>& tried) {
  if (where.hub_cache.empty()) {
    tried.push_back("Hub cache: none ($HF_HUB_CACHE, $HF_HOME and $HOME are unset)");
    return std::nullopt;
  }
  std::string folder = "models--" + std::string(hub_id);
  for (size_t at = folder.find('/'); at != std::string::npos; at = folder.find('/', at)) {
    folder.replace(at, 1, "--");
  }
  const fs::path repo = where.hub_cache / folder;
  const std::string revision = where.revision.empty() ? "main" : where.revision;
  std::string commit = ReadRef(repo / "refs" / revision);
  if (commit.empty() && IsDir(repo / "snapshots" / revision)) commit = revision;  // a commit given directly
  if (commit.empty()) {
    tried.push_back((repo / "refs" / revision).string() + " (Hub cache, revision " + revision + ")");
    return std::nullopt;
  }
  const fs::path snapshot = repo / "snapshots" / commit;
  if (!IsDir(snapshot)) {
    tried.push_back(snapshot.string() + " (Hub cache snapshot of " + revision + ")");
    return std::nullopt;
  }
  ModelFiles files;
  files.source = ModelFiles::Source::kHubCache;
  files.path = snapshot;
  files.hub_id = std::string(hub_id);
  files.revision = commit;
  return files;
}

}  // namespace

fs::path DefaultHubCache() {
  if (const std::string cache = Env("HF_HUB_CACHE"); !cache.empty()) return cache;
  if (const std::string home = Env("HF_HOME"); !home.empty()) return fs::path(home) / "hub";
  if (const std::string home = Env("HOME"); !home.empty()) return fs::path(home) / ".cache/huggingface/hub";
  return {};
}

ModelLocations ModelLocations::FromEnvironment(std::string_view runtime_model_dir, std::string revision) {
  ModelLocations where;
  if (!runtime_model_dir.empty()) {
    where.model_dir = ExpandHome(runtime_model_dir);
  } else if (const std::string dir = Env("AUTOTUNER_MODEL_DIR"); !dir.empty()) {
    where.model_dir = dir;
  } else {
    where.model_dir = std::string(kDefaultModelDir);
  }
  where.hub_cache = DefaultHubCache();
  where.revision = std::move(revision);
  return where;
}

bool ModelFiles::IsDirectory() const { return IsDir(path); }

fs::path ModelFiles::File(std::string_view name) const {
  const fs::path file = path / std::string(name);
  return IsDirectory() && Exists(file) ? file : fs::path();
}

std::string_view Name(ModelFiles::Source source) {
  switch (source) {
    case ModelFiles::Source::kLocalPath:
      return "local path";
    case ModelFiles::Source::kModelDir:
      return "model directory";
    case ModelFiles::Source::kHubCache:
      return "Hub cache";
  }
  return "?";
}

bool LooksLikeHubId(std::string_view id) {
  const size_t slash = id.find('/');
  return !id.empty() && !LooksLikePath(id) && slash != std::string_view::npos && slash > 0 &&
         slash + 1 < id.size() && id.find('/', slash + 1) == std::string_view::npos &&
         id.find("..") == std::string_view::npos;
}

Result<ModelFiles> ResolveModelFiles(std::string_view id_or_path, const ModelLocations& where) {
  if (id_or_path.empty()) return MakeError(ErrorCode::kInvalidArgument, "model.id_or_path is empty");
  std::vector<std::string> tried;
  const fs::path as_path = ExpandHome(id_or_path);
  if (Exists(as_path)) return ModelFiles{ModelFiles::Source::kLocalPath, as_path, "", ""};
  tried.push_back(as_path.string() + " (local path)");
  if (!LooksLikePath(id_or_path)) {
    const bool safe = id_or_path.find("..") == std::string_view::npos;
    const fs::path under = where.model_dir / std::string(id_or_path);
    if (safe && !where.model_dir.empty() && Exists(under)) {
      return ModelFiles{ModelFiles::Source::kModelDir, under, "", ""};
    }
    tried.push_back(under.string() + " (model_dir: the runtime file's model_dir, $AUTOTUNER_MODEL_DIR or " +
                    std::string(kDefaultModelDir) + ")");
    if (LooksLikeHubId(id_or_path)) {
      if (auto cached = FromHubCache(id_or_path, where, tried)) return *cached;
    }
  }
  std::string message = "model '" + std::string(id_or_path) + "' not found; tried:";
  for (const auto& place : tried) message += "\n  - " + place;
  message += LooksLikeHubId(id_or_path)
                 ? "\nfix: download it into the Hub cache first (huggingface-cli download " +
                       std::string(id_or_path) + "), or point model.id_or_path at its directory"
                 : "\nfix: put the model directory under model_dir, or give model.id_or_path as a path or a "
                   "Hub id (ORG/NAME) that is in the Hub cache";
  return MakeError(ErrorCode::kNotFound, message, {{"model", std::string(id_or_path)}, {"tried", tried}});
}

}  // namespace autotuner
