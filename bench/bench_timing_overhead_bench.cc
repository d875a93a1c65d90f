// Issue 6's timing overhead: how much later the client timestamps a token than the server wrote it, with many
// streams in flight. A local server (one thread per connection, src/autotuner/bench/test_server.h) notes when
// it finished reading each request and when each SSE piece's write() returned, on the same steady clock the
// client uses; the client (HttpLoadGenerator, one io thread) records TTFT and token arrival times from its
// send time. Per request, added latency = client time − server's own time since receipt, i.e. the client's
// share of the measured latency (request and response transit, parsing, timestamping, queueing behind other
// streams). Each request names itself in its prompt ("r<index>"), so both sides' records pair up exactly.
// Pauses between pieces are drawn per request (20–80 ms) so streams do not all fire at the same instant. The
// server's threads run on CPU 1 and the client on CPU 0.
//
// Usage: bench_timing_overhead_bench [streams=1000] [tokens=4] [rounds=3]

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/test_server.h"

namespace {

using autotuner::bench::testing::Chunk;
using autotuner::bench::testing::LastChunk;
using autotuner::bench::testing::Reply;
using autotuner::bench::testing::SseHead;
using autotuner::bench::testing::TestServer;
using Clock = std::chrono::steady_clock;

std::string TokenEvent(int index, bool last) {
  return R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":" t)" +
         std::to_string(index) + R"(","logprobs":null,"finish_reason":)" + (last ? "\"length\"" : "null") +
         "}]}\n\n";
}

std::string UsageAndDone(int64_t prompt_tokens, int tokens) {
  return R"(data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":)" +
         std::to_string(prompt_tokens) + R"(,"total_tokens":)" + std::to_string(prompt_tokens + tokens) +
         R"(,"completion_tokens":)" + std::to_string(tokens) + "}}\n\ndata: [DONE]\n\n";
}

// Pins the calling thread (and the threads it creates from now on) to one CPU, when there are two or more.
void PinTo(int cpu) {
  if (std::thread::hardware_concurrency() < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

struct Served {
  Clock::time_point received;
  std::shared_ptr<std::vector<Clock::time_point>> sent_at;
};

double PercentileUs(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = q * static_cast<double>(v.size() - 1);
  const size_t low = static_cast<size_t>(rank);
  const size_t high = std::min(low + 1, v.size() - 1);
  return 1e6 * (v[low] + (v[high] - v[low]) * (rank - static_cast<double>(low)));
}

void Print(const char* what, const std::vector<double>& v) {
  std::printf("%-28s n=%-6zu p50 %7.0f us  p90 %7.0f us  p99 %7.0f us  max %7.0f us\n", what, v.size(),
              PercentileUs(v, 0.5), PercentileUs(v, 0.9), PercentileUs(v, 0.99), PercentileUs(v, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  const int streams = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int tokens = argc > 2 ? std::atoi(argv[2]) : 4;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 3;
  const int64_t requests = static_cast<int64_t>(streams) * rounds;

  // The server's threads on CPU 1, the client's io thread on CPU 0: neither steals the other's core.
  PinTo(1);
  std::mutex mutex;
  std::map<int64_t, Served> served;  // by request index
  std::mt19937_64 rng(7);
  TestServer server([&](const std::string&, const std::string& body) {
    const Clock::time_point received = Clock::now();
    const size_t at = body.find("\"prompt\":\"r");
    const int64_t index = at == std::string::npos ? -1 : std::atoll(body.c_str() + at + 11);
    Reply reply;
    reply.sent_at = std::make_shared<std::vector<Clock::time_point>>();
    {
      std::lock_guard lock(mutex);
      reply.pause = std::chrono::microseconds(std::uniform_int_distribution<int>(20000, 80000)(rng));
      served[index] = {received, reply.sent_at};
    }
    for (int t = 0; t < tokens; ++t) {
      std::string piece = Chunk(TokenEvent(t, t + 1 == tokens));
      if (t == 0) piece = SseHead() + piece;
      if (t + 1 == tokens) piece += Chunk(UsageAndDone(index + 1, tokens)) + LastChunk();
      reply.pieces.push_back(std::move(piece));
    }
    return reply;
  });

  autotuner::bench::BenchSpec spec;
  spec.api_base = server.url();
  spec.model = "m";
  spec.num_threads = 1;
  spec.scrape_engine_metrics = false;
  autotuner::bench::RunSpec run;
  run.load.scenario = "overhead";
  run.load.num_concurrency = streams;
  run.max_requests = requests;
  // Plan i is "r<i>" with i + 1 input tokens: the client's record carries the index back.
  for (int64_t i = 0; i < requests; ++i) run.plans.push_back({"r" + std::to_string(i), i + 1, tokens});
  spec.runs.push_back(run);

  PinTo(0);
  autotuner::bench::HttpLoadGenerator generator;
  const auto start = Clock::now();
  auto results = generator.Run(spec, {}, {});
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  if (!results.ok()) {
    std::fprintf(stderr, "run failed: %s\n", results.error().message.c_str());
    return 1;
  }
  const auto& result = results->front();
  std::vector<double> ttft_first, ttft_reused, token_reused;
  std::lock_guard lock(mutex);
  // Requests in send order; the first `streams` opened their connection, the rest reused one.
  for (size_t k = 0; k < result.requests.size(); ++k) {
    const auto& r = result.requests[k];
    if (!r.ok()) continue;
    const auto it = served.find(r.input_tokens - 1);
    if (it == served.end() || it->second.sent_at->size() != static_cast<size_t>(tokens)) continue;
    const Served& s = it->second;
    const auto since_receipt = [&](size_t t) {
      return std::chrono::duration<double>((*s.sent_at)[t] - s.received).count();
    };
    const double ttft = r.ttft - since_receipt(0);
    if (k < static_cast<size_t>(streams)) {
      ttft_first.push_back(ttft);  // includes opening the connection: not per-token overhead
      continue;
    }
    ttft_reused.push_back(ttft);
    for (size_t t = 0; t < r.token_times.size() && t < s.sent_at->size(); ++t) {
      token_reused.push_back(static_cast<double>(r.token_times[t]) - since_receipt(t));
    }
  }
  std::printf("streams %d, tokens %d, requests %lld: %lld completed, %lld errors, %.2f s wall\n", streams,
              tokens, static_cast<long long>(requests),
              static_cast<long long>(result.metrics.num_completed_requests),
              static_cast<long long>(result.metrics.num_error_requests), wall);
  std::printf("client-side added latency (client time - server's own time since receipt):\n");
  Print("TTFT, first round (connects)", ttft_first);
  Print("TTFT, reused connections", ttft_reused);
  Print("every token, reused", token_reused);
  return 0;
}
