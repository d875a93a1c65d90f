#include "autotuner/sim/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <random>
#include <unordered_map>

#include "autotuner/core/json.h"
#include "autotuner/sim/flavor.h"
#include "autotuner/sim/metrics.h"
#include "autotuner/sim/request_reader.h"
#include "autotuner/sim/wire_format.h"

namespace autotuner::sim {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kAwait = net::as_tuple(net::use_awaitable);

// Text the simulated model "generates", cycled token by token.
constexpr std::string_view kFillerText =
    " The quick brown fox jumps over the lazy dog while the engine keeps streaming tokens one at a time, and"
    " every token arrives when the simulated scheduler says its step has finished.";
// A chat request without max_tokens runs until the model stops; the simulated model stops after this many.
constexpr int64_t kChatDefaultMaxTokens = 256;

int64_t UnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One generation request in flight.
struct Generation {
  explicit Generation(net::any_io_executor executor) : wake(executor, Clock::time_point::max()) {}
  uint64_t id = 0;
  Endpoint endpoint = Endpoint::kCompletions;
  bool stream = false;
  bool include_usage = false;
  ResponseIds ids;
  Usage usage;
  int64_t max_tokens = 0;
  bool finished = false;
  bool stalled = false;                      // --sim-fault-hang-after-tokens: the stream sends nothing more
  bool first_token_sent = false;             // TTFT observed (a stream's, when its bytes go out)
  std::string pending;                       // stream bytes not written yet
  std::string text;                          // the whole completion, for non-streaming responses
  Clock::time_point arrived = Clock::now();  // when the request was read
  Clock::time_point last_token;
  net::steady_timer wake;
};

struct Reply {
  http::status status = http::status::ok;
  std::string content_type = "application/json";
  std::string body;
};

class Server {
 public:
  Server(const LaunchOptions& options, VirtualEngine engine, std::shared_ptr<const tokenizer::Tokenizer> tok)
      : io_(std::make_unique<net::io_context>(1)),
        options_(options),
        engine_(std::move(engine)),
        tokenizer_(std::move(tok)),
        wire_(options.engine.flavor),
        scale_(options.engine.time_scale / std::max(options.faults.slow_tokens, 1e-9)),
        rng_(options.engine.seed),
        served_name_(options.served_model_name.empty() ? options.model : options.served_model_name) {
    for (auto id : tokenizer_->Encode(kFillerText, false)) {
      const tokenizer::TokenId one[] = {id};
      auto text = tokenizer_->Decode(one);
      filler_.push_back(text ? *text : std::string(" x"));
    }
    if (filler_.empty()) filler_.push_back(" x");
  }
  // Coroutine frames still suspended reference this object: destroy them while it is whole.
  ~Server() { io_.reset(); }

  int Run() {
    net::co_spawn(*io_, Main(), net::detached);
    io_->run();
    return exit_code_;
  }

 private:
  static double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
  double VirtualAt(Clock::time_point t) const {
    return std::chrono::duration<double>(t - t0_).count() * scale_;
  }
  double VirtualNow() const { return VirtualAt(Clock::now()); }
  Clock::time_point WallTime(double virtual_s) const {
    return t0_ +
           std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(virtual_s / scale_));
  }

  void Stop(int code) {
    exit_code_ = code;
    io_->stop();
  }

  net::awaitable<void> Main() {
    auto executor = co_await net::this_coro::executor;
    net::signal_set signals(executor, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      spdlog::info("Received signal {}, shutting down", signal);
      Stop(0);
    });
    net::steady_timer timer(executor);
    timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
        engine_.startup_seconds() * options_.startup_scale / options_.engine.time_scale)));
    co_await timer.async_wait(kAwait);
    if (options_.faults.hang_at_start) {
      spdlog::warn("sim fault: hanging at start-up");
      timer.expires_at(Clock::time_point::max());
      co_await timer.async_wait(kAwait);
      co_return;
    }
    if (options_.faults.crash_at_start) {
      spdlog::error("sim fault: crashing at start-up (RuntimeError: simulated engine crash)");
      Stop(1);
      co_return;
    }
    tcp::acceptor acceptor(executor);
    boost::system::error_code ec;
    const auto address =
        net::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
    if (ec) {
      spdlog::error("cannot bind {}:{}: {}", options_.host, options_.port, ec.message());
      Stop(1);
      co_return;
    }
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      spdlog::error("[Errno 98] error while attempting to bind on address ('{}', {}): {}", options_.host,
                    options_.port, ec.message());
      Stop(1);
      co_return;
    }
    t0_ = Clock::now();
    net::co_spawn(executor, Drive(), net::detached);
    const auto bound = acceptor.local_endpoint();
    spdlog::info("Uvicorn running on http://{}:{} (Press CTRL+C to quit)", options_.host, bound.port());
    spdlog::info("autotuner-sim ready: listening on http://{}:{}", bound.address().to_string(), bound.port());
    for (;;) {
      auto [accept_ec, socket] = co_await acceptor.async_accept(kAwait);
      if (accept_ec) continue;
      socket.set_option(tcp::no_delay(true), accept_ec);
      net::co_spawn(executor, Session(std::move(socket)), net::detached);
    }
  }

  // Advances the engine to the scaled wall clock and hands the events to their requests.
  net::awaitable<void> Drive() {
    net::steady_timer timer(co_await net::this_coro::executor);
    driver_ = &timer;
    std::vector<Event> events;
    for (;;) {
      events.clear();
      engine_.AdvanceTo(std::max(VirtualNow(), engine_.now()), events);
      for (const Event& event : events) Dispatch(event);
      const auto next = engine_.NextEventTime();
      timer.expires_at(next ? WallTime(*next) : Clock::time_point::max());
      co_await timer.async_wait(kAwait);
    }
  }

  void Dispatch(const Event& event) {
    auto it = live_.find(event.request_id);
    if (it == live_.end()) return;
    Generation& g = *it->second;
    const int64_t now = UnixSeconds();
    switch (event.kind) {
      case EventKind::kScheduled:
        g.usage.cached_tokens = event.cached_tokens;
        return;
      case EventKind::kToken: {
        const auto wall = Clock::now();
        if (event.output_tokens == 1) {
          // A stream's TTFT is observed when its first token's bytes are handed to the socket (Generate):
          // with 1,000 streams in one step, rendering and writing them in turn takes milliseconds.
          if (!g.stream) ObserveFirstToken(g, wall);
        } else {
          metrics_.ObserveItl(Seconds(wall - g.last_token));
        }
        g.last_token = wall;
        g.usage.completion_tokens = event.output_tokens;
        const std::string& piece = filler_[static_cast<size_t>(event.output_tokens - 1) % filler_.size()];
        if (!g.stream) {
          g.text += piece;
          return;
        }
        if (options_.faults.hang_after_tokens > 0 &&
            event.output_tokens > options_.faults.hang_after_tokens) {
          g.stalled = true;
          return;
        }
        g.pending += wire_.TokenEvent(g.endpoint, g.ids, piece, event.output_tokens == g.max_tokens, now);
        break;
      }
      case EventKind::kFinished:
        metrics_.ObserveE2e(Seconds(Clock::now() - g.arrived));
        metrics_.RequestFinished();
        [[fallthrough]];
      case EventKind::kAborted:
        g.finished = true;
        if (g.stream && !g.stalled) {
          g.pending += wire_.FinishEvent(g.endpoint, g.ids, now);
          if (g.include_usage) g.pending += wire_.UsageEvent(g.endpoint, g.ids, g.usage, now);
          g.pending += WireFormat::DoneEvent();
        }
        break;
      case EventKind::kPreempted:
        return;
    }
    g.wake.cancel();
  }

  void ObserveFirstToken(Generation& g, Clock::time_point at) {
    if (g.first_token_sent) return;
    g.first_token_sent = true;
    metrics_.ObserveTtft(Seconds(at - g.arrived));
  }

  std::string RandomHex() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(32, '0');
    for (char& c : out) c = kHex[id_rng_() % 16];
    return out;
  }

  bool Chance(double rate) { return rate > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < rate; }

  Reply JsonReply(http::status status, std::string body) {
    return {status, "application/json", std::move(body)};
  }
  Reply BadRequest(const std::string& message) {
    return JsonReply(http::status::bad_request, wire_.ErrorBody(message, "BadRequestError", 400));
  }

  // Prompt tokens of a request body, or an error reply.
  std::variant<std::vector<tokenizer::TokenId>, Reply> PromptTokens(Endpoint endpoint, const Json& body) {
    std::vector<tokenizer::TokenId> ids;
    if (endpoint == Endpoint::kChat) {
      const auto messages = body.find("messages");
      if (messages == body.end() || !messages->is_array() || messages->empty()) {
        return BadRequest("messages: field required");
      }
      // A chat template wraps each message in a few header tokens and ends with the assistant's header.
      for (const auto& message : *messages) {
        ids.insert(ids.end(), 4, 0);
        const auto content = message.find("content");
        if (content != message.end() && content->is_string()) {
          auto encoded = tokenizer_->Encode(content->get<std::string>(), false);
          ids.insert(ids.end(), encoded.begin(), encoded.end());
        }
      }
      ids.insert(ids.end(), 4, 0);
      return ids;
    }
    const auto prompt = body.find("prompt");
    if (prompt == body.end()) return BadRequest("prompt: field required");
    if (prompt->is_string()) return tokenizer_->Encode(prompt->get<std::string>(), true);
    if (prompt->is_array() && !prompt->empty()) {
      if ((*prompt)[0].is_string() && prompt->size() == 1)
        return tokenizer_->Encode((*prompt)[0].get<std::string>(), true);
      if ((*prompt)[0].is_number_integer()) {
        for (const auto& id : *prompt) ids.push_back(id.get<tokenizer::TokenId>());
        return ids;
      }
    }
    return BadRequest("prompt: a string, one-string list or a list of token ids is required");
  }

  int64_t ContextLength() const { return engine_.memory().context_length; }

  // Validates a generation request and submits it; the reply is set when it fails.
  std::optional<Reply> Start(Endpoint endpoint, const Json& body, Generation& g) {
    if (options_.faults.crash_after > 0 && ++requests_ >= options_.faults.crash_after + 1) {
      spdlog::error("sim fault: crashing after {} requests", options_.faults.crash_after);
      std::_Exit(1);
    }
    if (Chance(options_.faults.http_500_rate)) {
      return JsonReply(http::status::internal_server_error,
                       wire_.ErrorBody("Internal server error", "InternalServerError", 500));
    }
    const std::string requested = body.value("model", std::string());
    if (!options_.engine.flavor->routes.any_model_name && !requested.empty() && requested != served_name_) {
      return JsonReply(
          http::status::not_found,
          wire_.ErrorBody("The model `" + requested + "` does not exist.", "NotFoundError", 404, "model"));
    }
    auto prompt = PromptTokens(endpoint, body);
    if (auto* reply = std::get_if<Reply>(&prompt)) return std::move(*reply);
    auto& ids = std::get<std::vector<tokenizer::TokenId>>(prompt);
    const int64_t prompt_tokens = static_cast<int64_t>(ids.size());
    const int64_t context = ContextLength();
    std::optional<int64_t> max_tokens;
    for (const char* key : {"max_completion_tokens", "max_tokens"}) {
      if (auto it = body.find(key); it != body.end() && it->is_number_integer() && !max_tokens) {
        max_tokens = it->get<int64_t>();
      }
    }
    if (max_tokens && *max_tokens <= 0) return BadRequest("max_tokens must be positive");
    const int64_t output = max_tokens.value_or(
        endpoint == Endpoint::kCompletions ? 16 : std::min(kChatDefaultMaxTokens, context - prompt_tokens));
    if (prompt_tokens >= context || prompt_tokens + output > context) {
      return JsonReply(http::status::bad_request, wire_.ContextLengthError(prompt_tokens, output, context));
    }
    g.id = next_id_++;
    g.endpoint = endpoint;
    g.stream = body.value("stream", false);
    if (auto so = body.find("stream_options"); so != body.end() && so->is_object()) {
      g.include_usage = so->value("include_usage", false);
    }
    g.ids.id = wire_.ResponseId(endpoint, RandomHex());
    g.ids.created = UnixSeconds();
    g.ids.model = options_.engine.flavor->routes.any_model_name ? body.value("model", std::string("default"))
                                                                : served_name_;
    g.usage.prompt_tokens = prompt_tokens;
    g.max_tokens = output;
    SimRequest request;
    request.id = g.id;
    // The engine sees the request when it was read, so parsing and tokenizing it (modelled as free) add no
    // latency: the virtual-time library and this server then give the same numbers.
    request.arrival_s = std::max(VirtualAt(g.arrived), engine_.now());
    request.input_tokens = prompt_tokens;
    request.output_tokens = output;
    request.prompt_token_ids = std::move(ids);
    if (options_.firehose) return std::nullopt;
    if (Status submitted = engine_.Submit(std::move(request)); !submitted) {
      const auto& error = submitted.error();
      if (error.details.value("kind", "") == "context_length_exceeded") {
        return JsonReply(http::status::bad_request, wire_.ContextLengthError(prompt_tokens, output, context));
      }
      return BadRequest(error.message);
    }
    live_[g.id] = &g;
    if (driver_ != nullptr) driver_->cancel();  // the next event time may have moved earlier
    return std::nullopt;
  }

  template <typename Stream>
  net::awaitable<bool> WriteReply(Stream& stream, const Reply& reply, unsigned version, bool keep_alive) {
    http::response<http::string_body> res{reply.status, version};
    if (!reply.body.empty() || reply.status != http::status::ok)
      res.set(http::field::content_type, reply.content_type);
    res.keep_alive(keep_alive);
    res.body() = reply.body;
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, kAwait);
    co_return !ec && keep_alive;
  }

  // Runs one generation request to its end; false when the connection must close.
  net::awaitable<bool> Generate(beast::tcp_stream& stream, Endpoint endpoint, const Json& body,
                                Clock::time_point received, unsigned version, bool keep_alive) {
    Generation g(co_await net::this_coro::executor);
    g.arrived = received;
    const Registration registration(this, &g);
    // GCC 12 mishandles temporaries inside co_await expressions: every awaited call takes named objects.
    if (const std::optional<Reply> error = Start(endpoint, body, g)) {
      const bool keep = co_await WriteReply(stream, *error, version, keep_alive);
      co_return keep;
    }
    if (options_.firehose) {
      const bool keep = co_await Firehose(stream, g, version, keep_alive);
      co_return keep;
    }
    if (!g.stream) {
      while (!g.finished) co_await g.wake.async_wait(kAwait);
      const Reply reply{http::status::ok, "application/json",
                        wire_.CompletionBody(endpoint, g.ids, g.text, g.usage)};
      const bool keep = co_await WriteReply(stream, reply, version, keep_alive);
      co_return keep;
    }
    http::response<http::empty_body> head{http::status::ok, version};
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
    head.keep_alive(keep_alive);
    head.chunked(true);
    http::response_serializer<http::empty_body> serializer{head};
    const auto [head_ec, head_n] = co_await http::async_write_header(stream, serializer, kAwait);
    if (head_ec) co_return false;
    // Tokens may have arrived while the header was written: the role chunk goes before them.
    g.pending.insert(0, wire_.RoleEvent(endpoint, g.ids, UnixSeconds()));
    const bool drop = Chance(options_.faults.drop_rate);
    std::string out;
    for (;;) {
      if (!g.pending.empty()) {
        out.clear();
        std::swap(out, g.pending);
        if (drop && g.finished) {
          // The whole rest of the stream is already here (a slow writer fell behind the engine): keep the
          // first half of its events, so the drop still comes mid-stream and never after [DONE].
          std::vector<size_t> ends;
          for (size_t at = out.find("\n\n"); at != std::string::npos; at = out.find("\n\n", at + 2)) {
            ends.push_back(at + 2);
          }
          const size_t keep = ends.size() < 2 ? 0 : std::max<size_t>(ends.size() / 2, 1);
          out.resize(keep == 0 ? 0 : ends[keep - 1]);
          if (out.empty()) co_return false;
        }
        const auto chunk = http::make_chunk(net::buffer(out));
        // Asio writes to a ready socket when the write is started, so this is when the bytes go out.
        if (g.usage.completion_tokens >= 1) ObserveFirstToken(g, Clock::now());
        const auto [ec, n] = co_await net::async_write(stream, chunk, kAwait);
        if (ec) co_return false;
        if (drop && g.usage.completion_tokens * 2 >= g.max_tokens) {
          spdlog::warn("sim fault: dropping the connection of request {}", g.id);
          co_return false;
        }
        continue;
      }
      if (g.finished && !g.stalled) break;
      co_await g.wake.async_wait(kAwait);
    }
    const auto last = http::make_chunk_last();
    const auto [ec, n] = co_await net::async_write(stream, last, kAwait);
    co_return !ec && keep_alive;
  }

  // The whole response of `g` rendered once per shape and reused (the first request's id and `created` stay).
  const std::string& Prerendered(const Generation& g) {
    const std::string key =
        fmt::format("{}/{}/{}/{}", static_cast<int>(g.endpoint), g.stream, g.include_usage, g.max_tokens);
    auto [it, inserted] = firehose_cache_.try_emplace(key);
    if (!inserted) return it->second;
    Usage usage = g.usage;
    usage.completion_tokens = g.max_tokens;
    std::string text;
    for (int64_t i = 0; i < g.max_tokens; ++i) text += filler_[static_cast<size_t>(i) % filler_.size()];
    if (!g.stream) {
      it->second = wire_.CompletionBody(g.endpoint, g.ids, text, usage);
      return it->second;
    }
    std::string& out = it->second;
    out = wire_.RoleEvent(g.endpoint, g.ids, g.ids.created);
    for (int64_t i = 0; i < g.max_tokens; ++i) {
      out += wire_.TokenEvent(g.endpoint, g.ids, filler_[static_cast<size_t>(i) % filler_.size()],
                              i + 1 == g.max_tokens, g.ids.created);
    }
    out += wire_.FinishEvent(g.endpoint, g.ids, g.ids.created);
    if (g.include_usage) out += wire_.UsageEvent(g.endpoint, g.ids, usage, g.ids.created);
    out += WireFormat::DoneEvent();
    return out;
  }

  // Firehose mode: the response in one large write, no model time.
  net::awaitable<bool> Firehose(beast::tcp_stream& stream, Generation& g, unsigned version, bool keep_alive) {
    const std::string& bytes = Prerendered(g);
    if (!g.stream) {
      const Reply reply{http::status::ok, "application/json", bytes};
      const bool keep = co_await WriteReply(stream, reply, version, keep_alive);
      co_return keep;
    }
    http::response<http::string_body> res{http::status::ok, version};
    res.set(http::field::content_type, "text/event-stream; charset=utf-8");
    res.keep_alive(keep_alive);
    res.body() = bytes;
    res.prepare_payload();
    const auto [ec, n] = co_await http::async_write(stream, res, kAwait);
    co_return !ec && keep_alive;
  }

  // Keeps a submitted request known to Dispatch; a request left unfinished (client gone, shutdown) is
  // aborted.
  struct Registration {
    Registration(Server* owner, Generation* request) : server(owner), g(request) {}
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    ~Registration() {
      if (server->live_.erase(g->id) > 0 && !g->finished) {
        std::vector<Event> events;
        server->engine_.Abort(g->id, events);
      }
    }
    Server* server;
    Generation* g;
  };

  // A deterministic unit vector per input, of the model's hidden size.
  std::vector<float> EmbeddingOf(const std::vector<tokenizer::TokenId>& ids) const {
    uint64_t seed = 1469598103934665603ull;
    for (auto id : ids) seed = (seed ^ static_cast<uint64_t>(id)) * 1099511628211ull;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> v(static_cast<size_t>(std::max(engine_.model().hidden_size, 1)));
    double norm = 0;
    for (float& x : v) {
      x = normal(rng);
      norm += static_cast<double>(x) * x;
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  }

  // /v1/embeddings: each input is one prefill in the engine; the reply comes when all are done.
  net::awaitable<bool> Embed(beast::tcp_stream& stream, const Json& body, unsigned version, bool keep_alive) {
    std::vector<std::vector<tokenizer::TokenId>> inputs;
    const auto input = body.find("input");
    const auto ids_of = [](const Json& list) {
      std::vector<tokenizer::TokenId> ids;
      for (const auto& id : list) ids.push_back(id.get<tokenizer::TokenId>());
      return ids;
    };
    if (input != body.end() && input->is_string()) {
      inputs.push_back(tokenizer_->Encode(input->get<std::string>(), true));
    } else if (input != body.end() && input->is_array() && !input->empty()) {
      if ((*input)[0].is_number_integer()) {
        inputs.push_back(ids_of(*input));
      } else {
        for (const auto& item : *input) {
          if (item.is_string()) inputs.push_back(tokenizer_->Encode(item.get<std::string>(), true));
          if (item.is_array()) inputs.push_back(ids_of(item));
        }
      }
    }
    Reply reply;
    int64_t total = 0;
    for (const auto& ids : inputs) {
      total += static_cast<int64_t>(ids.size());
      if (static_cast<int64_t>(ids.size()) > ContextLength()) {
        reply = BadRequest(
            "This model's maximum context length is " + std::to_string(ContextLength()) +
            " tokens. However, you requested " + std::to_string(ids.size()) +
            " tokens in the input for embedding generation. Please reduce the length of the input.");
      }
    }
    if (inputs.empty()) reply = BadRequest("input: a string, a list of strings or token ids is required");
    if (reply.body.empty()) {
      auto executor = co_await net::this_coro::executor;
      std::vector<std::unique_ptr<Generation>> pending;
      std::vector<std::unique_ptr<Registration>> registrations;
      for (const auto& ids : inputs) {
        auto g = std::make_unique<Generation>(executor);
        g->id = next_id_++;
        g->max_tokens = 1;
        SimRequest request;
        request.id = g->id;
        request.arrival_s = std::max(VirtualNow(), engine_.now());
        request.input_tokens = std::max<int64_t>(static_cast<int64_t>(ids.size()), 1);
        request.output_tokens = 1;
        if (Status submitted = engine_.Submit(std::move(request)); !submitted) {
          reply = BadRequest(submitted.error().message);
          break;
        }
        live_[g->id] = g.get();
        registrations.emplace_back(new Registration(this, g.get()));
        pending.push_back(std::move(g));
      }
      if (driver_ != nullptr) driver_->cancel();
      for (auto& g : pending) {
        while (!g->finished) co_await g->wake.async_wait(kAwait);
      }
      if (reply.body.empty()) {
        std::vector<std::vector<float>> vectors;
        for (const auto& ids : inputs) vectors.push_back(EmbeddingOf(ids));
        const ResponseIds ids{"embd-" + RandomHex(), UnixSeconds(),
                              options_.engine.flavor->routes.any_model_name ? options_.model : served_name_};
        reply = JsonReply(http::status::ok, wire_.EmbeddingBody(ids, vectors, total));
      }
    }
    const bool keep = co_await WriteReply(stream, reply, version, keep_alive);
    co_return keep;
  }

  Reply Route(const http::request<http::string_body>& req) {
    const std::string target(req.target().substr(0, req.target().find('?')));
    if (req.method() == http::verb::get) {
      const Flavor flavor = options_.engine.flavor;
      const RouteTraits& routes = flavor->routes;
      if (std::find(routes.health.begin(), routes.health.end(), target) != routes.health.end()) {
        return {http::status::ok, "", ""};
      }
      if (target == routes.prometheus && (!routes.prometheus_needs_flag || options_.enable_metrics)) {
        return {http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                metrics_.Prometheus(flavor, engine_.Stats(), served_name_)};
      }
      if (!routes.iteration_stats.empty() && target == routes.iteration_stats) {
        return JsonReply(http::status::ok,
                         metrics_.IterationStatsJson(engine_.Stats(), engine_.config().page_size));
      }
      if (target == "/v1/models") {
        return JsonReply(http::status::ok,
                         wire_.ModelsBody(served_name_, options_.model, ContextLength(), UnixSeconds()));
      }
    }
    return JsonReply(http::status::not_found, Json{{"detail", "Not Found"}}.dump());
  }

  net::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    RequestReader reader(stream.socket());
    for (;;) {
      RequestReader::Request req;
      Clock::time_point received;
      const boost::system::error_code ec = co_await reader.Read(req, received);
      if (ec) break;
      const bool keep_alive = req.keep_alive();
      const std::string_view target = req.target();
      bool keep = false;
      if (req.method() == http::verb::post &&
          (target == "/v1/completions" || target == "/v1/chat/completions" || target == "/v1/embeddings")) {
        Json body = Json::parse(req.body(), nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
          const Reply reply =
              JsonReply(http::status::bad_request,
                        wire_.ErrorBody("1 validation error:\n  JSON decode error", "Bad Request", 400));
          keep = co_await WriteReply(stream, reply, req.version(), keep_alive);
        } else if (target == "/v1/embeddings") {
          keep = co_await Embed(stream, body, req.version(), keep_alive);
        } else {
          const Endpoint endpoint = target == "/v1/completions" ? Endpoint::kCompletions : Endpoint::kChat;
          keep = co_await Generate(stream, endpoint, body, received, req.version(), keep_alive);
        }
      } else {
        const Reply reply = Route(req);
        keep = co_await WriteReply(stream, reply, req.version(), keep_alive);
      }
      if (!keep) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  std::unique_ptr<net::io_context> io_;
  LaunchOptions options_;
  VirtualEngine engine_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  WireFormat wire_;
  double scale_;
  std::mt19937_64 rng_;                             // faults: seeded, so a run repeats
  std::mt19937_64 id_rng_{std::random_device{}()};  // response ids differ between processes
  std::string served_name_;
  std::vector<std::string> filler_;
  std::unordered_map<uint64_t, Generation*> live_;
  ServerMetrics metrics_;
  std::unordered_map<std::string, std::string> firehose_cache_;
  net::steady_timer* driver_ = nullptr;  // lives in Drive()'s frame
  Clock::time_point t0_ = Clock::now();
  uint64_t next_id_ = 1;
  int64_t requests_ = 0;
  int exit_code_ = 0;
};

}  // namespace

int Serve(const LaunchOptions& options, VirtualEngine engine,
          std::shared_ptr<const tokenizer::Tokenizer> tokenizer) {
  Server server(options, std::move(engine), std::move(tokenizer));
  return server.Run();
}

}  // namespace autotuner::sim
