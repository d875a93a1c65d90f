#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"

namespace autotuner::bench {

// One scrape of an engine's Prometheus `/metrics`: the gauges that describe load (running / waiting requests,
// KV-cache usage, …), each summed over its label sets.
struct EngineSample {
  double time = 0;  // seconds since the run's start
  std::map<std::string, double> values;
};

// The load gauges of vLLM (`vllm:num_requests_running`, `vllm:num_requests_waiting`,
// `vllm:kv_cache_usage_perc`, `vllm:gpu_cache_usage_perc`) and SGLang (`sglang:num_running_reqs`,
// `sglang:num_queue_reqs`, `sglang:token_usage`, `sglang:cache_hit_rate`) found in Prometheus text; other
// series are ignored.
std::map<std::string, double> ParsePrometheusGauges(std::string_view text);

// {name: {mean, max, last, samples}} over the samples of one run; an empty object when there are none.
Json SummarizeEngineSamples(const std::vector<EngineSample>& samples);

}  // namespace autotuner::bench
