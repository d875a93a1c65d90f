#include "autotuner/bench/load_generator.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <random>
#include <thread>

#include "autotuner/bench/openai_chunk.h"
#include "autotuner/bench/sse_parser.h"

namespace autotuner::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr size_t kBodyBufferSize = 16 * 1024;  // bytes per read; also bounds per-stream memory
constexpr int64_t kDefaultOpenLoopCap = 4096;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// A request rendered once before the run.
struct PreparedRequest {
  std::string bytes;  // full HTTP/1.1 request
  int64_t input_tokens = 0;
  int64_t max_tokens = 0;
};

// Counters the progress reporter reads while the run goes on.
struct LiveCounters {
  std::atomic<int64_t> completed{0}, errors{0}, in_flight{0}, output_tokens{0};
};

// One phase (warm-up or measured) of one run, shared by all threads.
struct Phase {
  const std::vector<PreparedRequest>* requests = nullptr;
  const std::vector<double>* arrivals = nullptr;  // open loop: send offsets from `start`; null = closed loop
  int64_t total = 0;                              // requests to send
  Clock::time_point start;
  Clock::time_point deadline = Clock::time_point::max();
  std::atomic<int64_t> next{0};
  LiveCounters counters;
};

enum class Outcome { kCounted, kCancelled };

// One keep-alive connection and the per-stream parsers; everything reused across requests.
// The timeout is one watchdog timer per request that cancels the socket, rather than a timer per read
// (beast::tcp_stream), which cost a fifth of the client's CPU in the firehose benchmark.
class Connection {
 public:
  Connection(asio::any_io_executor executor, const tcp::resolver::results_type& endpoints,
             const BenchSpec& spec)
      : socket_(executor),
        watchdog_(executor),
        endpoints_(endpoints),
        spec_(spec),
        buffer_(kBodyBufferSize) {}
  ~Connection() { *alive_ = false; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  asio::awaitable<Outcome> Execute(const PreparedRequest& request, const Phase& phase,
                                   RequestRecord& record) {
    const Clock::time_point timeout_at =
        Clock::now() +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec_.request_timeout_s));
    record.input_tokens = request.input_tokens;
    Arm(std::min(timeout_at, phase.deadline));
    struct Disarm {
      asio::steady_timer& timer;
      ~Disarm() { timer.cancel(); }
    } disarm{watchdog_};
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected_;
      send_ = Clock::now();
      record.send_time = Seconds(send_ - phase.start);
      error_code ec = co_await Send(request);
      bool got_header = false;
      if (!ec) {
        parser_.emplace();
        parser_->body_limit(boost::none);
        co_await http::async_read_header(socket_, buffer_, *parser_,
                                         asio::redirect_error(asio::use_awaitable, ec));
        got_header = !ec;
      }
      // A kept-alive connection the server closed meanwhile fails before any response: retry once.
      if (ec && reused && !got_header && attempt == 0 && !timed_out_) {
        Close();
        continue;
      }
      if (ec) co_return Fail(ec, phase, record);
      co_return co_await ReadResponse(request, phase, record);
    }
  }

 private:
  // Cancels the socket's operations at `expires` unless this request is over by then.
  void Arm(Clock::time_point expires) {
    timed_out_ = false;
    const uint64_t generation = ++generation_;
    watchdog_.expires_at(expires);
    watchdog_.async_wait([this, alive = alive_, generation](error_code ec) {
      if (ec || !*alive || generation != generation_) return;
      timed_out_ = true;
      error_code ignored;
      socket_.cancel(ignored);
    });
  }

  asio::awaitable<error_code> Send(const PreparedRequest& request) {
    error_code ec;
    if (!connected_) {
      co_await asio::async_connect(socket_, endpoints_, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return ec;
      socket_.set_option(tcp::no_delay(true), ec);
      connected_ = true;
      buffer_.clear();
    }
    co_await asio::async_write(socket_, asio::buffer(request.bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return ec;
  }

  void Close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    connected_ = false;
    buffer_.clear();
  }

  Outcome Fail(error_code ec, const Phase& phase, RequestRecord& record) {
    const Clock::time_point now = Clock::now();
    Close();
    if (timed_out_ && now >= phase.deadline) return Outcome::kCancelled;
    record.e2e = Seconds(now - send_);
    if (timed_out_) {
      record.error = ErrorClass::kTimeout;
    } else if (ec == asio::error::connection_refused || ec == asio::error::host_unreachable ||
               ec == asio::error::network_unreachable) {
      record.error = ErrorClass::kConnectFailed;
    } else {
      record.error = ErrorClass::kConnectionReset;
    }
    record.error_message = ec.message();
    return Outcome::kCounted;
  }

  // Reads the body through `chunk_` and hands each piece to `on_bytes(view, arrival_time)`.
  template <typename OnBytes>
  asio::awaitable<error_code> ReadBody(OnBytes on_bytes) {
    error_code ec;
    while (!parser_->is_done()) {
      auto& body = parser_->get().body();
      body.data = chunk_;
      body.size = sizeof(chunk_);
      co_await http::async_read_some(socket_, buffer_, *parser_,
                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec == http::error::need_buffer) ec = {};
      const size_t n = sizeof(chunk_) - body.size;
      if (n > 0 && !on_bytes(std::string_view(chunk_, n), Clock::now())) co_return error_code{};
      if (ec) co_return ec;
    }
    co_return ec;
  }

  asio::awaitable<Outcome> ReadResponse(const PreparedRequest& request, const Phase& phase,
                                        RequestRecord& record) {
    const int status = parser_->get().result_int();
    const bool keep_alive = parser_->keep_alive();
    if (status >= 400 || !spec_.stream || spec_.endpoint == Endpoint::kEmbeddings) {
      body_text_.clear();
      Clock::time_point last = Clock::now();
      error_code ec = co_await ReadBody([&](std::string_view bytes, Clock::time_point at) {
        body_text_.append(bytes);
        last = at;
        return true;
      });
      if (ec) co_return Fail(ec, phase, record);
      record.e2e = Seconds(last - send_);
      if (!keep_alive) Close();
      if (status >= 400) {
        const ErrorBody error = ParseErrorBody(body_text_);
        record.error = ErrorClass::kHttpStatus;
        record.error_code = status;
        record.error_message = error.message.empty() ? error.type : error.message;
        co_return Outcome::kCounted;
      }
      record.ttft = record.e2e;
      auto usage = ParseResponseBody(body_text_);
      if (!usage.ok()) {
        record.error = ErrorClass::kBrokenStream;
        record.error_message = usage.error().message;
        co_return Outcome::kCounted;
      }
      if (usage->prompt_tokens >= 0) record.input_tokens = usage->prompt_tokens;
      record.output_tokens = std::max<int64_t>(0, usage->completion_tokens);
      CheckTokenCount(request, record);
      co_return Outcome::kCounted;
    }

    // Streaming: every event of one read shares that read's arrival time.
    sse_.Reset();
    bool done = false;
    bool failed = false;
    int64_t content_events = 0;
    int64_t usage_tokens = -1;
    Clock::time_point last = send_;
    record.token_times.reserve(static_cast<size_t>(std::max<int64_t>(request.max_tokens, 1)) + 1);
    error_code ec = co_await ReadBody([&](std::string_view bytes, Clock::time_point at) {
      last = at;
      const float since_send = static_cast<float>(Seconds(at - send_));
      sse_.Feed(bytes, [&](const SseEvent& event) {
        if (done || failed) return;
        if (event.data == "[DONE]") {
          done = true;
          return;
        }
        if (Status ok = chunks_.Parse(event.data, info_); !ok) {
          failed = true;
          record.error = ErrorClass::kBrokenStream;
          record.error_message = ok.error().message;
          return;
        }
        if (info_.is_error) {
          failed = true;
          record.error = ErrorClass::kStreamError;
          record.error_code = info_.error_code;
          record.error_message = std::move(info_.error_message);
          return;
        }
        if (info_.has_content) {
          if (content_events++ == 0) record.ttft = since_send;
          record.token_times.push_back(since_send);
        }
        if (info_.completion_tokens >= 0) usage_tokens = info_.completion_tokens;
        if (info_.prompt_tokens >= 0) record.input_tokens = info_.prompt_tokens;
      });
      return !failed;
    });
    record.e2e = Seconds(last - send_);
    if (failed) {
      Close();  // the rest of a failed stream is not worth reading
      co_return Outcome::kCounted;
    }
    if (ec && !done) co_return Fail(ec, phase, record);
    if (ec || !keep_alive) Close();
    if (!done) {
      record.error = ErrorClass::kBrokenStream;
      record.error_message = "stream ended without [DONE]";
      co_return Outcome::kCounted;
    }
    if (content_events == 0) {
      record.error = ErrorClass::kBrokenStream;
      record.error_message = "stream carried no tokens";
      co_return Outcome::kCounted;
    }
    record.output_tokens = usage_tokens >= 0 ? usage_tokens : content_events;
    CheckTokenCount(request, record);
    co_return Outcome::kCounted;
  }

  void CheckTokenCount(const PreparedRequest& request, RequestRecord& record) const {
    if (!spec_.ignore_eos || request.max_tokens <= 0 || record.output_tokens == request.max_tokens) return;
    record.error = ErrorClass::kTokenCountMismatch;
    record.error_message = "generated " + std::to_string(record.output_tokens) + " tokens, expected " +
                           std::to_string(request.max_tokens);
  }

  tcp::socket socket_;
  asio::steady_timer watchdog_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // the watchdog's handler may outlive us
  uint64_t generation_ = 0;
  bool timed_out_ = false;
  const tcp::resolver::results_type& endpoints_;
  const BenchSpec& spec_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  SseParser sse_;
  ChunkParser chunks_;
  ChunkInfo info_;
  std::string body_text_;
  Clock::time_point send_;
  bool connected_ = false;
  char chunk_[kBodyBufferSize];
};

// One io_context thread's share of a phase's workers, and its own records.
struct Shard {
  asio::io_context io{1};
  std::vector<RequestRecord> records;
  int64_t cancelled = 0;
  std::exception_ptr failure;
};

asio::awaitable<void> Worker(Shard& shard, Phase& phase, const tcp::resolver::results_type& endpoints,
                             const BenchSpec& spec) {
  Connection connection(co_await asio::this_coro::executor, endpoints, spec);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    const int64_t index = phase.next.fetch_add(1, std::memory_order_relaxed);
    if (index >= phase.total) break;
    if (phase.arrivals != nullptr) {
      const auto at = phase.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                        (*phase.arrivals)[static_cast<size_t>(index)]));
      if (at >= phase.deadline) break;
      timer.expires_at(at);
      error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (Clock::now() >= phase.deadline) break;
    const PreparedRequest& request = (*phase.requests)[static_cast<size_t>(index) % phase.requests->size()];
    RequestRecord record;
    phase.counters.in_flight.fetch_add(1, std::memory_order_relaxed);
    const Outcome outcome = co_await connection.Execute(request, phase, record);
    phase.counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (outcome == Outcome::kCancelled) {
      ++shard.cancelled;
      break;
    }
    (record.ok() ? phase.counters.completed : phase.counters.errors).fetch_add(1, std::memory_order_relaxed);
    phase.counters.output_tokens.fetch_add(record.output_tokens, std::memory_order_relaxed);
    shard.records.push_back(std::move(record));
  }
}

// Samples the engine's load gauges every `interval` until stopped; gives up on the first failure (a server
// without /metrics is normal).
asio::awaitable<void> ScrapeEngineMetrics(const Target& target, const tcp::resolver::results_type& endpoints,
                                          Clock::time_point start, double interval,
                                          std::vector<EngineSample>& samples) {
  const auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  asio::steady_timer timer(executor);
  beast::flat_buffer buffer;
  bool connected = false;
  const auto timeout = std::chrono::seconds(2);
  for (;;) {
    error_code ec;
    if (!connected) {
      stream.expires_after(timeout);
      co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      connected = true;
    }
    http::request<http::empty_body> request{http::verb::get, "/metrics", 11};
    request.set(http::field::host, target.host + ":" + target.port);
    stream.expires_after(timeout);
    co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || response.result_int() != 200) co_return;
    auto values = ParsePrometheusGauges(response.body());
    if (!values.empty()) samples.push_back({Seconds(Clock::now() - start), std::move(values)});
    if (!response.keep_alive()) {
      stream.close();
      connected = false;
    }
    timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval)));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

std::string RenderRequest(const Target& target, const std::string& path, const std::string& body,
                          bool stream) {
  std::string out;
  out.reserve(body.size() + 256);
  out +=
      "POST " + path + " HTTP/1.1\r\nHost: " + target.host + ":" + target.port +
      "\r\nContent-Type: application/json\r\nAccept: " + (stream ? "text/event-stream" : "application/json") +
      "\r\nUser-Agent: autotuner-bench\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

std::vector<double> Arrivals(const RunSpec& run, uint64_t seed) {
  std::vector<double> arrivals;
  if (run.load.request_rate <= 0) return arrivals;
  int64_t count = run.max_requests;
  if (run.max_time_s > 0) {
    // Enough arrivals to cover the time limit with a wide margin.
    count = std::min<int64_t>(count, static_cast<int64_t>(run.load.request_rate * run.max_time_s * 2) + 1000);
  }
  arrivals.reserve(static_cast<size_t>(count));
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(run.load.request_rate);
  double t = 0;
  for (int64_t i = 0; i < count; ++i) {
    arrivals.push_back(t);
    t += run.poisson ? gap(rng) : 1.0 / run.load.request_rate;
  }
  return arrivals;
}

}  // namespace

std::string Target::PathFor(Endpoint endpoint) const {
  const bool has_v1 = prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0;
  const std::string base = has_v1 ? prefix : prefix + "/v1";
  switch (endpoint) {
    case Endpoint::kCompletions:
      return base + "/completions";
    case Endpoint::kChat:
      return base + "/chat/completions";
    case Endpoint::kEmbeddings:
      return base + "/embeddings";
  }
  return base;
}

Result<Target> ParseTarget(std::string_view api_base) {
  constexpr std::string_view kScheme = "http://";
  if (api_base.substr(0, kScheme.size()) != kScheme) {
    return MakeError(ErrorCode::kInvalidArgument, "--api-base must start with http:// (got '" +
                                                      std::string(api_base) + "'); https is not supported");
  }
  std::string_view rest = api_base.substr(kScheme.size());
  Target target;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) target.prefix = std::string(rest.substr(slash));
  while (!target.prefix.empty() && target.prefix.back() == '/') target.prefix.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    target.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  target.host = std::string(authority);
  if (target.host.empty() || target.port.empty() ||
      target.port.find_first_not_of("0123456789") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--api-base: cannot read host and port of '" + std::string(api_base) + "'");
  }
  return target;
}

Json RequestBody(const BenchSpec& spec, const RequestPlan& plan) {
  Json body = Json::object();
  body["model"] = spec.model;
  switch (spec.endpoint) {
    case Endpoint::kCompletions:
      body["prompt"] = plan.prompt;
      break;
    case Endpoint::kChat:
      body["messages"] = Json::array({Json{{"role", "user"}, {"content", plan.prompt}}});
      break;
    case Endpoint::kEmbeddings:
      body["input"] = plan.prompt;
      break;
  }
  if (spec.endpoint != Endpoint::kEmbeddings) {
    body["max_tokens"] = plan.max_tokens;
    if (spec.ignore_eos) {
      body["ignore_eos"] = true;
      body["min_tokens"] = plan.max_tokens;
    }
    body["stream"] = spec.stream;
    if (spec.stream) body["stream_options"] = Json{{"include_usage", true}};
  }
  for (const auto& [key, value] : spec.additional_params.items()) body[key] = value;
  return body;
}

Result<std::vector<RunResult>> HttpLoadGenerator::Run(const BenchSpec& spec, std::stop_token stop,
                                                      const ProgressCallback& progress) {
  auto target = ParseTarget(spec.api_base);
  if (!target.ok()) return std::move(target).error();
  tcp::resolver::results_type endpoints;
  {
    asio::io_context io;
    tcp::resolver resolver(io);
    error_code ec;
    endpoints = resolver.resolve(target->host, target->port, ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable, "cannot resolve " + target->host + ": " + ec.message());
    }
  }
  const std::string path = target->PathFor(spec.endpoint);
  const bool stream = spec.stream && spec.endpoint != Endpoint::kEmbeddings;
  std::vector<RunResult> results;
  for (size_t run_index = 0; run_index < spec.runs.size(); ++run_index) {
    const RunSpec& run = spec.runs[run_index];
    if (run.plans.empty() || run.max_requests <= 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "run " + std::to_string(run_index) + ": needs request plans and max_requests > 0");
    }
    std::vector<PreparedRequest> requests;
    requests.reserve(run.plans.size());
    for (const RequestPlan& plan : run.plans) {
      requests.push_back({RenderRequest(*target, path, DumpJson(RequestBody(spec, plan)), stream),
                          plan.input_tokens, plan.max_tokens});
    }
    const std::vector<double> arrivals = Arrivals(run, spec.seed + run_index);
    const bool open_loop = run.load.request_rate > 0;
    const int64_t workers = std::max<int64_t>(
        1, open_loop && run.load.num_concurrency <= 0 ? kDefaultOpenLoopCap : run.load.num_concurrency);

    RunResult result;
    for (const bool warmup : {true, false}) {
      if (warmup && run.warmup_requests <= 0) continue;
      Phase phase;
      phase.requests = &requests;
      phase.arrivals = warmup || !open_loop ? nullptr : &arrivals;
      phase.total =
          warmup ? run.warmup_requests
                 : (open_loop ? std::min<int64_t>(run.max_requests, static_cast<int64_t>(arrivals.size()))
                              : run.max_requests);
      phase.start = Clock::now();
      if (run.max_time_s > 0) {
        phase.deadline = phase.start + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(run.max_time_s));
      }
      const int64_t phase_workers = std::min(workers, phase.total);
      const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
      const int64_t num_threads = std::min<int64_t>(
          phase_workers, spec.num_threads > 0 ? spec.num_threads : static_cast<int64_t>(cores));
      std::vector<std::unique_ptr<Shard>> shards;
      for (int64_t t = 0; t < num_threads; ++t) shards.push_back(std::make_unique<Shard>());
      for (int64_t w = 0; w < phase_workers; ++w) {
        Shard& shard = *shards[static_cast<size_t>(w % num_threads)];
        asio::co_spawn(shard.io, Worker(shard, phase, endpoints, spec), [&shard](std::exception_ptr e) {
          if (e && !shard.failure) shard.failure = e;
        });
      }
      // Declared before its io_context, which destroys the scraper's frame first.
      std::vector<EngineSample> engine_samples;
      asio::io_context scrape_io{1};
      std::jthread scraper;
      if (!warmup && spec.scrape_engine_metrics) {
        asio::co_spawn(scrape_io,
                       ScrapeEngineMetrics(*target, endpoints, phase.start, spec.engine_metrics_interval_s,
                                           engine_samples),
                       [](std::exception_ptr) {});
        scraper = std::jthread([&scrape_io] { scrape_io.run(); });
      }
      std::vector<std::jthread> threads;
      std::atomic<int64_t> running{num_threads};
      for (auto& shard : shards) {
        threads.emplace_back([&shard, &running] {
          shard->io.run();
          running.fetch_sub(1);
        });
      }
      bool stopped = false;
      while (running.load() > 0) {
        if (stop.stop_requested() && !stopped) {
          stopped = true;
          for (auto& shard : shards) shard->io.stop();
        }
        if (progress) {
          Progress p;
          p.run_index = run_index;
          p.num_runs = spec.runs.size();
          p.run = &run;
          p.warming_up = warmup;
          p.completed = phase.counters.completed.load();
          p.errors = phase.counters.errors.load();
          p.in_flight = phase.counters.in_flight.load();
          p.output_tokens = phase.counters.output_tokens.load();
          p.elapsed_s = Seconds(Clock::now() - phase.start);
          progress(p);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(stopped ? 5 : 200));
      }
      threads.clear();
      scrape_io.stop();
      if (scraper.joinable()) scraper.join();
      for (auto& shard : shards) {
        if (shard->failure) std::rethrow_exception(shard->failure);
      }
      if (stopped) {
        if (results.empty()) return MakeError(ErrorCode::kCancelled, "benchmark stopped");
        return results;
      }
      if (warmup) continue;
      int64_t cancelled = 0;
      for (auto& shard : shards) {
        cancelled += shard->cancelled;
        for (RequestRecord& r : shard->records) result.requests.push_back(std::move(r));
      }
      std::sort(result.requests.begin(), result.requests.end(),
                [](const RequestRecord& a, const RequestRecord& b) { return a.send_time < b.send_time; });
      result.metrics = ComputeRunMetrics(run.load, result.requests, spec.thresholds, cancelled);
      result.engine_samples = std::move(engine_samples);
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace autotuner::bench
