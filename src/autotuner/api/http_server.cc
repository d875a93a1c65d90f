#include "autotuner/api/http_server.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace autotuner::api {
namespace {

using Clock = std::chrono::steady_clock;

// -1 on error, 0 on timeout, > 0 when ready.
int PollFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  const int ms = static_cast<int>(std::max<int64_t>(0, timeout.count()));
  while (true) {
    const int rc = ::poll(&p, 1, ms);
    if (rc < 0 && errno == EINTR) continue;
    return rc;
  }
}

std::chrono::milliseconds Timeout(time_t sec, time_t usec) {
  return std::chrono::milliseconds(static_cast<int64_t>(sec) * 1000 + static_cast<int64_t>(usec) / 1000);
}

bool NumericAddress(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof(host), service,
                    sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  ip = host;
  port = std::atoi(service);
  return true;
}

// httplib's SocketStream with one addition: reads fail once the current request's deadline has passed.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  void SetDeadline(Clock::time_point deadline) { deadline_ = deadline; }

  bool is_readable() const override {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
    if (left.count() <= 0) return false;
    return PollFor(fd_, POLLIN, std::min(left, read_timeout_)) > 0;
  }

  bool is_writable() const override {
    if (PollFor(fd_, POLLOUT, write_timeout_) <= 0) return false;
    // Alive unless the peer has closed: readable with nothing to read.
    if (PollFor(fd_, POLLIN, std::chrono::milliseconds(0)) == 0) return true;
    char byte;
    return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (offset_ < filled_) {
      const size_t n = std::min(size, filled_ - offset_);
      std::memcpy(ptr, buffer_ + offset_, n);
      offset_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    offset_ = filled_ = 0;
    const ssize_t n = Recv(buffer_, sizeof(buffer_));
    if (n <= 0) return n;
    filled_ = static_cast<size_t>(n);
    const size_t copied = std::min(size, filled_);
    std::memcpy(ptr, buffer_, copied);
    offset_ = copied;
    return static_cast<ssize_t>(copied);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    while (true) {
      const ssize_t n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      NumericAddress(addr, len, ip, port);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof(addr);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      NumericAddress(addr, len, ip, port);
  }

  socket_t socket() const override { return fd_; }

 private:
  ssize_t Recv(char* ptr, size_t size) {
    while (true) {
      const ssize_t n = ::recv(fd_, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  char buffer_[4096];
  size_t offset_ = 0;
  size_t filled_ = 0;
};

// Answers and closes a connection over the per-address cap without reading its request.
void RefuseConnection(int fd) {
  static const std::string kBody =
      R"({"error":{"code":429,"type":"resource_exhausted","message":"too many connections from this address",)"
      R"("details":{}}})";
  static const std::string kResponse =
      "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
  (void)::send(fd, kResponse.data(), kResponse.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

size_t GuardedHttpServer::ConnectionsFrom(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(address);
  return it == connections_.end() ? 0 : it->second;
}

bool GuardedHttpServer::Admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  size_t& count = connections_[address];
  if (count >= limits_.max_connections_per_client) return false;
  ++count;
  return true;
}

void GuardedHttpServer::Leave(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = connections_.find(address);
  if (it != connections_.end() && --it->second == 0) connections_.erase(it);
}

// httplib's keep-alive loop (process_server_socket) over DeadlineStream, after the per-address check.
bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  DeadlineStream stream(sock, Timeout(read_timeout_sec_, read_timeout_usec_),
                        Timeout(write_timeout_sec_, write_timeout_usec_));
  std::string address;
  int port = 0;
  stream.get_remote_ip_and_port(address, port);
  bool ok = false;
  if (!Admit(address)) {
    RefuseConnection(sock);
  } else {
    const auto idle_limit = std::chrono::seconds(keep_alive_timeout_sec_);
    for (size_t count = keep_alive_max_count_; count > 0 && svr_sock_ != INVALID_SOCKET; --count) {
      // Idle until the next request's first byte (in steps, so a stopping server is noticed).
      const auto idle_until = Clock::now() + idle_limit;
      int ready = 0;
      while (ready == 0 && svr_sock_ != INVALID_SOCKET && Clock::now() < idle_until)
        ready = PollFor(sock, POLLIN, std::chrono::milliseconds(100));
      if (ready <= 0) break;
      stream.SetDeadline(Clock::now() + limits_.request_deadline);
      bool connection_closed = false;
      ok = process_request(stream, count == 1, connection_closed, nullptr);
      stream.SetDeadline(Clock::time_point::max());
      if (!ok || connection_closed) break;
    }
    Leave(address);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace autotuner::api
