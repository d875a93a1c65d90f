// A static-SSE firehose for the streaming client's benchmarks (not a benchmark itself): answers every POST on
// a kept-alive HTTP/1.1 connection with the same pre-rendered vLLM-style completions stream (N token events
// of ~170 bytes, a usage event, [DONE]) and every other request with 404, so that it costs almost nothing per
// event. One thread, epoll, non-blocking sockets; as many connections as the open-files limit allows.
//
// Usage: sse_firehose [--port P]... [--tokens N] [--chunked] [--bind ADDR]
//   several --port flags listen on several ports (more client connections than one port's ephemeral range).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

volatile std::sig_atomic_t stopping = 0;

std::string TokenEvents(int tokens) {
  std::string sse;
  const std::string head =
      R"(data: {"id":"cmpl-9f1c2e7a4b3d4c5e8a6b7c8d9e0f1a2b","object":"text_completion","created":1767225600,)"
      R"("model":"llama-3.1-8b","choices":[{"index":0,"text":" tok)";
  for (int i = 0; i < tokens; ++i) {
    sse += head + std::to_string(i % 1000) + R"(","logprobs":null,"finish_reason":)" +
           (i == tokens - 1 ? "\"length\"" : "null") +
           R"(,"stop_reason":null,"prompt_token_ids":null,"token_ids":null}]})" + "\n\n";
  }
  sse +=
      R"(data: {"id":"cmpl-9f1c2e7a4b3d4c5e8a6b7c8d9e0f1a2b","object":"text_completion","created":1767225600,)"
      R"("model":"llama-3.1-8b","choices":[],"usage":{"prompt_tokens":1,"total_tokens":)" +
      std::to_string(tokens + 1) + R"(,"completion_tokens":)" + std::to_string(tokens) +
      "}}\n\ndata: [DONE]\n\n";
  return sse;
}

std::string Response(int tokens, bool chunked) {
  const std::string sse = TokenEvents(tokens);
  std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n";
  if (!chunked) return out + "Content-Length: " + std::to_string(sse.size()) + "\r\n\r\n" + sse;
  out += "Transfer-Encoding: chunked\r\n\r\n";
  // One chunk per event, as engines write them.
  size_t pos = 0;
  while (pos < sse.size()) {
    const size_t end = sse.find("\n\n", pos) + 2;
    char size[16];
    std::snprintf(size, sizeof(size), "%zx\r\n", end - pos);
    out += size + sse.substr(pos, end - pos) + "\r\n";
    pos = end;
  }
  return out + "0\r\n\r\n";
}

const std::string kNotFound = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";

struct Client {
  std::string in;                         // request bytes not yet answered
  std::vector<const std::string*> queue;  // responses to write, the first from `offset`
  size_t offset = 0;
};

// Moves complete requests from `c.in` to the response queue; false on a malformed request.
bool TakeRequests(Client& c, const std::string& response) {
  for (;;) {
    const size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return c.in.size() < 64 * 1024;
    size_t length = 0;
    for (size_t p = c.in.find('\n'); p < end; p = c.in.find('\n', p + 1)) {
      if (strncasecmp(c.in.data() + p + 1, "content-length:", 15) == 0) {
        length = std::strtoul(c.in.data() + p + 16, nullptr, 10);
      }
    }
    if (length > (1u << 24)) return false;
    if (c.in.size() < end + 4 + length) return true;
    c.queue.push_back(c.in.compare(0, 5, "POST ") == 0 ? &response : &kNotFound);
    c.in.erase(0, end + 4 + length);
  }
}

// Writes queued responses until the socket would block; false when the peer is gone.
bool Flush(int fd, Client& c) {
  while (!c.queue.empty()) {
    const std::string& r = *c.queue.front();
    const ssize_t n = ::send(fd, r.data() + c.offset, r.size() - c.offset, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    c.offset += static_cast<size_t>(n);
    if (c.offset == r.size()) {
      c.queue.erase(c.queue.begin());
      c.offset = 0;
    }
  }
  return true;
}

int Listen(const char* bind_addr, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, bind_addr, &addr.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 65535) != 0) {
    std::perror("sse_firehose: bind/listen");
    std::exit(1);
  }
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> ports;
  int tokens = 1000;
  bool chunked = false;
  const char* bind_addr = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      ports.push_back(std::atoi(argv[++i]));
    } else if (arg == "--tokens" && i + 1 < argc) {
      tokens = std::atoi(argv[++i]);
    } else if (arg == "--chunked") {
      chunked = true;
    } else if (arg == "--bind" && i + 1 < argc) {
      bind_addr = argv[++i];
    } else {
      std::fprintf(stderr, "usage: sse_firehose [--port P]... [--tokens N] [--chunked] [--bind ADDR]\n");
      return 2;
    }
  }
  if (ports.empty()) ports.push_back(18481);
  if (tokens < 1 || tokens > 1000000) {
    std::fprintf(stderr, "sse_firehose: --tokens must be 1..1000000\n");
    return 2;
  }
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  std::signal(SIGTERM, [](int) { stopping = 1; });
  std::signal(SIGINT, [](int) { stopping = 1; });

  const std::string response = Response(tokens, chunked);
  const int ep = ::epoll_create1(0);
  std::vector<int> listeners;
  for (int port : ports) {
    const int fd = Listen(bind_addr, port);
    listeners.push_back(fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    std::printf("sse_firehose: listening on %s:%d, %d token events per response (%zu bytes)\n", bind_addr,
                port, tokens, response.size());
  }
  std::fflush(stdout);
  std::unordered_map<int, Client> clients;
  std::vector<epoll_event> events(1024);
  std::vector<char> buffer(64 * 1024);
  auto drop = [&](int fd) {
    ::close(fd);
    clients.erase(fd);
  };
  while (!stopping) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 200);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      bool is_listener = false;
      for (int l : listeners) is_listener = is_listener || l == fd;
      if (is_listener) {
        for (;;) {
          const int c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          const int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
          ev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
          clients[c];
        }
        continue;
      }
      auto it = clients.find(fd);
      if (it == clients.end()) continue;
      Client& c = it->second;
      bool alive = true;
      if (events[i].events & EPOLLIN) {
        for (;;) {
          const ssize_t r = ::recv(fd, buffer.data(), buffer.size(), 0);
          if (r > 0) {
            c.in.append(buffer.data(), static_cast<size_t>(r));
            continue;
          }
          if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) alive = false;
          break;
        }
        alive = alive && TakeRequests(c, response);
      }
      alive = alive && Flush(fd, c);
      if (!alive) drop(fd);
    }
  }
  for (auto& [fd, client] : clients) ::close(fd);
  return 0;
}
