#include "autotuner/sim/request_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "autotuner/core/thread_testing.h"

namespace autotuner::sim {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = RequestReader::Clock;
using boost::system::error_code;

// A loopback connection: the test writes on `client`, the reader reads `server`.
struct Connection {
  net::io_context io;
  tcp::socket client{io};
  tcp::socket server{io};
  Connection() {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  void Send(const std::string& bytes) { net::write(client, net::buffer(bytes)); }
};

struct ReadResult {
  error_code ec;
  RequestReader::Request request;
  Clock::time_point arrived;
};

// Runs reads on the connection's io_context until `count` requests (or an error) came back.
std::vector<ReadResult> ReadRequests(Connection& c, RequestReader& reader, int count) {
  std::vector<ReadResult> results;
  net::co_spawn(
      c.io,
      [&]() -> net::awaitable<void> {
        for (int i = 0; i < count; ++i) {
          ReadResult r;
          r.ec = co_await reader.Read(r.request, r.arrived);
          results.push_back(std::move(r));
          if (results.back().ec) break;
        }
      },
      net::detached);
  c.io.restart();
  c.io.run();
  return results;
}

const std::string kPost =
    "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 14\r\n\r\n{\"prompt\":\"a\"}";

TEST(RequestReader, ArrivalIsWhenTheBytesReachedTheMachineNotWhenTheyWereRead) {
  Connection c;
  RequestReader reader(c.server);
  c.Send(kPost);
  const Clock::time_point sent = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(80));  // the server's thread is busy elsewhere
  const auto results = ReadRequests(c, reader, 1);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0].ec) << results[0].ec.message();
  EXPECT_EQ(results[0].request.method(), http::verb::post);
  EXPECT_EQ(results[0].request.target(), "/v1/completions");
  EXPECT_EQ(results[0].request.body(), "{\"prompt\":\"a\"}");
  // Read ≥ 80 ms after the bytes came, stamped with their arrival.
  EXPECT_LT(results[0].arrived, Clock::now() - std::chrono::milliseconds(70));
  EXPECT_GE(results[0].arrived, sent - std::chrono::milliseconds(20));
  EXPECT_LT(results[0].arrived, sent + std::chrono::milliseconds(10));
}

TEST(RequestReader, StampIsTheFirstBytesOfARequestSentAcrossReads) {
  Connection c;
  RequestReader reader(c.server);
  c.Send(kPost.substr(0, 20));
  const Clock::time_point sent = Clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  // Read what is there, then the rest arrives: the arrival stays the first part's.
  std::thread rest([&] {
    autotuner::testing::CatchAll("rest", [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      c.Send(kPost.substr(20));
    });
  });
  const auto results = ReadRequests(c, reader, 1);
  rest.join();
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0].ec) << results[0].ec.message();
  EXPECT_EQ(results[0].request.body(), "{\"prompt\":\"a\"}");
  EXPECT_LT(results[0].arrived, sent + std::chrono::milliseconds(20));
  EXPECT_LT(results[0].arrived, Clock::now() - std::chrono::milliseconds(60));
}

TEST(RequestReader, PipelinedRequestsAndCloseBetweenRequests) {
  Connection c;
  RequestReader reader(c.server);
  c.Send(kPost + "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  c.client.shutdown(tcp::socket::shutdown_send);
  const auto results = ReadRequests(c, reader, 3);
  ASSERT_EQ(results.size(), 3u);
  ASSERT_FALSE(results[0].ec);
  ASSERT_FALSE(results[1].ec);
  EXPECT_EQ(results[1].request.method(), http::verb::get);
  EXPECT_EQ(results[1].request.target(), "/metrics");
  EXPECT_EQ(results[1].arrived, results[0].arrived);  // one segment, one arrival
  EXPECT_EQ(results[2].ec, http::error::end_of_stream);
}

TEST(RequestReader, CloseMidRequestAndOversizedHeaderAreErrors) {
  {
    Connection c;
    RequestReader reader(c.server);
    c.Send(kPost.substr(0, 30));
    c.client.shutdown(tcp::socket::shutdown_send);
    const auto results = ReadRequests(c, reader, 1);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].ec, http::error::partial_message);
  }
  Connection c;
  RequestReader reader(c.server);
  c.Send("GET / HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  const auto results = ReadRequests(c, reader, 1);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].ec, http::error::header_limit);
}

TEST(RequestReader, RealtimeStampsBecomeSteadyTimesNeverInTheFuture) {
  const auto system_now = std::chrono::system_clock::now();
  const Clock::time_point steady_now = Clock::now();
  EXPECT_EQ(SteadyFromRealtime(system_now - std::chrono::milliseconds(40), system_now, steady_now),
            steady_now - std::chrono::milliseconds(40));
  EXPECT_EQ(SteadyFromRealtime(system_now + std::chrono::seconds(3), system_now, steady_now), steady_now);
}

}  // namespace
}  // namespace autotuner::sim
