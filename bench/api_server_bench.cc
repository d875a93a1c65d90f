// `autotuner serve` capacity: GET /api/tasks latency over a large store, and one task's event stream fanned
// out to many concurrent SSE subscribers. Server and clients run in this process over loopback HTTP.
//
//   api_server_bench [tasks=1000] [experiments_per_task=50] [subscribers=100] [events=2000] [db=/tmp/...]
//
// The store is seeded once into the db file (reused by later runs with the same sizes).

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/api/server.h"
#include "autotuner/core/json.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "bench_thread.h"

namespace {

using namespace autotuner;
using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = p * (values.size() - 1);
  const size_t low = static_cast<size_t>(rank);
  const size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (rank - low);
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// SPEC §3-shaped metrics: the aggregate scalars plus one raw run with every stat, about 3 KB as JSON.
Json Metrics(int seed) {
  Json m = Json::object();
  for (const char* name :
       {"mean_e2e_latency", "min_e2e_latency", "max_e2e_latency", "p50_e2e_latency", "p90_e2e_latency",
        "p99_e2e_latency", "mean_ttft", "mean_tpot", "mean_output_throughput", "max_output_throughput",
        "mean_total_throughput", "max_total_throughput", "mean_total_throughput_per_gpu", "goodput",
        "success_rate"})
    m[name] = 0.5 + (seed % 97) * 0.01;
  m["total_requests"] = 50;
  Json stats = Json::object();
  for (const char* metric : {"ttft", "tpot", "e2e_latency", "output_latency", "output_inference_speed",
                             "num_input_tokens", "num_output_tokens", "total_tokens"}) {
    Json s = Json::object();
    for (const char* stat : {"min", "max", "mean", "stddev", "sum", "p25", "p50", "p75", "p90", "p95", "p99"})
      s[stat] = 0.1 * (seed % 13);
    stats[metric] = s;
  }
  m["raw_results"] = Json::array({{{"scenario", "D(100,100)"}, {"num_concurrency", 4}, {"stats", stats}}});
  return m;
}

Json TaskSpec(const std::string& name) {
  return {{"task_name", name},
          {"base_runtime", "sim-sglang"},
          {"parameters", {{"schedule-policy", {"lpm", "fcfs"}}, {"mem-fraction-static", {0.7, 0.8, 0.9}}}},
          {"optimization",
           {{"strategy", "grid_search"}, {"objective", "minimize_latency"}, {"max_iterations", 50}}}};
}

bool Seed(store::Store& s, int tasks, int experiments) {
  auto count = s.CountTasks(std::nullopt);
  if (count.ok() && *count >= tasks) return true;
  const auto start = Clock::now();
  for (int t = static_cast<int>(count.ok() ? *count : 0); t < tasks; ++t) {
    auto task =
        s.CreateTask(fmt::format("bench-{:04d}", t), "seeded", TaskSpec(fmt::format("bench-{:04d}", t)));
    if (!task.ok()) return false;
    (void)s.SetTaskStatus(task->id, TaskStatus::kRunning);
    for (int n = 1; n <= experiments; ++n) {
      auto e = s.CreateExperiment(task->id, n, {{"schedule-policy", n % 2 ? "lpm" : "fcfs"}});
      if (!e.ok()) return false;
      const double score = 0.5 + (n % 97) * 0.01;
      (void)s.FinishExperiment(e->id,
                               {ExperimentStatus::kSuccess, Metrics(n), score, true, std::nullopt, ""});
    }
    (void)s.SetTaskStatus(task->id, TaskStatus::kCompleted, "budget");
    if (t % 100 == 99) fmt::print("  seeded {} tasks ({:.0f} s)\n", t + 1, Ms(Clock::now() - start) / 1000);
  }
  return true;
}

void ListLatency(int port, const std::string& path, int requests) {
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_read_timeout(30, 0);
  std::vector<double> ms;
  size_t bytes = 0;
  const auto cold_start = Clock::now();
  auto cold = client.Get(path);
  const double cold_ms = Ms(Clock::now() - cold_start);
  if (!cold || cold->status != 200) {
    fmt::print("GET {} failed\n", path);
    return;
  }
  for (int i = 0; i < requests; ++i) {
    const auto start = Clock::now();
    auto res = client.Get(path);
    ms.push_back(Ms(Clock::now() - start));
    if (!res || res->status != 200) {
      fmt::print("GET {} failed\n", path);
      return;
    }
    bytes = res->body.size();
  }
  fmt::print("GET {:<40} first {:7.2f} ms | p50 {:6.2f} ms  p99 {:6.2f} ms  max {:6.2f} ms | {} KB\n", path,
             cold_ms, Percentile(ms, 0.5), Percentile(ms, 0.99), *std::max_element(ms.begin(), ms.end()),
             bytes / 1024);
}

void Fanout(store::Store& s, runner::EventBus& bus, int port, int subscribers, int events) {
  auto task = s.CreateTask(fmt::format("fanout-{}", store::Now()), "", TaskSpec("fanout"));
  if (!task.ok()) return;
  const std::string path = fmt::format("/api/tasks/{}/events?since={}", task->id, bus.last_id());
  std::atomic<int> connected{0};
  std::mutex mutex;
  std::vector<double> latencies;
  std::vector<int> received(subscribers, 0);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  const auto epoch = Clock::now();
  for (int i = 0; i < subscribers; ++i) {
    threads.emplace_back([&, i] {
      bool counted = false;
      const auto subscribe = [&] {
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(60, 0);
        std::string buffer;
        std::vector<double> mine;
        client.Get(path, [&](const char* data, size_t length) {
          const double now = Ms(Clock::now() - epoch);
          if (!counted) counted = true, ++connected;
          buffer.append(data, length);
          size_t end;
          while ((end = buffer.find("\n\n")) != std::string::npos) {
            const size_t at = buffer.find("\"elapsed_s\":");
            if (at != std::string::npos && at < end) {
              mine.push_back(now - std::strtod(buffer.c_str() + at + 12, nullptr));
              ++received[i];
            }
            buffer.erase(0, end + 2);
          }
          return received[i] < events;
        });
        std::lock_guard lock(mutex);
        latencies.insert(latencies.end(), mine.begin(), mine.end());
      };
      // A failed subscriber still counts as connected, or the publisher would wait for it forever.
      if (!bench_support::CatchAll("subscriber", subscribe, [&] {
            if (!counted) ++connected;
          }))
        ++failed;
    });
  }
  while (connected < subscribers) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto start = Clock::now();
  for (int e = 0; e < events; ++e) {
    // The send time (ms since `epoch`) rides in elapsed_s, which the subscribers read back.
    runner::StudyProgress progress;
    progress.task_id = task->id;
    progress.done = e;
    progress.elapsed_s = Ms(Clock::now() - epoch);
    bus.Publish(task->id, progress);
    if (e % 10 == 9) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // ~10 events per ms, bursts
  }
  for (auto& t : threads) t.join();
  if (failed > 0)
    fmt::print(stderr, "SSE fan-out: {} subscribers failed (above); the numbers below lack them\n",
               failed.load());
  const double seconds = Ms(Clock::now() - start) / 1000;
  const int64_t total = std::accumulate(received.begin(), received.end(), int64_t{0});
  const int complete = static_cast<int>(std::count(received.begin(), received.end(), events));
  fmt::print(
      "SSE fan-out: {} subscribers x {} events: {}/{} subscribers got every event, {} deliveries in {:.2f} s "
      "({:.0f} events/s) | latency p50 {:.2f} ms  p99 {:.2f} ms  max {:.2f} ms\n",
      subscribers, events, complete, subscribers, total, seconds, total / seconds, Percentile(latencies, 0.5),
      Percentile(latencies, 0.99),
      latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end()));
}

}  // namespace

int main(int argc, char** argv) {
  const int tasks = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int experiments = argc > 2 ? std::atoi(argv[2]) : 50;
  const int subscribers = argc > 3 ? std::atoi(argv[3]) : 100;
  const int events = argc > 4 ? std::atoi(argv[4]) : 2000;
  const std::string db =
      argc > 5 ? argv[5] : fmt::format("/tmp/autotuner_api_bench_{}x{}.db", tasks, experiments);

  auto opened = store::OpenStore(db);
  if (!opened.ok()) {
    fmt::print(stderr, "{}\n", opened.error().message);
    return 1;
  }
  store::Store& s = **opened;
  fmt::print("store {} ({} tasks x {} experiments)\n", s.Describe(), tasks, experiments);
  if (!Seed(s, tasks, experiments)) return 1;

  runner::EventBus bus;
  auto catalog = task::RuntimeCatalog::LoadDefault();
  api::ServerOptions options;
  options.port = 0;
  options.max_streams = static_cast<size_t>(subscribers) + 16;
  options.max_streams_per_client = static_cast<size_t>(subscribers) + 16;
  api::Server server(options, &s, &bus, nullptr, catalog.ok() ? &*catalog : nullptr);
  if (Status started = server.Start(); !started.ok()) {
    fmt::print(stderr, "{}\n", started.error().message);
    return 1;
  }
  {
    // Right after start-up the summary cache is still being filled in the background.
    httplib::Client client("127.0.0.1", server.port());
    const auto start = Clock::now();
    auto res = client.Get("/api/tasks");
    fmt::print("GET /api/tasks right after start-up: {:.2f} ms (status {})\n", Ms(Clock::now() - start),
               res ? res->status : 0);
  }
  // The UI opens some seconds after `serve` starts.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  ListLatency(server.port(), "/api/tasks", 500);
  ListLatency(server.port(), "/api/tasks?limit=50&sort=created_at&order=desc", 500);
  ListLatency(server.port(), "/api/tasks?status=completed&limit=100&offset=500", 200);
  ListLatency(server.port(), "/api/tasks?limit=500", 50);
  ListLatency(server.port(), "/api/tasks/500/experiments", 200);
  Fanout(s, bus, server.port(), subscribers, events);
  server.Stop();
  return 0;
}
