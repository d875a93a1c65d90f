#include "autotuner/api/ui_access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace autotuner::api {
namespace {

Error IoError(const std::string& what) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

std::string TokenDir() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && *runtime != '\0') return std::string(runtime) + "/autotuner";
  return "/tmp/autotuner-" + std::to_string(::getuid());
}

// The directory exists, is ours and nobody else's to read (a shared /tmp may hold someone else's).
Status EnsurePrivateDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return IoError("cannot create " + dir);
  struct stat info {};
  if (::lstat(dir.c_str(), &info) != 0) return IoError("cannot stat " + dir);
  if (!S_ISDIR(info.st_mode) || info.st_uid != ::getuid())
    return MakeError(ErrorCode::kPermissionDenied, dir + " is not a directory of this user");
  if ((info.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0) return IoError("cannot chmod " + dir);
  return {};
}

}  // namespace

Result<std::string> GenerateToken() {
  unsigned char bytes[32];
  const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open /dev/urandom");
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = ::read(fd, bytes + got, sizeof(bytes) - got);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) got += static_cast<size_t>(n);
  }
  ::close(fd);
  if (got < sizeof(bytes)) return MakeError(ErrorCode::kIo, "cannot read /dev/urandom");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

std::string TokenFilePath(int port) { return TokenDir() + "/serve-" + std::to_string(port) + ".token"; }

Result<std::string> WriteTokenFile(int port, const std::string& token) {
  const std::string dir = TokenDir();
  if (Status ok = EnsurePrivateDir(dir); !ok.ok()) return std::move(ok).error();
  const std::string path = TokenFilePath(port);
  const std::string temp = path + ".tmp";
  // Created 0600 from the start (never readable by others, not even briefly), then renamed into place.
  ::unlink(temp.c_str());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("cannot create " + temp);
  const std::string text = token + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool closed = ::close(fd) == 0;
  if (!written || !closed || ::rename(temp.c_str(), path.c_str()) != 0) {
    const Error error = IoError("cannot write " + path);
    ::unlink(temp.c_str());
    return error;
  }
  return path;
}

std::string UiUrl(const std::string& server_url, const std::string& token, const std::string& fragment) {
  return server_url + "/" + (token.empty() ? "" : "?token=" + token) +
         (fragment.empty() ? "" : "#" + fragment);
}

TokenFile::~TokenFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

TokenFile& TokenFile::operator=(TokenFile&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) ::unlink(path_.c_str());
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

}  // namespace autotuner::api
