// The only file of the product that includes cpp-httplib: it adapts httplib's requests to api::Api and adds
// what is HTTP-specific (auth, CORS, limits, SSE, static files).

#include "autotuner/api/server.h"

#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>

#include "autotuner/api/http_server.h"
#include "autotuner/api/request_policy.h"
#include "autotuner/api/static_files.h"
#include "autotuner/core/guard.h"
#include "autotuner/core/json.h"
#include "autotuner/core/log.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

// Extra pool threads beyond the stream limit, so plain requests never queue behind open streams.
constexpr size_t kRequestThreads = 32;
// Wrong logins tolerated per client address and window before further attempts are refused (token guessing).
constexpr int kMaxFailedLogins = 10;
constexpr auto kLoginWindow = std::chrono::minutes(1);
// Pending connections the kernel queues; Debian's libcpp-httplib listens with a backlog of 5.
constexpr int kListenBacklog = 1024;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsApiPath(std::string_view path) { return path == "/api" || StartsWith(path, "/api/"); }

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request body too large";
    case 414:
      return "URI too long";
    case 416:
      return "range not satisfiable";
    case 411:
      return "length required";
    case 415:
      return "unsupported media type";
    default:
      return "HTTP " + std::to_string(status);
  }
}

void SetResponse(httplib::Response& res, const HttpResponse& response) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  res.set_content(response.body, response.content_type);
}

void SetError(httplib::Response& res, int status, ErrorCode type, const std::string& message) {
  SetResponse(res, HttpResponse::FromStatus(status, type, message));
}

}  // namespace

Status CheckBindSecurity(const ServerOptions& options) {
  if (IsLoopback(options.host) || !options.token.empty() || options.insecure) return {};
  return MakeError(
      ErrorCode::kInvalidArgument,
      "refusing to serve on " + options.host +
          " without a token: anyone who can reach it could run engines on this machine. Set --token "
          "(or AUTOTUNER_TOKEN), bind 127.0.0.1, or pass --insecure",
      {{"host", options.host}});
}

struct Server::Impl {
  Impl(ServerOptions o, store::Store* store, runner::EventBus* events, StudyControl* studies,
       const task::RuntimeCatalog* catalog)
      : options(std::move(o)), api(store, events, studies, catalog, MakeApiOptions(options)) {}

  static ApiOptions MakeApiOptions(const ServerOptions& server) {
    ApiOptions api;
    api.heartbeat_interval = server.heartbeat_interval;
    api.max_json_depth = server.max_json_depth;
    api.gpu_ids = server.gpu_ids;
    api.auth_required = !server.token.empty();
    return api;
  }

  ServerOptions options;
  Api api;
  GuardedHttpServer http{ConnectionLimits{options.request_deadline, options.max_connections_per_client}};
  std::thread thread;
  std::stop_source stop;
  std::jthread warmer;  // fills the task-summary cache after start-up
  int port = 0;
  int listen_fd = -1;  // httplib owns it
  fs::path web_root;   // canonical
  bool started = false;

  struct FailedLogins {
    int count = 0;
    std::chrono::steady_clock::time_point since;
  };
  mutable std::mutex login_mutex;
  mutable std::map<std::string, FailedLogins> failed_logins;

  std::mutex streams_mutex;
  size_t open_streams = 0;
  std::map<std::string, size_t> streams_per_client;

  static RequestFacts Facts(const httplib::Request& req) {
    RequestFacts facts;
    facts.method = req.method;
    facts.host = req.get_header_value("Host");
    facts.origin = req.get_header_value("Origin");
    facts.content_type = req.get_header_value("Content-Type");
    facts.authorization = req.get_header_value("Authorization");
    facts.cookie = req.get_header_value("Cookie");
    facts.has_body = !req.body.empty();
    return facts;
  }

  PolicyOptions Policy() const { return {options.host, options.token, options.cors_origin}; }

  // Wrong tokens (logins, bearer headers, ?token= links) per client address share one limit: false when the
  // address is locked out for the rest of its window.
  bool UnderFailureLimit(const std::string& client) const {
    std::lock_guard lock(login_mutex);
    auto it = failed_logins.find(client);
    if (it == failed_logins.end()) return true;
    if (std::chrono::steady_clock::now() - it->second.since > kLoginWindow) {
      failed_logins.erase(it);
      return true;
    }
    return it->second.count < kMaxFailedLogins;
  }

  void CountFailure(const std::string& client) const {
    std::lock_guard lock(login_mutex);
    const auto now = std::chrono::steady_clock::now();
    FailedLogins& failed = failed_logins[client];
    if (now - failed.since > kLoginWindow) failed = {0, now};
    ++failed.count;
  }

  static void SetAuthCookie(httplib::Response& res, const std::string& token) {
    // HttpOnly: scripts cannot read it; SameSite=Strict: other sites cannot make the browser send it.
    res.set_header("Set-Cookie",
                   std::string(kAuthCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
  }

  // `/?token=T#/tasks`, the URL `serve` prints: the token becomes the cookie and leaves the address bar
  // (and the history) by a redirect; the browser keeps the #fragment across it.
  bool SwapTokenForCookie(const httplib::Request& req, httplib::Response& res) const {
    if (options.token.empty() || !req.has_param("token")) return false;
    if (!UnderFailureLimit(req.remote_addr)) {
      SetError(res, 429, ErrorCode::kResourceExhausted, "too many wrong tokens: try again in a minute");
      return true;
    }
    if (ConstantTimeEquals(req.get_param_value("token"), options.token)) {
      SetAuthCookie(res, options.token);
    } else {
      CountFailure(req.remote_addr);
    }
    res.status = 303;
    res.set_header("Location", req.path.empty() ? "/" : req.path);
    res.set_header("Cache-Control", "no-store");
    return true;
  }

  void AddCors(const httplib::Request& req, httplib::Response& res) const {
    if (options.cors_origin.empty()) return;
    const std::string origin = req.get_header_value("Origin");
    if (options.cors_origin != "*" && origin != options.cors_origin) return;
    res.set_header("Access-Control-Allow-Origin", options.cors_origin == "*" ? "*" : origin);
    res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
    res.set_header("Vary", "Origin");
  }

  void Login(const httplib::Request& req, httplib::Response& res) const {
    if (JsonNestingDepth(req.body) > options.max_json_depth)
      return SetError(res, 400, ErrorCode::kInvalidArgument, "JSON nested too deeply");
    auto body = ParseJson(req.body, "body");
    if (!body.ok()) return SetResponse(res, HttpResponse::FromError(body.error()));
    if (!body->is_object() || !body->contains("token") || !(*body)["token"].is_string()) {
      Json errors = Json::array({{{"path", "token"}, {"message", "is required (a string)"}}});
      return SetResponse(res, HttpResponse::FromError(MakeError(ErrorCode::kValidation, "token is required",
                                                                {{"errors", errors}})));
    }
    if (options.token.empty())
      return SetResponse(res, HttpResponse::FromJson({{"ok", true}, {"auth_required", false}}));
    if (!UnderFailureLimit(req.remote_addr))
      return SetError(res, 429, ErrorCode::kResourceExhausted,
                      "too many wrong logins: try again in a minute");
    if (!ConstantTimeEquals((*body)["token"].get<std::string>(), options.token)) {
      CountFailure(req.remote_addr);
      return SetError(res, 401, ErrorCode::kUnauthenticated, "wrong token");
    }
    SetAuthCookie(res, options.token);
    SetResponse(res, HttpResponse::FromJson({{"ok", true}, {"auth_required", true}}));
  }

  void Logout(httplib::Response& res) const {
    res.set_header("Set-Cookie",
                   std::string(kAuthCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    SetResponse(res, HttpResponse::FromJson({{"ok", true}}));
  }

  // Takes a stream slot for the client; false (with the error set) when a limit is reached.
  bool AcquireStream(const std::string& client, httplib::Response& res) {
    std::lock_guard lock(streams_mutex);
    if (open_streams >= options.max_streams) {
      SetError(res, 503, ErrorCode::kUnavailable, "too many open streams on this server");
      return false;
    }
    if (streams_per_client[client] >= options.max_streams_per_client) {
      SetError(
          res, 429, ErrorCode::kResourceExhausted,
          "too many open streams from this client (" + std::to_string(options.max_streams_per_client) + ")");
      return false;
    }
    ++open_streams;
    ++streams_per_client[client];
    return true;
  }

  void ReleaseStream(const std::string& client) {
    std::lock_guard lock(streams_mutex);
    --open_streams;
    if (--streams_per_client[client] == 0) streams_per_client.erase(client);
  }

  void Stream(const httplib::Request& req, httplib::Response& res, HttpResponse response) {
    if (!AcquireStream(req.remote_addr, res)) return;
    auto next = std::make_shared<StreamNext>(std::move(response.stream));
    auto first = std::make_shared<bool>(true);
    const std::stop_token token = stop.get_token();
    res.status = 200;
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [next, first, token](size_t, httplib::DataSink& sink) {
          // Runs on httplib's pool thread, outside its exception handler: a throw here would terminate.
          try {
            return WriteStreamChunk(*next, *first, token, sink);
          } catch (...) {
            spdlog::error("event stream ended by an internal error: {}", DescribeCurrentException());
            return false;
          }
        },
        [this, client = req.remote_addr](bool) { ReleaseStream(client); });
  }

  static bool WriteStreamChunk(StreamNext& next, bool& first, const std::stop_token& token,
                               httplib::DataSink& sink) {
    if (first) {
      // Sent at once so the client sees the stream open; tells EventSource how soon to reconnect.
      first = false;
      static const std::string kHello = ": connected\nretry: 2000\n\n";
      return sink.write(kHello.data(), kHello.size());
    }
    while (true) {
      if (token.stop_requested()) {
        sink.done();
        return true;
      }
      std::optional<std::string> chunk = next(token);
      if (!chunk) {
        sink.done();
        return true;
      }
      // Never a zero-length write: httplib takes it as the end of the stream.
      if (chunk->empty()) {
        if (!sink.is_writable()) return false;
        continue;
      }
      return sink.write(chunk->data(), chunk->size());
    }
  }

  void ServeApi(const httplib::Request& req, httplib::Response& res) {
    if (req.body.size() > options.max_body_bytes)
      return SetError(res, 413, ErrorCode::kResourceExhausted,
                      "request body over " + std::to_string(options.max_body_bytes) + " bytes");
    const RequestFacts facts = Facts(req);
    const bool login = req.path == "/api/auth/login";
    const Credential credential =
        options.token.empty() ? Credential::kNone : Authenticate(facts, options.token);
    if (credential == Credential::kBearer || credential == Credential::kWrongBearer) {
      if (!UnderFailureLimit(req.remote_addr))
        return SetError(res, 429, ErrorCode::kResourceExhausted,
                        "too many wrong tokens: try again in a minute");
      if (credential == Credential::kWrongBearer) CountFailure(req.remote_addr);
    }
    const bool is_public = login || Api::IsPublic(req.method, req.path);
    if (auto refusal = CheckApiRequest(facts, Policy(), credential, is_public)) {
      if (refusal->status == 401) res.set_header("WWW-Authenticate", "Bearer");
      return SetError(res, refusal->status, refusal->code, refusal->message);
    }
    if (login) {
      if (req.method != "POST") return SetError(res, 405, ErrorCode::kInvalidArgument, "use POST");
      return Login(req, res);
    }
    if (req.path == "/api/auth/logout") {
      if (req.method != "POST") return SetError(res, 405, ErrorCode::kInvalidArgument, "use POST");
      return Logout(res);
    }
    HttpRequest request;
    request.method = req.method == "HEAD" ? "GET" : req.method;
    request.path = req.path;
    for (const auto& [name, value] : req.params) request.query.emplace(name, value);
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      request.headers.emplace(lower, value);
    }
    request.body = req.body;
    request.remote_addr = req.remote_addr;
    HttpResponse response = api.Handle(request);
    if (response.stream) return Stream(req, res, std::move(response));
    SetResponse(res, response);
  }

  void ServeStatic(const httplib::Request& req, httplib::Response& res) const {
    if (req.method != "GET" && req.method != "HEAD")
      return SetError(res, 405, ErrorCode::kInvalidArgument, req.method + " is not allowed on static files");
    if (web_root.empty()) return SetError(res, 404, ErrorCode::kNotFound, "no web UI is served (--web-root)");
    StaticFile file = ResolveStaticFile(
        web_root, {req.path, req.get_header_value("Accept-Encoding"), req.get_header_value("If-None-Match")});
    if (file.status == 400 || file.status == 404)
      return SetError(res, file.status,
                      file.status == 400 ? ErrorCode::kInvalidArgument : ErrorCode::kNotFound, file.error);
    res.status = file.status;
    for (const auto& [name, value] : file.headers) res.set_header(name, value);
    if (file.status == 304) return;
    if (!file.encoding.empty()) res.set_header("Content-Encoding", file.encoding);
    // Through a content provider: httplib compresses set_content bodies itself, on every request.
    auto body = std::make_shared<const std::string>(std::move(file.body));
    res.set_content_provider(body->size(), file.content_type,
                             [body](size_t offset, size_t length, httplib::DataSink& sink) {
                               return length == 0 || sink.write(body->data() + offset, length);
                             });
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    if (auto refusal = CheckHost(Facts(req), Policy()))
      return SetError(res, refusal->status, refusal->code, refusal->message);
    AddCors(req, res);
    if (req.method == "OPTIONS") {
      res.status = options.cors_origin.empty() ? 405 : 204;
      if (res.status == 405) SetError(res, 405, ErrorCode::kInvalidArgument, "CORS is not enabled");
      return;
    }
    if (IsApiPath(req.path)) return ServeApi(req, res);
    if ((req.method == "GET" || req.method == "HEAD") && SwapTokenForCookie(req, res)) return;
    ServeStatic(req, res);
  }
};

Server::Server(ServerOptions options, store::Store* store, runner::EventBus* events, StudyControl* studies,
               const task::RuntimeCatalog* catalog)
    : impl_(std::make_unique<Impl>(std::move(options), store, events, studies, catalog)) {}

Server::~Server() { Stop(); }

Status Server::Start() {
  Impl& s = *impl_;
  if (s.started) return MakeError(ErrorCode::kConflict, "server already started");
  if (Status check = CheckBindSecurity(s.options); !check.ok()) return check;
  if (!s.options.web_root.empty()) {
    std::error_code ec;
    s.web_root = fs::canonical(s.options.web_root, ec);
    if (ec || !fs::is_directory(s.web_root))
      return MakeError(ErrorCode::kInvalidArgument,
                       "--web-root " + s.options.web_root + " is not a directory");
  }
  if (s.options.seed_presets) {
    if (Status seeded = s.api.SeedBuiltinPresets(); !seeded.ok()) return seeded;
  }
  const size_t threads = s.options.max_streams + kRequestThreads;
  s.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_read_timeout(s.options.read_timeout);
  s.http.set_write_timeout(s.options.write_timeout);
  s.http.set_keep_alive_timeout(5);
  s.http.set_tcp_nodelay(true);
  // httplib's default options add SO_REUSEPORT, which lets a second server bind the same port and take a
  // share of its connections. SO_REUSEADDR alone only allows rebinding over TIME_WAIT; a busy port fails.
  s.http.set_socket_options([&s](socket_t fd) {
    const int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    s.listen_fd = fd;
  });
  // Before the body is read: a chunked body would be buffered whole before the size limit applies.
  s.http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Transfer-Encoding")) return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("Connection", "close");
    SetError(res, 411, ErrorCode::kInvalidArgument,
             "send the request body with a Content-Length (Transfer-Encoding is not accepted)");
    return httplib::Server::HandlerResponse::Handled;
  });
  const auto handler = [&s](const httplib::Request& req, httplib::Response& res) { s.Dispatch(req, res); };
  s.http.Get(".*", handler);
  s.http.Post(".*", handler);
  s.http.Put(".*", handler);
  s.http.Patch(".*", handler);
  s.http.Delete(".*", handler);
  s.http.Options(".*", handler);
  // httplib's own refusals (413 over the payload limit, 400 bad request line, unknown methods) in our shape.
  s.http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const ErrorCode type = res.status == 413   ? ErrorCode::kResourceExhausted
                           : res.status == 404 ? ErrorCode::kNotFound
                           : res.status >= 500 ? ErrorCode::kInternal
                                               : ErrorCode::kInvalidArgument;
    SetError(res, res.status, type, StatusText(res.status));
  });
  s.http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SetError(res, 500, ErrorCode::kInternal, "internal error: " + what);
  });
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.host);
    if (s.port <= 0) return MakeError(ErrorCode::kUnavailable, "cannot bind " + s.options.host);
  } else {
    if (!s.http.bind_to_port(s.options.host, s.options.port))
      return MakeError(ErrorCode::kUnavailable,
                       "cannot bind " + s.options.host + ":" + std::to_string(s.options.port) + " (in use?)");
    s.port = s.options.port;
  }
  // Called again on a listening socket, listen() only raises the backlog.
  if (s.listen_fd >= 0) ::listen(s.listen_fd, kListenBacklog);
  s.thread = std::thread([&s] {
    try {
      s.http.listen_after_bind();
    } catch (...) {
      spdlog::error("the API server stopped: {}", DescribeCurrentException());
    }
  });
  // stop() is a no-op until the listen loop runs; wait for it so Stop() right after Start() cannot hang.
  for (int i = 0; i < 500 && !s.http.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  s.started = true;
  s.warmer = std::jthread([&s](std::stop_token stop) {
    try {
      s.api.WarmSummaries(stop);
    } catch (...) {
      spdlog::error("task summaries not prefetched: {}", DescribeCurrentException());
    }
  });
  return {};
}

void Server::Stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.started = false;
  s.stop.request_stop();  // ends every stream's wait at once
  if (s.warmer.joinable()) {
    s.warmer.request_stop();
    s.warmer.join();
  }
  s.http.stop();
  if (s.thread.joinable()) s.thread.join();
}

int Server::port() const { return impl_->port; }

size_t Server::OpenConnectionsFrom(const std::string& address) const {
  return impl_->http.ConnectionsFrom(address);
}

std::string Server::url() const {
  const std::string& host = impl_->options.host;
  return "http://" + (host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host) +
         ":" + std::to_string(impl_->port);
}

}  // namespace autotuner::api
