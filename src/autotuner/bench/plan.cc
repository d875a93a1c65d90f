#include "autotuner/bench/plan.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include "autotuner/bench/dataset_cache.h"
#include "autotuner/task/defaults.h"
#include "autotuner/tokenizer/registry.h"

namespace autotuner::bench {

Result<std::vector<RunSpec>> PlanRuns(const PlanOptions& options) {
  if (options.scenarios.empty()) return MakeError(ErrorCode::kInvalidArgument, "no traffic scenario");
  if (options.max_requests <= 0)
    return MakeError(ErrorCode::kInvalidArgument, "max requests must be positive");
  auto tokenizer = tokenizer::LoadTokenizer(options.tokenizer);
  if (!tokenizer.ok()) return std::move(tokenizer).error();
  auto synthesizer = tokenizer::PromptSynthesizer::Create(*tokenizer);
  if (!synthesizer.ok()) return std::move(synthesizer).error();
  std::vector<std::string> dataset_prompts;
  if (options.dataset) {
    auto prompts = LoadDatasetPrompts(options.dataset->path, options.dataset->prompt_column);
    if (!prompts.ok()) return std::move(prompts).error();
    dataset_prompts = std::move(*prompts);
    if (options.deduplicate) {
      // The first of each prompt stays, in file order (a log of real traffic repeats its common prompts).
      std::unordered_set<std::string_view> seen;
      std::vector<std::string> unique;
      for (auto& prompt : dataset_prompts)
        if (seen.insert(prompt).second) unique.push_back(prompt);
      dataset_prompts = std::move(unique);
    }
  }
  const size_t count = static_cast<size_t>(std::min<int64_t>(
      options.max_requests + options.warmup_requests, static_cast<int64_t>(options.max_distinct_prompts)));
  std::vector<int64_t> concurrency = options.num_concurrency;
  if (concurrency.empty()) concurrency.push_back(1);
  std::vector<double> rates;
  bool closed_loop = options.request_rate.empty();
  for (double rate : options.request_rate) {
    if (std::isinf(rate)) {
      closed_loop = true;
    } else {
      rates.push_back(rate);
    }
  }
  std::vector<RunSpec> runs;
  for (size_t s = 0; s < options.scenarios.size(); ++s) {
    const task::Scenario& scenario = options.scenarios[s];
    const uint64_t seed = options.seed * 1000003 + s;
    std::vector<RequestPlan> plans;
    if (options.dataset) {
      plans = DatasetPlans(dataset_prompts, **tokenizer, scenario, count, seed);
    } else {
      auto synthesized = SynthesizePlans(scenario, *synthesizer, count, seed);
      if (!synthesized.ok()) return std::move(synthesized).error();
      plans = std::move(*synthesized);
    }
    auto add = [&](RunLoad load) {
      RunSpec run;
      run.load = std::move(load);
      run.plans = plans;
      run.poisson = options.poisson;
      run.max_time_s = options.max_time_s;
      run.max_requests = options.max_requests;
      run.warmup_requests = options.warmup_requests;
      runs.push_back(std::move(run));
    };
    if (closed_loop) {
      for (int64_t c : concurrency) add({scenario.ToString(), c, 0, 1});
    }
    const int64_t cap = options.num_concurrency.empty() ? 0
                                                        : *std::max_element(options.num_concurrency.begin(),
                                                                            options.num_concurrency.end());
    for (double rate : rates) add({scenario.ToString(), cap, rate, 1});
  }
  return runs;
}

GoodputThresholds GoodputThresholdsFromSlo(const task::Slo& slo) {
  auto largest = [](const task::SloMetric& metric) -> std::optional<double> {
    std::optional<double> out;
    for (const auto& [stat, entry] : metric) out = std::max(out.value_or(entry.threshold), entry.threshold);
    return out;
  };
  return {largest(slo.ttft), largest(slo.tpot), largest(slo.latency)};
}

Result<BenchSpec> MakeBenchSpec(const task::Benchmark& benchmark, const task::Slo& slo,
                                const std::string& api_base, uint64_t seed) {
  BenchSpec spec;
  spec.api_base = api_base;
  spec.model = benchmark.model_name;
  spec.endpoint = benchmark.task == task::BenchmarkTask::kTextToEmbeddings
                      ? Endpoint::kEmbeddings
                      : (benchmark.api == task::Api::kChat ? Endpoint::kChat : Endpoint::kCompletions);
  spec.additional_params = benchmark.additional_params;
  spec.seed = seed;
  spec.thresholds = GoodputThresholdsFromSlo(slo);
  PlanOptions plan;
  plan.scenarios = benchmark.traffic_scenarios;
  plan.num_concurrency = benchmark.num_concurrency;
  plan.request_rate = benchmark.request_rate;
  plan.max_time_s = benchmark.max_time_per_iteration;
  plan.max_requests = benchmark.max_requests_per_iteration;
  if (!benchmark.model_tokenizer.empty()) plan.tokenizer = benchmark.model_tokenizer;
  plan.dataset = benchmark.dataset;
  if (!benchmark.dataset_url.empty()) {
    auto cached = ResolveDatasetUrl(benchmark.dataset_url);
    if (!cached.ok()) return std::move(cached).error();
    plan.dataset = task::Dataset{cached->string(),
                                 task::DefaultFor("benchmark.dataset.prompt_column").get<std::string>()};
  }
  plan.deduplicate = benchmark.dataset_deduplicate;
  plan.seed = seed;
  auto runs = PlanRuns(plan);
  if (!runs.ok()) return std::move(runs).error();
  spec.runs = std::move(*runs);
  return spec;
}

}  // namespace autotuner::bench
