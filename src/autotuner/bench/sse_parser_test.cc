#include "autotuner/bench/sse_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace autotuner::bench {
namespace {

struct Collected {
  std::string data;
  std::string event;
  bool operator==(const Collected&) const = default;
};

std::vector<Collected> FeedSplits(SseParser& parser, std::string_view stream,
                                  const std::vector<size_t>& cuts) {
  std::vector<Collected> out;
  auto on_event = [&](const SseEvent& e) { out.push_back({std::string(e.data), std::string(e.event)}); };
  size_t pos = 0;
  for (size_t cut : cuts) {
    // Each piece goes through its own buffer, overwritten afterwards, so views kept past a Feed would show.
    std::string piece(stream.substr(pos, cut - pos));
    parser.Feed(piece, on_event);
    std::fill(piece.begin(), piece.end(), '#');
    pos = cut;
  }
  std::string rest(stream.substr(pos));
  parser.Feed(rest, on_event);
  return out;
}

std::vector<Collected> FeedWhole(std::string_view stream) {
  SseParser parser;
  return FeedSplits(parser, stream, {});
}

TEST(SseParser, ParsesTheEnginesFraming) {
  const std::string stream =
      "data: {\"a\":1}\n\n"
      "data: {\"error\": {\"code\": 500}}\n\n"
      "data: [DONE]\n\n";
  EXPECT_EQ(FeedWhole(stream), (std::vector<Collected>{
                                   {"{\"a\":1}", ""}, {"{\"error\": {\"code\": 500}}", ""}, {"[DONE]", ""}}));
}

TEST(SseParser, HandlesLineEndsCommentsFieldsAndMultiLineData) {
  const std::string stream =
      ": keep-alive\r\n"
      "event: message\r\n"
      "data: first\r\n"
      "data:second\r\n"
      "id: 7\r\n"
      "\r\n"
      "data: cr only\r\r"
      "retry: 10\n"
      "data\n\n"
      "event: lonely\n\n"  // no data: nothing is dispatched, and the type does not leak
      "data:  two spaces\n\n"
      "data: unterminated";
  EXPECT_EQ(
      FeedWhole(stream),
      (std::vector<Collected>{{"first\nsecond", "message"}, {"cr only", ""}, {"", ""}, {" two spaces", ""}}));
}

TEST(SseParser, ResetDropsAPartialEvent) {
  SseParser parser;
  std::vector<std::string> got;
  auto on_event = [&](const SseEvent& e) { got.emplace_back(e.data); };
  parser.Feed("data: half", on_event);
  parser.Reset();
  parser.Feed("data: whole\n\n", on_event);
  EXPECT_EQ(got, std::vector<std::string>{"whole"});
}

// Builds a stream from known events with random line ends, comments and extra fields; every split of it must
// give back exactly those events.
TEST(SseParser, RandomSplitsYieldIdenticalEvents) {
  for (uint32_t seed = 0; seed < 3000; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    // One line-end style per stream: "\r" followed by "\n" would read as a single CRLF.
    const char* const kStyles[] = {"\n", "\r\n", "\r"};
    const std::string end = kStyles[pick(3)];
    std::vector<Collected> expected;
    std::string stream;
    const int num_events = 1 + pick(8);
    for (int i = 0; i < num_events; ++i) {
      Collected event;
      if (pick(4) == 0) {
        event.event = "ev" + std::to_string(i);
        stream += "event: " + event.event + end;
      }
      if (pick(3) == 0) stream += std::string(": comment ") + std::to_string(i) + end;
      const int lines = 1 + (pick(4) == 0 ? pick(3) : 0);
      for (int l = 0; l < lines; ++l) {
        std::string value = "{\"i\":" + std::to_string(i) + ",\"l\":" + std::to_string(l) + ",\"pad\":\"" +
                            std::string(static_cast<size_t>(pick(40)), 'x') + "\"}";
        if (l > 0) event.data += '\n';
        event.data += value;
        stream += (pick(2) == 0 ? "data: " : "data:") + value + end;
      }
      if (pick(5) == 0) stream += std::string("id: ") + std::to_string(i) + end;
      stream += end;
      expected.push_back(event);
    }
    std::vector<size_t> cuts;
    const int num_cuts = pick(2) == 0 ? static_cast<int>(stream.size()) : pick(12);
    for (int c = 0; c < num_cuts; ++c)
      cuts.push_back(num_cuts == static_cast<int>(stream.size())
                         ? static_cast<size_t>(c)
                         : static_cast<size_t>(pick(static_cast<int>(stream.size()))));
    std::sort(cuts.begin(), cuts.end());
    SseParser parser;
    ASSERT_EQ(FeedSplits(parser, stream, cuts), expected) << "seed " << seed;
  }
}

}  // namespace
}  // namespace autotuner::bench
