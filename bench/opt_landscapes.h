#pragma once

// Benchmark landscapes for the optimizer: finite grids with a known optimum, each configuration's outcome
// precomputed. Analytic test functions (on grids), synthetic "engine-like" response surfaces with
// categorical, ordinal, integer dimensions, out-of-memory regions and hard-SLO regions (plausible shapes,
// not measurements), and response surfaces of the simulator's virtual-time model: sweeps of real SGLang
// flags written by bench/sim_landscape_gen.cc to bench/data/sim-*.json, scored here as a study scores them.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/opt/outcome.h"
#include "autotuner/opt/rng.h"
#include "autotuner/opt/score.h"
#include "autotuner/opt/space.h"
#include "autotuner/task/search_space.h"

namespace autotuner::opt::bench {

struct Landscape {
  std::string name;
  std::string description;
  task::SearchSpace space;
  std::vector<Outcome> outcomes;  // by grid index, first dimension fastest
  double optimum = 0;             // best feasible score
  double tolerance = 0;           // "within 2%": score <= optimum + tolerance

  // Grid index of a configuration.
  size_t Index(const Json& values) const {
    size_t index = 0, stride = 1;
    for (const auto& d : space.dimensions) {
      const Json& v = values.at(d.name);
      size_t level = 0;
      if (d.kind == task::Parameter::Kind::kCategorical) {
        level = static_cast<size_t>(std::find(d.values.begin(), d.values.end(), v) - d.values.begin());
      } else {
        level = static_cast<size_t>(v.get<int64_t>() - static_cast<int64_t>(d.low));
      }
      index += level * stride;
      stride *= *d.Cardinality();
    }
    return index;
  }
  const Outcome& At(const Json& values) const { return outcomes[Index(values)]; }

  // One noisy measurement of a configuration: every metric (metric landscapes) or the score (analytic ones)
  // times 1 + noise · N(0, 1), scored as a study scores it; configurations that fail to start still fail.
  Outcome Measure(const Json& values, double noise, Rng& rng) const {
    const size_t index = Index(values);
    const Outcome& exact = outcomes[index];
    if (noise <= 0) return exact;
    if (metrics.empty()) {
      return exact.feasible() ? Outcome::Success(exact.score() * (1 + noise * rng.Normal())) : exact;
    }
    if (!metrics[index]) return exact;
    Metrics m = *metrics[index];
    for (auto& [name, value] : m) value = std::max(0.0, value * (1 + noise * rng.Normal()));
    const task::Objective objectives[] = {objective};
    return ScoreOutcome(m, slo, objectives).value();
  }

  // Metric landscapes: each configuration's metrics (nothing: it fails to start) and how they are scored.
  std::vector<std::optional<Metrics>> metrics;
  task::Slo slo;
  task::Objective objective = task::Objective::kMinimizeLatency;
  bool Good(const Outcome& o) const { return o.feasible() && o.score() <= optimum + tolerance; }
  size_t size() const { return outcomes.size(); }
};

namespace detail {

inline task::Dimension Choice(std::string name, std::vector<Json> values) {
  task::Dimension d;
  d.name = std::move(name);
  d.kind = task::Parameter::Kind::kCategorical;
  d.values = std::move(values);
  return d;
}

inline task::Dimension Integer(std::string name, int64_t low, int64_t high) {
  task::Dimension d;
  d.name = std::move(name);
  d.kind = task::Parameter::Kind::kInteger;
  d.low = static_cast<double>(low);
  d.high = static_cast<double>(high);
  return d;
}

inline std::vector<Json> Levels(double low, double high, int n) {
  std::vector<Json> v;
  for (int i = 0; i < n; ++i) v.emplace_back(std::round((low + (high - low) * i / (n - 1)) * 1e6) / 1e6);
  return v;
}

// Enumerates the grid, evaluates f at every configuration, and fixes the optimum and the 2% tolerance
// (relative to |optimum|, or for analytic functions to the optimum-to-median gap: see Normalise).
inline Landscape Build(std::string name, std::string description, std::vector<task::Dimension> dims,
                       const std::function<Outcome(const Json&)>& f) {
  Landscape l;
  l.name = std::move(name);
  l.description = std::move(description);
  l.space.dimensions = std::move(dims);
  size_t n = 1;
  for (const auto& d : l.space.dimensions) n *= *d.Cardinality();
  l.space.grid_size = n;
  for (size_t index = 0; index < n; ++index) {
    Json values = Json::object();
    size_t rest = index;
    for (const auto& d : l.space.dimensions) {
      const size_t card = *d.Cardinality();
      const size_t level = rest % card;
      rest /= card;
      if (d.kind == task::Parameter::Kind::kCategorical) {
        values[d.name] = d.values[level];
      } else {
        values[d.name] = static_cast<int64_t>(d.low) + static_cast<int64_t>(level);
      }
    }
    l.outcomes.push_back(f(values));
  }
  l.optimum = INFINITY;
  for (const auto& o : l.outcomes) {
    if (o.feasible()) l.optimum = std::min(l.optimum, o.score());
  }
  l.tolerance = 0.02 * std::abs(l.optimum);
  return l;
}

// Analytic functions have no natural scale: map them to 1 + (f − min) / (median − min), so the grid optimum
// is 1, the median configuration 2, and "within 2%" means within 2% of the optimum-to-median gap.
inline Landscape Normalise(Landscape l) {
  std::vector<double> scores;
  for (const auto& o : l.outcomes) scores.push_back(o.score());
  std::vector<double> sorted = scores;
  std::sort(sorted.begin(), sorted.end());
  const double lo = sorted.front(), median = sorted[sorted.size() / 2];
  for (size_t i = 0; i < scores.size(); ++i)
    l.outcomes[i] = Outcome::Success(1 + (scores[i] - lo) / (median - lo));
  l.optimum = 1;
  l.tolerance = 0.02;
  return l;
}

// A landscape whose outcomes are metrics scored against `slo` and `objective`; nothing means the
// configuration fails to start (out of memory unless `failure` says otherwise).
inline Landscape BuildMetric(std::string name, std::string description, std::vector<task::Dimension> dims,
                             const task::Slo& slo, task::Objective objective,
                             const std::function<std::optional<Metrics>(const Json&)>& f,
                             const std::function<Outcome(const Json&)>& failure = {}) {
  std::vector<std::optional<Metrics>> metrics;
  Landscape l = Build(std::move(name), std::move(description), std::move(dims), [&](const Json& v) {
    metrics.push_back(f(v));
    if (!metrics.back()) return failure ? failure(v) : Outcome::Infeasible(InfeasibleReason::kOom);
    const task::Objective objectives[] = {objective};
    return ScoreOutcome(*metrics.back(), slo, objectives).value();
  });
  l.metrics = std::move(metrics);
  l.slo = slo;
  l.objective = objective;
  return l;
}

inline double Branin(double x1, double x2) {
  const double pi = std::numbers::pi;
  const double b = 5.1 / (4 * pi * pi), c = 5 / pi, t = 1 / (8 * pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

inline double Hartmann6(const double* x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double a[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double p[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += a[i][j] * std::pow(x[j] - p[i][j], 2);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

inline double Levy(const std::vector<double>& x) {
  const double pi = std::numbers::pi;
  const auto w = [&](size_t i) { return 1 + (x[i] - 1) / 4; };
  double f = std::pow(std::sin(pi * w(0)), 2);
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    f += std::pow(w(i) - 1, 2) * (1 + 10 * std::pow(std::sin(pi * w(i) + 1), 2));
  }
  const double wd = w(x.size() - 1);
  return f + std::pow(wd - 1, 2) * (1 + std::pow(std::sin(2 * pi * wd), 2));
}

// A broad, flat second-best plateau 16% below the optimum and a narrower peak far from it (its height
// depends on a nominal choice), over a low background: a model that finds the plateau first is sure of it and
// sees no reason to look elsewhere. Value in (0, 1], 1 at the optimum.
inline double PlateauValue(const int* x, int mode) {
  const double plateau_centre[4] = {1.5, 1.5, 2, 1.5}, peak_centre[4] = {6, 5, 6, 6};
  double plateau_r2 = 0, peak_r2 = 0;
  for (int i = 0; i < 4; ++i) {
    plateau_r2 += std::pow(x[i] - plateau_centre[i], 2);
    peak_r2 += std::pow(x[i] - peak_centre[i], 2);
  }
  const double heights[3] = {0.88, 0.93, 1.0};
  const double plateau = 0.84 * std::exp(-std::pow(plateau_r2 / (3.5 * 3.5), 4));
  const double peak = heights[mode] * std::exp(-std::pow(peak_r2 / 9, 3));
  const double background = 0.35 + 0.02 * (x[0] + x[1] + x[2] + x[3]) / 28.0;
  return std::max({plateau, peak, background});
}

// Metrics of a synthetic serving engine (80 GB GPUs, a 32B model, one GPU per TP rank) at a fixed closed-loop
// load, or nothing when the configuration runs out of memory. Shapes, not measurements: weights and KV cache
// share the static memory fraction; prefill chunks and decode runs need activation memory outside it; KV
// capacity caps the running batch (the rest queues); tensor parallelism splits weights but adds
// communication; prefill work stalls decoding, larger chunks prefill faster but interfere more.
struct EngineConfig {
  int tp = 1;
  double mem = 0.85;       // static memory fraction
  double chunk = 4096;     // prefill chunk tokens
  int decode_steps = 1;    // decode steps per scheduling round
  int max_batch = 1024;    // running-request cap
  double kv_bytes = 2;     // bytes per KV element (fp8: 1)
  double policy_tpot = 1;  // scheduling policy's effect on decode time
  double policy_tail = 1;  // ... and on the latency tail
  bool chunked_prefill = true;
  int concurrency = 64;
  double input_tokens = 1500, output_tokens = 150;
};

inline std::optional<Metrics> EngineMetrics(const EngineConfig& c) {
  const double gpu_gb = 80, weights_gb = 64.0 / c.tp;
  const double activation_gb = 2.0 + (c.chunked_prefill ? 2.0 * c.chunk / 4096 : 6.0) / std::sqrt(c.tp) +
                               0.5 * c.decode_steps / std::sqrt(c.tp);
  if ((1 - c.mem) * gpu_gb < activation_gb) return std::nullopt;
  const double kv_gb = c.mem * gpu_gb - weights_gb - 1.0;
  const double kv_mb_per_token = 0.125 * c.kv_bytes / c.tp;
  const double context = c.input_tokens + c.output_tokens / 2;
  const double capacity = kv_gb * 1024 / kv_mb_per_token / context;
  if (capacity < 1) return std::nullopt;
  const double batch =
      std::min({static_cast<double>(c.concurrency), capacity, static_cast<double>(c.max_batch)});
  const double step_ms = weights_gb / 3.35 + batch * context * kv_mb_per_token / 1024 / 3.35 +
                         (c.tp > 1 ? 0.8 * std::log2(c.tp) : 0) + 2.5 / c.decode_steps +
                         (c.kv_bytes < 2 ? 0.3 : 0);
  const double interference = c.chunked_prefill ? 0.04 + 0.3 * c.chunk / 16384 : 0.45;
  const double tpot = step_ms / 1000 * (1 + interference) * c.policy_tpot;
  const double prefill_rate = 9000 * std::pow(c.tp, 0.85) / (1 + 1.5 * 1024 / c.chunk);
  const double prefill_s = c.input_tokens / prefill_rate;
  const double requests_per_s = 1 / (prefill_s + c.output_tokens * tpot / batch);
  const double queue_s = c.concurrency > batch ? (c.concurrency - batch) / requests_per_s : 0;
  const double ttft = prefill_s * (1 + 0.15 * c.decode_steps) * (1 + 0.02 * batch) + queue_s;
  const double e2e = ttft + c.output_tokens * tpot;
  Metrics m;
  m["mean_ttft"] = ttft;
  m["mean_tpot"] = tpot;
  m["mean_e2e_latency"] = e2e;
  m["p50_e2e_latency"] = e2e * 0.95;
  m["p90_e2e_latency"] =
      e2e * (1.25 + 0.05 * c.decode_steps) * c.policy_tail * (c.chunked_prefill ? 1.0 : 1.2);
  m["p99_e2e_latency"] = m["p90_e2e_latency"] * 1.3;
  m["mean_total_throughput"] = requests_per_s * (c.input_tokens + c.output_tokens);
  m["mean_total_throughput_per_gpu"] = m["mean_total_throughput"] / c.tp;
  m["goodput"] = requests_per_s;
  return m;
}

inline double PolicyTpot(const Json& p) {
  return p == "lpm" ? 0.97 : p == "dfs-weight" ? 0.985 : p == "random" ? 1.03 : 1.0;
}
inline double PolicyTail(const Json& p) { return p == "random" ? 1.25 : p == "lpm" ? 1.05 : 1.0; }

// A sweep file of sim_landscape_gen; the benchmark cannot run without its committed inputs, so a missing
// or broken file ends the program.
inline Json ReadSweep(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = ParseJson(text.str(), path);
  if (!in || !parsed) {
    std::fprintf(stderr, "cannot read %s%s\n", path.c_str(),
                 parsed ? "" : (": " + parsed.error().message).c_str());
    std::exit(1);
  }
  return *parsed;
}

// A simulator-swept landscape: every point's metrics scored against `slo` and `objective` exactly as a
// study scores an experiment; points that failed to start (out of memory, ...) keep their reason.
inline Landscape FromSweep(std::string name, std::string description, const Json& sweep, const task::Slo& slo,
                           task::Objective objective) {
  std::vector<task::Dimension> dims;
  for (const auto& d : sweep.at("dimensions"))
    dims.push_back(Choice(d.at("name").get<std::string>(), d.at("values").get<std::vector<Json>>()));
  const auto names = sweep.at("metrics").get<std::vector<std::string>>();
  const Json& points = sweep.at("points");
  const auto point_of = [&](const Json& v) -> const Json& {
    size_t index = 0, stride = 1;
    for (const auto& d : dims) {
      index +=
          static_cast<size_t>(std::find(d.values.begin(), d.values.end(), v.at(d.name)) - d.values.begin()) *
          stride;
      stride *= d.values.size();
    }
    return points.at(index);
  };
  return BuildMetric(
      std::move(name), std::move(description), dims, slo, objective,
      [&](const Json& v) -> std::optional<Metrics> {
        const Json& point = point_of(v);
        if (point.is_string()) return std::nullopt;
        Metrics m;
        for (size_t i = 0; i < names.size(); ++i) m[names[i]] = point.at(i).get<double>();
        return m;
      },
      [&](const Json& v) {
        return Outcome::Infeasible(ParseFailureClass(point_of(v).get<std::string>()).value());
      });
}

}  // namespace detail

#ifndef AUTOTUNER_BENCH_DATA_DIR
#define AUTOTUNER_BENCH_DATA_DIR "bench/data"
#endif

// The benchmark suite. Built once; the largest grid has 15625 configurations. `data_dir` holds the
// simulator sweeps.
inline std::vector<Landscape> MakeLandscapes(const std::string& data_dir = AUTOTUNER_BENCH_DATA_DIR) {
  using namespace detail;
  std::vector<Landscape> out;

  out.push_back(Normalise(Build("branin", "Branin on a 32 × 32 integer grid",
                                {Integer("x1", 0, 31), Integer("x2", 0, 31)}, [](const Json& v) {
                                  return Outcome::Success(Branin(-5 + 15.0 * v["x1"].get<int>() / 31,
                                                                 15.0 * v["x2"].get<int>() / 31));
                                })));

  {
    std::vector<task::Dimension> dims;
    for (int i = 0; i < 6; ++i) dims.push_back(Choice("x" + std::to_string(i), Levels(0.1, 0.9, 5)));
    out.push_back(
        Normalise(Build("hartmann6", "Hartmann-6 on 5 levels per dimension", dims, [](const Json& v) {
          double x[6];
          for (int i = 0; i < 6; ++i) x[i] = v["x" + std::to_string(i)].get<double>();
          return Outcome::Success(Hartmann6(x));
        })));
  }

  {
    std::vector<task::Dimension> dims;
    for (int i = 0; i < 4; ++i) dims.push_back(Integer("x" + std::to_string(i), 0, 7));
    out.push_back(
        Normalise(Build("levy4", "Levy (multimodal) in 4-D, 8 levels per dimension", dims, [](const Json& v) {
          std::vector<double> x;
          for (int i = 0; i < 4; ++i) x.push_back(-10 + 20.0 * v["x" + std::to_string(i)].get<int>() / 7);
          return Outcome::Success(Levy(x));
        })));
  }

  out.push_back(Build("plateau",
                      "broad plateau 16% below the optimum, narrow peak elsewhere: 8⁴ integers · 3 choices "
                      "(score = −value)",
                      {Integer("x0", 0, 7), Integer("x1", 0, 7), Integer("x2", 0, 7), Integer("x3", 0, 7),
                       Choice("mode", {"a", "b", "c"})},
                      [](const Json& v) {
                        int x[4];
                        for (int i = 0; i < 4; ++i) x[i] = v["x" + std::to_string(i)].get<int>();
                        const auto& mode = v["mode"];
                        return Outcome::Success(-PlateauValue(x, mode == "a" ? 0 : mode == "b" ? 1 : 2));
                      }));

  {
    task::Slo slo;
    slo.steepness = 0.1;
    slo.tpot["mean"] = {0.03, 1.0, false, 0.5};
    slo.latency["p90"] = {20.0, 2.0, true, 0.2};
    out.push_back(BuildMetric(
        "engine-small", "engine-like, maximise throughput per GPU: 3·3·2·3·2 grid, OOM and hard p90 SLO",
        {Choice("tp-size", {1, 2, 4}), Choice("mem-fraction-static", {0.8, 0.88, 0.95}),
         Choice("schedule-policy", {"lpm", "fcfs"}), Choice("chunked-prefill-size", {2048, 4096, 8192}),
         Choice("enable-mixed-chunk", {false, true})},
        slo, task::Objective::kMaximizeThroughput, [](const Json& v) {
          EngineConfig c;
          c.tp = v["tp-size"].get<int>();
          c.mem = v["mem-fraction-static"].get<double>();
          c.policy_tpot = PolicyTpot(v["schedule-policy"]);
          c.policy_tail = PolicyTail(v["schedule-policy"]);
          c.chunk = v["chunked-prefill-size"].get<double>();
          c.decode_steps = v["enable-mixed-chunk"].get<bool>() ? 2 : 1;
          c.concurrency = 96;
          return EngineMetrics(c);
        }));
  }

  {
    task::Slo slo;
    slo.steepness = 0.1;
    slo.tpot["mean"] = {0.018, 1.0, false, 0.5};
    slo.ttft["mean"] = {3.0, 1.0, false, 0.5};
    slo.latency["p90"] = {25.0, 2.0, true, 0.2};
    out.push_back(BuildMetric(
        "engine-throughput",
        "engine-like (SGLang flags), maximise throughput per GPU: tp · mem · policy · chunk · decode steps, "
        "OOM and hard p90 SLO regions",
        {Choice("tp-size", {1, 2, 4, 8}), Choice("mem-fraction-static", Levels(0.7, 0.95, 6)),
         Choice("schedule-policy", {"lpm", "fcfs", "dfs-weight", "random"}),
         Choice("chunked-prefill-size", {1024, 2048, 4096, 8192, 16384}),
         Integer("num-continuous-decode-steps", 1, 8)},
        slo, task::Objective::kMaximizeThroughput, [](const Json& v) {
          EngineConfig c;
          c.tp = v["tp-size"].get<int>();
          c.mem = v["mem-fraction-static"].get<double>();
          c.policy_tpot = PolicyTpot(v["schedule-policy"]);
          c.policy_tail = PolicyTail(v["schedule-policy"]);
          c.chunk = v["chunked-prefill-size"].get<double>();
          c.decode_steps = v["num-continuous-decode-steps"].get<int>();
          c.concurrency = 128;
          return EngineMetrics(c);
        }));
  }

  {
    task::Slo slo;
    slo.steepness = 0.1;
    slo.ttft["mean"] = {2.0, 1.0, false, 0.5};
    slo.latency["p90"] = {14.0, 2.0, true, 0.2};
    out.push_back(BuildMetric(
        "engine-latency",
        "engine-like (vLLM flags), minimise mean latency: tp · max-num-seqs · batched tokens · chunked "
        "prefill · "
        "memory · KV dtype, OOM and hard p90 SLO regions",
        {Choice("tensor-parallel-size", {1, 2, 4}), Choice("max-num-seqs", {16, 32, 64, 128, 256, 512}),
         Choice("max-num-batched-tokens", {2048, 4096, 8192, 16384}),
         Choice("enable-chunked-prefill", {true, false}),
         Choice("gpu-memory-utilization", Levels(0.6, 0.95, 8)),
         Choice("kv-cache-dtype", {"auto", "fp8_e5m2", "fp8_e4m3"})},
        slo, task::Objective::kMinimizeLatency, [](const Json& v) {
          EngineConfig c;
          c.tp = v["tensor-parallel-size"].get<int>();
          c.max_batch = v["max-num-seqs"].get<int>();
          c.chunk = v["max-num-batched-tokens"].get<double>();
          c.chunked_prefill = v["enable-chunked-prefill"].get<bool>();
          c.mem = v["gpu-memory-utilization"].get<double>();
          c.kv_bytes = v["kv-cache-dtype"] == "auto" ? 2 : 1;
          c.policy_tpot = v["kv-cache-dtype"] == "fp8_e4m3" ? 0.99 : 1.0;
          c.concurrency = 160;
          return EngineMetrics(c);
        }));
  }
  // Simulator sweeps (bench/data/, regenerate with sim_landscape_gen). Llama-3.1-8B: tp 1 gives the most
  // throughput per GPU but the longest latencies, tp 4 the shortest; mem-fraction-static 0.98 leaves no room
  // for CUDA graphs (out of memory).
  const Json llama8b = ReadSweep(data_dir + "/sim-sglang-llama8b.json");
  const std::string llama8b_grid =
      "tp · mem-fraction-static · max-running-requests · chunked-prefill-size · enable-mixed-chunk";
  out.push_back(
      FromSweep("sim-sglang-throughput",
                "simulated SGLang, Llama-3.1-8B, 4 H100s, D(1024,256) c=256, maximise throughput per "
                "GPU: " +
                    llama8b_grid + ", OOM region",
                llama8b, task::Slo{}, task::Objective::kMaximizeThroughput));
  {
    // A latency SLO the throughput optimum (tp 1, p90 e2e ~12 s) breaks: the best feasible configurations
    // trade throughput for latency.
    task::Slo slo;
    slo.steepness = 0.1;
    slo.ttft["mean"] = {1.5, 0.5, false, 0.5};
    slo.latency["p90"] = {6.0, 2.0, true, 0.25};
    out.push_back(FromSweep("sim-sglang-throughput-slo",
                            "simulated SGLang, Llama-3.1-8B, 4 H100s, D(1024,256) c=256, maximise throughput "
                            "per GPU under a hard p90 e2e SLO and a soft mean TTFT SLO: " +
                                llama8b_grid,
                            llama8b, slo, task::Objective::kMaximizeThroughput));
  }
  {
    // Llama-3.1-70B fits two GPUs only with mem-fraction-static 0.85–0.93; hard p90 e2e and TTFT SLOs cut
    // away the configurations whose running-request cap queues most of the load.
    task::Slo slo;
    slo.steepness = 0.1;
    slo.latency["p90"] = {15.0, 1.0, true, 0.3};
    slo.ttft["p90"] = {6.0, 1.0, true, 0.5};
    out.push_back(FromSweep(
        "sim-sglang-latency-slo",
        "simulated SGLang, Llama-3.1-70B, 4 H100s, D(1024,256) c=64, minimise mean e2e latency under hard "
        "p90 "
        "e2e and TTFT SLOs: tp · mem-fraction-static · max-running-requests · chunked-prefill-size · "
        "enable-mixed-chunk, OOM regions",
        ReadSweep(data_dir + "/sim-sglang-llama70b.json"), slo, task::Objective::kMinimizeLatency));
  }
  return out;
}

}  // namespace autotuner::opt::bench
