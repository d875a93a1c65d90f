#include "autotuner/bench/client_pool.h"

#include <algorithm>
#include <boost/asio.hpp>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "autotuner/bench/engine_scraper.h"
#include "autotuner/bench/http_response.h"
#include "autotuner/bench/openai_chunk.h"
#include "autotuner/bench/sse_parser.h"
#include "autotuner/core/duration.h"

namespace autotuner::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// One read buffer per io thread, shared by its streams (only one runs at a time): large reads cost few
// syscalls, and a stream holds no buffer of its own.
constexpr size_t kReadBufferSize = 256 * 1024;
constexpr size_t kMaxBodyBytes = 16 * 1024 * 1024;  // a non-streaming response
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;    // an HTTP error's body: only its message is kept
constexpr size_t kKeptBodyCapacity = 64 * 1024;     // larger body buffers are freed after their request
// Connects in flight before a run: a burst of thousands overflows the server's listen queue, whose SYN
// retries then take seconds.
constexpr int64_t kMaxConnecting = 256;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

enum class Outcome { kCounted, kCancelled };

// What one io thread's streams share.
struct ThreadState {
  std::vector<char> read_buffer = std::vector<char>(kReadBufferSize);
  ChunkParser chunks;
  ChunkInfo info;
  std::vector<double> connect_times;
  std::vector<RequestRecord> records;
  int64_t cancelled = 0;
};

// Per-request state of a streamed response.
struct StreamState {
  bool done = false;    // [DONE] seen
  bool failed = false;  // the record holds the error; the rest is not worth reading
  int64_t content_events = 0;
  int64_t usage_tokens = -1;
};

// One keep-alive connection and its parsers; everything reused across requests. The timeout is one watchdog
// timer per request that cancels the socket, rather than a timer per read.
class Connection {
 public:
  Connection(asio::io_context& io, const tcp::resolver::results_type& endpoints, const BenchSpec& spec,
             ThreadState& thread)
      : socket_(io), watchdog_(io), arrival_(io), endpoints_(endpoints), spec_(spec), thread_(thread) {}
  ~Connection() { *alive_ = false; }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool aborted() const { return aborted_; }

  // Opens the TCP connection only (no request, which would touch the engine's counters), within the
  // request timeout.
  asio::awaitable<void> Preconnect() {
    Arm(Clock::now() + SaturatingSeconds(spec_.request_timeout_s));
    co_await Open();
    watchdog_.cancel();
  }

  // Closes the socket and cancels every wait: the stream's coroutine ends as cancelled.
  void Abort() {
    aborted_ = true;
    Close();
    watchdog_.cancel();
    arrival_.cancel();
  }

  asio::awaitable<void> WaitUntil(Clock::time_point at) {
    arrival_.expires_at(at);
    error_code ignored;
    co_await arrival_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  // `may_retry`: a kept-alive connection the server closed meanwhile fails before any response; the request
  // is then sent once more on a new connection.
  asio::awaitable<Outcome> Execute(const PreparedRequest& request, const Phase& phase, RequestRecord& record,
                                   bool may_retry = true) {
    record.input_tokens = request.input_tokens;
    Arm(std::min(Clock::now() + SaturatingSeconds(spec_.request_timeout_s), phase.deadline));
    struct Disarm {
      asio::steady_timer& timer;
      ~Disarm() { timer.cancel(); }
    } disarm{watchdog_};
    const bool reused = socket_.is_open();
    error_code ec;
    if (!reused) ec = co_await Open();
    // The clock of TTFT and e2e starts once the connection is open: connect time is reported apart.
    send_ = Clock::now();
    last_progress_ = send_;
    record.send_time = Seconds(send_ - phase.start);
    if (!ec) {
      co_await asio::async_write(socket_, asio::buffer(request.bytes),
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec && reused && may_retry && !timed_out_ && !aborted_) {
      Close();
      co_return co_await Execute(request, phase, record, false);
    }
    if (ec) co_return Fail(ec, phase, record);
    http_.Reset();
    received_ = false;
    co_return co_await ReadResponse(request, phase, record, reused && may_retry);
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

  asio::awaitable<error_code> Open() {
    error_code ec;
    if (aborted_) co_return asio::error::operation_aborted;
    const Clock::time_point start = Clock::now();
    co_await asio::async_connect(socket_, endpoints_, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec && aborted_) ec = asio::error::operation_aborted;
    if (!ec) socket_.set_option(tcp::no_delay(true), ec);
    if (!ec) socket_.non_blocking(true, ec);  // reads go straight into the thread's buffer
    if (ec) {
      Close();
      co_return ec;
    }
    thread_.connect_times.push_back(Seconds(Clock::now() - start));
    co_return ec;
  }

  void Close() {
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  Outcome Fail(error_code ec, const Phase& phase, RequestRecord& record) {
    const Clock::time_point now = Clock::now();
    Close();
    if (aborted_) return Outcome::kCancelled;
    record.e2e = Seconds(now - send_);
    if (timed_out_ && now >= phase.deadline) {
      if (now - last_progress_ < phase.stall_window) return Outcome::kCancelled;
      record.error = ErrorClass::kTimeout;
      record.error_message = "nothing received for " + std::to_string(Seconds(now - last_progress_)) +
                             " s up to the run's time limit (a stalled engine)";
      return Outcome::kCounted;
    }
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

  // Reads into the thread's buffer until the response is complete, handing each body piece to
  // on_body(view, arrival_time), which returns false to stop reading. The HTTP parser's state tells how it
  // ended.
  template <typename OnBody>
  asio::awaitable<error_code> ReadUntilDone(OnBody& on_body) {
    std::vector<char>& buffer = thread_.read_buffer;
    for (;;) {
      if (timed_out_ || aborted_) co_return asio::error::operation_aborted;
      error_code ec;
      const size_t n = socket_.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        co_await socket_.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return ec;
        continue;
      }
      if (ec == asio::error::eof) {
        http_.OnEof();
        co_return http_.done() ? error_code{} : ec;
      }
      if (ec) co_return ec;
      received_ = true;
      const Clock::time_point at = Clock::now();
      last_progress_ = at;
      bool stopped = false;
      const size_t used = http_.Feed(std::string_view(buffer.data(), n), [&](std::string_view body) {
        stopped = !on_body(body, at);
        return !stopped;
      });
      if (stopped || http_.failed()) co_return error_code{};
      if (http_.done()) {
        leftover_ = used < n;  // bytes after the response: the connection is out of step
        co_return error_code{};
      }
      // A full buffer means more is waiting: let the thread's other streams run first.
      if (n == buffer.size()) co_await asio::post(socket_.get_executor(), asio::use_awaitable);
    }
  }

  bool OnStreamBytes(std::string_view bytes, Clock::time_point at, RequestRecord& record, StreamState& s) {
    const float since_send = static_cast<float>(Seconds(at - send_));
    ChunkInfo& info = thread_.info;
    sse_.Feed(bytes, [&](const SseEvent& event) {
      if (s.done || s.failed) return;
      if (event.data == "[DONE]") {
        s.done = true;
        return;
      }
      if (Status ok = thread_.chunks.Parse(event.data, info); !ok) {
        s.failed = true;
        record.error = ErrorClass::kBrokenStream;
        record.error_message = ok.error().message;
        return;
      }
      if (info.is_error) {
        s.failed = true;
        record.error = ErrorClass::kStreamError;
        record.error_code = info.error_code;
        record.error_message = std::move(info.error_message);
        return;
      }
      if (info.has_content) {
        if (s.content_events++ == 0) record.ttft = since_send;
        record.token_times.push_back(since_send);
      }
      if (info.completion_tokens >= 0) s.usage_tokens = info.completion_tokens;
      if (info.prompt_tokens >= 0) record.input_tokens = info.prompt_tokens;
    });
    if (sse_.failed() && !s.failed) {
      s.failed = true;
      record.error = ErrorClass::kBrokenStream;
      record.error_message = sse_.error();
    }
    return !s.failed;
  }

  asio::awaitable<Outcome> ReadResponse(const PreparedRequest& request, const Phase& phase,
                                        RequestRecord& record, bool may_retry);
  Outcome FinishBody(const PreparedRequest& request, RequestRecord& record, bool too_large);
  Outcome FinishStream(const PreparedRequest& request, RequestRecord& record, const StreamState& s);

  void CheckTokenCount(const PreparedRequest& request, RequestRecord& record) const {
    if (!spec_.ignore_eos || request.max_tokens <= 0 || record.output_tokens == request.max_tokens) return;
    record.error = ErrorClass::kTokenCountMismatch;
    record.error_message = "generated " + std::to_string(record.output_tokens) + " tokens, expected " +
                           std::to_string(request.max_tokens);
  }

  tcp::socket socket_;
  asio::steady_timer watchdog_;
  asio::steady_timer arrival_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // the watchdog's handler may outlive us
  uint64_t generation_ = 0;
  bool timed_out_ = false;
  bool aborted_ = false;
  bool received_ = false;  // some byte of the current response arrived
  bool leftover_ = false;
  const tcp::resolver::results_type& endpoints_;
  const BenchSpec& spec_;
  ThreadState& thread_;
  HttpResponseParser http_;
  SseParser sse_;
  std::string body_text_;
  Clock::time_point send_;
  Clock::time_point last_progress_;  // send or the latest read
};

asio::awaitable<Outcome> Connection::ReadResponse(const PreparedRequest& request, const Phase& phase,
                                                  RequestRecord& record, bool may_retry) {
  const bool stream = spec_.stream && spec_.endpoint != Endpoint::kEmbeddings;
  body_text_.clear();
  sse_.Reset();
  StreamState s;
  bool too_large = false;
  Clock::time_point last = send_;
  record.token_times.reserve(static_cast<size_t>(std::max<int64_t>(request.max_tokens, 1)) + 1);
  auto on_body = [&](std::string_view bytes, Clock::time_point at) {
    last = at;
    if (http_.status() < 400 && stream) return OnStreamBytes(bytes, at, record, s);
    const size_t cap = http_.status() >= 400 ? kMaxErrorBodyBytes : kMaxBodyBytes;
    if (body_text_.size() + bytes.size() > cap) {
      body_text_.append(bytes.substr(0, cap - body_text_.size()));
      too_large = true;
      return false;
    }
    body_text_.append(bytes);
    return true;
  };
  const error_code ec = co_await ReadUntilDone(on_body);
  record.e2e = Seconds(last - send_);
  if (ec && may_retry && !received_ && !timed_out_ && !aborted_) {
    // A kept-alive connection the server closed meanwhile fails before any response: retry once.
    Close();
    co_return co_await Execute(request, phase, record, false);
  }
  if (http_.failed()) {
    Close();
    record.error = ErrorClass::kBrokenStream;
    record.error_message = "malformed HTTP response: " + http_.error();
    co_return Outcome::kCounted;
  }
  const bool finished = http_.done() || s.failed || too_large;
  if (!finished && !(stream && s.done && http_.status() < 400)) co_return Fail(ec, phase, record);
  if (!http_.done() || !http_.keep_alive() || leftover_) Close();
  const Outcome outcome = http_.status() < 400 && stream ? FinishStream(request, record, s)
                                                         : FinishBody(request, record, too_large);
  if (body_text_.capacity() > kKeptBodyCapacity) std::string().swap(body_text_);
  co_return outcome;
}

Outcome Connection::FinishBody(const PreparedRequest& request, RequestRecord& record, bool too_large) {
  const int status = http_.status();
  if (status >= 400) {
    const ErrorBody error = ParseErrorBody(body_text_);
    record.error = ErrorClass::kHttpStatus;
    record.error_code = status;
    record.error_message = error.message.empty() ? error.type : error.message;
    return Outcome::kCounted;
  }
  if (too_large) {
    record.error = ErrorClass::kBrokenStream;
    record.error_message = "response body over " + std::to_string(kMaxBodyBytes >> 20) + " MiB";
    return Outcome::kCounted;
  }
  record.ttft = record.e2e;
  auto usage = ParseResponseBody(body_text_);
  if (!usage.ok()) {
    record.error = ErrorClass::kBrokenStream;
    record.error_message = usage.error().message;
    return Outcome::kCounted;
  }
  if (usage->prompt_tokens >= 0) record.input_tokens = usage->prompt_tokens;
  record.output_tokens = std::max<int64_t>(0, usage->completion_tokens);
  CheckTokenCount(request, record);
  return Outcome::kCounted;
}

Outcome Connection::FinishStream(const PreparedRequest& request, RequestRecord& record,
                                 const StreamState& s) {
  if (s.failed) return Outcome::kCounted;
  if (!s.done) {
    record.error = ErrorClass::kBrokenStream;
    record.error_message = "stream ended without [DONE]";
    return Outcome::kCounted;
  }
  if (s.content_events == 0) {
    record.error = ErrorClass::kBrokenStream;
    record.error_message = "stream carried no tokens";
    return Outcome::kCounted;
  }
  record.output_tokens = s.usage_tokens >= 0 ? s.usage_tokens : s.content_events;
  CheckTokenCount(request, record);
  return Outcome::kCounted;
}

asio::awaitable<void> Worker(ThreadState& thread, Connection& connection, Phase& phase) {
  for (;;) {
    if (connection.aborted()) break;
    const int64_t index = phase.next.fetch_add(1, std::memory_order_relaxed);
    if (index >= phase.total) break;
    if (phase.arrivals != nullptr) {
      const auto at = phase.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                        (*phase.arrivals)[static_cast<size_t>(index)]));
      if (at >= phase.deadline) break;
      co_await connection.WaitUntil(at);
      if (connection.aborted()) break;
    }
    if (Clock::now() >= phase.deadline) break;
    const PreparedRequest& request = (*phase.requests)[static_cast<size_t>(index) % phase.requests->size()];
    RequestRecord record;
    phase.counters.in_flight.fetch_add(1, std::memory_order_relaxed);
    const Outcome outcome = co_await connection.Execute(request, phase, record);
    phase.counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (outcome == Outcome::kCancelled) {
      ++thread.cancelled;
      break;
    }
    (record.ok() ? phase.counters.completed : phase.counters.errors).fetch_add(1, std::memory_order_relaxed);
    phase.counters.output_tokens.fetch_add(record.output_tokens, std::memory_order_relaxed);
    thread.records.push_back(std::move(record));
  }
}

// One io thread: its io_context, shared state and connections (destroyed before the io_context).
struct Shard {
  asio::io_context io{1};
  ThreadState state;
  std::vector<std::unique_ptr<Connection>> connections;
  std::exception_ptr failure;
};

asio::awaitable<void> ConnectLane(Shard& shard, size_t first, size_t step) {
  for (size_t p = first; p < shard.connections.size(); p += step) co_await shard.connections[p]->Preconnect();
}

}  // namespace

struct ClientPool::Impl {
  Target target;
  const BenchSpec& spec;
  int64_t num_connections = 0;
  tcp::resolver::results_type endpoints;
  std::vector<std::unique_ptr<Shard>> shards;

  // Spawns `body(shard, position)` for the first `count` connections (connection c is shard c % threads's
  // connection c / threads), runs every shard on its own thread until they run out of work, calling `tick`
  // meanwhile; aborts every stream when `stop` fires.
  template <typename Body>
  bool RunAll(int64_t count, Body body, std::stop_token stop, const std::function<void()>& tick) {
    const auto num_threads = static_cast<int64_t>(shards.size());
    for (int64_t c = 0; c < count; ++c) {
      Shard& shard = *shards[static_cast<size_t>(c % num_threads)];
      asio::co_spawn(shard.io, body(shard, static_cast<size_t>(c / num_threads)),
                     [&shard](std::exception_ptr e) {
                       if (e && !shard.failure) shard.failure = e;
                     });
    }
    std::atomic<int64_t> running{num_threads};
    std::vector<std::jthread> threads;
    for (auto& shard : shards) {
      threads.emplace_back([&shard, &running] {
        // A handler that throws ends this shard's run as its failure, not the process.
        try {
          shard->io.restart();
          shard->io.run();
        } catch (...) {
          if (!shard->failure) shard->failure = std::current_exception();
        }
        running.fetch_sub(1);
      });
    }
    bool stopped = false;
    while (running.load() > 0) {
      if (stop.stop_requested() && !stopped) {
        stopped = true;
        for (auto& shard : shards) {
          asio::post(shard->io, [&shard] {
            for (auto& connection : shard->connections) connection->Abort();
          });
        }
      }
      if (tick) tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(stopped ? 5 : 200));
    }
    threads.clear();
    for (auto& shard : shards) {
      if (shard->failure) std::rethrow_exception(std::exchange(shard->failure, nullptr));
    }
    return stopped;
  }
};

ClientPool::ClientPool(const Target& target, const BenchSpec& spec, int64_t connections, int64_t num_threads)
    : impl_(new Impl{target, spec, std::max<int64_t>(1, connections), {}, {}}) {
  num_threads = std::clamp<int64_t>(num_threads, 1, impl_->num_connections);
  for (int64_t t = 0; t < num_threads; ++t) impl_->shards.push_back(std::make_unique<Shard>());
  for (int64_t c = 0; c < impl_->num_connections; ++c) {
    Shard& shard = *impl_->shards[static_cast<size_t>(c % num_threads)];
    shard.connections.push_back(std::make_unique<Connection>(shard.io, impl_->endpoints, spec, shard.state));
  }
}

ClientPool::~ClientPool() = default;

Result<std::vector<double>> ClientPool::Connect(std::stop_token stop, const std::function<void()>& tick) {
  {
    asio::io_context io;
    tcp::resolver resolver(io);
    error_code ec;
    impl_->endpoints = resolver.resolve(impl_->target.host, impl_->target.port, ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable, "cannot resolve " + impl_->target.host + ": " + ec.message());
    }
  }
  // At most ~kMaxConnecting connects in flight, in lanes that each open every step-th connection of a shard.
  const auto num_threads = static_cast<int64_t>(impl_->shards.size());
  const int64_t lanes =
      std::min(impl_->num_connections, num_threads * ((kMaxConnecting + num_threads - 1) / num_threads));
  const auto step = static_cast<size_t>((lanes + num_threads - 1) / num_threads);
  impl_->RunAll(
      lanes, [step](Shard& shard, size_t first) { return ConnectLane(shard, first, step); }, stop, tick);
  std::vector<double> times;
  for (auto& shard : impl_->shards) {
    times.insert(times.end(), shard->state.connect_times.begin(), shard->state.connect_times.end());
    shard->state.connect_times.clear();
  }
  return times;
}

PhaseOutcome ClientPool::RunPhase(Phase& phase, std::stop_token stop, const std::function<void()>& tick,
                                  std::vector<EngineSample>* samples) {
  std::optional<EngineScraper> scraper;
  if (samples != nullptr) {
    scraper.emplace(impl_->target, phase.start, impl_->spec.engine_metrics_interval_s);
  }
  PhaseOutcome outcome;
  outcome.stopped = impl_->RunAll(
      std::min(phase.workers, impl_->num_connections),
      [&phase](Shard& shard, size_t position) {
        return Worker(shard.state, *shard.connections[position], phase);
      },
      stop, tick);
  if (scraper) *samples = scraper->Finish();
  for (auto& shard : impl_->shards) {
    ThreadState& state = shard->state;
    outcome.cancelled += state.cancelled;
    for (RequestRecord& r : state.records) outcome.records.push_back(std::move(r));
    outcome.connect_times.insert(outcome.connect_times.end(), state.connect_times.begin(),
                                 state.connect_times.end());
    state.records.clear();
    state.connect_times.clear();
    state.cancelled = 0;
  }
  return outcome;
}

}  // namespace autotuner::bench
