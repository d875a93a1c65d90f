#include "autotuner/bench/engine_metrics.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <string>

namespace autotuner::bench {
namespace {

constexpr std::array<std::string_view, 8> kGauges = {"vllm:num_requests_running", "vllm:num_requests_waiting",
                                                     "vllm:kv_cache_usage_perc",  "vllm:gpu_cache_usage_perc",
                                                     "sglang:num_running_reqs",   "sglang:num_queue_reqs",
                                                     "sglang:token_usage",        "sglang:cache_hit_rate"};

}  // namespace

std::map<std::string, double> ParsePrometheusGauges(std::string_view text) {
  std::map<std::string, double> values;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, name_end);
    if (std::find(kGauges.begin(), kGauges.end(), name) == kGauges.end()) continue;
    // The value follows the label set (which may contain spaces inside quotes) and precedes an optional
    // timestamp.
    size_t value_start = name_end;
    if (line[name_end] == '{') {
      const size_t close = line.rfind('}');
      if (close == std::string_view::npos) continue;
      value_start = close + 1;
    }
    const std::string rest(line.substr(value_start));
    char* parsed_end = nullptr;
    const double value = std::strtod(rest.c_str(), &parsed_end);
    if (parsed_end == rest.c_str() || !std::isfinite(value)) continue;
    values[std::string(name)] += value;
  }
  return values;
}

Json SummarizeEngineSamples(const std::vector<EngineSample>& samples) {
  struct Acc {
    double sum = 0, max = -INFINITY, last = 0;
    int count = 0;
  };
  std::map<std::string, Acc> acc;
  for (const EngineSample& sample : samples) {
    for (const auto& [name, value] : sample.values) {
      Acc& a = acc[name];
      a.sum += value;
      a.max = std::max(a.max, value);
      a.last = value;
      ++a.count;
    }
  }
  Json out = Json::object();
  for (const auto& [name, a] : acc) {
    out[name] = Json{{"mean", a.sum / a.count}, {"max", a.max}, {"last", a.last}, {"samples", a.count}};
  }
  return out;
}

}  // namespace autotuner::bench
