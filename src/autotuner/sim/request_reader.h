#pragma once

// Reads HTTP requests from one connection of the simulator's server and tells when each request reached this
// machine (the kernel's receive timestamp of its first bytes), not when the server's one io thread got round
// to reading it. When 1,000 requests arrive together, that thread parses and tokenizes them one after another
// (~100 µs each), so a clock started after the read would start up to ~100 ms late for the last of them while
// the client's clock already runs: the engine's TTFT histogram would miss the wait.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace autotuner::sim {

class RequestReader {
 public:
  using Clock = std::chrono::steady_clock;
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  // Asks the kernel to timestamp what `socket` receives (SO_TIMESTAMPNS); without it, arrival falls back to
  // the time of the read.
  explicit RequestReader(boost::asio::ip::tcp::socket& socket);

  // The next request on the connection and when its first bytes arrived; an error (end_of_stream when the
  // peer closed between requests) ends the connection. Limits are Beast's request parser defaults.
  boost::asio::awaitable<boost::system::error_code> Read(Request& request, Clock::time_point& arrived);

 private:
  // One recvmsg into the buffer: bytes read (0 at end of stream) and their receive time, or an error.
  boost::system::error_code ReceiveSome(size_t& received, Clock::time_point& at);

  boost::asio::ip::tcp::socket& socket_;
  boost::beast::flat_buffer buffer_;
  Clock::time_point buffered_at_;  // arrival of the bytes already in buffer_ (a pipelined next request)
};

// A kernel receive timestamp (CLOCK_REALTIME) as a steady-clock time, given the two clocks read together;
// never later than `steady_now` (a stamp from the future, e.g. the wall clock stepped back, becomes now).
RequestReader::Clock::time_point SteadyFromRealtime(std::chrono::system_clock::time_point stamp,
                                                    std::chrono::system_clock::time_point system_now,
                                                    RequestReader::Clock::time_point steady_now);

}  // namespace autotuner::sim
