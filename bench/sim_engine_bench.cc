// What simulating costs in real time: a closed-loop workload on the virtual engine, reported as simulated
// steps and requests per real second and as virtual seconds simulated per real second, for every built-in
// flavor.

#include <benchmark/benchmark.h>

#include <string>

#include "autotuner/sim/flavor.h"
#include "autotuner/sim/workload.h"

namespace {

using autotuner::sim::EngineConfig;
using autotuner::sim::Flavor;
using autotuner::sim::LengthDistribution;

void VirtualEngineClosedLoop(benchmark::State& state, Flavor flavor) {
  EngineConfig config;
  config.flavor = flavor;
  const auto model = autotuner::sim::FindModelProfile("Llama-3.1-8B");
  autotuner::sim::WorkloadSpec spec;
  spec.concurrency = static_cast<int>(state.range(0));
  spec.num_requests = 4 * state.range(0);
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

}  // namespace

int main(int argc, char** argv) {
  for (const autotuner::sim::FlavorTraits* traits : autotuner::sim::AllFlavors()) {
    benchmark::RegisterBenchmark(("BM_VirtualEngineClosedLoop/" + traits->name).c_str(),
                                 VirtualEngineClosedLoop, Flavor(*traits))
        ->ArgNames({"concurrency"})
        ->Arg(16)
        ->Arg(256)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
