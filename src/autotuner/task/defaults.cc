#include "autotuner/task/defaults.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace autotuner::task {

std::span<const FieldDefault> TaskDefaults() {
  static const std::vector<FieldDefault> table = {
      {"deployment_mode", "local", "where experiments run: local, docker, kubernetes, ome"},
      {"model.namespace", "autotuner", "Kubernetes namespace / container-name prefix"},
      {"optimization.strategy", "grid_search", "grid_search, random or bayesian"},
      {"optimization.objective", "minimize_latency", "what the score minimises; a list gives a Pareto front"},
      {"optimization.max_iterations", 100, "most experiments to run (pruned candidates do not count)"},
      {"optimization.timeout_per_iteration", 1800, "seconds for deploy + benchmark of one experiment"},
      {"optimization.n_initial_random", 5, "bayesian: space-filling experiments before the model guides"},
      {"optimization.seed", 42, "seed of every random choice, so studies reproduce"},
      {"optimization.parallel_experiments", 1, "experiments that may run at once"},
      {"optimization.baseline", "auto",
       "engine defaults as experiment 0: auto (bayesian, random), true, false"},
      {"optimization.confirm", "auto", "re-measure best and runner-up N times (auto: 2 real, 0 simulated)"},
      {"optimization.early_stop", true, "bayesian: stop when a calibrated model says gains are unlikely"},
      {"optimization.max_duration", nullptr, "seconds for the whole study (null: no limit)"},
      {"benchmark.task", "text-to-text", "text-to-text or text-to-embeddings"},
      {"benchmark.model_tokenizer", nullptr,
       "tokenizer that sizes prompts: a shipped name, a tokenizer.json path or a Hub id; null: the model's "
       "own"},
      {"benchmark.traffic_scenarios", Json::array({"D(100,100)"}), "SPEC §2 scenario strings"},
      {"benchmark.num_concurrency", Json::array({1}), "closed-loop concurrency levels"},
      {"benchmark.api", "completions", "completions or chat"},
      {"benchmark.max_time_per_iteration", 10, "seconds per (scenario, concurrency) run"},
      {"benchmark.max_requests_per_iteration", 50, "requests per (scenario, concurrency) run"},
      {"benchmark.additional_params", Json::object(), "extra fields sent in every request"},
      {"benchmark.dataset.prompt_column", "prompt", "column holding the prompt text"},
      {"benchmark.dataset_deduplicate", false, "drop repeated prompts from dataset_url"},
      {"slo.*.weight", 1.0, "penalty weight of an SLO entry"},
      {"slo.*.hard_fail", false, "a violation beyond fail_ratio makes the experiment infeasible"},
      {"slo.*.fail_ratio", 0.5, "relative violation (actual - threshold) / threshold that fails hard"},
      {"slo.steepness", 0.1, "how fast the penalty grows past a threshold"},
      {"storage.type", "pvc", "OME model storage kind"},
      {"kubernetes.bench", "auto", "where the load generator runs: auto, in_cluster or local"},
      {"kubernetes.bench_image", nullptr, "image of the in-cluster bench Job (null: autotuner's own)"},
      {"kubernetes.unschedulable_timeout", 300, "seconds a pod may stay unschedulable before it fails"},
      {"kubernetes.multi_node", false, "allow engines larger than one node"},
  };
  return table;
}

const Json& DefaultFor(std::string_view path) {
  for (const auto& entry : TaskDefaults()) {
    if (entry.path == path) return entry.value;
  }
  throw std::logic_error("no task default for '" + std::string(path) + "'");
}

Json TaskDefaultsJson() {
  Json out = Json::object();
  for (const auto& entry : TaskDefaults()) {
    Json* node = &out;
    std::string_view rest = entry.path;
    while (true) {
      const size_t dot = rest.find('.');
      const std::string key(rest.substr(0, dot));
      if (dot == std::string_view::npos) {
        (*node)[key] = entry.value;
        break;
      }
      node = &(*node)[key];
      rest.remove_prefix(dot + 1);
    }
  }
  return out;
}

}  // namespace autotuner::task
