#pragma once

// A scriptable HTTP/1.1 server for the load generator's tests (not part of the library): POSIX sockets, one
// thread per connection, replies written in pieces with pauses so that the client sees them in separate
// reads.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace autotuner::bench::testing {

struct Reply {
  std::vector<std::string> pieces;     // written one after another
  std::chrono::microseconds pause{0};  // before each piece
  bool close = false;                  // close the connection after the pieces
  bool reset = false;                  // reset (RST) instead of closing
  bool hang = false;                   // never answer
  // When set, the server's steady-clock time right after each piece was written (its own accounting).
  std::shared_ptr<std::vector<std::chrono::steady_clock::time_point>> sent_at;
};

// A reply written in one piece, and one that never comes.
inline Reply Whole(std::string bytes) {
  Reply reply;
  reply.pieces.push_back(std::move(bytes));
  return reply;
}
inline Reply Hang() {
  Reply reply;
  reply.hang = true;
  return reply;
}

// "HTTP/1.1 200 …" head of a chunked SSE response and the chunk framing of one piece.
inline std::string SseHead() {
  return "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: "
         "chunked\r\n\r\n";
}
inline std::string Chunk(const std::string& bytes) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", bytes.size());
  return size + bytes + "\r\n";
}
inline std::string LastChunk() { return "0\r\n\r\n"; }
inline std::string JsonResponse(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\ncontent-type: application/json\r\ncontent-length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

class TestServer {
 public:
  using Handler = std::function<Reply(const std::string& head, const std::string& body)>;

  explicit TestServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 1024) != 0) {
      throw std::runtime_error("test server: cannot listen");
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::jthread([this] { Accept(); });
  }

  ~TestServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    connections_.clear();  // joins
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }

 private:
  void Accept() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard lock(mutex_);
      fds_.push_back(fd);
      connections_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string in;
    char buf[8192];
    bool open = true;
    while (open && !stopping_) {
      size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) return Finish(fd, false);
        in.append(buf, static_cast<size_t>(n));
      }
      const std::string head = in.substr(0, head_end);
      size_t length = 0;
      if (const size_t cl = head.find("Content-Length: "); cl != std::string::npos) {
        length = std::stoul(head.substr(cl + 16));
      }
      while (in.size() < head_end + 4 + length) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) return Finish(fd, false);
        in.append(buf, static_cast<size_t>(n));
      }
      const std::string body = in.substr(head_end + 4, length);
      in.erase(0, head_end + 4 + length);
      ++requests_;
      const Reply reply = handler_(head, body);
      if (reply.hang) {
        while (!stopping_ && ::read(fd, buf, sizeof(buf)) > 0) {
        }
        return Finish(fd, false);
      }
      for (const std::string& piece : reply.pieces) {
        if (reply.pause.count() > 0) std::this_thread::sleep_for(reply.pause);
        if (::send(fd, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) return Finish(fd, false);
        if (reply.sent_at) reply.sent_at->push_back(std::chrono::steady_clock::now());
      }
      if (reply.reset) return Finish(fd, true);
      open = !reply.close;
    }
    Finish(fd, false);
  }

  void Finish(int fd, bool reset) {
    if (reset) {
      linger l{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    } else {
      ::shutdown(fd, SHUT_WR);
    }
    std::lock_guard lock(mutex_);
    std::erase(fds_, fd);
    ::close(fd);
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::jthread> connections_;
  std::jthread acceptor_;
};

}  // namespace autotuner::bench::testing
