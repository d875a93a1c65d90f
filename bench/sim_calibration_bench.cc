// Runs every published data point of docs/sim-calibration.md (P1–P10 from
// /work/shared/calibration/published-points.md and the eight earlier points, E1–E8) through the simulator in
// virtual time and prints, as Markdown tables: each headline value (simulated, published, error), the
// two-setting comparisons as ratios, and a ranking check of three setups. Deterministic; one command
// (about ten seconds):
//   build/release/bin/sim_calibration_bench

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "autotuner/sim/workload.h"

namespace {

using autotuner::sim::AdmissionPolicy;
using autotuner::sim::EngineConfig;
using autotuner::sim::Flavor;
using autotuner::sim::FlavorNamed;
using autotuner::sim::KvCacheDtype;
using autotuner::sim::LengthDistribution;
using autotuner::sim::WorkloadSpec;
using autotuner::sim::WorkloadSummary;

constexpr double kAllAtOnce = std::numeric_limits<double>::infinity();

// One simulated run: an engine configuration, a model and a workload.
struct Run {
  EngineConfig config;
  std::string model;
  WorkloadSpec spec;
};

enum class Metric { kOutTokS, kInTokS, kReqS, kTtftMs, kItlMs, kTpotP50Ms, kDecodeTokS };

double Measure(const WorkloadSummary& s, Metric metric) {
  switch (metric) {
    case Metric::kOutTokS:
      return s.output_throughput;
    case Metric::kInTokS:
      return s.input_throughput;
    case Metric::kReqS:
      return s.requests_per_s;
    case Metric::kTtftMs:
      return s.ttft.mean * 1e3;
    case Metric::kItlMs:
      return s.tpot.mean * 1e3;
    case Metric::kTpotP50Ms:
      return s.tpot.p50 * 1e3;
    case Metric::kDecodeTokS:
      return 1 / s.tpot.mean;
  }
  return 0;
}

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kOutTokS:
      return "out tok/s";
    case Metric::kInTokS:
      return "in tok/s";
    case Metric::kReqS:
      return "req/s";
    case Metric::kTtftMs:
      return "TTFT ms";
    case Metric::kItlMs:
      return "ITL ms";
    case Metric::kTpotP50Ms:
      return "TPOT p50 ms";
    case Metric::kDecodeTokS:
      return "decode tok/s";
  }
  return "";
}

WorkloadSpec Offline(LengthDistribution input, LengthDistribution output, int64_t requests) {
  WorkloadSpec spec;
  spec.input = input;
  spec.output = output;
  spec.num_requests = requests;
  spec.request_rate = kAllAtOnce;
  spec.concurrency = 0;
  return spec;
}

WorkloadSpec Closed(int concurrency, int64_t requests, int64_t input, int64_t output) {
  WorkloadSpec spec;
  spec.input = LengthDistribution::Fixed(input);
  spec.output = LengthDistribution::Fixed(output);
  spec.num_requests = requests;
  spec.concurrency = concurrency;
  return spec;
}

// ShareGPT as the benchmark clients sample it (sglang.bench_serving / vllm bench serve: conversations' first
// turn, prompts ≤ 1024 tokens, prompt + output ≤ 2048): lognormal lengths with the source's means. P10 gives
// both means (217 in, 202 out per request, derived from its total and output rates); P6/P7 give the output
// mean (194, from out tok/s ÷ req/s) and use the same dataset and filter, so the same input mean.
WorkloadSpec ShareGpt(int64_t requests, int64_t mean_out) {
  return Offline(LengthDistribution::LogNormal(217, 1.1, 1024),
                 LengthDistribution::LogNormal(mean_out, 0.9, 1024), requests);
}

EngineConfig Engine(Flavor flavor, std::string gpu, int tp) {
  EngineConfig config;
  config.flavor = flavor;
  config.gpu_type = std::move(gpu);
  config.tp = tp;
  config.num_gpus = tp;
  return config;
}

// trtllm-bench throughput as the TensorRT-LLM perf overview runs it (0.13–1.x): ModelOpt FP8 checkpoints with
// FP8 KV, CUDA graphs for every batch size, max_batch_size 2048 / max_num_tokens 8192, all requests at once.
Run TrtllmOverview(std::string model, int tp, int64_t isl, int64_t osl, int64_t requests, bool fp8 = true) {
  EngineConfig config = Engine(FlavorNamed("trtllm"), "H100", tp);
  if (fp8) config.kv_cache_dtype = KvCacheDtype::kFp8E4m3;
  config.cuda_graph_max_bs = 8192;
  return {config, std::move(model),
          Offline(LengthDistribution::Fixed(isl), LengthDistribution::Fixed(osl), requests)};
}

// SGLang's benchmark_vllm_060 README: SGLang 0.3.0 with torch.compile and no radix cache; vLLM 0.6.0 with
// --num-scheduler-steps 10 (multi-step scheduling hides the CPU work of 9 in 10 steps: modelled as overlap),
// V0 defaults: 256 sequences, chunked prefill off.
EngineConfig Sglang030(std::string gpu, int tp) {
  EngineConfig config = Engine(FlavorNamed("sglang"), std::move(gpu), tp);
  config.torch_compile = true;
  config.prefix_cache = false;
  return config;
}

EngineConfig Vllm060(std::string gpu, int tp) {
  EngineConfig config = Engine(FlavorNamed("vllm"), std::move(gpu), tp);
  config.max_running_requests = 256;
  config.chunked_prefill = false;
  config.overlap_schedule = true;
  config.prefix_cache = false;
  return config;
}

struct Headline {
  std::string point;
  std::string setting;
  std::string run;
  Metric metric;
  double published;
  std::string over_run;  // non-empty: the value is metric(run) / metric(over_run)
};

struct Comparison {
  std::string point;
  std::string what;
  std::string numerator;
  std::string denominator;
  Metric metric;
  double published;
};

struct Calibration {
  std::map<std::string, Run> runs;
  std::vector<Headline> headlines;
  std::vector<Comparison> comparisons;
};

void AddPublishedRuns(Calibration& c) {
  const std::string l70_fp8 = "nvidia/Llama-3.1-70B-Instruct-FP8";
  const std::string l70 = "meta-llama/Llama-3.3-70B-Instruct";
  for (int tp : {2, 4, 8}) {
    c.runs["P1-tp" + std::to_string(tp)] = TrtllmOverview(l70_fp8, tp, 1000, 1000, 3000);
  }
  c.runs["P1-fp16-tp4"] = TrtllmOverview("meta-llama/Llama-3.1-70B-Instruct", 4, 1000, 1000, 3000, false);
  c.runs["P2-fp8"] = TrtllmOverview("mistralai/Mixtral-8x7B-Instruct-v0.1-FP8", 2, 1000, 1000, 3000);
  c.runs["P2-fp16"] = TrtllmOverview("mistralai/Mixtral-8x7B-Instruct-v0.1", 2, 1000, 1000, 3000, false);

  // TensorRT-LLM 0.16 tuning guide: LLM-API defaults (max batch 2048, max tokens 8192, KV 90 %).
  EngineConfig trt016 = Engine(FlavorNamed("trtllm"), "H100", 4);
  c.runs["P3"] = {trt016, l70,
                  Offline(LengthDistribution::Fixed(2048), LengthDistribution::Fixed(2048), 1000)};
  c.runs["P4"] = {trt016, l70, Closed(1, 100, 2048, 2048)};
  EngineConfig p5 = trt016;
  p5.max_running_requests = 512;
  p5.max_batched_tokens = 2048;
  const std::string l70_fp8_33 = "nvidia/Llama-3.3-70B-Instruct-FP8";
  c.runs["P5-kv-bf16"] = {p5, l70_fp8_33,
                          Offline(LengthDistribution::Fixed(2048), LengthDistribution::Fixed(2048), 1000)};
  p5.kv_cache_dtype = KvCacheDtype::kFp8E4m3;
  c.runs["P5-kv-fp8"] = {p5, l70_fp8_33,
                         Offline(LengthDistribution::Fixed(2048), LengthDistribution::Fixed(2048), 1000)};

  const std::string l8 = "meta-llama/Llama-3.1-8B-Instruct";
  c.runs["P6-sglang"] = {Sglang030("A100-80GB", 1), l8, ShareGpt(5000, 194)};
  EngineConfig p6_vllm = Vllm060("A100-80GB", 1);
  p6_vllm.context_length = 4096;
  c.runs["P6-vllm"] = {p6_vllm, l8, ShareGpt(5000, 194)};
  EngineConfig p7_sglang = Sglang030("H100", 4);
  p7_sglang.torch_compile = false;  // P7's SGLang command has --tp 4 --mem-frac 0.88 only
  p7_sglang.prefix_cache = std::nullopt;
  p7_sglang.memory_fraction = 0.88;
  c.runs["P7-sglang"] = {p7_sglang, "meta-llama/Llama-3.1-70B-Instruct", ShareGpt(5000, 194)};
  c.runs["P7-vllm"] = {Vllm060("H100", 4), "meta-llama/Llama-3.1-70B-Instruct", ShareGpt(5000, 194)};

  // NIM 1.8.0, FP8 profile (TensorRT-LLM backend assumed), AIPerf at fixed concurrency.
  EngineConfig nim = Engine(FlavorNamed("trtllm"), "H100", 2);
  c.runs["P8-c1"] = {nim, l70_fp8_33, Closed(1, 10, 5000, 500)};
  c.runs["P8-c250"] = {nim, l70_fp8_33, Closed(250, 1250, 5000, 500)};

  // Qwen2.5 speed benchmark: vLLM 0.6.3, batch 1, a 1-token prompt, 2048 tokens generated.
  EngineConfig p9 = Engine(FlavorNamed("vllm"), "A100-80GB", 1);
  p9.context_length = 32768;
  c.runs["P9-bf16"] = {p9, "Qwen/Qwen2.5-7B-Instruct", Closed(1, 3, 1, 2048)};
  c.runs["P9-int4"] = {p9, "Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", Closed(1, 3, 1, 2048)};

  // GPUStack performance lab: each engine's default server settings, 1000 ShareGPT prompts at once.
  c.runs["P10-vllm"] = {Engine(FlavorNamed("vllm"), "H100", 1), "Qwen/Qwen3-14B", ShareGpt(1000, 202)};
  c.runs["P10-sglang"] = {Engine(FlavorNamed("sglang"), "H100", 1), "Qwen/Qwen3-14B", ShareGpt(1000, 202)};
  c.runs["P10-trtllm"] = {Engine(FlavorNamed("trtllm"), "H100", 1), "Qwen/Qwen3-14B", ShareGpt(1000, 202)};
  c.runs["P10-sglang-fp8"] = {Engine(FlavorNamed("sglang"), "H100", 1), "Qwen/Qwen3-14B-FP8",
                              ShareGpt(1000, 202)};
}

void AddPublishedValues(Calibration& c) {
  using M = Metric;
  c.headlines = {
      {"P1", "TRT-LLM 0.13, 70B FP8, 2×H100 TP2, 1000/1000 ×3000", "P1-tp2", M::kOutTokS, 3880.41, ""},
      {"P1", "same, 4×H100 TP4", "P1-tp4", M::kOutTokS, 6553.00, ""},
      {"P1", "same, 8×H100 TP8", "P1-tp8", M::kOutTokS, 11121.10, ""},
      {"P2", "TRT-LLM 0.13, Mixtral-8x7B FP8, 2×H100 TP2, 1000/1000 ×3000", "P2-fp8", M::kOutTokS, 14154.95,
       ""},
      {"P3", "TRT-LLM 0.16, 70B BF16, 4×H100 TP4, 2048/2048 ×1000", "P3", M::kOutTokS, 1564.30, ""},
      {"P4", "same engine, batch 1, 2048/2048", "P4", M::kTtftMs, 147.75, ""},
      {"P4", "same engine, batch 1, 2048/2048", "P4", M::kItlMs, 30.93, ""},
      {"P5", "TRT-LLM 0.16, 70B FP8, TP4, batch 512, 2048 tokens, KV BF16", "P5-kv-bf16", M::kOutTokS,
       3389.53, ""},
      {"P5", "same, KV FP8", "P5-kv-fp8", M::kOutTokS, 5299.64, ""},
      {"P6", "SGLang 0.3.0, 8B, A100-80GB, ShareGPT ×5000", "P6-sglang", M::kReqS, 22.03, ""},
      {"P6", "SGLang 0.3.0, 8B, A100-80GB, ShareGPT ×5000", "P6-sglang", M::kOutTokS, 4281.51, ""},
      {"P6", "vLLM 0.6.0, same", "P6-vllm", M::kReqS, 21.27, ""},
      {"P6", "vLLM 0.6.0, same", "P6-vllm", M::kOutTokS, 4132.37, ""},
      {"P7", "SGLang 0.3.0, 70B, 4×H100 TP4, ShareGPT ×5000", "P7-sglang", M::kReqS, 19.84, ""},
      {"P7", "SGLang 0.3.0, 70B, 4×H100 TP4, ShareGPT ×5000", "P7-sglang", M::kOutTokS, 3856.01, ""},
      {"P7", "vLLM 0.6.0, same", "P7-vllm", M::kReqS, 19.04, ""},
      {"P7", "vLLM 0.6.0, same", "P7-vllm", M::kOutTokS, 3700.64, ""},
      {"P8", "NIM 1.8 (TRT-LLM), 70B FP8, 2×H100 TP2, 5000/500, c=1", "P8-c1", M::kTtftMs, 406.77, ""},
      {"P8", "same, c=1", "P8-c1", M::kItlMs, 18.58, ""},
      {"P8", "same, c=1", "P8-c1", M::kOutTokS, 51.67, ""},
      {"P8", "same, c=250", "P8-c250", M::kOutTokS, 920.12, ""},
      {"P9", "vLLM 0.6.3, Qwen2.5-7B BF16, A100-80GB, batch 1, 1/2048", "P9-bf16", M::kOutTokS, 84.28, ""},
      {"P10", "vLLM 0.11 defaults, Qwen3-14B, H100, ShareGPT ×1000", "P10-vllm", M::kReqS, 15.74, ""},
      {"P10", "vLLM 0.11 defaults", "P10-vllm", M::kOutTokS, 3173.92, ""},
      {"P10", "SGLang 0.5.5 defaults", "P10-sglang", M::kReqS, 20.06, ""},
      {"P10", "SGLang 0.5.5 defaults", "P10-sglang", M::kOutTokS, 4043.89, ""},
      {"P10", "TRT-LLM 1.2 defaults", "P10-trtllm", M::kReqS, 19.84, ""},
      {"P10", "TRT-LLM 1.2 defaults", "P10-trtllm", M::kOutTokS, 4000.99, ""},
      {"P10", "SGLang 0.5.5, FP8 checkpoint", "P10-sglang-fp8", M::kReqS, 24.87, ""},
      {"P10", "SGLang 0.5.5, FP8 checkpoint", "P10-sglang-fp8", M::kOutTokS, 5019.64, ""},
  };
  c.comparisons = {
      {"P1", "TP scaling: TP4 / TP2", "P1-tp4", "P1-tp2", M::kOutTokS, 6553.00 / 3880.41},
      {"P1", "TP scaling: TP8 / TP4", "P1-tp8", "P1-tp4", M::kOutTokS, 11121.10 / 6553.00},
      {"P1", "FP8 / FP16, 70B TP4", "P1-tp4", "P1-fp16-tp4", M::kOutTokS, 6553.00 / 3655.64},
      {"P2", "FP8 / FP16, Mixtral TP2", "P2-fp8", "P2-fp16", M::kOutTokS, 14154.95 / 5826.43},
      {"P5", "KV FP8 / KV BF16", "P5-kv-fp8", "P5-kv-bf16", M::kOutTokS, 5299.64 / 3389.53},
      {"P6", "SGLang / vLLM, 8B A100", "P6-sglang", "P6-vllm", M::kOutTokS, 4281.51 / 4132.37},
      {"P7", "SGLang / vLLM, 70B TP4", "P7-sglang", "P7-vllm", M::kOutTokS, 3856.01 / 3700.64},
      {"P9", "GPTQ-Int4 / BF16, batch 1", "P9-int4", "P9-bf16", M::kOutTokS, 154.05 / 84.28},
      {"P10", "SGLang / vLLM", "P10-sglang", "P10-vllm", M::kOutTokS, 4043.89 / 3173.92},
      {"P10", "TRT-LLM / vLLM", "P10-trtllm", "P10-vllm", M::kOutTokS, 4000.99 / 3173.92},
      {"P10", "SGLang FP8 / BF16", "P10-sglang-fp8", "P10-sglang", M::kOutTokS, 5019.64 / 4043.89},
  };
}

// The eight earlier points (sources in docs/sim-calibration.md).
void AddEarlierPoints(Calibration& c) {
  const std::string fp8_8b = "nvidia/Llama-3.1-8B-Instruct-FP8";
  c.runs["E1"] = TrtllmOverview(fp8_8b, 1, 128, 128, 30000);
  c.runs["E2"] = TrtllmOverview(fp8_8b, 1, 1000, 1000, 3000);
  c.runs["E3"] = TrtllmOverview(fp8_8b, 1, 2048, 128, 3000);
  c.runs["E4"] = TrtllmOverview("nvidia/Llama-3.3-70B-Instruct-FP8", 2, 1000, 1000, 3000);
  const EngineConfig a100 = Engine(FlavorNamed("vllm"), "A100-40GB", 1);
  c.runs["E5"] = {a100, "meta-llama/Llama-3.1-8B-Instruct", Closed(1, 20, 1024, 128)};
  c.runs["E6-c8"] = {a100, "meta-llama/Llama-3.1-8B-Instruct", Closed(8, 160, 1024, 128)};
  c.runs["E7"] = {Engine(FlavorNamed("vllm"), "H100", 1), "meta-llama/Llama-3.1-8B-Instruct",
                  Closed(1, 20, 256, 256)};
  EngineConfig sglang = Sglang030("H100", 1);
  c.runs["E8"] = {sglang, "meta-llama/Meta-Llama-3.1-8B-Instruct",
                  Offline(LengthDistribution::Uniform(1, 8192), LengthDistribution::Uniform(1, 8), 1000)};
  using M = Metric;
  const std::vector<Headline> earlier = {
      {"E1", "TRT-LLM, 8B FP8, H100, 128/128 ×30000", "E1", M::kOutTokS, 28312, ""},
      {"E2", "TRT-LLM, 8B FP8, H100, 1000/1000 ×3000", "E2", M::kOutTokS, 15220, ""},
      {"E3", "TRT-LLM, 8B FP8, H100, 2048/128 ×3000", "E3", M::kOutTokS, 3450, ""},
      {"E4", "TRT-LLM, 70B FP8, 2×H100 TP2, 1000/1000 ×3000", "E4", M::kOutTokS, 4205, ""},
      {"E5", "vLLM, 8B BF16, A100-40GB, 1024/128, c=1", "E5", M::kDecodeTokS, 75, ""},
      {"E6", "same, c=8 over c=1 (output throughput gain)", "E6-c8", M::kOutTokS, 6.6, "E5"},
      {"E7", "vLLM, 8B FP16, H100, c=1", "E7", M::kTpotP50Ms, 6.48, ""},
      {"E8", "SGLang, 8B BF16, H100, U(1,8192)/U(1,8) ×1000", "E8", M::kInTokS, 27670, ""},
  };
  c.headlines.insert(c.headlines.end(), earlier.begin(), earlier.end());
}

class Runner {
 public:
  explicit Runner(const std::map<std::string, Run>& runs) : runs_(runs) {}

  // The run's summary, simulated once; exits on a start-up failure (a broken calibration point).
  const WorkloadSummary& Summary(const std::string& key) {
    const auto cached = done_.find(key);
    if (cached != done_.end()) return cached->second;
    const Run& run = runs_.at(key);
    return done_[key] = Simulate(run, key);
  }

  static WorkloadSummary Simulate(const Run& run, const std::string& key) {
    const auto model = autotuner::sim::FindModelProfile(run.model);
    if (!model) throw std::runtime_error(key + ": " + model.error().message);
    const auto result = autotuner::sim::RunWorkload(run.config, *model, run.spec);
    if (!result) throw std::runtime_error(key + ": " + result.error().message);
    return result->summary;
  }

 private:
  const std::map<std::string, Run>& runs_;
  std::map<std::string, WorkloadSummary> done_;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void PrintHeadlines(const Calibration& c, Runner& runner) {
  fmt::print(
      "## Headline values\n\n| P | setting | metric | published | simulated | error |\n"
      "|---|---|---|---|---|---|\n");
  std::vector<double> published_errors;
  std::vector<double> all_errors;
  for (const Headline& h : c.headlines) {
    double sim = Measure(runner.Summary(h.run), h.metric);
    if (!h.over_run.empty()) sim /= Measure(runner.Summary(h.over_run), h.metric);
    const double error = sim / h.published - 1;
    all_errors.push_back(std::abs(error));
    if (h.point[0] == 'P') published_errors.push_back(std::abs(error));
    fmt::print("| {} | {} | {}{} | {:.5g} | {:.5g} | {:+.1f} % |\n", h.point, h.setting, MetricName(h.metric),
               h.over_run.empty() ? "" : " ratio", h.published, sim, error * 100);
  }
  const auto within = [](const std::vector<double>& e, double limit) {
    return std::count_if(e.begin(), e.end(), [&](double x) { return x <= limit; });
  };
  fmt::print("\nP1–P10: {} values, median |error| {:.1f} %, worst {:.1f} %, {} within 20 %\n",
             published_errors.size(), Median(published_errors) * 100,
             *std::max_element(published_errors.begin(), published_errors.end()) * 100,
             within(published_errors, 0.2));
  fmt::print(
      "All ({} values with E1–E8): median |error| {:.1f} %, worst {:.1f} %, {} within 20 %, {} within 50 "
      "%\n\n",
      all_errors.size(), Median(all_errors) * 100,
      *std::max_element(all_errors.begin(), all_errors.end()) * 100, within(all_errors, 0.2),
      within(all_errors, 0.5));
}

void PrintComparisons(const Calibration& c, Runner& runner) {
  fmt::print(
      "## Two-setting comparisons\n\n| P | comparison | published ratio | simulated ratio | ratio error | "
      "direction |\n|---|---|---|---|---|---|\n");
  int ok = 0;
  for (const Comparison& cmp : c.comparisons) {
    const double sim = Measure(runner.Summary(cmp.numerator), cmp.metric) /
                       Measure(runner.Summary(cmp.denominator), cmp.metric);
    const double error = sim / cmp.published - 1;
    // Published ratios within ±5 % of 1 are judged on the ratio alone.
    const bool near_one = std::abs(cmp.published - 1) <= 0.05;
    const bool direction = near_one || (sim > 1) == (cmp.published > 1);
    const bool pass = direction && std::abs(error) <= 0.25;
    ok += pass;
    fmt::print("| {} | {} | {:.3f} | {:.3f} | {:+.1f} % | {} |\n", cmp.point, cmp.what, cmp.published, sim,
               error * 100,
               near_one    ? "(ratio only)"
               : direction ? "same"
                           : "WRONG");
  }
  fmt::print("\n{} of {} comparisons in the published direction with the ratio within 25 %\n\n", ok,
             c.comparisons.size());
}

// Ranking check: a setup of one published point, swept over the flags a user would tune. Each expectation is
// a published effect ("a beats b"); the check passes when the simulator orders every such pair the same way.
struct Variant {
  std::string label;
  std::function<void(EngineConfig&)> apply;
};

struct Sweep {
  std::string name;
  Run base;
  Metric metric;
  bool per_gpu = false;  // rank by metric ÷ GPUs of the variant
  std::vector<Variant> variants;
  std::vector<std::pair<std::string, std::string>> expect;  // (better, worse), published effects
  std::string source;
};

std::vector<Sweep> Sweeps(const Calibration& c) {
  std::vector<Sweep> sweeps;
  const auto kv = [](KvCacheDtype dtype, double fraction, int batch) {
    return [=](EngineConfig& e) {
      e.kv_cache_dtype = dtype;
      e.memory_fraction = fraction;
      e.max_running_requests = batch;
    };
  };
  Sweep p5{"P5 setup: TRT-LLM 0.16, 70B FP8, TP4, 2048/2048 ×1000 (KV dtype, KV fraction, max_batch_size)",
           c.runs.at("P5-kv-bf16"),
           Metric::kOutTokS,
           false,
           {},
           {},
           "P5: FP8 KV +56 %; more KV → bigger batch"};
  for (auto [dtype, name] : {std::pair{KvCacheDtype::kAuto, "kv=bf16"}, {KvCacheDtype::kFp8E4m3, "kv=fp8"}}) {
    for (double fraction : {0.8, 0.9}) {
      for (int batch : {128, 512}) {
        p5.variants.push_back(
            {fmt::format("{} frac={} batch={}", name, fraction, batch), kv(dtype, fraction, batch)});
      }
    }
  }
  p5.expect = {{"kv=fp8 frac=0.9 batch=512", "kv=bf16 frac=0.9 batch=512"},
               {"kv=fp8 frac=0.8 batch=512", "kv=bf16 frac=0.8 batch=512"},
               {"kv=fp8 frac=0.9 batch=512", "kv=fp8 frac=0.9 batch=128"},
               {"kv=bf16 frac=0.9 batch=512", "kv=bf16 frac=0.8 batch=512"}};
  sweeps.push_back(std::move(p5));

  Sweep p1{"P1 setup: TRT-LLM 0.13, 70B FP8, 1000/1000 ×3000, per GPU (TP, KV fraction)",
           c.runs.at("P1-tp2"),
           Metric::kOutTokS,
           true,
           {},
           {},
           "P1: per-GPU 1,940 (TP2) > 1,638 (TP4) > 1,390 (TP8)"};
  for (int tp : {2, 4, 8}) {
    for (double fraction : {0.8, 0.9}) {
      p1.variants.push_back({fmt::format("tp={} frac={}", tp, fraction), [=](EngineConfig& e) {
                               e.tp = tp;
                               e.num_gpus = tp;
                               e.memory_fraction = fraction;
                             }});
    }
  }
  p1.expect = {{"tp=2 frac=0.9", "tp=4 frac=0.9"}, {"tp=4 frac=0.9", "tp=8 frac=0.9"}};
  sweeps.push_back(std::move(p1));

  Sweep p10{"P10 setup: SGLang, Qwen3-14B, H100, ShareGPT ×1000 (mem fraction, max running, chunk size)",
            c.runs.at("P10-sglang"),
            Metric::kOutTokS,
            false,
            {},
            {},
            "P5/P2 notes: throughput grows with the running batch while memory-bound"};
  const auto sglang = [](std::optional<double> fraction, std::optional<int> running,
                         std::optional<int> chunk) {
    return [=](EngineConfig& e) {
      e.memory_fraction = fraction;
      e.max_running_requests = running;
      e.chunked_prefill_size = chunk;
    };
  };
  p10.variants = {{"defaults (frac 0.88, running auto, chunk 8192)", sglang({}, {}, {})},
                  {"frac=0.80", sglang(0.80, {}, {})},
                  {"running=64", sglang({}, 64, {})},
                  {"running=256", sglang({}, 256, {})},
                  {"chunk=2048", sglang({}, {}, 2048)},
                  {"chunk=16384", sglang({}, {}, 16384)}};
  p10.expect = {{"running=256", "running=64"},
                {"defaults (frac 0.88, running auto, chunk 8192)", "running=64"}};
  sweeps.push_back(std::move(p10));
  return sweeps;
}

bool PrintSweep(const Sweep& sweep) {
  std::map<std::string, double> value;
  std::vector<std::pair<double, std::string>> ranked;
  for (const Variant& v : sweep.variants) {
    Run run = sweep.base;
    v.apply(run.config);
    const double x =
        Measure(Runner::Simulate(run, v.label), sweep.metric) / (sweep.per_gpu ? run.config.num_gpus : 1);
    value[v.label] = x;
    ranked.emplace_back(x, v.label);
  }
  std::sort(ranked.rbegin(), ranked.rend());
  fmt::print("### {}\n\nPublished effect: {}\n\n| rank | configuration | {}{} |\n|---|---|---|\n", sweep.name,
             sweep.source, MetricName(sweep.metric), sweep.per_gpu ? " per GPU" : "");
  for (size_t i = 0; i < ranked.size(); ++i) {
    fmt::print("| {} | {} | {:.5g} |\n", i + 1, ranked[i].second, ranked[i].first);
  }
  bool all = true;
  fmt::print("\n");
  for (const auto& [better, worse] : sweep.expect) {
    const bool ok = value.at(better) > value.at(worse);
    all = all && ok;
    fmt::print("- {} > {}: {}\n", better, worse, ok ? "yes" : "NO");
  }
  fmt::print("\n");
  return all;
}

void PrintRankings(const Calibration& c) {
  fmt::print("## Ranking check\n\n");
  int ok = 0;
  const std::vector<Sweep> sweeps = Sweeps(c);
  for (const Sweep& sweep : sweeps) ok += PrintSweep(sweep);
  fmt::print("{} of {} setups rank their configurations in the published order\n", ok, sweeps.size());
}

}  // namespace

int main() {
  try {
    Calibration c;
    AddPublishedRuns(c);
    AddPublishedValues(c);
    AddEarlierPoints(c);
    Runner runner(c.runs);
    PrintHeadlines(c, runner);
    PrintComparisons(c, runner);
    PrintRankings(c);
  } catch (const std::exception& e) {
    fmt::print(stderr, "sim_calibration_bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
