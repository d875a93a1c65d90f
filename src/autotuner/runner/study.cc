#include "autotuner/runner/study.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autotuner/bench/metrics.h"
#include "autotuner/bench/plan.h"
#include "autotuner/deploy/docker_deployer.h"
#include "autotuner/deploy/gpu_pool.h"
#include "autotuner/deploy/gpu_telemetry.h"
#include "autotuner/deploy/kube_client.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/deploy/local_deployer.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/deploy/offline_quant.h"
#include "autotuner/opt/score.h"
#include "autotuner/opt/strategy.h"
#include "autotuner/runner/fail_fast.h"
#include "autotuner/runner/results.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/search_space.h"

namespace autotuner::runner {
namespace {

using Clock = std::chrono::steady_clock;

std::string HostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// "host:pid:start" — the start time tells a live holder from a reused pid.
std::string DefaultLeaseHolder() {
  const int pid = static_cast<int>(::getpid());
  return HostName() + ":" + std::to_string(pid) + ":" +
         std::to_string(deploy::ProcessStartTime(pid).value_or(0));
}

// True when `holder` names a process of this host that no longer runs: its lease can be taken at once
// instead of waiting for the heartbeat to expire (the common case after `kill -9` and `run --resume`).
bool HolderIsDeadHere(const std::string& holder) {
  const size_t a = holder.find(':');
  const size_t b = a == std::string::npos ? a : holder.find(':', a + 1);
  if (b == std::string::npos || holder.substr(0, a) != HostName()) return false;
  try {
    const int pid = std::stoi(holder.substr(a + 1, b - a - 1));
    const uint64_t start = std::stoull(holder.substr(b + 1));
    return deploy::ProcessStartTime(pid) != start;
  } catch (const std::exception&) {
    return false;
  }
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool IsActive(const std::string& status) {
  return status == "pending" || status == "deploying" || status == "benchmarking";
}

// What an experiment ended with, as stored and as the optimizer sees it.
struct ExperimentEnd {
  store::ExperimentOutcome stored;
  opt::Outcome outcome = opt::Outcome::Infeasible(opt::InfeasibleReason::kInterrupted);
  std::string engine_log;
};

ExperimentEnd Failed(opt::InfeasibleReason reason, std::string message, Json metrics = nullptr) {
  ExperimentEnd end;
  end.stored.status = reason == opt::InfeasibleReason::kInterrupted ? "cancelled" : "failed";
  end.stored.error_class = end.stored.status == "cancelled" ? "" : std::string(opt::Name(reason));
  end.stored.error_message = message;
  end.stored.metrics = std::move(metrics);
  end.stored.feasible = false;
  end.outcome = opt::Outcome::Infeasible(reason, std::move(message));
  return end;
}

// The optimizer's view of a stored experiment (resume and warm start). Scores are recomputed from the
// stored metrics so every objective of a multi-objective task is available.
std::optional<opt::Outcome> OutcomeOf(const store::ExperimentRecord& e, const task::Task& task) {
  if (e.status == "success" || (e.status == "failed" && e.error_class == "slo_violation")) {
    auto outcome = opt::ScoreOutcome(opt::MetricsFromJson(e.metrics), task.slo, task.optimization.objectives);
    if (outcome.ok()) return *outcome;
    return std::nullopt;
  }
  if (e.status == "pruned") return opt::Outcome::Infeasible(opt::InfeasibleReason::kPruned, e.error_message);
  if (e.status == "failed") {
    const auto reason = opt::ParseInfeasibleReason(e.error_class);
    return opt::Outcome::Infeasible(reason.value_or(opt::InfeasibleReason::kDeployFailed), e.error_message);
  }
  return opt::Outcome::Infeasible(opt::InfeasibleReason::kInterrupted, e.error_message);
}

class Study {
 public:
  Study(const RunnerEnvironment& env, int64_t task_id, std::stop_token stop)
      : env_(env),
        store_(*env.store),
        task_id_(task_id),
        cancel_(std::move(stop)),
        forward_cancel_(cancel_, [this] { stop_source_.request_stop(); }),
        stop_(stop_source_.get_token()),
        probes_(env.preflight_probes.value_or(PreflightProbes::Default())) {}

  Result<StudyResult> Run() {
    auto record = store_.GetTask(task_id_);
    if (!record.ok()) return std::move(record).error();
    task_name_ = record->name;
    const std::string holder = env_.lease_holder.empty() ? DefaultLeaseHolder() : env_.lease_holder;
    auto leased = store_.AcquireLease(task_id_, holder, env_.lease_ttl_s);
    if (!leased.ok()) return std::move(leased).error();
    if (!*leased && HolderIsDeadHere(record->lease_owner)) {
      leased = store_.AcquireLease(task_id_, holder, 0);
      if (!leased.ok()) return std::move(leased).error();
    }
    if (!*leased) {
      return MakeError(ErrorCode::kConflict, "task '" + record->name + "' is being run by " +
                                                 record->lease_owner + " (its lease is still fresh)");
    }
    holder_ = holder;
    auto result = Drive(*record);
    if (!result.ok()) {
      Log(std::nullopt, "error", "study failed: " + result.error().message);
      (void)SetTaskStatus("failed", result.error().message);
    }
    (void)store_.ReleaseLease(task_id_, holder_);
    return result;
  }

 private:
  struct Slot {
    int64_t id = 0;
    int64_t number = 0;
    opt::Candidate candidate;
    deploy::LaunchPlan plan;
    std::optional<ExperimentEnd> end;
    std::jthread thread;
  };

  Result<StudyResult> Drive(const store::TaskRecord& record) {
    const bool resuming = record.status != "pending";
    if (record.status == "completed") {
      return MakeError(ErrorCode::kConflict,
                       "task '" + record.name + "' is already completed; run its file again for a new study");
    }
    auto parsed = task::ParseTask(record.spec, env_.catalog);
    if (!parsed.task) return task::ValidationError(parsed);
    task_ = *parsed.task;
    runtime_ = env_.catalog->Find(task_.base_runtime);
    if (runtime_ == nullptr) {
      return MakeError(ErrorCode::kValidation, "unknown runtime '" + task_.base_runtime + "'");
    }
    auto deployer = env_.make_deployer(task_, EngineOwner(store_, task_id_));
    if (!deployer.ok()) return std::move(deployer).error();
    deployer_ = std::move(*deployer);

    auto status = SetTaskStatus("running", "");
    if (!status.ok()) return std::move(status).error();
    started_ = Clock::now();
    Log(std::nullopt, "info",
        std::string(resuming ? "Resuming" : "Starting") + " study '" + record.name +
            "': " + std::string(task::Name(task_.optimization.strategy)) + " on " + task_.base_runtime +
            " (" + task_.model.id_or_path + ")");

    // Tokenizer, GPUs and the files the engine gets, resolved once (runner/preflight.h).
    auto resources = ResolveStudyResources(task_, *runtime_, probes_, env_.gpu_ids);
    if (!resources.ok()) return std::move(resources).error();
    resources_ = std::move(*resources);
    for (const auto& note : resources_.notes) Log(std::nullopt, "info", note);
    task_.benchmark.model_tokenizer = resources_.tokenizer;
    if (!resources_.gpu_type.empty() && (!task_.hardware || task_.hardware->gpu_type.empty())) {
      // Pruning (FP8 needs Ada or newer, ...) by the GPUs nvidia-smi reports when the task names none.
      if (!task_.hardware) task_.hardware = task::Hardware{};
      task_.hardware->gpu_type = resources_.gpu_type;
    }
    gpu_pool_ = std::make_unique<deploy::GpuPool>(resources_.gpu_ids);
    Log(std::nullopt, "info",
        "GPU pool: " + std::to_string(resources_.gpu_ids.size()) +
            (resources_.real_gpus ? "" : " simulated") + " GPU(s)" +
            (resources_.gpu_type.empty() ? "" : " (" + resources_.gpu_type + ")"));
    const bool cluster_mode = task_.deployment_mode == task::DeploymentMode::kKubernetes ||
                              task_.deployment_mode == task::DeploymentMode::kOme;
    if (cluster_mode && std::getenv("KUBERNETES_SERVICE_HOST") == nullptr) {
      // The load must never cross a port-forward; engines are reached by their cluster DNS names.
      Log(std::nullopt, "warn",
          "autotuner is not running inside the cluster: benchmarks reach engines by their cluster DNS names, "
          "which resolve only in the cluster; run autotuner there (deploy/kubernetes/)");
    }

    // A quantized checkpoint changes what the quantization settings may do (read once: it may read files).
    offline_quantization_ =
        deploy::DetectOfflineQuantization(task_.model.id_or_path, TaskModelLocations(task_, *runtime_));
    if (offline_quantization_) {
      Log(std::nullopt, "info",
          "Checkpoint is quantized offline (" + offline_quantization_->method + ", " +
              offline_quantization_->source + ")");
    }
    const task::SearchSpace search_space = task::BuildSearchSpace(task_);
    opt::StrategyOptions options;
    options.allowed = [this](const Json& values) {
      const auto mapped = Map(values);
      return mapped.pruned() || static_cast<size_t>(mapped.plan->gpus_needed) <= gpu_pool_->size();
    };
    auto strategy = opt::MakeStrategy(task_.optimization, search_space, options);
    if (!strategy.ok()) return std::move(strategy).error();
    strategy_ = std::move(*strategy);

    std::vector<opt::Candidate> queued;
    if (resuming) {
      auto recovered = Recover(queued);
      if (!recovered.ok()) return std::move(recovered).error();
    } else {
      WarmStart();
    }
    return Loop(std::move(queued));
  }

  // After a crash: interrupted experiments are marked failed and their engines removed, the optimizer is
  // restored from its checkpoint and told every outcome the checkpoint missed. Candidates the checkpoint had
  // handed out but that never became experiments are queued to run first.
  Status Recover(std::vector<opt::Candidate>& queued) {
    auto experiments = store_.ListExperiments(task_id_);
    if (!experiments.ok()) return std::move(experiments).error();
    for (auto& e : *experiments) {
      next_number_ = std::max(next_number_, e.number + 1);
      Remember(e.number, e.id);
      if (!IsActive(e.status)) continue;
      const std::string message = "the study stopped while this experiment was " + e.status;
      store::ExperimentOutcome outcome;
      outcome.status = "failed";
      outcome.error_class = "interrupted";
      outcome.error_message = message;
      outcome.feasible = false;
      auto finished = store_.FinishExperiment(e.id, outcome);
      if (!finished.ok()) return finished;
      e.status = "failed";
      e.error_class = "interrupted";
      e.error_message = message;
      Log(e.number, "warn", ExperimentPrefix(e.number) + " Status: FAILED (interrupted: " + message + ")");
      PublishFinished(e.id);
    }
    auto removed = deployer_->CleanupOrphans(EngineOwner(store_, task_id_));
    if (removed.ok() && *removed > 0) {
      Log(std::nullopt, "warn",
          "Removed " + std::to_string(*removed) + " engine(s) left by the interrupted run");
    }

    auto checkpoint = store_.LoadCheckpoint(task_id_);
    if (!checkpoint.ok()) return std::move(checkpoint).error();
    if (*checkpoint) {
      auto restored = strategy_->Restore(**checkpoint);
      if (!restored.ok()) {
        Log(std::nullopt, "warn",
            "optimizer checkpoint unusable (" + restored.error().message +
                "); rebuilding it from the stored experiments");
      }
    }
    size_t replayed = 0;
    for (const auto& e : *experiments) {
      auto candidate = strategy_->space().Encode(e.parameters);
      if (!candidate.ok()) continue;
      const auto& pending = strategy_->pending();
      const bool is_pending = std::find(pending.begin(), pending.end(), *candidate) != pending.end();
      const auto outcome = OutcomeOf(e, task_);
      if (!outcome) continue;
      if (!outcome->feasible() && outcome->reason() == opt::InfeasibleReason::kInterrupted) {
        // Forgotten, so the configuration may run again; only a pending one has anything to forget.
        if (is_pending && strategy_->Observe(*candidate, *outcome).ok()) ++replayed;
        continue;
      }
      const auto& seen = strategy_->observations();
      if (std::any_of(seen.begin(), seen.end(),
                      [&](const opt::Observation& o) { return o.candidate == *candidate; })) {
        continue;
      }
      if (strategy_->Observe(*candidate, *outcome).ok()) ++replayed;
    }
    for (const auto& pending : strategy_->pending()) queued.push_back(pending);
    Log(std::nullopt, "info",
        "Recovered " + std::to_string(experiments->size()) + " stored experiment(s), " +
            std::to_string(replayed) + " replayed into the optimizer, " + std::to_string(queued.size()) +
            " proposed but never started");
    return {};
  }

  // Earlier studies of the same model, runtime and GPU seed the model (Bayesian only).
  void WarmStart() {
    if (task_.optimization.strategy != task::Strategy::kBayesian) return;
    auto tasks = store_.ListTasks({.status = "", .order_by = "id", .descending = true, .limit = 200});
    if (!tasks.ok()) return;
    std::vector<opt::PriorObservation> prior;
    const std::string gpu = task_.hardware ? task_.hardware->gpu_type : "";
    for (const auto& other : *tasks) {
      if (other.id == task_id_) continue;
      auto parsed = task::ParseTask(other.spec, env_.catalog);
      if (!parsed.task || parsed.task->model.id_or_path != task_.model.id_or_path ||
          parsed.task->base_runtime != task_.base_runtime ||
          (parsed.task->hardware ? parsed.task->hardware->gpu_type : "") != gpu ||
          parsed.task->benchmark != task_.benchmark) {
        continue;
      }
      auto experiments = store_.ListExperiments(other.id);
      if (!experiments.ok()) continue;
      for (const auto& e : *experiments) {
        if (auto outcome = OutcomeOf(e, task_)) prior.push_back({e.parameters, *outcome});
      }
    }
    if (prior.empty()) return;
    const size_t used = strategy_->AddPriorObservations(prior);
    Log(std::nullopt, "info", "Warm start: " + std::to_string(used) + " observation(s) of earlier studies");
  }

  Result<StudyResult> Loop(std::vector<opt::Candidate> queued) {
    const size_t parallel =
        static_cast<size_t>(std::max<int64_t>(task_.optimization.parallel_experiments, 1));
    std::vector<std::unique_ptr<Slot>> slots;
    auto last_heartbeat = Clock::now();
    bool proposing = true;
    while (true) {
      // Fill free slots: queued candidates first, then new proposals (pruned ones take no slot).
      while (proposing && !stop_.stop_requested() && slots.size() < parallel) {
        std::vector<opt::Candidate> batch;
        if (!queued.empty()) {
          batch.push_back(queued.front());
          queued.erase(queued.begin());
        } else {
          batch = strategy_->Propose(parallel - slots.size());
          (void)store_.SaveCheckpoint(task_id_, strategy_->SaveState());
          if (batch.empty()) {
            proposing = false;
            break;
          }
        }
        for (auto& candidate : batch) {
          auto slot = Launch(std::move(candidate));
          if (!slot.ok()) return std::move(slot).error();
          if (*slot) slots.push_back(std::move(*slot));
        }
      }
      if (slots.empty()) break;

      {
        std::unique_lock lock(mutex_);
        done_cv_.wait_for(lock, env_.heartbeat_interval, [&] {
          return std::any_of(slots.begin(), slots.end(), [](const auto& s) { return s->end.has_value(); });
        });
      }
      if (Clock::now() - last_heartbeat >= env_.heartbeat_interval) {
        (void)store_.Heartbeat(task_id_, holder_);
        last_heartbeat = Clock::now();
      }
      for (auto it = slots.begin(); it != slots.end();) {
        bool done;
        {
          std::lock_guard lock(mutex_);
          done = (*it)->end.has_value();
        }
        if (!done) {
          ++it;
          continue;
        }
        (*it)->thread.join();
        Complete(**it);
        it = slots.erase(it);
      }
    }

    StudyResult result;
    auto experiments = store_.ListExperiments(task_id_);
    if (experiments.ok()) {
      if (auto best = BestExperiment(*experiments)) result.best_experiment_id = best->id;
      result.any_feasible = result.best_experiment_id.has_value();
    }
    if (fail_fast_reason_) {
      result.status = "failed";
      result.stop_reason = *fail_fast_reason_;
    } else if (stop_.stop_requested()) {
      result.status = "cancelled";
      result.stop_reason = "cancelled";
    } else {
      result.status = "completed";
      const auto reason = strategy_->stop_reason();
      result.stop_reason = reason ? std::string(opt::Name(*reason)) : "exhausted";
      if (!strategy_->stop_detail().empty()) result.stop_reason += ": " + strategy_->stop_detail();
    }
    Log(std::nullopt, "info",
        "Study " + result.status + " (" + result.stop_reason + ") after " + std::to_string(done_) +
            " experiment(s)" + (result.any_feasible ? "" : "; no feasible configuration"));
    auto status = SetTaskStatus(result.status, result.stop_reason);
    if (!status.ok()) return std::move(status).error();
    PublishProgress(nullptr);
    return result;
  }

  deploy::MappingOutcome Map(const Json& values) const {
    return MapTaskCandidate(task_, *runtime_, values, offline_quantization_);
  }

  // Stores the candidate as an experiment and starts it on its own thread; a candidate the engine or GPU
  // cannot run is stored as pruned instead (no slot).
  Result<std::unique_ptr<Slot>> Launch(opt::Candidate candidate) {
    const int64_t number = next_number_++;
    auto mapped = Map(candidate.values);
    if (mapped.pruned()) {
      auto e = store_.CreateExperiment(task_id_, number, candidate.values, "pruned");
      if (!e.ok()) return std::move(e).error();
      Remember(number, e->id);
      store::ExperimentOutcome outcome;
      outcome.status = "pruned";
      outcome.feasible = false;
      outcome.error_message = mapped.pruned_reason;
      auto finished = store_.FinishExperiment(e->id, outcome);
      if (!finished.ok()) return std::move(finished).error();
      Log(number, "info", ExperimentPrefix(number) + " Status: PRUNED (" + mapped.pruned_reason + ")");
      PublishFinished(e->id, "experiment_created");
      (void)strategy_->Observe(
          candidate, opt::Outcome::Infeasible(opt::InfeasibleReason::kPruned, mapped.pruned_reason));
      (void)store_.SaveCheckpoint(task_id_, strategy_->SaveState());
      return std::unique_ptr<Slot>();
    }
    auto e = store_.CreateExperiment(task_id_, number, candidate.values, "pending");
    if (!e.ok()) return std::move(e).error();
    Remember(number, e->id);
    PublishFinished(e->id, "experiment_created");
    Log(number, "info", ExperimentPrefix(number) + " Status: PENDING " + DumpJson(candidate.values));
    {
      std::lock_guard lock(progress_mutex_);
      ++running_;
    }
    auto slot = std::make_unique<Slot>();
    slot->id = e->id;
    slot->number = number;
    slot->candidate = std::move(candidate);
    slot->plan = std::move(*mapped.plan);
    Slot* raw = slot.get();
    slot->thread = std::jthread([this, raw] {
      ExperimentEnd end = Execute(*raw);
      std::lock_guard lock(mutex_);
      raw->end = std::move(end);
      done_cv_.notify_all();
    });
    return slot;
  }

  // Runs on the study thread once an experiment's thread is done: persist, then observe, then publish.
  void Complete(Slot& slot) {
    ExperimentEnd& end = *slot.end;
    if (!end.engine_log.empty()) (void)store_.SetEngineLog(slot.id, end.engine_log);
    auto finished = store_.FinishExperiment(slot.id, end.stored);
    if (!finished.ok()) Log(slot.number, "error", "cannot store the result: " + finished.error().message);
    std::string line = ExperimentPrefix(slot.number) + " Status: " + Upper(end.stored.status);
    if (end.stored.score) line += " score=" + FormatScore(*end.stored.score);
    if (!end.stored.error_class.empty()) line += " (" + end.stored.error_class + ")";
    if (!end.stored.error_message.empty()) line += ": " + end.stored.error_message;
    Log(slot.number, end.stored.status == "success" ? "info" : "warn", line);
    (void)strategy_->Observe(slot.candidate, end.outcome);
    (void)store_.SaveCheckpoint(task_id_, strategy_->SaveState());
    if (auto reason = fail_fast_.Record(slot.candidate.values, end.outcome); reason && !fail_fast_reason_) {
      // The cause does not depend on the configuration: stop, cancelling what still runs.
      fail_fast_reason_ = *reason;
      Log(std::nullopt, "error", "Stopping: " + *reason);
      stop_source_.request_stop();
    }
    {
      std::lock_guard lock(progress_mutex_);
      if (end.stored.status != "cancelled") ++done_;
      --running_;
      if (end.outcome.feasible() && (!best_score_ || end.outcome.score() < *best_score_)) {
        best_score_ = end.outcome.score();
        best_experiment_ = slot.id;
      }
    }
    PublishFinished(slot.id);
    PublishProgress(nullptr);
  }

  // One experiment, on its own thread: GPUs → deploy → ready → benchmark → score → stop. Statuses are
  // persisted before the step they announce.
  ExperimentEnd Execute(Slot& slot) {
    const double timeout_s =
        task_.optimization.timeout_per_iteration > 0 ? task_.optimization.timeout_per_iteration : 3600;
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    // One stop for this experiment: the study's cancel or the deadline.
    std::stop_source stop;
    std::atomic<bool> timed_out = false;
    std::stop_callback on_cancel(stop_, [&] { stop.request_stop(); });
    std::jthread watchdog([&](std::stop_token watch) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      if (!cv.wait_until(lock, watch, deadline, [] { return false; }) && !watch.stop_requested()) {
        timed_out = true;
        stop.request_stop();
      }
    });
    const auto ended_by_stop = [&](const std::string& during) {
      if (timed_out) {
        return Failed(opt::InfeasibleReason::kTimeout,
                      "timeout_per_iteration (" + FormatScore(timeout_s) + " s) passed during " + during);
      }
      return Failed(opt::InfeasibleReason::kInterrupted, "cancelled during " + during);
    };

    auto gpus = gpu_pool_->Acquire(static_cast<size_t>(slot.plan.gpus_needed), deadline, stop.get_token());
    if (!gpus) return ended_by_stop("the wait for GPUs");
    if (resources_.real_gpus) {
      // Someone else's job may have taken these GPUs since the study started: wait a while, then fail as the
      // environment's problem (deploy_failed with the GPU and its user), never as this configuration's OOM.
      const auto wait = std::min(
          env_.gpu_busy_wait, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (Status free = WaitUntilGpusFree(gpus->ids(), probes_, wait, stop.get_token()); !free.ok()) {
        if (free.error().code == ErrorCode::kCancelled) return ended_by_stop("the wait for GPUs");
        return Failed(opt::InfeasibleReason::kDeployFailed, free.error().message);
      }
    }

    SetExperimentStatus(slot, "deploying");
    deploy::LaunchPlan plan = slot.plan;
    if (runtime_->simulated && runtime_->FindFlag("sim-num-gpus") != nullptr) {
      plan.args.push_back(runtime_->RenderFlag("sim-num-gpus"));
      plan.args.push_back(std::to_string(gpus->ids().size()));
    }
    const std::string sim_tokenizer = runtime_->simulated ? runtime_->RenderFlag("sim-tokenizer") : "";
    if (!sim_tokenizer.empty() && runtime_->FindFlag("sim-tokenizer") != nullptr &&
        std::find(plan.args.begin(), plan.args.end(), sim_tokenizer) == plan.args.end()) {
      // The simulated engine counts tokens with the benchmark's tokenizer.
      plan.args.push_back(sim_tokenizer);
      plan.args.push_back(resources_.tokenizer);
    }
    for (const auto& note : plan.notes) Log(slot.number, "info", ExperimentPrefix(slot.number) + " " + note);
    deploy::DeploySpec spec;
    spec.task_name = task_name_;
    spec.experiment = task_name_ + "/" + std::to_string(slot.number);
    spec.image = deploy::EngineImage(runtime_->image, task_.runtime_image_tag);
    spec.gpu_ids = gpus->ids();
    spec.runtime = runtime_;
    spec.model = resources_.engine_model;
    spec.served_model_name = ServedModelName(task_);
    spec.plan = plan;
    spec.env = resources_.engine_env;
    const int64_t number = slot.number;
    spec.on_log_line = [this, number](std::string_view line) { Log(number, "engine", std::string(line)); };
    Log(slot.number, "info",
        ExperimentPrefix(slot.number) + " Launch: " +
            JoinArgs(deploy::BuildEngineArgv(*runtime_, spec.model, spec.served_model_name, plan, "HOST", 0,
                                             plan.config_file.empty() ? "" : "CONFIG")));
    auto deployment = deployer_->Deploy(spec);
    if (!deployment.ok() && IsTransientFailure(deployment.error().message)) {
      // A port race or an image-pull glitch: once more before it counts.
      Log(slot.number, "warn",
          ExperimentPrefix(slot.number) +
              " Retrying once after a transient failure: " + deployment.error().message);
      deployment = deployer_->Deploy(spec);
    }
    if (!deployment.ok()) {
      return Failed(opt::InfeasibleReason::kDeployFailed, deployment.error().message);
    }
    deploy::Deployment& engine = **deployment;
    const auto finish = [&](ExperimentEnd end) {
      (void)engine.Stop();
      std::ostringstream log;
      for (const auto& line : engine.LogTail(20000)) log << line << "\n";
      end.engine_log = log.str();
      return end;
    };

    auto ready = engine.WaitReady(deadline, stop.get_token());
    if (!ready.ok()) {
      const Error& error = ready.error();
      if (error.code == ErrorCode::kCancelled || error.code == ErrorCode::kTimeout) {
        if (error.code == ErrorCode::kTimeout) timed_out = true;
        return finish(ended_by_stop("deployment"));
      }
      const std::string cls = error.details.value("error_class", "deploy_failed");
      return finish(Failed(cls == "oom" ? opt::InfeasibleReason::kOom : opt::InfeasibleReason::kDeployFailed,
                           error.message));
    }
    Log(slot.number, "info", ExperimentPrefix(slot.number) + " Engine ready at " + engine.base_url());

    auto bench_spec = bench::MakeBenchSpec(task_.benchmark, task_.slo, engine.base_url(),
                                           static_cast<uint64_t>(task_.optimization.seed));
    if (!bench_spec.ok())
      return finish(Failed(opt::InfeasibleReason::kBenchFailed, bench_spec.error().message));
    SetExperimentStatus(slot, "benchmarking");
    auto generator = env_.make_load_generator();
    std::optional<deploy::GpuTelemetry> telemetry;
    if (resources_.real_gpus) {
      std::vector<deploy::GpuDevice> devices;
      const auto inventory = probes_.gpu_inventory();
      for (const auto& gpu : inventory.gpus) {
        const auto& ids = gpus->ids();
        if (std::find(ids.begin(), ids.end(), gpu.index) != ids.end()) devices.push_back(gpu);
      }
      telemetry.emplace(std::move(devices), std::chrono::seconds(1));
    }
    auto last_progress = Clock::now() - std::chrono::seconds(1);
    auto runs = generator->Run(*bench_spec, stop.get_token(), [&](const bench::Progress& p) {
      if (Clock::now() - last_progress < std::chrono::milliseconds(500)) return;
      last_progress = Clock::now();
      PublishProgress(&p, slot.number);
    });
    if (auto exited = engine.Exited()) {
      return finish(Failed(opt::InfeasibleReason::kCrashed,
                           "the engine exited during the benchmark (" + *exited + ")"));
    }
    if (stop.stop_requested()) return finish(ended_by_stop("the benchmark"));
    if (!runs.ok()) return finish(Failed(opt::InfeasibleReason::kBenchFailed, runs.error().message));

    Json metrics = bench::AggregateRuns(*runs, bench_spec->thresholds, static_cast<int>(gpus->ids().size()));
    metrics["gpu_monitoring"] = telemetry ? telemetry->Finish() : Json(nullptr);
    if (metrics.value("total_completed_requests", 0) == 0) {
      return finish(Failed(opt::InfeasibleReason::kBenchFailed,
                           "no request completed (errors: " + DumpJson(ErrorSummary(metrics)) + ")",
                           std::move(metrics)));
    }
    const opt::Metrics flat = opt::MetricsFromJson(metrics);
    auto breakdown = opt::ScoreExperiment(flat, task_.slo, task_.optimization.objectives.front());
    auto outcome = opt::ScoreOutcome(flat, task_.slo, task_.optimization.objectives);
    if (!breakdown.ok() || !outcome.ok()) {
      const Error& error = breakdown.ok() ? outcome.error() : breakdown.error();
      return finish(Failed(opt::InfeasibleReason::kBenchFailed, "cannot score: " + error.message, metrics));
    }
    metrics["score_breakdown"] = breakdown->ToJson();
    if (!outcome->feasible()) {
      return finish(Failed(opt::InfeasibleReason::kSloViolation, outcome->message(), std::move(metrics)));
    }
    ExperimentEnd end;
    end.stored.status = "success";
    end.stored.metrics = std::move(metrics);
    end.stored.score = outcome->score();
    end.stored.feasible = true;
    end.outcome = *outcome;
    return finish(std::move(end));
  }

  static Json ErrorSummary(const Json& metrics) {
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

  static std::string JoinArgs(const std::vector<std::string>& args) {
    std::string out;
    for (const auto& a : args) {
      if (!out.empty()) out += ' ';
      out += a;
    }
    return out;
  }

  static std::string FormatScore(double v) {
    std::ostringstream out;
    out.precision(6);
    out << v;
    return out.str();
  }

  static std::string ExperimentPrefix(int64_t number) {
    return "[Experiment " + std::to_string(number) + "]";
  }

  // --- persist, then publish ---

  Status SetTaskStatus(const std::string& status, const std::string& reason) {
    auto stored = store_.SetTaskStatus(task_id_, status, reason);
    if (!stored.ok()) return stored;
    Log(std::nullopt, "info", "Task status: " + Upper(status) + (reason.empty() ? "" : " (" + reason + ")"));
    Publish("task_status", {{"task_id", task_id_}, {"status", status}, {"stop_reason", reason}});
    return {};
  }

  void SetExperimentStatus(const Slot& slot, const std::string& status) {
    auto stored = store_.SetExperimentStatus(slot.id, status);
    if (!stored.ok()) Log(slot.number, "error", "cannot store status: " + stored.error().message);
    Log(slot.number, "info", ExperimentPrefix(slot.number) + " Status: " + Upper(status));
    Publish("experiment_status", {{"task_id", task_id_},
                                  {"id", slot.id},
                                  {"experiment_id", slot.number},
                                  {"status", status},
                                  {"at", store::Now()}});
  }

  void PublishFinished(int64_t experiment_id, const std::string& type = "experiment_finished") {
    auto e = store_.GetExperiment(experiment_id);
    if (e.ok()) Publish(type, ExperimentJson(*e));
  }

  void PublishProgress(const bench::Progress* bench, int64_t number = 0) {
    const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
    std::unique_lock lock(progress_mutex_);
    const int64_t max_iterations = task_.optimization.max_iterations;
    Json eta = nullptr;
    if (done_ > 0 && max_iterations > 0) {
      const double per = elapsed / static_cast<double>(done_);
      eta = std::max(0.0, per * static_cast<double>(max_iterations - done_));
    }
    Json bench_json = nullptr;
    if (bench != nullptr) {
      bench_json = {{"experiment_id", number},       {"run", bench->run_index + 1},
                    {"runs", bench->num_runs},       {"warming_up", bench->warming_up},
                    {"completed", bench->completed}, {"errors", bench->errors},
                    {"elapsed_s", bench->elapsed_s}};
    }
    Json data = {{"task_id", task_id_},
                 {"max_iterations", max_iterations},
                 {"done", done_},
                 {"running", running_},
                 {"best_score", best_score_ ? Json(*best_score_) : Json(nullptr)},
                 {"best_experiment_id", best_experiment_ ? Json(*best_experiment_) : Json(nullptr)},
                 {"elapsed_s", elapsed},
                 {"eta_s", eta},
                 {"bench", bench_json}};
    lock.unlock();
    Publish("progress", std::move(data));
  }

  void Log(std::optional<int64_t> number, const std::string& level, const std::string& line) {
    const std::string clean = SanitizeUtf8(line);
    std::optional<int64_t> experiment_id;
    if (number) {
      std::lock_guard lock(ids_mutex_);
      if (auto it = ids_.find(*number); it != ids_.end()) experiment_id = it->second;
    }
    auto id = store_.AppendLog(task_id_, experiment_id, level, clean);
    if (!id.ok()) return;
    Publish("log", {{"task_id", task_id_},
                    {"log_id", *id},
                    {"experiment_id", number ? Json(*number) : Json(nullptr)},
                    {"level", level},
                    {"line", clean},
                    {"at", store::Now()}});
  }

  // Every experiment this study logs about was stored (or recovered) by it: its store id is known then.
  void Remember(int64_t number, int64_t id) {
    std::lock_guard lock(ids_mutex_);
    ids_[number] = id;
  }

  void Publish(const std::string& type, Json data) {
    if (env_.events != nullptr) env_.events->Publish(task_id_, type, std::move(data));
  }

  const RunnerEnvironment& env_;
  store::Store& store_;
  int64_t task_id_;
  // The study stops on the caller's cancel or on fail-fast; experiments follow stop_.
  std::stop_token cancel_;
  std::stop_source stop_source_;
  std::stop_callback<std::function<void()>> forward_cancel_;
  std::stop_token stop_;
  PreflightProbes probes_;
  StudyResources resources_;
  FailFast fail_fast_;
  std::optional<std::string> fail_fast_reason_;
  std::string task_name_;
  std::string holder_;
  task::Task task_;
  const task::RuntimeDefinition* runtime_ = nullptr;
  std::optional<deploy::OfflineQuantization> offline_quantization_;
  std::unique_ptr<deploy::Deployer> deployer_;
  std::unique_ptr<deploy::GpuPool> gpu_pool_;
  std::unique_ptr<opt::Strategy> strategy_;
  Clock::time_point started_ = Clock::now();
  int64_t next_number_ = 1;
  // Progress, read by the experiments' threads too.
  std::mutex progress_mutex_;
  int64_t done_ = 0;
  int64_t running_ = 0;
  std::optional<double> best_score_;
  std::optional<int64_t> best_experiment_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  std::mutex ids_mutex_;
  std::map<int64_t, int64_t> ids_;
};

}  // namespace

deploy::MappingOutcome MapTaskCandidate(
    const task::Task& task, const task::RuntimeDefinition& runtime, const Json& assignment,
    const std::optional<deploy::OfflineQuantization>& offline_quantization) {
  deploy::MappingInput input;
  input.task = &task;
  input.runtime = &runtime;
  input.assignment = assignment;
  input.gpu_type = task.hardware ? task.hardware->gpu_type : "";
  input.offline_quantization = offline_quantization;
  return deploy::MapCandidate(input);
}

std::string ServedModelName(const task::Task& task) {
  return task.benchmark.model_name.empty() ? task.model.id_or_path : task.benchmark.model_name;
}

std::string EngineOwner(const store::Store& store, int64_t task_id) {
  return store.InstanceId() + "-t" + std::to_string(task_id);
}

Result<StudyResult> RunStudy(const RunnerEnvironment& env, int64_t task_id, std::stop_token stop) {
  if (env.store == nullptr || env.catalog == nullptr || !env.make_deployer || !env.make_load_generator) {
    return MakeError(ErrorCode::kInternal, "runner environment incomplete");
  }
  Study study(env, task_id, std::move(stop));
  return study.Run();
}

std::function<Result<std::unique_ptr<deploy::Deployer>>(const task::Task&, const std::string&)>
DefaultDeployerFactory(const std::string& state_dir) {
  return [state_dir](const task::Task& task,
                     const std::string& owner) -> Result<std::unique_ptr<deploy::Deployer>> {
    switch (task.deployment_mode) {
      case task::DeploymentMode::kLocal: {
        deploy::LocalDeployerOptions options;
        options.owner = owner;
        options.state_dir = state_dir + "/engines";
        options.stop_grace = std::chrono::seconds(3);
        return std::unique_ptr<deploy::Deployer>(std::make_unique<deploy::LocalDeployer>(options));
      }
      case task::DeploymentMode::kDocker: {
        deploy::DockerDeployerOptions options;
        options.owner = owner;
        options.scratch_dir = state_dir + "/docker";
        return std::unique_ptr<deploy::Deployer>(std::make_unique<deploy::DockerDeployer>(options));
      }
      case task::DeploymentMode::kKubernetes:
      case task::DeploymentMode::kOme: {
        auto config = deploy::KubeConfig::Discover();
        if (!config.ok()) return std::move(config).error();
        return std::unique_ptr<deploy::Deployer>(std::make_unique<deploy::KubeDeployer>(
            deploy::KubeDeployerOptionsForTask(task, owner), deploy::MakeHttpsTransport(*config)));
      }
    }
    return MakeError(ErrorCode::kUnsupported, "unknown deployment mode");
  };
}

std::function<std::unique_ptr<bench::LoadGenerator>()> DefaultLoadGeneratorFactory() {
  return [] { return std::unique_ptr<bench::LoadGenerator>(std::make_unique<bench::HttpLoadGenerator>()); };
}

// --- StudyManager ---

StudyManager::StudyManager(RunnerEnvironment env) : env_(std::move(env)) {}

StudyManager::~StudyManager() {
  std::map<int64_t, std::unique_ptr<Running>> running;
  {
    std::lock_guard lock(mutex_);
    running.swap(running_);
  }
  for (auto& [id, r] : running) r->thread.request_stop();
  running.clear();  // joins
}

void StudyManager::Reap() {
  for (auto it = running_.begin(); it != running_.end();) {
    if (it->second->done) {
      it->second->thread.join();
      it = running_.erase(it);
    } else {
      ++it;
    }
  }
}

Status StudyManager::Start(int64_t task_id) {
  std::lock_guard lock(mutex_);
  Reap();
  if (running_.contains(task_id)) {
    return MakeError(ErrorCode::kConflict, "task " + std::to_string(task_id) + " is already running");
  }
  auto task = env_.store->GetTask(task_id);
  if (!task.ok()) return std::move(task).error();
  if (task->status == "completed") {
    return MakeError(ErrorCode::kConflict,
                     "task '" + task->name + "' is completed; restart or clear it first");
  }
  if (env_.preflight_on_start) {
    if (Status checked = PreflightStoredTask(task->spec); !checked.ok()) return checked;
  }
  auto entry = std::make_unique<Running>();
  Running* raw = entry.get();
  entry->thread = std::jthread([this, task_id, raw](std::stop_token stop) {
    auto result = RunStudy(env_, task_id, stop);
    if (!result.ok() && env_.events != nullptr) {
      env_.events->Publish(task_id, "error", result.error().ToJson());
    }
    std::lock_guard lock(mutex_);
    raw->done = true;
    finished_.notify_all();
  });
  running_[task_id] = std::move(entry);
  return {};
}

Status StudyManager::Cancel(int64_t task_id) {
  {
    std::lock_guard lock(mutex_);
    auto it = running_.find(task_id);
    if (it != running_.end() && !it->second->done) {
      it->second->thread.request_stop();
      return {};
    }
  }
  auto task = env_.store->GetTask(task_id);
  if (!task.ok()) return std::move(task).error();
  if (task->status != "pending" && task->status != "running") {
    return MakeError(ErrorCode::kConflict, "task '" + task->name + "' is " + task->status + ", not running");
  }
  auto stored = env_.store->SetTaskStatus(task_id, "cancelled", "cancelled");
  if (!stored.ok()) return stored;
  if (env_.events != nullptr) {
    env_.events->Publish(task_id, "task_status",
                         {{"task_id", task_id}, {"status", "cancelled"}, {"stop_reason", "cancelled"}});
  }
  return {};
}

Status StudyManager::PreflightStoredTask(const Json& spec) const {
  auto parsed = task::ParseTask(spec, env_.catalog);
  if (!parsed.task) return task::ValidationError(parsed);
  const task::RuntimeDefinition* runtime = env_.catalog->Find(parsed.task->base_runtime);
  if (runtime == nullptr) {
    return MakeError(ErrorCode::kValidation, "unknown runtime '" + parsed.task->base_runtime + "'");
  }
  const PreflightReport report =
      RunPreflight(*parsed.task, *runtime, env_.preflight_probes.value_or(PreflightProbes::Default()),
                   {.gpu_ids = env_.gpu_ids, .state_dir = env_.state_dir});
  if (!report.ok()) return report.ToError();
  return {};
}

bool StudyManager::IsRunning(int64_t task_id) const {
  std::lock_guard lock(mutex_);
  auto it = running_.find(task_id);
  return it != running_.end() && !it->second->done;
}

bool StudyManager::Wait(int64_t task_id, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return finished_.wait_for(lock, timeout, [&] {
    auto it = running_.find(task_id);
    return it == running_.end() || it->second->done;
  });
}

int StudyManager::ResumeInterrupted() {
  auto tasks =
      env_.store->ListTasks({.status = "running", .order_by = "id", .descending = false, .limit = 1000});
  if (!tasks.ok()) return 0;
  int resumed = 0;
  for (const auto& task : *tasks) {
    const bool stale = !task.lease_heartbeat || store::Now() - *task.lease_heartbeat > env_.lease_ttl_s ||
                       HolderIsDeadHere(task.lease_owner);
    if (stale && Start(task.id).ok()) ++resumed;
  }
  return resumed;
}

}  // namespace autotuner::runner
