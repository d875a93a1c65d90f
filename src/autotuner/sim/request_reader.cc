#include "autotuner/sim/request_reader.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace autotuner::sim {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

constexpr size_t kReadSize = 16 * 1024;

}  // namespace

RequestReader::Clock::time_point SteadyFromRealtime(std::chrono::system_clock::time_point stamp,
                                                    std::chrono::system_clock::time_point system_now,
                                                    RequestReader::Clock::time_point steady_now) {
  if (stamp >= system_now) return steady_now;
  return steady_now - std::chrono::duration_cast<RequestReader::Clock::duration>(system_now - stamp);
}

RequestReader::RequestReader(net::ip::tcp::socket& socket) : socket_(socket) {
  const int on = 1;
  // Best effort: a socket that refuses keeps the read time as arrival.
  (void)::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

error_code RequestReader::ReceiveSome(size_t& received, Clock::time_point& at) {
  const auto space = buffer_.prepare(kReadSize);
  iovec iov{space.data(), space.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  const ssize_t n = ::recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT);
  const auto steady_now = Clock::now();
  const auto system_now = std::chrono::system_clock::now();
  if (n < 0) return error_code(errno, boost::system::system_category());
  received = static_cast<size_t>(n);
  buffer_.commit(received);
  at = steady_now;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
    timespec ts{};
    std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
    const auto stamp =
        std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    if (ts.tv_sec > 0) at = SteadyFromRealtime(stamp, system_now, steady_now);
  }
  return {};
}

net::awaitable<error_code> RequestReader::Read(Request& request, Clock::time_point& arrived) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  std::optional<Clock::time_point> first;
  if (buffer_.size() > 0) first = buffered_at_;
  for (;;) {
    if (buffer_.size() > 0) {
      error_code ec;
      const size_t used = parser.put(buffer_.data(), ec);
      buffer_.consume(used);
      if (parser.is_done()) {
        request = parser.release();
        arrived = first.value_or(Clock::now());
        co_return error_code{};
      }
      if (ec && ec != http::error::need_more) co_return ec;
      if (!ec && used > 0) continue;
    }
    size_t received = 0;
    Clock::time_point at;
    error_code ec = ReceiveSome(received, at);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      co_await socket_.async_wait(net::ip::tcp::socket::wait_read,
                                  net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return ec;
      continue;
    }
    if (ec) co_return ec;
    if (received == 0) {
      // Beast's own reader reports a close between requests as end_of_stream and one mid-request as
      // partial_message.
      co_return buffer_.size() == 0 && !first ? http::error::end_of_stream : http::error::partial_message;
    }
    if (!first) first = at;
    buffered_at_ = at;
  }
}

}  // namespace autotuner::sim
