#include "autotuner/bench/load_generator.h"

#include <gtest/gtest.h>

#include <random>

#include "autotuner/bench/test_server.h"

namespace autotuner::bench {
namespace {

using namespace std::chrono_literals;
using testing::Chunk;
using testing::JsonResponse;
using testing::LastChunk;
using testing::Reply;
using testing::SseHead;
using testing::TestServer;

// A vLLM-style completions stream: `events` content chunks, a usage chunk claiming `usage_tokens`, [DONE].
std::string CompletionsSse(int events, int usage_tokens, bool done = true) {
  std::string sse;
  for (int i = 0; i < events; ++i) {
    sse +=
        R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" t)" +
        std::to_string(i) + R"(","logprobs":null,"finish_reason":)" +
        (i + 1 == events ? "\"length\"" : "null") + "}]}\n\n";
  }
  sse +=
      R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":5,"total_tokens":)" +
      std::to_string(5 + usage_tokens) + R"(,"completion_tokens":)" + std::to_string(usage_tokens) + "}}\n\n";
  if (done) sse += "data: [DONE]\n\n";
  return sse;
}

// The SSE text cut at random places, each piece its own HTTP chunk, written separately.
Reply Streamed(const std::string& sse, uint32_t seed, std::chrono::microseconds pause = 200us) {
  std::mt19937 rng(seed);
  Reply reply;
  reply.pause = pause;
  reply.pieces.push_back(SseHead());
  size_t pos = 0;
  while (pos < sse.size()) {
    const size_t n = std::min<size_t>(sse.size() - pos, 1 + rng() % 90);
    reply.pieces.push_back(Chunk(sse.substr(pos, n)));
    pos += n;
  }
  reply.pieces.push_back(LastChunk());
  return reply;
}

class LoadGeneratorTest : public ::testing::Test {
 protected:
  BenchSpec Spec(const std::string& url, int64_t concurrency, int64_t max_requests, int64_t max_tokens = 3) {
    BenchSpec spec;
    spec.api_base = url;
    spec.model = "m";
    spec.num_threads = 2;
    spec.scrape_engine_metrics = false;  // the scripted servers count every request
    RunSpec run;
    run.load = {"D(5," + std::to_string(max_tokens) + ")", concurrency, 0, 1};
    run.plans = {{"hello world", 5, max_tokens}};
    run.max_requests = max_requests;
    spec.runs.push_back(run);
    return spec;
  }

  Result<std::vector<RunResult>> RunIt(const BenchSpec& spec, std::stop_token stop = {}) {
    HttpLoadGenerator generator;
    return generator.Run(spec, stop, nullptr);
  }
};

TEST_F(LoadGeneratorTest, StreamsSplitAnywhereAreMeasuredExactly) {
  std::atomic<uint32_t> seed{0};
  std::mutex mutex;
  std::string last_body;
  TestServer server([&](const std::string& head, const std::string& body) {
    std::lock_guard lock(mutex);
    last_body = body;
    EXPECT_NE(head.find("POST /v1/completions HTTP/1.1"), std::string::npos);
    return Streamed(CompletionsSse(3, 3), seed++);
  });
  auto results = RunIt(Spec(server.url(), 4, 40));
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_EQ(results->size(), 1u);
  const RunResult& run = (*results)[0];
  EXPECT_EQ(run.metrics.num_requests, 40);
  EXPECT_EQ(run.metrics.num_completed_requests, 40);
  EXPECT_DOUBLE_EQ(run.metrics.error_rate, 0);
  for (const RequestRecord& r : run.requests) {
    EXPECT_EQ(r.output_tokens, 3);
    EXPECT_EQ(r.input_tokens, 5);
    ASSERT_EQ(r.token_times.size(), 3u);
    EXPECT_FLOAT_EQ(r.token_times[0], static_cast<float>(r.ttft));
    EXPECT_LE(r.token_times[0], r.token_times[2]);
    // Token times are floats (memory per request); the last one may round above a double e2e it equals.
    EXPECT_GE(static_cast<float>(r.e2e), r.token_times[2]);
  }
  EXPECT_LE(server.requests(), 41);  // keep-alive: no duplicate sends
  const Json body = Json::parse(last_body);
  EXPECT_EQ(body["model"], "m");
  EXPECT_EQ(body["prompt"], "hello world");
  EXPECT_EQ(body["max_tokens"], 3);
  EXPECT_EQ(body["ignore_eos"], true);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
}

TEST_F(LoadGeneratorTest, ChunksCarryingSeveralTokensCountFromUsage) {
  TestServer server([](const std::string&, const std::string&) { return Streamed(CompletionsSse(2, 6), 1); });
  auto results = RunIt(Spec(server.url(), 1, 3, 6));
  ASSERT_TRUE(results.ok());
  const RunMetrics& m = (*results)[0].metrics;
  EXPECT_EQ(m.num_completed_requests, 3);
  EXPECT_DOUBLE_EQ(m.num_output_tokens.mean, 6);
}

TEST_F(LoadGeneratorTest, EveryFailureIsAClassifiedError) {
  std::atomic<int> n{0};
  TestServer server([&](const std::string&, const std::string&) {
    switch (n++ % 6) {
      case 0:
        return testing::Whole(JsonResponse(
            503, R"({"error":{"message":"busy","type":"ServiceUnavailable","param":null,"code":503}})"));
      case 1:
        return Streamed(
            R"(data: {"id":"c","choices":[{"index":0,"text":"a","finish_reason":null}]})"
            "\n\n"
            R"(data: {"error": {"object": "error", "message": "Generation aborted.", "type": "SERVICE_UNAVAILABLE", "param": null, "code": 500}})"
            "\n\ndata: [DONE]\n\n",
            2);
      case 2: {
        Reply r = Streamed(CompletionsSse(2, 2, false), 3);
        r.pieces.pop_back();  // no terminating chunk
        r.reset = true;
        return r;
      }
      case 3:
        return Streamed(CompletionsSse(2, 2), 4);  // 2 tokens where 3 were asked
      case 4: {
        return testing::Whole(SseHead() + Chunk(CompletionsSse(1, 1, false)) +
                              LastChunk());  // the stream ends without [DONE]
      }
      default:
        return Streamed(CompletionsSse(3, 3), 5);
    }
  });
  auto results = RunIt(Spec(server.url(), 1, 12));
  ASSERT_TRUE(results.ok());
  const RunMetrics& m = (*results)[0].metrics;
  EXPECT_EQ(m.num_requests, 12);
  EXPECT_EQ(m.num_completed_requests, 2);
  EXPECT_EQ(m.num_error_requests, 10);
  EXPECT_NEAR(m.error_rate, 10.0 / 12, 1e-12);
  EXPECT_EQ(m.error_codes_frequency, (std::map<std::string, int64_t>{{"503", 2},
                                                                     {"500", 2},
                                                                     {"connection_reset", 2},
                                                                     {"token_count_mismatch", 2},
                                                                     {"broken_stream", 2}}));
}

TEST_F(LoadGeneratorTest, RefusedConnectionsAreErrors) {
  int port = 0;
  {
    TestServer probe([](const std::string&, const std::string&) { return Reply(); });
    port = probe.port();
  }
  auto results = RunIt(Spec("http://127.0.0.1:" + std::to_string(port), 2, 6));
  ASSERT_TRUE(results.ok());
  EXPECT_DOUBLE_EQ((*results)[0].metrics.error_rate, 1.0);
  EXPECT_EQ((*results)[0].metrics.error_codes_frequency.at("connect_failed"), 6);
}

TEST_F(LoadGeneratorTest, TimeoutsAreErrorsAndTheDeadlineCancels) {
  TestServer server([](const std::string&, const std::string&) { return testing::Hang(); });
  BenchSpec spec = Spec(server.url(), 2, 2);
  spec.request_timeout_s = 0.2;
  auto results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].metrics.error_codes_frequency.at("timeout"), 2);

  // A stream still receiving tokens at the run's time limit is cancelled: neither completed nor an error.
  TestServer slow(
      [](const std::string&, const std::string&) { return Streamed(CompletionsSse(200, 200), 3, 20ms); });
  spec = Spec(slow.url(), 2, 100, 200);
  spec.runs[0].max_time_s = 0.5;
  const auto start = std::chrono::steady_clock::now();
  results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ((*results)[0].metrics.num_requests, 0);
  EXPECT_EQ((*results)[0].metrics.num_cancelled_requests, 2);
}

TEST_F(LoadGeneratorTest, ASilentEngineIsAnErrorNotCancelled) {
  // Requests that received nothing for half the run when its time limit came are timeouts (issue 17: a
  // stalled engine used to report error_rate 0).
  TestServer server([](const std::string&, const std::string&) { return testing::Hang(); });
  BenchSpec spec = Spec(server.url(), 2, 100);
  spec.runs[0].max_time_s = 0.4;
  auto results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  const RunMetrics& m = (*results)[0].metrics;
  EXPECT_EQ(m.num_cancelled_requests, 0);
  EXPECT_EQ(m.error_codes_frequency.at("timeout"), 2);
  EXPECT_DOUBLE_EQ(m.error_rate, 1.0);
  EXPECT_NE((*results)[0].requests[0].error_message.find("stalled"), std::string::npos);
}

TEST_F(LoadGeneratorTest, OversizedResponsesAreCappedPerRequestErrors) {
  std::atomic<int> n{0};
  TestServer server([&](const std::string&, const std::string&) {
    switch (n++ % 3) {
      case 0:  // a 20 MB error body: only its start is kept
        return testing::Whole(
            JsonResponse(500, R"({"error":{"message":")" + std::string(20 << 20, 'x') + "\"}}"));
      case 1:  // a 2 MB SSE line
        return testing::Whole(SseHead() + Chunk("data: {\"a\":\"" + std::string(2 << 20, 'y')) + LastChunk());
      default:  // a 2 MB `data:` run spread over lines
        return testing::Whole(SseHead() + Chunk(std::string(40000, 'd').insert(0, "data: ") + "\n") +
                              Chunk([] {
                                std::string s;
                                for (int i = 0; i < 60; ++i) s += "data: " + std::string(40000, 'd') + "\n";
                                return s;
                              }()) +
                              LastChunk());
    }
  });
  auto results = RunIt(Spec(server.url(), 1, 3));
  ASSERT_TRUE(results.ok());
  const RunResult& run = (*results)[0];
  ASSERT_EQ(run.requests.size(), 3u);
  EXPECT_EQ(run.requests[0].error, ErrorClass::kHttpStatus);
  EXPECT_EQ(run.requests[0].error_code, 500);
  EXPECT_LE(run.requests[0].error_message.size(), 300u);
  EXPECT_EQ(run.requests[1].error, ErrorClass::kBrokenStream);
  EXPECT_EQ(run.requests[1].error_message, "an SSE line over 1 MiB");
  EXPECT_EQ(run.requests[2].error, ErrorClass::kBrokenStream);
  EXPECT_EQ(run.requests[2].error_message, "an SSE event's data over 1 MiB");
}

TEST_F(LoadGeneratorTest, ConnectionsOpenBeforeTheRunAndAreReportedApart) {
  TestServer server([](const std::string&, const std::string&) { return Streamed(CompletionsSse(3, 3), 9); });
  auto results = RunIt(Spec(server.url(), 4, 12));
  ASSERT_TRUE(results.ok());
  const RunMetrics& m = (*results)[0].metrics;
  EXPECT_EQ(m.num_completed_requests, 12);
  EXPECT_EQ(m.connect_time.count, 4u);  // pooled to the concurrency, kept alive
  EXPECT_GT(m.connect_time.max, 0);
  EXPECT_EQ(RunMetricsToJson(m)["stats"]["connect_time"]["max"].get<double>(), m.connect_time.max);
  // The first wave's clock starts after the connections are open: its first send is at ~0.
  EXPECT_LT((*results)[0].requests[0].send_time, 0.05);
}

TEST_F(LoadGeneratorTest, WarmupRequestsAreSentButNotCounted) {
  TestServer server([](const std::string&, const std::string&) { return Streamed(CompletionsSse(3, 3), 9); });
  BenchSpec spec = Spec(server.url(), 2, 5);
  spec.runs[0].warmup_requests = 3;
  auto results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(server.requests(), 8);
  EXPECT_EQ((*results)[0].metrics.num_requests, 5);
}

TEST_F(LoadGeneratorTest, OpenLoopSendsOnSchedule) {
  TestServer server(
      [](const std::string&, const std::string&) { return Streamed(CompletionsSse(3, 3), 9, 0us); });
  BenchSpec spec = Spec(server.url(), 8, 10);
  spec.runs[0].load.request_rate = 20;
  spec.runs[0].poisson = false;
  auto results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  const RunResult& run = (*results)[0];
  EXPECT_EQ(run.metrics.iteration_type, "request_rate");
  ASSERT_EQ(run.requests.size(), 10u);
  for (size_t i = 0; i < run.requests.size(); ++i) {
    EXPECT_NEAR(run.requests[i].send_time, static_cast<double>(i) / 20, 0.02) << i;
  }
}

TEST_F(LoadGeneratorTest, TimingMatchesTheServersOwnAccounting) {
  // The server sleeps 40 ms before each piece (the head, then each token; usage and [DONE] come with the
  // last) and notes when it received the request and wrote each piece, on the same steady clock.
  struct Served {
    std::chrono::steady_clock::time_point received;
    std::shared_ptr<std::vector<std::chrono::steady_clock::time_point>> sent_at;
  };
  std::mutex mutex;
  std::vector<Served> served;
  TestServer paced([&](const std::string&, const std::string&) {
    Reply reply;
    reply.pause = 40ms;
    reply.sent_at = std::make_shared<std::vector<std::chrono::steady_clock::time_point>>();
    {
      std::lock_guard lock(mutex);
      served.push_back({std::chrono::steady_clock::now(), reply.sent_at});
    }
    reply.pieces.push_back(SseHead());
    const std::string sse = CompletionsSse(4, 4);
    size_t pos = 0;
    for (int token = 0; token < 4; ++token) {
      const size_t end = token == 3 ? sse.size() : sse.find("\n\n", pos) + 2;
      reply.pieces.push_back(Chunk(sse.substr(pos, end - pos)) + (token == 3 ? LastChunk() : ""));
      pos = end;
    }
    return reply;
  });
  auto results = RunIt(Spec(paced.url(), 1, 3, 4));
  ASSERT_TRUE(results.ok());
  const RunResult& run = (*results)[0];
  ASSERT_EQ(run.metrics.num_completed_requests, 3);
  ASSERT_EQ(served.size(), 3u);
  auto seconds = [](auto d) { return std::chrono::duration<double>(d).count(); };
  // Loose enough for a loaded 2-core machine under ASan, tight against mis-attribution (a piece is 40 ms).
  constexpr double kSlack = 0.02;
  for (size_t i = 0; i < 3; ++i) {
    const Served& s = served[i];
    ASSERT_EQ(s.sent_at->size(), 5u);
    const RequestRecord& r = run.requests[i];
    const double server_ttft = seconds((*s.sent_at)[1] - s.received);
    const double server_e2e = seconds(s.sent_at->back() - s.received);
    EXPECT_NEAR(r.ttft, server_ttft, kSlack) << i;
    EXPECT_NEAR(r.e2e, server_e2e, kSlack) << i;
    EXPECT_NEAR(*r.Tpot(), (server_e2e - server_ttft) / 3, kSlack / 2) << i;
    for (size_t t = 0; t < 4; ++t) {
      EXPECT_NEAR(r.token_times[t], seconds((*s.sent_at)[t + 1] - s.received), kSlack) << i << " " << t;
    }
  }
}

TEST_F(LoadGeneratorTest, NonStreamingChatAndEmbeddings) {
  TestServer server([](const std::string& head, const std::string&) {
    if (head.find("/v1/embeddings") != std::string::npos) {
      return testing::Whole(JsonResponse(
          200,
          R"({"data":[{"embedding":[0.1],"index":0,"object":"embedding"}],"usage":{"prompt_tokens":7,"total_tokens":7}})"));
    }
    EXPECT_NE(head.find("/v1/chat/completions"), std::string::npos);
    return testing::Whole(JsonResponse(
        200,
        R"({"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"total_tokens":12,"completion_tokens":3}})"));
  });
  BenchSpec spec = Spec(server.url(), 1, 2);
  spec.endpoint = Endpoint::kChat;
  spec.stream = false;
  auto results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].metrics.num_completed_requests, 2);
  EXPECT_DOUBLE_EQ((*results)[0].metrics.num_input_tokens.mean, 9);
  spec.endpoint = Endpoint::kEmbeddings;
  spec.runs[0].plans[0].max_tokens = 0;
  results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].metrics.num_completed_requests, 2);
  EXPECT_DOUBLE_EQ((*results)[0].metrics.num_input_tokens.mean, 7);
}

TEST_F(LoadGeneratorTest, StopAbortsTheRun) {
  TestServer server([](const std::string&, const std::string&) { return testing::Hang(); });
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop.request_stop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto results = RunIt(Spec(server.url(), 2, 10), stop.get_token());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_FALSE(results.ok());
  EXPECT_EQ(results.error().code, ErrorCode::kCancelled);
}

TEST_F(LoadGeneratorTest, SamplesTheEnginesMetricsDuringTheRun) {
  std::atomic<int> scrapes{0};
  TestServer server([&](const std::string& head, const std::string&) {
    if (head.rfind("GET /metrics ", 0) == 0) {
      ++scrapes;
      const std::string body =
          "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m\"} 2\n";
      return testing::Whole("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: " +
                            std::to_string(body.size()) + "\r\n\r\n" + body);
    }
    return Streamed(CompletionsSse(3, 3), 1, 10ms);
  });
  BenchSpec spec = Spec(server.url(), 1, 6);
  spec.scrape_engine_metrics = true;
  spec.engine_metrics_interval_s = 0.05;
  auto results = RunIt(spec);
  ASSERT_TRUE(results.ok());
  const RunResult& run = (*results)[0];
  ASSERT_GE(run.engine_samples.size(), 2u);
  EXPECT_EQ(static_cast<int>(run.engine_samples.size()), scrapes.load());
  EXPECT_DOUBLE_EQ(run.engine_samples[0].values.at("vllm:num_requests_running"), 2);
  EXPECT_EQ(run.metrics.num_completed_requests, 6);  // scrapes are not requests
}

TEST(BenchTarget, ParsesApiBase) {
  auto t = ParseTarget("http://localhost:8000");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "localhost");
  EXPECT_EQ(t->port, "8000");
  EXPECT_EQ(t->PathFor(Endpoint::kChat), "/v1/chat/completions");
  t = ParseTarget("http://10.0.0.1/proxy/v1/");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->port, "80");
  EXPECT_EQ(t->PathFor(Endpoint::kCompletions), "/proxy/v1/completions");
  EXPECT_FALSE(ParseTarget("https://x").ok());
  EXPECT_FALSE(ParseTarget("http://x:port").ok());
}

}  // namespace
}  // namespace autotuner::bench
