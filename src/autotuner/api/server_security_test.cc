// The HTTP server's defences at the socket level: port ownership, backlog, request framing.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/api/api_testing.h"
#include "autotuner/api/server.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

// Sends raw bytes to 127.0.0.1:port and returns what comes back until the server closes or 5 s pass.
std::string RawExchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) reply.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return reply;
}

class ServerSecurityTest : public ApiStoreFixture {
 protected:
  void TearDown() override {
    servers_.clear();
    ApiStoreFixture::TearDown();
  }

  // Starts a server; returns its Start() status. The server stays up until the test ends.
  Status Start(ServerOptions options) {
    options.seed_presets = false;
    servers_.push_back(std::make_unique<Server>(options, store_.get(), nullptr, nullptr, &catalog_));
    return servers_.back()->Start();
  }

  std::vector<std::unique_ptr<Server>> servers_;
};

// httplib's defaults set SO_REUSEPORT, which let a second server share the port and half its connections.
TEST_F(ServerSecurityTest, BusyPortFailsToBind) {
  ServerOptions options;
  options.port = 0;
  ASSERT_TRUE(Start(options).ok());
  options.port = servers_[0]->port();
  const Status second = Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find(std::to_string(options.port)), std::string::npos);
}

// `ss` shows a listening socket's backlog as its Send-Q.
TEST_F(ServerSecurityTest, ListensWithALargeBacklog) {
  ServerOptions options;
  options.port = 0;
  ASSERT_TRUE(Start(options).ok());
  const std::string command = "ss -ltnH 'sport = :" + std::to_string(servers_[0]->port()) + "' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char line[512] = {};
  const bool read = std::fgets(line, sizeof(line), pipe) != nullptr;
  ::pclose(pipe);
  if (!read) GTEST_SKIP() << "ss shows no sockets here";
  char state[32];
  unsigned recv_q = 0, send_q = 0;
  ASSERT_EQ(std::sscanf(line, "%31s %u %u", state, &recv_q, &send_q), 3) << line;
  EXPECT_GE(send_q, 1024u) << line;
}

TEST_F(ServerSecurityTest, ChunkedRequestBodiesAreRefusedBeforeBuffering) {
  ServerOptions options;
  options.port = 0;
  ASSERT_TRUE(Start(options).ok());
  // The body never ends: a server that buffered it would wait instead of answering.
  const std::string reply =
      RawExchange(servers_[0]->port(),
                  "POST /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n100000\r\n{\"task_name\": \"");
  EXPECT_EQ(reply.rfind("HTTP/1.1 411", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Length"), std::string::npos) << reply;
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Slowloris: connections that send a request one byte at a time. Each is dropped at the request deadline,
// and one address cannot hold more than its share of the workers.
TEST_F(ServerSecurityTest, SlowClientsAreCutOffAndCapped) {
  ServerOptions options;
  options.port = 0;
  options.request_deadline = std::chrono::milliseconds(2500);
  options.max_connections_per_client = 8;
  ASSERT_TRUE(Start(options).ok());
  const int port = servers_[0]->port();
  std::vector<int> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(ConnectLoopback(port));
    ASSERT_GE(slow.back(), 0);
    ASSERT_EQ(::send(slow.back(), "G", 1, MSG_NOSIGNAL), 1);
  }
  // The server admits connections on its worker threads; on a loaded machine they may start late. The cap is
  // about admitted connections, so wait (generously) until all 8 hold a place before the 9th.
  const auto admit_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (servers_[0]->OpenConnectionsFrom("127.0.0.1") < slow.size() &&
         std::chrono::steady_clock::now() < admit_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(servers_[0]->OpenConnectionsFrom("127.0.0.1"), slow.size());
  // Over the cap: refused at once, without waiting for a request.
  const auto refused_at = std::chrono::steady_clock::now();
  const std::string refused = RawExchange(port, "GET /api/system/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 429", 0), 0u) << refused;
  EXPECT_LT(std::chrono::steady_clock::now() - refused_at, std::chrono::seconds(2));
  // Dribbling on does not help: the server closes each slow connection at its deadline.
  const auto start = std::chrono::steady_clock::now();
  for (int fd : slow) {
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    (void)::send(fd, "E", 1, MSG_NOSIGNAL);
    char buffer[512];
    while (::recv(fd, buffer, sizeof(buffer), 0) > 0) {
    }
    ::close(fd);
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_LT(waited, std::chrono::seconds(8));
  // Then the address is welcome again.
  const std::string health = RawExchange(port,
                                         "GET /api/system/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                         "Connection: close\r\n\r\n");
  EXPECT_EQ(health.rfind("HTTP/1.1 200", 0), 0u) << health;
}

const char* kTask = R"({"task_name": "t", "base_runtime": "sim-sglang", "model": {"id_or_path": "m"},
  "parameters": {"tp-size": [1]}, "benchmark": {"model_tokenizer": "gpt2"}})";

// Before: `run --ui` had no token, so any web page could POST a task as text/plain (no CORS preflight).
TEST_F(ServerSecurityTest, OtherSitesCannotPostEvenWithoutAuth) {
  ServerOptions options;
  options.port = 0;
  ASSERT_TRUE(Start(options).ok());
  httplib::Client client("127.0.0.1", servers_[0]->port());
  auto plain = client.Post("/api/tasks", {{"Origin", "http://evil.example"}}, kTask, "text/plain");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 403) << plain->body;
  auto same_site_plain = client.Post("/api/tasks", kTask, "text/plain");
  ASSERT_TRUE(same_site_plain);
  EXPECT_EQ(same_site_plain->status, 415) << same_site_plain->body;
  auto rebound = client.Get("/api/tasks", {{"Host", "evil.example:8080"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403) << rebound->body;
  auto listed = client.Get("/api/tasks");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200);
  EXPECT_NE(listed->body.find("\"total\":0"), std::string::npos) << listed->body;  // nothing was created
}

TEST_F(ServerSecurityTest, TokenLinkBecomesTheCookieAndLeavesTheUrl) {
  ServerOptions options;
  options.port = 0;
  options.token = "generated-token";
  ASSERT_TRUE(Start(options).ok());
  httplib::Client client("127.0.0.1", servers_[0]->port());
  auto swapped = client.Get("/tasks/3?token=generated-token");
  ASSERT_TRUE(swapped);
  EXPECT_EQ(swapped->status, 303);
  EXPECT_EQ(swapped->get_header_value("Location"), "/tasks/3");
  const std::string cookie = swapped->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("autotuner_token=generated-token"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  auto wrong = client.Get("/?token=guess");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 303);
  EXPECT_FALSE(wrong->has_header("Set-Cookie"));
  // With the cookie: reads work; writes need the server's own Origin too.
  const httplib::Headers with_cookie = {{"Cookie", "autotuner_token=generated-token"}};
  EXPECT_EQ(client.Get("/api/tasks", with_cookie)->status, 200);
  EXPECT_EQ(client.Post("/api/tasks", with_cookie, kTask, "application/json")->status, 403);
  httplib::Headers same_origin = with_cookie;
  same_origin.emplace("Origin", "http://127.0.0.1:" + std::to_string(servers_[0]->port()));
  auto created = client.Post("/api/tasks", same_origin, kTask, "application/json");
  ASSERT_TRUE(created);
  EXPECT_NE(created->status, 401);
  EXPECT_NE(created->status, 403);
}

TEST_F(ServerSecurityTest, WrongBearerTokensCountAgainstTheLoginLimit) {
  ServerOptions options;
  options.port = 0;
  options.token = "s3cret";
  ASSERT_TRUE(Start(options).ok());
  httplib::Client client("127.0.0.1", servers_[0]->port());
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(client.Get("/api/tasks", {{"Authorization", "Bearer guess" + std::to_string(i)}})->status, 401);
  EXPECT_EQ(client.Get("/api/tasks", {{"Authorization", "Bearer guess"}})->status, 429);
  EXPECT_EQ(client.Post("/api/auth/login", R"({"token":"s3cret"})", "application/json")->status, 429);
}

}  // namespace
}  // namespace autotuner::api
