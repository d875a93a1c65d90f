#include "autotuner/runner/experiment.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/metrics.h"
#include "autotuner/bench/plan.h"
#include "autotuner/core/duration.h"
#include "autotuner/core/guard.h"
#include "autotuner/deploy/gpu_telemetry.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/opt/score.h"
#include "autotuner/runner/fail_fast.h"

namespace autotuner::runner {
namespace {

using Clock = std::chrono::steady_clock;

Json ErrorSummary(const Json& metrics) {
  Json codes = Json::object();
  if (!metrics.contains("raw_results")) return codes;
  for (const auto& run : metrics["raw_results"]) {
    if (!run.contains("error_codes_frequency")) continue;
    for (const auto& [code, count] : run["error_codes_frequency"].items()) {
      codes[code] = codes.value(code, int64_t{0}) + count.get<int64_t>();
    }
  }
  return codes;
}

std::string JoinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// `NAME=value ...` for the log, credential-like values hidden: engine logs are stored and shown in the UI.
std::string EnvForLog(const std::map<std::string, std::string>& env) {
  std::string out;
  for (const auto& [name, value] : env)
    out += name + "=" + (deploy::IsSecretEnvName(name) ? std::string("***") : value) + " ";
  return out;
}

// One stop for an experiment: the study's cancel, a cancel of this experiment alone (Store::
// RequestExperimentCancel, from this or another process, so it is polled) or its deadline, whichever is
// first.
class Watchdog {
 public:
  Watchdog(const std::stop_token& study_stop, Clock::time_point deadline,
           std::function<bool()> cancel_requested, std::chrono::milliseconds poll)
      : on_cancel_(study_stop, [this] { stop_.request_stop(); }),
        thread_(
            [this, deadline, cancel_requested = std::move(cancel_requested), poll](std::stop_token watch) {
              try {
                std::mutex m;
                std::condition_variable_any cv;
                std::unique_lock lock(m);
                while (!watch.stop_requested()) {
                  const auto wake =
                      std::min(deadline, Clock::now() + std::max(poll, std::chrono::milliseconds(1)));
                  (void)cv.wait_until(lock, watch, wake, [] { return false; });
                  if (watch.stop_requested()) return;
                  if (Clock::now() >= deadline) {
                    timed_out_ = true;
                    stop_.request_stop();
                    return;
                  }
                  if (cancel_requested()) {
                    cancelled_ = true;
                    stop_.request_stop();
                    return;
                  }
                }
              } catch (...) {
                // A watchdog that cannot wait cannot enforce the deadline: stop the experiment, never let it
                // run on.
                spdlog::error("experiment watchdog: {}", DescribeCurrentException());
                stop_.request_stop();
              }
            }) {}

  std::stop_token token() const { return stop_.get_token(); }
  bool stop_requested() const { return stop_.stop_requested(); }
  bool timed_out() const { return timed_out_; }
  bool cancelled() const { return cancelled_; }
  void MarkTimedOut() { timed_out_ = true; }

 private:
  std::stop_source stop_;
  std::atomic<bool> timed_out_ = false;
  std::atomic<bool> cancelled_ = false;
  std::stop_callback<std::function<void()>> on_cancel_;
  std::jthread thread_;  // last: stopped and joined first
};

// Whether experiment `id` alone was asked to cancel; a store that cannot answer is asked again next time.
std::function<bool()> ExperimentCancelPoll(store::Store* store, int64_t id) {
  return [store, id] {
    if (store == nullptr) return false;
    auto requested = store->ExperimentCancelRequested(id);
    return requested.ok() && *requested;
  };
}

class Experiment {
 public:
  Experiment(const ExperimentContext& context, const ExperimentRun& run)
      : c_(context),
        run_(run),
        timeout_s_(c_.task->optimization.timeout_per_iteration > 0
                       ? c_.task->optimization.timeout_per_iteration
                       : 3600),
        deadline_(Clock::now() + SaturatingSeconds(timeout_s_)),
        watchdog_(c_.stop, deadline_, ExperimentCancelPoll(c_.env->store, run_.id),
                  c_.env->experiment_cancel_poll) {}

  ExperimentEnd Run() {
    auto gpus =
        c_.gpu_pool->Acquire(static_cast<size_t>(run_.plan.gpus_needed), deadline_, watchdog_.token());
    if (!gpus) return EndedByStop("the wait for GPUs");
    if (c_.resources->real_gpus) {
      // Someone else's job may have taken these GPUs since the study started: wait a while, then fail as the
      // environment's problem (naming the GPU and its user), never as this configuration's OOM.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (Status free = WaitUntilGpusFree(gpus->ids(), *c_.probes, std::min(c_.env->gpu_busy_wait, left),
                                          watchdog_.token());
          !free.ok()) {
        if (free.error().code == ErrorCode::kCancelled) return EndedByStop("the wait for GPUs");
        return Failed(opt::InfeasibleReason::kDeployFailed, free.error().message);
      }
    }
    c_.publisher->SetExperimentStatus(run_.id, run_.number, ExperimentStatus::kDeploying);
    auto deployment = Deploy(gpus->ids());
    if (!deployment.ok() && IsTransientFailure(deployment.error().message)) {
      // A port race or an image-pull glitch: once more before it counts.
      Log("warn", ExperimentPrefix(run_.number) +
                      " Retrying once after a transient failure: " + deployment.error().message);
      deployment = Deploy(gpus->ids());
    }
    if (!deployment.ok()) {
      return Failed(opt::InfeasibleReason::kDeployFailed, deployment.error().message);
    }
    deploy::Deployment& engine = **deployment;
    ExperimentEnd end = Measure(engine, gpus->ids());
    (void)engine.Stop();
    std::ostringstream log;
    for (const auto& line : engine.LogTail(20000)) log << line << "\n";
    end.engine_log = log.str();
    return end;
  }

 private:
  void Log(const std::string& level, const std::string& line) { c_.publisher->Log(run_.number, level, line); }

  ExperimentEnd EndedByStop(const std::string& during) const {
    if (watchdog_.timed_out()) {
      return Failed(opt::InfeasibleReason::kTimeout,
                    "timeout_per_iteration (" + FormatScore(timeout_s_) + " s) passed during " + during);
    }
    if (watchdog_.cancelled()) {
      // Cancelled alone (a hung one): stored as cancelled, but the optimizer keeps it as a timeout so the
      // study does not propose it again, as it does the forgotten experiments of an interrupted study.
      ExperimentEnd end =
          Failed(opt::InfeasibleReason::kInterrupted, "this experiment was cancelled during " + during);
      end.outcome = opt::Outcome::Infeasible(opt::InfeasibleReason::kTimeout, end.stored.error_message);
      return end;
    }
    return Failed(opt::InfeasibleReason::kInterrupted, "cancelled during " + during);
  }

  Result<std::unique_ptr<deploy::Deployment>> Deploy(const std::vector<int>& gpu_ids) {
    const task::RuntimeDefinition& runtime = *c_.runtime;
    deploy::LaunchPlan plan = run_.plan;
    if (!runtime.gpu_count_flag.empty()) {
      plan.args.push_back(runtime.RenderFlag(runtime.gpu_count_flag));
      plan.args.push_back(std::to_string(gpu_ids.size()));
    }
    const std::string tokenizer_flag =
        runtime.tokenizer_flag.empty() ? "" : runtime.RenderFlag(runtime.tokenizer_flag);
    if (!tokenizer_flag.empty() &&
        std::find(plan.args.begin(), plan.args.end(), tokenizer_flag) == plan.args.end()) {
      // The engine (a simulator) counts tokens with the benchmark's tokenizer.
      plan.args.push_back(tokenizer_flag);
      plan.args.push_back(c_.resources->tokenizer);
    }
    const std::string prefix = ExperimentPrefix(run_.number);
    for (const auto& note : plan.notes) Log("info", prefix + " " + note);
    deploy::DeploySpec spec;
    spec.task_name = c_.task_name;
    spec.experiment = c_.task_name + "/" + std::to_string(run_.number);
    spec.image = deploy::EngineImage(runtime.image, c_.task->runtime_image_tag);
    spec.gpu_ids = gpu_ids;
    spec.runtime = c_.runtime;
    spec.model = c_.resources->engine_model;
    spec.served_model_name = ServedModelName(*c_.task);
    spec.plan = plan;
    spec.env = deploy::EngineEnv(plan, c_.resources->engine_env);
    StudyPublisher* publisher = c_.publisher;
    const int64_t number = run_.number;
    spec.on_log_line = [publisher, number](std::string_view line) {
      publisher->Log(number, "engine", std::string(line));
    };
    Log("info", prefix + " Launch: " + EnvForLog(spec.env) +
                    JoinArgs(deploy::BuildEngineArgv(runtime, spec.model, spec.served_model_name, plan,
                                                     "HOST", 0, plan.config_file.empty() ? "" : "CONFIG")));
    return c_.deployer->Deploy(spec);
  }

  // Ready → benchmark → score, on a deployed engine (stopped by the caller).
  ExperimentEnd Measure(deploy::Deployment& engine, const std::vector<int>& gpu_ids) {
    auto ready = engine.WaitReady(deadline_, watchdog_.token());
    if (!ready.ok()) {
      const Error& error = ready.error();
      if (error.code == ErrorCode::kCancelled || error.code == ErrorCode::kTimeout) {
        if (error.code == ErrorCode::kTimeout) watchdog_.MarkTimedOut();
        return EndedByStop("deployment");
      }
      return Failed(error.failure == FailureClass::kOom ? FailureClass::kOom : FailureClass::kDeployFailed,
                    error.message);
    }
    Log("info", ExperimentPrefix(run_.number) + " Engine ready at " + engine.base_url());

    const task::Task& task = *c_.task;
    auto bench_spec = bench::MakeBenchSpec(task.benchmark, task.slo, engine.base_url(),
                                           static_cast<uint64_t>(task.optimization.seed));
    if (!bench_spec.ok()) return Failed(opt::InfeasibleReason::kBenchFailed, bench_spec.error().message);
    c_.publisher->SetExperimentStatus(run_.id, run_.number, ExperimentStatus::kBenchmarking);
    deploy::BenchTarget target{&task, c_.owner, c_.task_name + "/" + std::to_string(run_.number), deadline_};
    auto made = c_.env->make_load_generator(target);
    if (!made.ok()) return Failed(opt::InfeasibleReason::kBenchFailed, made.error().message);
    std::unique_ptr<bench::LoadGenerator> generator = std::move(*made);
    std::optional<deploy::GpuTelemetry> telemetry;
    if (c_.resources->real_gpus) {
      std::vector<deploy::GpuDevice> devices;
      for (const auto& gpu : c_.probes->gpu_inventory().gpus) {
        if (std::find(gpu_ids.begin(), gpu_ids.end(), gpu.index) != gpu_ids.end()) devices.push_back(gpu);
      }
      telemetry.emplace(std::move(devices), std::chrono::seconds(1));
    }
    auto last_progress = Clock::now() - std::chrono::seconds(1);
    auto runs = generator->Run(*bench_spec, watchdog_.token(), [&](const bench::Progress& p) {
      if (Clock::now() - last_progress < std::chrono::milliseconds(500)) return;
      last_progress = Clock::now();
      c_.publisher->PublishProgress(&p, run_.number);
    });
    if (auto exited = engine.Exited()) {
      return Failed(opt::InfeasibleReason::kCrashed,
                    "the engine exited during the benchmark (" + *exited + ")");
    }
    if (watchdog_.stop_requested()) return EndedByStop("the benchmark");
    if (!runs.ok()) return Failed(opt::InfeasibleReason::kBenchFailed, runs.error().message);
    Json metrics = generator->Aggregate(*runs, bench_spec->thresholds, static_cast<int>(gpu_ids.size()));
    metrics["gpu_monitoring"] = telemetry ? telemetry->Finish() : Json(nullptr);
    return Score(std::move(metrics));
  }

  ExperimentEnd Score(Json metrics) const {
    if (metrics.value("total_completed_requests", 0) == 0) {
      // The message first: the order in which arguments are evaluated is unspecified, and moving `metrics`
      // into Failed() before ErrorSummary() reads it summarised nothing ("errors: {}").
      std::string message = "no request completed (errors: " + DumpJson(ErrorSummary(metrics)) + ")";
      return Failed(opt::InfeasibleReason::kBenchFailed, std::move(message), std::move(metrics));
    }
    const task::Task& task = *c_.task;
    const opt::Metrics flat = opt::MetricsFromJson(metrics);
    auto breakdown = opt::ScoreExperiment(flat, task.slo, task.optimization.objectives.front());
    auto outcome = opt::ScoreOutcome(flat, task.slo, task.optimization.objectives);
    if (!breakdown.ok() || !outcome.ok()) {
      const Error& error = breakdown.ok() ? outcome.error() : breakdown.error();
      return Failed(opt::InfeasibleReason::kBenchFailed, "cannot score: " + error.message, metrics);
    }
    metrics["score_breakdown"] = breakdown->ToJson();
    if (!outcome->feasible()) {
      return Failed(opt::InfeasibleReason::kSloViolation, outcome->message(), std::move(metrics));
    }
    ExperimentEnd end;
    end.stored.status = ExperimentStatus::kSuccess;
    end.stored.metrics = std::move(metrics);
    end.stored.score = outcome->score();
    end.stored.feasible = true;
    end.outcome = *outcome;
    return end;
  }

  const ExperimentContext& c_;
  const ExperimentRun& run_;
  const double timeout_s_;
  const Clock::time_point deadline_;
  Watchdog watchdog_;
};

}  // namespace

ExperimentEnd Failed(opt::InfeasibleReason reason, std::string message, Json metrics) {
  ExperimentEnd end;
  const bool interrupted = reason == opt::InfeasibleReason::kInterrupted;
  end.stored.status = interrupted ? ExperimentStatus::kCancelled : ExperimentStatus::kFailed;
  if (!interrupted) end.stored.error_class = reason;
  end.stored.error_message = message;
  end.stored.metrics = std::move(metrics);
  end.stored.feasible = false;
  end.outcome = opt::Outcome::Infeasible(reason, std::move(message));
  return end;
}

ExperimentEnd RunExperiment(const ExperimentContext& context, const ExperimentRun& run) {
  Experiment experiment(context, run);
  return experiment.Run();
}

}  // namespace autotuner::runner
