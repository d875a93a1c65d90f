// Throughput of the streaming client (issue 6). Two parts:
//  * BM_ParseEvents: SSE framing + chunk JSON + one clock read per read, over a pre-rendered vLLM-style
//  stream
//    in memory, with reads of 64 KiB or exactly one event each (what "each event in its own read" costs).
//  * BM_Firehose: the real client (HttpLoadGenerator, one io thread) against a server that costs almost
//    nothing per event, e.g. nginx serving a pre-written SSE file (bench/bench_client.sh sets it up). Needs
//    AUTOTUNER_BENCH_URL (base URL) and AUTOTUNER_BENCH_TOKENS (token events per response); skipped
//    otherwise.
// Numbers go to bench/README.md; nothing here passes or fails.

#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/openai_chunk.h"
#include "autotuner/bench/sse_parser.h"

namespace {

using autotuner::bench::ChunkInfo;
using autotuner::bench::ChunkParser;
using autotuner::bench::SseEvent;
using autotuner::bench::SseParser;

std::string TokenEvent(int i) {
  return R"(data: {"id":"cmpl-9f1c2e7a4b3d4c5e8a6b7c8d9e0f1a2b","object":"text_completion","created":1767225600,"model":"llama-3.1-8b","choices":[{"index":0,"text":" tok)" +
         std::to_string(i % 1000) +
         R"(","logprobs":null,"finish_reason":null,"stop_reason":null,"prompt_token_ids":null,"token_ids":null}]})"
         "\n\n";
}

void BM_ParseEvents(benchmark::State& state) {
  const bool one_per_read = state.range(0) == 1;
  std::vector<std::string> events;
  for (int i = 0; i < 4096; ++i) events.push_back(TokenEvent(i));
  std::string stream;
  for (const auto& e : events) stream += e;
  std::vector<std::string_view> reads;
  if (one_per_read) {
    size_t pos = 0;
    for (const auto& e : events) {
      reads.emplace_back(stream.data() + pos, e.size());
      pos += e.size();
    }
  } else {
    for (size_t pos = 0; pos < stream.size(); pos += 65536) {
      reads.emplace_back(stream.data() + pos, std::min<size_t>(65536, stream.size() - pos));
    }
  }
  SseParser sse;
  ChunkParser chunks;
  ChunkInfo info;
  std::vector<float> times;
  times.reserve(events.size());
  int64_t parsed = 0;
  const auto send = std::chrono::steady_clock::now();
  for (auto _ : state) {
    times.clear();
    for (std::string_view read : reads) {
      const float at = std::chrono::duration<float>(std::chrono::steady_clock::now() - send).count();
      sse.Feed(read, [&](const SseEvent& event) {
        if (chunks.Parse(event.data, info).ok() && info.has_content) times.push_back(at);
      });
    }
    parsed += static_cast<int64_t>(times.size());
    benchmark::DoNotOptimize(times.data());
  }
  state.SetItemsProcessed(parsed);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(stream.size()));
  state.SetLabel(one_per_read ? "one event per read" : "64 KiB reads");
}
BENCHMARK(BM_ParseEvents)->Arg(0)->Arg(1);

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

long RssKiB() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// state.range(0): concurrent streams; one io_context thread.
void BM_Firehose(benchmark::State& state) {
  const char* url = std::getenv("AUTOTUNER_BENCH_URL");
  const char* tokens_env = std::getenv("AUTOTUNER_BENCH_TOKENS");
  if (url == nullptr || tokens_env == nullptr) {
    state.SkipWithError("set AUTOTUNER_BENCH_URL and AUTOTUNER_BENCH_TOKENS (bench/bench_client.sh)");
    return;
  }
  const int64_t tokens = std::atoll(tokens_env);
  const int64_t streams = state.range(0);
  const int64_t requests = state.range(1);
  autotuner::bench::BenchSpec spec;
  spec.api_base = url;
  spec.model = "m";
  spec.num_threads = 1;
  autotuner::bench::RunSpec run;
  run.load = {"D(1," + std::to_string(tokens) + ")", streams, 0, 1};
  run.plans = {{"x", 1, tokens}};
  run.max_requests = requests;
  spec.runs.push_back(run);
  autotuner::bench::HttpLoadGenerator generator;
  int64_t events = 0, errors = 0, peak_in_flight = 0;
  long peak_rss = 0;
  const long base_rss = RssKiB();
  const double base_cpu = ProcessCpuSeconds();
  for (auto _ : state) {
    auto results = generator.Run(spec, {}, [&](const autotuner::bench::Progress& p) {
      peak_in_flight = std::max(peak_in_flight, p.in_flight);
      peak_rss = std::max(peak_rss, RssKiB());
    });
    if (!results.ok()) {
      state.SkipWithError(results.error().message.c_str());
      return;
    }
    for (const auto& r : (*results)[0].requests) events += static_cast<int64_t>(r.token_times.size());
    errors += (*results)[0].metrics.num_error_requests;
  }
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  // Client CPU (io thread + this thread's polling, user + system): the client's cost whatever the server's.
  state.counters["events_per_cpu_s"] = static_cast<double>(events) / (ProcessCpuSeconds() - base_cpu);
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["peak_in_flight"] = static_cast<double>(peak_in_flight);
  state.counters["KiB_per_stream"] =
      peak_in_flight > 0 ? static_cast<double>(peak_rss - base_rss) / static_cast<double>(peak_in_flight) : 0;
}
BENCHMARK(BM_Firehose)
    ->Args({1, 20})
    ->Args({16, 200})
    ->Args({4096, 8192})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
