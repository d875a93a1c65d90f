// Runs each published data point of docs/sim-calibration.md through the simulator in virtual time and reports
// the simulator's value next to the published one (counters sim, published, ratio). One iteration each: the
// result is deterministic; the wall time shown is what simulating the workload costs.

#include <benchmark/benchmark.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "autotuner/sim/workload.h"

namespace {

using autotuner::sim::EngineConfig;
using autotuner::sim::Flavor;
using autotuner::sim::KvCacheDtype;
using autotuner::sim::LengthDistribution;
using autotuner::sim::WorkloadResult;
using autotuner::sim::WorkloadSpec;

struct CalibrationPoint {
  std::string name;
  EngineConfig config;
  std::string model;
  WorkloadSpec spec;
  double published = 0;
  std::function<double(const WorkloadResult&)> measure;
};

constexpr double kAllAtOnce = std::numeric_limits<double>::infinity();

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

// trtllm-bench throughput as the TensorRT-LLM perf overview runs it: PyTorch backend, ModelOpt FP8 checkpoint
// (FP8 KV cache), CUDA graphs for every batch size, all requests queued at once.
CalibrationPoint Trtllm(std::string name, std::string model, int tp, int64_t isl, int64_t osl,
                        int64_t requests, double published) {
  EngineConfig config;
  config.flavor = Flavor::kTrtllm;
  config.tp = tp;
  config.num_gpus = tp;
  config.kv_cache_dtype = KvCacheDtype::kFp8E4m3;
  config.cuda_graph_max_bs = 8192;
  return {std::move(name),  config,
          std::move(model), Offline(LengthDistribution::Fixed(isl), LengthDistribution::Fixed(osl), requests),
          published,        [](const WorkloadResult& r) { return r.summary.output_throughput; }};
}

std::vector<CalibrationPoint> Points() {
  std::vector<CalibrationPoint> points;
  const std::string fp8_8b = "nvidia/Llama-3.1-8B-Instruct-FP8";
  points.push_back(Trtllm("trtllm/H100/8B-FP8/128-128/out_tok_s", fp8_8b, 1, 128, 128, 30000, 28312));
  points.push_back(Trtllm("trtllm/H100/8B-FP8/1000-1000/out_tok_s", fp8_8b, 1, 1000, 1000, 3000, 15220));
  points.push_back(Trtllm("trtllm/H100/8B-FP8/2048-128/out_tok_s", fp8_8b, 1, 2048, 128, 3000, 3450));
  points.push_back(Trtllm("trtllm/2xH100/70B-FP8/1000-1000/out_tok_s", "nvidia/Llama-3.3-70B-Instruct-FP8", 2,
                          1000, 1000, 3000, 4205));

  EngineConfig a100;
  a100.flavor = Flavor::kVllm;
  a100.gpu_type = "A100-40GB";
  points.push_back({"vllm/A100-40GB/8B/1024-128/c1/decode_tok_s", a100, "meta-llama/Llama-3.1-8B-Instruct",
                    Closed(1, 20, 1024, 128), 75,
                    [](const WorkloadResult& r) { return 1 / r.summary.tpot.mean; }});
  // Published as a gain: output throughput at concurrency 8 over concurrency 1.
  points.push_back({"vllm/A100-40GB/8B/1024-128/c8_over_c1", a100, "meta-llama/Llama-3.1-8B-Instruct",
                    Closed(8, 160, 1024, 128), 6.6, [a100](const WorkloadResult& r) {
                      const auto single = autotuner::sim::RunWorkload(
                          a100, *autotuner::sim::FindModelProfile("Llama-3.1-8B"), Closed(1, 20, 1024, 128));
                      return r.summary.output_throughput / single->summary.output_throughput;
                    }});

  EngineConfig h100;
  h100.flavor = Flavor::kVllm;
  points.push_back({"vllm/H100/8B/c1/tpot_p50_ms", h100, "meta-llama/Llama-3.1-8B-Instruct",
                    Closed(1, 20, 256, 256), 6.48,
                    [](const WorkloadResult& r) { return r.summary.tpot.p50 * 1e3; }});

  EngineConfig sglang;
  sglang.flavor = Flavor::kSglang;
  sglang.torch_compile = true;
  sglang.prefix_cache = false;
  points.push_back({"sglang/H100/8B/U(1,8192)-U(1,8)/in_tok_s", sglang,
                    "meta-llama/Meta-Llama-3.1-8B-Instruct",
                    Offline(LengthDistribution::Uniform(1, 8192), LengthDistribution::Uniform(1, 8), 1000),
                    27670, [](const WorkloadResult& r) { return r.summary.input_throughput; }});
  return points;
}

void RunPoint(benchmark::State& state, const CalibrationPoint& point) {
  const auto model = autotuner::sim::FindModelProfile(point.model);
  if (!model) {
    state.SkipWithError(model.error().message.c_str());
    return;
  }
  double value = 0;
  for (auto _ : state) {
    auto result = autotuner::sim::RunWorkload(point.config, *model, point.spec);
    if (!result) {
      state.SkipWithError(result.error().message.c_str());
      return;
    }
    value = point.measure(*result);
  }
  state.counters["sim"] = value;
  state.counters["published"] = point.published;
  state.counters["ratio"] = value / point.published;
}

}  // namespace

int main(int argc, char** argv) {
  for (const CalibrationPoint& point : Points()) {
    benchmark::RegisterBenchmark(point.name.c_str(),
                                 [point](benchmark::State& state) { RunPoint(state, point); })
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
