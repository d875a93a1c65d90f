#include "autotuner/bench/http_response.h"

#include <gtest/gtest.h>

#include <random>

namespace autotuner::bench {
namespace {

struct Parsed {
  std::string body;
  size_t consumed = 0;
};

// Feeds `bytes` cut at random places (seed 0: whole).
Parsed FeedPieces(HttpResponseParser& parser, const std::string& bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  Parsed out;
  size_t pos = 0;
  while (pos < bytes.size() && !parser.done() && !parser.failed()) {
    const size_t n = seed == 0 ? bytes.size() : std::min<size_t>(bytes.size() - pos, 1 + rng() % 7);
    out.consumed += parser.Feed(std::string_view(bytes).substr(pos, n), [&](std::string_view piece) {
      out.body.append(piece);
      return true;
    });
    pos += n;
  }
  return out;
}

TEST(HttpResponseParser, ChunkedAndLengthBodiesSplitAnywhere) {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n";
  const std::string length = "HTTP/1.1 503 X\r\ncontent-length: 4\r\nConnection: close\r\n\r\nbusy";
  for (uint32_t seed = 0; seed < 50; ++seed) {
    HttpResponseParser parser;
    Parsed p = FeedPieces(parser, chunked + "extra", seed);
    ASSERT_TRUE(parser.done()) << seed;
    EXPECT_EQ(p.body, "hello 0123456789");
    EXPECT_EQ(p.consumed, chunked.size());  // the next response's bytes are left alone
    EXPECT_EQ(parser.status(), 200);
    EXPECT_TRUE(parser.keep_alive());
    parser.Reset();
    p = FeedPieces(parser, length, seed);
    ASSERT_TRUE(parser.done());
    EXPECT_EQ(p.body, "busy");
    EXPECT_EQ(parser.status(), 503);
    EXPECT_FALSE(parser.keep_alive());
  }
}

TEST(HttpResponseParser, BodyUntilCloseContinueAndNoBody) {
  HttpResponseParser parser;
  Parsed p = FeedPieces(parser, "HTTP/1.0 200 OK\nServer: x\n\nabc", 3);
  EXPECT_FALSE(parser.done());
  EXPECT_EQ(p.body, "abc");
  parser.OnEof();
  EXPECT_TRUE(parser.done());
  EXPECT_FALSE(parser.keep_alive());

  parser.Reset();
  p = FeedPieces(parser, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 0);
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.status(), 204);
  EXPECT_EQ(p.body, "");

  parser.Reset();  // a truncated body is not done, and not a parse failure (the caller reports a reset)
  FeedPieces(parser, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0);
  parser.OnEof();
  EXPECT_FALSE(parser.done());
  EXPECT_FALSE(parser.failed());
}

TEST(HttpResponseParser, HostileResponsesFailWithACap) {
  const std::pair<std::string, std::string> cases[] = {
      {"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x status line"},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999\r\n\r\n", "bad Content-Length"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk-size line"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n", "chunk size too large"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "chunk data longer"},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(40000, 'a'), "response header over 32 KiB"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(2000, 'e'),
       "chunk-size or trailer"},
  };
  for (const auto& [bytes, message] : cases) {
    for (uint32_t seed : {0u, 1u}) {
      HttpResponseParser parser;
      const Parsed p = FeedPieces(parser, bytes, seed);
      ASSERT_TRUE(parser.failed()) << bytes.substr(0, 60);
      EXPECT_NE(parser.error().find(message), std::string::npos) << parser.error();
      EXPECT_FALSE(parser.keep_alive());
      EXPECT_LE(p.body.size(), 2u);
    }
  }
}

TEST(HttpResponseParser, OnBodyCanStopTheFeed) {
  HttpResponseParser parser;
  const std::string bytes =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n";
  int pieces = 0;
  parser.Feed(bytes, [&](std::string_view) { return ++pieces < 1; });
  EXPECT_EQ(pieces, 1);
  EXPECT_FALSE(parser.done());
}

}  // namespace
}  // namespace autotuner::bench
