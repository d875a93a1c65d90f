// What simulating costs in real time: a closed-loop workload on the virtual engine, reported as simulated
// steps and requests per real second and as virtual seconds simulated per real second.

#include <benchmark/benchmark.h>

#include "autotuner/sim/workload.h"

namespace {

using autotuner::sim::EngineConfig;
using autotuner::sim::Flavor;
using autotuner::sim::LengthDistribution;

void BM_VirtualEngineClosedLoop(benchmark::State& state) {
  EngineConfig config;
  config.flavor = static_cast<Flavor>(state.range(0));
  const auto model = autotuner::sim::FindModelProfile("Llama-3.1-8B");
  autotuner::sim::WorkloadSpec spec;
  spec.concurrency = static_cast<int>(state.range(1));
  spec.num_requests = 4 * state.range(1);
  spec.input = LengthDistribution::Uniform(256, 2048);
  spec.output = LengthDistribution::Uniform(64, 512);
  int64_t steps = 0;
  double virtual_s = 0;
  for (auto _ : state) {
    auto result = autotuner::sim::RunWorkload(config, *model, spec);
    steps += result->engine.steps;
    virtual_s += result->summary.duration_s;
    benchmark::DoNotOptimize(result->summary.output_throughput);
  }
  state.counters["steps_per_s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["virtual_s_per_s"] = benchmark::Counter(virtual_s, benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations() * spec.num_requests);
}

BENCHMARK(BM_VirtualEngineClosedLoop)
    ->ArgNames({"flavor", "concurrency"})
    ->ArgsProduct({{static_cast<int64_t>(Flavor::kSglang), static_cast<int64_t>(Flavor::kVllm),
                    static_cast<int64_t>(Flavor::kTrtllm)},
                   {16, 256}})
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
