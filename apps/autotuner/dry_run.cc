// `autotuner run --dry-run`: the preflight, the first candidates' engine command lines and the estimated
// study time, without deploying anything or storing the task.

#include "dry_run.h"

#include <iostream>

#include "autotuner/deploy/mapping.h"
#include "autotuner/opt/strategy.h"
#include "autotuner/runner/launch_command.h"
#include "autotuner/runner/study.h"
#include "autotuner/runner/tuning_plan.h"
#include "autotuner/task/search_space.h"
#ifdef AUTOTUNER_HAS_SIM
#include "autotuner/sim/model_profile.h"
#endif

namespace autotuner::app {
namespace {

constexpr size_t kGridPreview = 5;
// A guess of an engine's start-up (weights, CUDA graphs) for the estimate: simulated engines start in
// seconds.
constexpr double kRealStartupS = 120;
constexpr double kSimulatedStartupS = 5;

// The candidates the study would run first: grid and random their first 5, bayesian its initial design.
std::vector<Json> FirstCandidates(const task::Task& task) {
  const size_t count = task.optimization.strategy == task::Strategy::kBayesian
                           ? static_cast<size_t>(std::max<int64_t>(task.optimization.n_initial_random, 1))
                           : kGridPreview;
  auto strategy = opt::MakeStrategy(task.optimization, task::BuildSearchSpace(task), {});
  std::vector<Json> out;
  if (!strategy.ok()) return out;
  for (const auto& candidate :
       (*strategy)->Propose(std::min<size_t>(count, task.optimization.max_iterations))) {
    out.push_back(candidate.values);
  }
  return out;
}

}  // namespace

runner::PreflightProbes CliPreflightProbes() {
  runner::PreflightProbes probes = runner::PreflightProbes::Default();
#ifdef AUTOTUNER_HAS_SIM
  probes.simulator_knows_model = [](const std::string& model) { return sim::FindModelProfile(model).ok(); };
#endif
  return probes;
}

int PrintDryRun(const task::Task& task, const task::RuntimeDefinition& runtime,
                const runner::PreflightReport& report, bool json) {
  Json candidates = Json::array();
  for (const auto& values : FirstCandidates(task)) {
    const auto mapped = runner::MapTaskCandidate(task, runtime, values, std::nullopt);
    Json entry = {{"parameters", values}};
    auto launch = runner::BuildLaunchCommand(task, values, runtime);
    if (mapped.pruned() || !launch.ok()) {
      entry["pruned"] = mapped.pruned() ? mapped.pruned_reason : launch.error().message;
    } else {
      entry["command"] = launch->shell;
      entry["gpus"] = mapped.plan->gpus_needed;
    }
    candidates.push_back(std::move(entry));
  }
  const auto& b = task.benchmark;
  const double runs =
      static_cast<double>(std::max<size_t>(b.traffic_scenarios.size(), 1) *
                          (std::max<size_t>(b.num_concurrency.size(), 1) + b.request_rate.size()));
  const double per_experiment =
      (runtime.simulated ? kSimulatedStartupS : kRealStartupS) + runs * b.max_time_per_iteration;
  // The baseline runs before the search and the confirmations after it, one at a time, outside
  // max_iterations: they count in full.
  const bool baseline = runner::BaselineEnabled(task.optimization);
  const int64_t confirms = 2 * runner::ConfirmCount(task.optimization, runtime.simulated);
  const int64_t extra = (baseline ? 1 : 0) + confirms;
  const double estimate =
      per_experiment *
      (static_cast<double>(task.optimization.max_iterations) /
           static_cast<double>(std::max<int64_t>(task.optimization.parallel_experiments, 1)) +
       static_cast<double>(extra));
  Json checks = Json::array();
  for (const auto& check : report.checks) checks.push_back(check.ToJson());
  if (json) {
    std::cout << DumpJson({{"ok", report.ok()},
                           {"checks", checks},
                           {"tokenizer", report.tokenizer},
                           {"gpus", report.gpus.ids},
                           {"first_candidates", candidates},
                           {"estimated_seconds", estimate},
                           {"per_experiment_seconds", per_experiment}},
                          2)
              << "\n";
  } else {
    std::cout << "Preflight:\n" << report.Summary() << "\nFirst candidates:\n";
    for (const auto& c : candidates) {
      std::cout << "  " << DumpJson(c["parameters"]) << "\n    "
                << (c.contains("pruned") ? "pruned: " + c["pruned"].get<std::string>()
                                         : c["command"].get<std::string>())
                << "\n";
    }
    std::cout << "\nEstimated study time: ~" << static_cast<int64_t>(estimate / 60 + 0.5) << " min ("
              << task.optimization.max_iterations << " experiment(s)" << (baseline ? " + the baseline" : "")
              << (confirms > 0 ? " + " + std::to_string(confirms) + " confirmation(s)" : std::string())
              << " × ~" << static_cast<int64_t>(per_experiment) << " s: start-up + " << runs << " run(s) × "
              << b.max_time_per_iteration << " s)\n";
  }
  if (report.ok()) return kExitSuccess;
  return ExitCodeFor(report.ToError().code);
}

}  // namespace autotuner::app
