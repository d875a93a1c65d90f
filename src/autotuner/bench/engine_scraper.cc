#include "autotuner/bench/engine_scraper.h"

#include <boost/asio.hpp>
#include <thread>

#include "autotuner/bench/http_response.h"

namespace autotuner::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

constexpr auto kTimeout = std::chrono::seconds(2);
constexpr size_t kMaxMetricsBytes = 8 * 1024 * 1024;

// One GET /metrics on an open (or reopened) connection; false when the server has none or failed.
asio::awaitable<bool> ScrapeOnce(tcp::socket& socket, const tcp::resolver::results_type& endpoints,
                                 const std::string& request, std::string& body) {
  asio::steady_timer watchdog(socket.get_executor());
  watchdog.expires_after(kTimeout);
  watchdog.async_wait([&socket](error_code ec) {
    if (!ec) socket.close(ec);
  });
  error_code ec;
  if (!socket.is_open()) {
    co_await asio::async_connect(socket, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return false;
  }
  co_await asio::async_write(socket, asio::buffer(request), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  HttpResponseParser http;
  body.clear();
  char buffer[16 * 1024];
  while (!http.done()) {
    const size_t n =
        co_await socket.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::eof) http.OnEof();
    if (ec) break;
    bool too_large = false;
    http.Feed(std::string_view(buffer, n), [&](std::string_view piece) {
      too_large = body.size() + piece.size() > kMaxMetricsBytes;
      if (!too_large) body.append(piece);
      return !too_large;
    });
    if (too_large || http.failed()) co_return false;
  }
  if (!http.done() || http.status() != 200) co_return false;
  if (!http.keep_alive()) socket.close(ec);
  co_return true;
}

asio::awaitable<void> Scrape(Target target, Clock::time_point start, double interval_s,
                             std::vector<EngineSample>& samples) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  error_code ec;
  const auto endpoints = co_await resolver.async_resolve(target.host, target.port,
                                                         asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: " + target.host + ":" + target.port +
                              "\r\nUser-Agent: autotuner-bench\r\n\r\n";
  tcp::socket socket(executor);
  asio::steady_timer timer(executor);
  std::string body;
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::clamp(interval_s, 0.01, 3600.0)));
  while (co_await ScrapeOnce(socket, endpoints, request, body)) {
    auto values = ParsePrometheusGauges(body);
    if (!values.empty()) {
      samples.push_back({std::chrono::duration<double>(Clock::now() - start).count(), std::move(values)});
    }
    timer.expires_after(interval);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace

struct EngineScraper::Impl {
  std::vector<EngineSample> samples;  // declared before io: the coroutine's frame goes first
  asio::io_context io{1};
  std::jthread thread;
  bool finished = false;
};

EngineScraper::EngineScraper(const Target& target, Clock::time_point start, double interval_s)
    : impl_(std::make_unique<Impl>()) {
  asio::co_spawn(impl_->io, Scrape(target, start, interval_s, impl_->samples), [](std::exception_ptr) {});
  impl_->thread = std::jthread([io = &impl_->io] {
    try {
      io->run();
    } catch (...) {  // sampling is best effort: a failure ends it
    }
  });
}

EngineScraper::~EngineScraper() { Finish(); }

std::vector<EngineSample> EngineScraper::Finish() {
  if (impl_->finished) return {};
  impl_->finished = true;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  return std::move(impl_->samples);
}

}  // namespace autotuner::bench
