// Capacity of one autotuner-sim server thread: how many concurrent SSE streams it holds and how many token
// events per second it writes, in normal mode (scaled model time) and in firehose mode (pre-rendered bytes).
// The server runs in this process on one thread (one core); the client runs on another thread.
//
//   sim_server_bench [streams=4000] [tokens_per_stream=100] [time_scale=50]

#include <fmt/format.h>
#include <sys/resource.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "autotuner/core/log.h"
#include "autotuner/sim/server.h"
#include "autotuner/tokenizer/registry.h"
#include "bench_thread.h"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct ClientTotals {
  int64_t events = 0;  // token events received ("text" fields)
  int64_t done = 0;    // streams that reached [DONE]
  int open = 0;
  int peak_open = 0;
};

// One streaming request over its own connection, counting token events until [DONE].
net::awaitable<void> Stream(tcp::endpoint server, std::string request, ClientTotals& totals) {
  tcp::socket socket(co_await net::this_coro::executor);
  co_await socket.async_connect(server, net::use_awaitable);
  co_await net::async_write(socket, net::buffer(request), net::use_awaitable);
  ++totals.open;
  totals.peak_open = std::max(totals.peak_open, totals.open);
  std::string carry;
  char buffer[65536];
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(net::buffer(buffer), net::as_tuple(net::use_awaitable));
    if (ec) break;
    carry.append(buffer, n);
    size_t pos = 0;
    while ((pos = carry.find("\"text\":", pos)) != std::string::npos) {
      ++totals.events;
      pos += 7;
    }
    if (carry.find("data: [DONE]") != std::string::npos) {
      ++totals.done;
      break;
    }
    // Keep a tail long enough for a marker split across reads.
    if (carry.size() > 16) carry.erase(0, carry.size() - 16);
  }
  --totals.open;
}

int FreePort() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// False when the server thread ended (it failed) before it listened.
bool WaitUntilServing(int port, const std::atomic<bool>& server_ended) {
  net::io_context io;
  while (!server_ended) {
    tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
    if (!ec) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void Run(bool firehose, int streams, int tokens, double time_scale) {
  autotuner::sim::LaunchOptions options;
  options.engine.flavor = autotuner::sim::FlavorNamed("vllm");
  options.engine.time_scale = time_scale;
  options.engine.max_running_requests = streams;  // every stream decodes at once
  options.model = "meta-llama/Llama-3.1-8B-Instruct";
  options.port = FreePort();
  options.firehose = firehose;
  auto model = autotuner::sim::ResolveModel(options.model).value();
  auto engine = autotuner::sim::VirtualEngine::Create(options.engine, model).value();
  auto tokenizer = autotuner::tokenizer::LoadTokenizer("gpt2").value();
  std::atomic<bool> server_ended{false};
  std::thread server([&] {
    autotuner::bench_support::CatchAll(
        "server", [&] { autotuner::sim::Serve(options, std::move(engine), tokenizer); }, [] {});
    server_ended = true;
  });
  if (!WaitUntilServing(options.port, server_ended)) {
    server.join();
    return;
  }

  const std::string body = fmt::format(
      R"({{"prompt":"Benchmark the simulator","max_tokens":{},"ignore_eos":true,"stream":true}})", tokens);
  const std::string request = fmt::format(
      "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\nConnection: close\r\n\r\n{}",
      body.size(), body);
  net::io_context io(1);
  ClientTotals totals;
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(options.port));
  for (int i = 0; i < streams; ++i) net::co_spawn(io, Stream(endpoint, request, totals), net::detached);
  const auto start = Clock::now();
  io.run();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::raise(SIGTERM);  // the server's signal handler stops it
  server.join();
  fmt::print(
      "{:9} streams={} completed={} peak_concurrent_streams={} token_events={} seconds={:.2f} "
      "token_events_per_s={:.0f}\n",
      firehose ? "firehose" : "normal", streams, totals.done, totals.peak_open, totals.events, seconds,
      static_cast<double>(totals.events) / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const int streams = argc > 1 ? std::atoi(argv[1]) : 4000;
  const int tokens = argc > 2 ? std::atoi(argv[2]) : 100;
  const double time_scale = argc > 3 ? std::atof(argv[3]) : 50;
  autotuner::InitLogging(spdlog::level::warn);
  // Both ends of every stream live in this process.
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  Run(false, streams, tokens, time_scale);
  Run(true, streams, tokens, time_scale);
  return 0;
}
