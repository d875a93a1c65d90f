// Sweeps the simulator's virtual-time model over a grid of real SGLang flags and writes each configuration's
// aggregated metrics (or why it failed to start) as JSON: the simulator-produced landscapes of
// opt_landscapes_bench. Run offline; the output is committed under bench/data/.
//
//   sim_landscape_gen [--out DIR] [--requests N] [--threads N] [--only NAME] [--time]
//
// --time runs one configuration and prints how long it took (to size the grids).

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/sim/launch_flags.h"
#include "autotuner/sim/model_profile.h"
#include "autotuner/sim/workload.h"
#include "autotuner/task/runtime_catalog.h"
#include "bench_thread.h"

namespace {

using namespace autotuner;

struct Dimension {
  std::string flag;
  std::vector<Json> values;
};

struct Sweep {
  std::string name;
  std::string description;
  std::string model;
  std::string gpu = "H100";
  int num_gpus = 4;
  int64_t input_tokens = 1024, output_tokens = 256;
  int concurrency = 64;
  int prefix_groups = 0;  // > 0: request i shares its first prefix_tokens with group i % prefix_groups
  int64_t prefix_tokens = 0;
  std::vector<Dimension> dimensions;  // first one varies fastest, as in opt_landscapes.h
};

// The metrics a landscape may be scored on, in SPEC §3 names; per GPU means per GPU the engine uses (tp),
// as the study divides by the GPUs it allocated.
const std::vector<std::string> kMetrics = {"mean_e2e_latency",
                                           "p90_e2e_latency",
                                           "mean_ttft",
                                           "p90_ttft",
                                           "mean_tpot",
                                           "mean_total_throughput",
                                           "mean_total_throughput_per_gpu"};

// Six significant digits keep the files small; the surfaces are smooth far beyond that.
double Round(double v) { return std::stod(fmt::format("{:.6g}", v)); }

std::vector<Sweep> Sweeps() {
  const std::vector<Json> mem = {0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.96, 0.98};
  const std::vector<Json> chunk = {1024, 2048, 4096, 8192, 16384};
  std::vector<Sweep> out;
  {
    // Throughput: enough load that the KV pool (and so the memory fraction) limits the batch; requests share
    // prompt prefixes, so the radix cache matters. (schedule-policy lpm vs fcfs gave identical metrics on
    // every point of this workload, so it is not swept.)
    Sweep s;
    s.name = "sim-sglang-llama8b";
    s.description =
        "simulated SGLang, Llama-3.1-8B-Instruct on 4 simulated H100s, closed loop D(1024,256) at "
        "concurrency 256, 16 groups sharing 512-token prefixes";
    s.model = "meta-llama/Llama-3.1-8B-Instruct";
    s.concurrency = 256;
    s.prefix_groups = 16;
    s.prefix_tokens = 512;
    s.dimensions = {{"tp-size", {1, 2, 4}},
                    {"mem-fraction-static", mem},
                    {"max-running-requests", {32, 64, 128, 256}},
                    {"chunked-prefill-size", chunk},
                    {"enable-mixed-chunk", {false, true}}};
    out.push_back(s);
  }
  {
    // Latency under SLOs: a 70B model that does not fit one GPU and barely fits two.
    Sweep s;
    s.name = "sim-sglang-llama70b";
    s.description =
        "simulated SGLang, Llama-3.1-70B-Instruct on 4 simulated H100s, closed loop D(1024,256) at "
        "concurrency 64";
    s.model = "meta-llama/Llama-3.1-70B-Instruct";
    s.dimensions = {{"tp-size", {2, 4}},
                    {"mem-fraction-static", mem},
                    {"max-running-requests", {8, 16, 24, 32, 48, 64}},
                    {"chunked-prefill-size", chunk},
                    {"enable-mixed-chunk", {false, true}}};
    out.push_back(s);
  }
  return out;
}

size_t GridSize(const Sweep& s) {
  size_t n = 1;
  for (const auto& d : s.dimensions) n *= d.values.size();
  return n;
}

// The configuration at a grid index, first dimension fastest.
std::vector<Json> At(const Sweep& s, size_t index) {
  std::vector<Json> values;
  for (const auto& d : s.dimensions) {
    values.push_back(d.values[index % d.values.size()]);
    index /= d.values.size();
  }
  return values;
}

// One point: the metrics in kMetrics order, or a string naming why the engine did not serve (its start-up
// errors are what a study sees as a failed deployment; out-of-memory is told apart).
Json Evaluate(const Sweep& s, const task::RuntimeDefinition& runtime, const sim::ModelProfile& model,
              const std::vector<Json>& values, int64_t requests) {
  std::vector<std::string> args = {"--model-path", s.model,          "--sim-gpu-type",
                                   s.gpu,          "--sim-num-gpus", std::to_string(s.num_gpus)};
  for (size_t i = 0; i < values.size(); ++i) {
    // Booleans are store_true flags: present or absent.
    if (values[i].is_boolean()) {
      if (values[i].get<bool>()) args.push_back("--" + s.dimensions[i].flag);
      continue;
    }
    args.push_back("--" + s.dimensions[i].flag);
    args.push_back(values[i].is_string() ? values[i].get<std::string>() : DumpJson(values[i]));
  }
  auto launch = sim::ParseLaunchFlags(sim::FlavorNamed("sglang"), runtime, args);
  if (!launch) return "deploy_failed";
  sim::WorkloadSpec spec;
  spec.input = sim::LengthDistribution::Fixed(s.input_tokens);
  spec.output = sim::LengthDistribution::Fixed(s.output_tokens);
  spec.num_requests = requests;
  spec.concurrency = s.concurrency;
  spec.prefix_groups = s.prefix_groups;
  spec.prefix_tokens = s.prefix_tokens;
  auto result = sim::RunWorkload(launch->engine, model, spec);
  if (!result) return result.error().code == ErrorCode::kResourceExhausted ? "oom" : "deploy_failed";
  const auto& m = result->summary;
  if (m.completed == 0) return "bench_failed";
  const int tp = values[0].get<int>();
  const double metrics[] = {m.e2e.mean,
                            m.e2e.p90,
                            m.ttft.mean,
                            m.ttft.p90,
                            m.tpot.mean,
                            m.total_throughput,
                            m.total_throughput / tp};
  Json row = Json::array();
  for (double v : metrics) row.push_back(Round(v));
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out_dir = "bench/data", only;
  int64_t requests = 600;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool time_one = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--out") {
      out_dir = next();
    } else if (arg == "--requests") {
      requests = std::stoll(next());
    } else if (arg == "--threads") {
      threads = static_cast<unsigned>(std::stoul(next()));
    } else if (arg == "--only") {
      only = next();
    } else if (arg == "--time") {
      time_one = true;
    } else {
      std::fprintf(stderr, "usage: %s [--out DIR] [--requests N] [--threads N] [--only NAME] [--time]\n",
                   argv[0]);
      return 2;
    }
  }
  auto catalog = task::RuntimeCatalog::LoadDefault();
  if (!catalog) {
    std::fprintf(stderr, "%s\n", catalog.error().message.c_str());
    return 1;
  }
  const task::RuntimeDefinition* runtime = catalog->Find(sim::RuntimeNameFor(sim::FlavorNamed("sglang")));
  if (runtime == nullptr) {
    std::fprintf(stderr, "no sim-sglang runtime\n");
    return 1;
  }
  for (const Sweep& s : Sweeps()) {
    if (!only.empty() && s.name != only) continue;
    auto model = sim::ResolveModel(s.model);
    if (!model) {
      std::fprintf(stderr, "%s\n", model.error().message.c_str());
      return 1;
    }
    const size_t n = GridSize(s);
    if (time_one) {
      // The grid's last point: largest values everywhere, the most expensive to simulate.
      const auto start = std::chrono::steady_clock::now();
      const Json point = Evaluate(s, *runtime, *model, At(s, n - 1), requests);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("%s: one point %.1f ms (%s), grid %zu points\n", s.name.c_str(), 1e3 * seconds,
                  DumpJson(point).c_str(), n);
      continue;
    }
    std::vector<Json> points(n);
    std::atomic<size_t> next_index{0};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    std::atomic<bool> worker_failed{false};
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        bench_support::CatchAll(
            "worker",
            [&] {
              for (size_t i = next_index++; i < n; i = next_index++)
                points[i] = Evaluate(s, *runtime, *model, At(s, i), requests);
            },
            [&] {
              worker_failed = true;
              next_index = n;  // the other workers stop too: a sweep with holes is not written
            });
      });
    }
    for (auto& w : workers) w.join();
    if (worker_failed) return 1;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    Json dims = Json::array();
    for (const auto& d : s.dimensions) dims.push_back({{"name", d.flag}, {"values", d.values}});
    Json file = {{"name", s.name},
                 {"description", s.description},
                 {"model", s.model},
                 {"gpu", s.gpu},
                 {"num_gpus", s.num_gpus},
                 {"workload",
                  {{"input_tokens", s.input_tokens},
                   {"output_tokens", s.output_tokens},
                   {"concurrency", s.concurrency},
                   {"prefix_groups", s.prefix_groups},
                   {"prefix_tokens", s.prefix_tokens},
                   {"requests", requests}}},
                 {"dimensions", dims},
                 {"metrics", kMetrics},
                 {"points", points}};
    const std::string path = out_dir + "/" + s.name + ".json";
    // One point per line: diffs of a regenerated sweep stay readable.
    std::ofstream f(path);
    f << "{";
    bool first = true;
    for (const auto& [key, value] : file.items()) {
      if (key == "points") continue;
      f << (first ? "" : ",\n") << DumpJson(Json(key)) << ": " << DumpJson(value);
      first = false;
    }
    f << ",\n\"points\": [\n";
    for (size_t i = 0; i < n; ++i) f << DumpJson(points[i]) << (i + 1 < n ? ",\n" : "\n");
    f << "]}\n";
    size_t failed = 0;
    for (const auto& p : points) failed += p.is_string() ? 1 : 0;
    std::printf("%s: %zu points (%zu failed to start or serve) in %.1f s → %s\n", s.name.c_str(), n, failed,
                seconds, path.c_str());
  }
  return 0;
}
