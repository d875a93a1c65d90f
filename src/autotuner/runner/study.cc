#include "autotuner/runner/study.h"

#include <algorithm>
#include <cstdlib>

#include "autotuner/bench/plan.h"
#include "autotuner/core/guard.h"
#include "autotuner/deploy/config_file.h"
#include "autotuner/deploy/gpu_pool.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/deploy/offline_quant.h"
#include "autotuner/opt/strategy.h"
#include "autotuner/runner/experiment.h"
#include "autotuner/runner/fail_fast.h"
#include "autotuner/runner/fenced_store.h"
#include "autotuner/runner/provenance.h"
#include "autotuner/runner/recovery.h"
#include "autotuner/runner/results.h"
#include "autotuner/runner/study_plan.h"
#include "autotuner/runner/study_publisher.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/search_space.h"

namespace autotuner::runner {
namespace {

// Requests the study's stop when a scope ends, so experiment threads are stopped before they are joined
// (a study that fails half-way must not wait for its experiments to run to their end).
struct HaltOnExit {
  std::stop_source& halt;
  ~HaltOnExit() { halt.request_stop(); }
};

// The task is driven by a live runner (another process, or this one): its lease is fresh.
bool LeaseIsLive(const store::TaskRecord& task, double ttl_s) {
  return !task.lease_owner.empty() && task.lease_heartbeat && store::Now() - *task.lease_heartbeat < ttl_s;
}

using Clock = std::chrono::steady_clock;

class Study {
 public:
  Study(const RunnerEnvironment& env, int64_t task_id, std::stop_token stop)
      : env_(env),
        fenced_(*env.store, task_id, [this] { halt_.request_stop(); }),
        store_(fenced_),
        task_id_(task_id),
        stop_(std::move(stop)),
        probes_(env.preflight_probes.value_or(PreflightProbes::Default())),
        publisher_(fenced_, env.events, task_id) {}

  Result<StudyResult> Run() {
    auto record = store_.GetTask(task_id_);
    if (!record.ok()) return std::move(record).error();
    task_name_ = record->name;
    const std::string holder = env_.lease_holder.empty() ? DefaultLeaseHolder() : env_.lease_holder;
    auto leased = AcquireTaskLease(store_, *record, holder, env_.lease_ttl_s);
    if (!leased.ok()) return std::move(leased).error();
    holder_ = holder;
    fenced_.Bind(holder_);
    std::stop_callback forward(stop_, [this] { halt_.request_stop(); });
    stop_ = halt_.get_token();
    Result<StudyResult> result = MakeError(ErrorCode::kInternal, "not run");
    // A bug or resource failure (bad_alloc, a throwing library) ends the study as failed instead of the
    // process; the experiments' engines are stopped by their owners' destructors.
    try {
      result = Drive(*record);
    } catch (...) {
      result = MakeError(ErrorCode::kInternal, "internal error: " + DescribeCurrentException());
    }
    halt_.request_stop();
    if (!result.ok()) {
      publisher_.Log(std::nullopt, "error", "study failed: " + result.error().message);
      (void)publisher_.SetTaskStatus(TaskStatus::kFailed, result.error().message);
    }
    (void)store_.ReleaseLease(task_id_, holder_);
    return result;
  }

 private:
  struct Slot {
    ExperimentRun run;
    PlannedRun planned;
    std::optional<ExperimentEnd> end;
    std::jthread thread;
  };

  Result<StudyResult> Drive(const store::TaskRecord& record) {
    const bool resuming = record.status != TaskStatus::kPending;
    if (record.status == TaskStatus::kCompleted) {
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
    owner_ = EngineOwner(store_, task_id_);
    auto deployer = env_.make_deployer(task_, owner_);
    if (!deployer.ok()) return std::move(deployer).error();
    deployer_ = std::move(*deployer);

    auto status = publisher_.SetTaskStatus(TaskStatus::kRunning, "");
    if (!status.ok()) return std::move(status).error();
    auto running = store_.GetTask(task_id_);
    if (!running.ok()) return std::move(running).error();
    publisher_.StartClock(task_.optimization.max_iterations);
    publisher_.Log(std::nullopt, "info",
                   std::string(resuming ? "Resuming" : "Starting") + " study '" + record.name +
                       "': " + std::string(task::Name(task_.optimization.strategy)) + " on " +
                       task_.base_runtime + " (" + task_.model.id_or_path + ")");
    if (Status prepared = Prepare(record.spec); !prepared.ok()) return prepared.error();
    auto strategy = MakeStrategy();
    if (!strategy.ok()) return std::move(strategy).error();
    strategy_ = std::move(*strategy);

    plan_.emplace(task_, runtime_->simulated, running->started_at.value_or(store::Now()), store_, task_id_,
                  publisher_);
    const StudyParts parts{&store_,         env_.catalog,    task_id_,   &task_,
                           deployer_.get(), strategy_.get(), &publisher_};
    if (resuming) {
      auto recovered = Recover(parts);
      if (!recovered.ok()) return std::move(recovered).error();
      next_number_ = std::max(next_number_, recovered->next_number);
      auto stored = store_.ListExperiments(task_id_);
      if (!stored.ok()) return std::move(stored).error();
      plan_->Resume(*stored, std::move(recovered->queued));
    } else {
      WarmStart(parts);
    }
    return Loop();
  }

  // The study's resources and GPU pool, the cluster check and the checkpoint's offline quantization (read
  // once: it may read files).
  Status Prepare(const Json& spec) {
    // Tokenizer, GPUs and the files the engine gets, resolved once (runner/preflight.h).
    auto resources = ResolveStudyResources(task_, *runtime_, probes_, env_.gpu_ids);
    if (!resources.ok()) return std::move(resources).error();
    resources_ = std::move(*resources);
    for (const auto& note : resources_.notes) publisher_.Log(std::nullopt, "info", note);
    for (const auto& warning : resources_.warnings) publisher_.Log(std::nullopt, "warn", warning);
    // Recorded at every start: a resumed study runs on the machine and engine it finds now.
    const Json provenance = StudyProvenance(spec, task_, *runtime_, resources_, probes_);
    if (Status stored = store_.SetTaskProvenance(task_id_, provenance); !stored.ok()) return stored;
    publisher_.Log(std::nullopt, "info", "Provenance: " + ProvenanceLine(provenance));
    task_.benchmark.model_tokenizer = resources_.tokenizer;
    if (!resources_.gpu_type.empty() && (!task_.hardware || task_.hardware->gpu_type.empty())) {
      // Pruning (FP8 needs Ada or newer, ...) by the GPUs nvidia-smi (or the cluster's node labels) reports
      // when the task names none.
      if (!task_.hardware) task_.hardware = task::Hardware{};
      task_.hardware->gpu_type = resources_.gpu_type;
    }
    gpu_pool_ = std::make_unique<deploy::GpuPool>(resources_.gpu_ids);
    const bool cluster_mode = task::IsCluster(task_.deployment_mode);
    publisher_.Log(std::nullopt, "info",
                   "GPU pool: " + std::to_string(resources_.gpu_ids.size()) +
                       (resources_.real_gpus ? ""
                        : cluster_mode       ? " cluster"
                                             : " simulated") +
                       " GPU(s)" + (resources_.gpu_type.empty() ? "" : " (" + resources_.gpu_type + ")"));
    if (cluster_mode && std::getenv("KUBERNETES_SERVICE_HOST") == nullptr) {
      // The load must never cross a port-forward; engines are reached by their cluster DNS names.
      publisher_.Log(
          std::nullopt, "warn",
          "autotuner is not running inside the cluster: benchmarks reach engines by their cluster DNS names, "
          "which resolve only in the cluster; run autotuner there (deploy/kubernetes/)");
    }
    // A quantized checkpoint changes what the quantization settings may do.
    offline_quantization_ =
        deploy::DetectOfflineQuantization(task_.model.id_or_path, TaskModelLocations(task_, *runtime_));
    if (offline_quantization_) {
      publisher_.Log(std::nullopt, "info",
                     "Checkpoint is quantized offline (" + offline_quantization_->method + ", " +
                         offline_quantization_->source + ")");
    }
    return {};
  }

  Result<std::unique_ptr<opt::Strategy>> MakeStrategy() {
    const task::SearchSpace search_space = task::BuildSearchSpace(task_);
    opt::StrategyOptions options;
    options.early_stop.enabled = task_.optimization.early_stop;
    options.allowed = [this](const Json& values) {
      const auto mapped = Map(values);
      return mapped.pruned() || static_cast<size_t>(mapped.plan->gpus_needed) <= gpu_pool_->size();
    };
    return opt::MakeStrategy(task_.optimization, search_space, options);
  }

  Result<StudyResult> Loop() {
    const size_t parallel =
        static_cast<size_t>(std::max<int64_t>(task_.optimization.parallel_experiments, 1));
    std::vector<std::unique_ptr<Slot>> slots;
    const HaltOnExit stop_experiments{halt_};  // destroyed before `slots`: stop, then join
    auto last_heartbeat = Clock::now();
    while (true) {
      if (Status filled = Fill(slots, parallel); !filled.ok()) return filled.error();
      // Empty slots after a fill: stopped, or the plan has nothing more (it waits only for running ones).
      if (slots.empty()) break;

      {
        std::unique_lock lock(mutex_);
        done_cv_.wait_for(lock, env_.heartbeat_interval, [&] {
          return std::any_of(slots.begin(), slots.end(), [](const auto& s) { return s->end.has_value(); });
        });
      }
      if (Clock::now() - last_heartbeat >= env_.heartbeat_interval) {
        // A lost lease (another runner took the task over) stops at once; so does a cancel asked for through
        // the store (the API of another process).
        if (!store_.Heartbeat(task_id_, holder_).ok() && fenced_.lease_lost()) return LeaseLost();
        if (auto cancel = store_.CancelRequested(task_id_); cancel.ok() && *cancel) halt_.request_stop();
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
    return Finish();
  }

  // Fills free slots with what the plan says runs next: the baseline, then the search (queued candidates
  // first, then new proposals; pruned ones take no slot), then the confirmations.
  Status Fill(std::vector<std::unique_ptr<Slot>>& slots, size_t parallel) {
    while (!stop_.stop_requested() && slots.size() < parallel) {
      const bool search_running = std::any_of(slots.begin(), slots.end(), [](const auto& s) {
        return s->planned.kind == ExperimentKind::kSearch;
      });
      auto batch = plan_->Next(parallel - slots.size(), search_running, *strategy_);
      if (!batch.ok()) return std::move(batch).error();
      if (batch->empty()) break;
      for (auto& planned : *batch) {
        auto slot = Launch(std::move(planned));
        if (!slot.ok()) return std::move(slot).error();
        if (*slot) slots.push_back(std::move(*slot));
      }
    }
    return {};
  }

  Result<StudyResult> Finish() {
    StudyResult result;
    auto experiments = store_.ListExperiments(task_id_);
    if (experiments.ok()) {
      if (auto best = BestExperiment(*experiments)) result.best_experiment_id = best->id;
      result.any_feasible = result.best_experiment_id.has_value();
    }
    if (fail_fast_reason_) {
      result.status = TaskStatus::kFailed;
      result.stop_reason = *fail_fast_reason_;
    } else if (stop_.stop_requested()) {
      result.status = TaskStatus::kCancelled;
      result.stop_reason = kStopReasonCancelled;
    } else {
      result.status = TaskStatus::kCompleted;
      result.stop_reason = plan_->SearchStopReason(*strategy_);
    }
    publisher_.Log(std::nullopt, "info",
                   "Study " + std::string(Name(result.status)) + " (" + result.stop_reason + ") after " +
                       std::to_string(publisher_.done()) + " search experiment(s)" +
                       (result.any_feasible ? "" : "; no feasible configuration"));
    auto status = publisher_.SetTaskStatus(result.status, result.stop_reason);
    if (!status.ok()) return std::move(status).error();
    publisher_.PublishProgress(nullptr);
    return result;
  }

  Error LeaseLost() const {
    return MakeError(ErrorCode::kConflict, "the lease on task '" + task_name_ +
                                               "' was lost to another runner; stopped without writing more");
  }

  // The candidate's plan, or why it is pruned (including an engine larger than the cluster's largest node).
  deploy::MappingOutcome Map(const Json& values) const {
    deploy::MappingOutcome outcome = MapTaskCandidate(task_, *runtime_, values, offline_quantization_);
    if (!outcome.plan) return outcome;
    if (std::string beyond =
            BeyondOneNodeReason(task_, outcome.plan->gpus_needed, resources_.max_engine_gpus);
        !beyond.empty()) {
      outcome.plan.reset();
      outcome.pruned_reason = "the engine " + beyond;
    }
    return outcome;
  }

  // Stores the planned run as an experiment (the baseline as number 0, every other as the next number) and
  // starts it on its own thread; a candidate the engine or GPU cannot run is stored as pruned instead (no
  // slot).
  Result<std::unique_ptr<Slot>> Launch(PlannedRun planned) {
    const int64_t number = planned.kind == ExperimentKind::kBaseline ? 0 : next_number_++;
    auto mapped = Map(planned.candidate.values);
    if (mapped.pruned()) {
      auto pruned = StorePruned(number, planned, mapped.pruned_reason);
      if (!pruned.ok()) return std::move(pruned).error();
      return std::unique_ptr<Slot>();
    }
    auto e = store_.CreateExperiment(task_id_, number, planned.candidate.values, ExperimentStatus::kPending,
                                     planned.kind, planned.confirms);
    if (!e.ok()) return std::move(e).error();
    publisher_.Remember(number, e->id);
    publisher_.PublishCreated(e->id);
    publisher_.Log(number, "info",
                   ExperimentPrefix(number) + " Status: PENDING " + DumpJson(planned.candidate.values) +
                       KindNote(planned));
    publisher_.ExperimentStarted();
    auto slot = std::make_unique<Slot>();
    slot->run.id = e->id;
    slot->run.number = number;
    slot->run.plan = std::move(*mapped.plan);
    slot->planned = std::move(planned);
    Slot* raw = slot.get();
    slot->thread = std::jthread([this, raw] {
      const ExperimentContext context{&env_,           &task_,          runtime_,    task_name_,
                                      deployer_.get(), gpu_pool_.get(), &publisher_, stop_,
                                      &resources_,     &probes_,        owner_};
      ExperimentEnd end;
      try {
        end = RunExperiment(context, raw->run);
      } catch (...) {
        end = Failed(opt::InfeasibleReason::kInternal, "internal error: " + DescribeCurrentException());
      }
      std::lock_guard lock(mutex_);
      raw->end = std::move(end);
      done_cv_.notify_all();
    });
    return slot;
  }

  Status StorePruned(int64_t number, const PlannedRun& planned, const std::string& reason) {
    auto e = store_.CreateExperiment(task_id_, number, planned.candidate.values, ExperimentStatus::kPruned,
                                     planned.kind, planned.confirms);
    if (!e.ok()) return std::move(e).error();
    publisher_.Remember(number, e->id);
    store::ExperimentOutcome outcome;
    outcome.status = ExperimentStatus::kPruned;
    outcome.feasible = false;
    outcome.error_message = reason;
    auto finished = store_.FinishExperiment(e->id, outcome);
    if (!finished.ok()) return finished;
    publisher_.Log(number, "info", ExperimentPrefix(number) + " Status: PRUNED (" + reason + ")");
    publisher_.PublishCreated(e->id);
    Tell(planned, opt::Outcome::Infeasible(opt::InfeasibleReason::kPruned, reason));
    return {};
  }

  // The optimizer learns from search experiments, and from the baseline when its point is in the search
  // space; a re-measurement repeats what it already knows.
  void Tell(const PlannedRun& planned, const opt::Outcome& outcome) {
    if (planned.kind == ExperimentKind::kSearch) {
      (void)strategy_->Observe(planned.candidate, outcome);
    } else if (planned.kind == ExperimentKind::kBaseline) {
      if (!outcome.feasible() && !opt::SaysSomethingAboutTheConfiguration(outcome.reason())) return;
      const bool told = TellBaseline(*strategy_, planned.candidate.values, outcome);
      publisher_.Log(0, "info",
                     told ? "Baseline told to the optimizer (its point is in the search space)"
                          : "Baseline outside the search space (searched flags at the engine's defaults): "
                            "a reference, not an observation");
    } else {
      return;
    }
    (void)store_.SaveCheckpoint(task_id_, strategy_->SaveState());
  }

  static std::string KindNote(const PlannedRun& planned) {
    if (planned.kind == ExperimentKind::kBaseline) return " (baseline: engine defaults)";
    if (planned.kind == ExperimentKind::kConfirm && planned.confirms)
      return " (confirms experiment " + std::to_string(*planned.confirms) + ")";
    return "";
  }

  // Runs on the study thread once an experiment's thread is done: persist, then observe, then publish.
  void Complete(Slot& slot) {
    ExperimentEnd& end = *slot.end;
    const int64_t id = slot.run.id;
    const int64_t number = slot.run.number;
    if (!end.engine_log.empty()) (void)store_.SetEngineLog(id, end.engine_log);
    auto finished = store_.FinishExperiment(id, end.stored);
    if (!finished.ok())
      publisher_.Log(number, "error", "cannot store the result: " + finished.error().message);
    std::string line = ExperimentPrefix(number) + " Status: " + Upper(Name(end.stored.status));
    if (end.stored.score) line += " score=" + FormatScore(*end.stored.score);
    if (end.stored.error_class) line += " (" + std::string(Name(*end.stored.error_class)) + ")";
    if (!end.stored.error_message.empty()) line += ": " + end.stored.error_message;
    publisher_.Log(number, end.stored.status == ExperimentStatus::kSuccess ? "info" : "warn", line);
    Tell(slot.planned, end.outcome);
    if (auto reason = fail_fast_.Record(slot.planned.candidate.values, end.outcome);
        reason && !fail_fast_reason_) {
      // The cause does not depend on the configuration: stop, cancelling what still runs.
      fail_fast_reason_ = *reason;
      publisher_.Log(std::nullopt, "error", "Stopping: " + *reason);
      halt_.request_stop();
    }
    // A cancelled experiment counts as done unless the optimizer forgot it (an interrupted study's).
    const bool counted = end.stored.status != ExperimentStatus::kCancelled || end.outcome.feasible() ||
                         end.outcome.reason() != opt::InfeasibleReason::kInterrupted;
    publisher_.ExperimentEnded({id, number}, slot.planned.kind, counted, end.outcome);
    publisher_.PublishFinished(id);
    publisher_.PublishProgress(nullptr);
  }

  const RunnerEnvironment& env_;
  std::stop_source halt_;  // the study's one stop: the caller's, a lost lease, a cancel request, a failure
  FencedStore fenced_;     // every write about this task checks the lease
  store::Store& store_;
  int64_t task_id_;
  // The caller's stop until Run() binds it to halt_ (which fail-fast, a lost lease and cancels also trip);
  // experiments follow stop_.
  std::stop_token stop_;
  PreflightProbes probes_;
  StudyResources resources_;
  FailFast fail_fast_;
  std::optional<std::string> fail_fast_reason_;
  StudyPublisher publisher_;
  std::string task_name_;
  std::string owner_;  // the engines' owner label (EngineOwner), set before the deployer is made
  std::string holder_;
  task::Task task_;
  const task::RuntimeDefinition* runtime_ = nullptr;
  std::optional<deploy::OfflineQuantization> offline_quantization_;
  std::unique_ptr<deploy::Deployer> deployer_;
  std::unique_ptr<deploy::GpuPool> gpu_pool_;
  std::unique_ptr<opt::Strategy> strategy_;
  std::optional<StudyPlan> plan_;
  int64_t next_number_ = 1;
  std::mutex mutex_;
  std::condition_variable done_cv_;
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
  deploy::MappingOutcome outcome = deploy::MapCandidate(input);
  if (outcome.plan) {
    // The user's own config file (TensorRT-LLM's extra_llm_api_options) is merged under the derived one.
    if (Status merged = deploy::MergeUserConfigFile(runtime, *outcome.plan); !merged.ok()) {
      outcome.plan.reset();
      outcome.pruned_reason = merged.error().message;
    }
  }
  return outcome;
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

deploy::LoadGeneratorFactory DefaultLoadGeneratorFactory() { return deploy::DefaultLoadGeneratorFactory(); }

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
  if (task->status == TaskStatus::kCompleted) {
    return MakeError(ErrorCode::kConflict,
                     "task '" + task->name + "' is completed; restart or clear it first");
  }
  if (env_.preflight_on_start) {
    if (Status checked = PreflightStoredTask(task->spec); !checked.ok()) return checked;
  }
  auto entry = std::make_unique<Running>();
  Running* raw = entry.get();
  entry->thread = std::jthread([this, task_id, raw](std::stop_token stop) {
    Result<StudyResult> result = MakeError(ErrorCode::kInternal, "not run");
    try {
      result = RunStudy(env_, task_id, stop);
    } catch (...) {
      result = MakeError(ErrorCode::kInternal, "internal error: " + DescribeCurrentException());
    }
    if (!result.ok() && env_.events != nullptr) {
      env_.events->Publish(task_id, StudyError{task_id, result.error().ToJson()});
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
  if (IsFinal(task->status)) {
    return MakeError(ErrorCode::kConflict,
                     "task '" + task->name + "' is " + std::string(Name(task->status)) + ", not running");
  }
  // Driven by another process (`autotuner run`, another server): ask it through the store; its runner sees
  // the request at its next heartbeat and stops as cancelled.
  if (task->status == TaskStatus::kRunning && LeaseIsLive(*task, env_.lease_ttl_s))
    return env_.store->RequestCancel(task_id);
  auto stored = env_.store->SetTaskStatus(task_id, TaskStatus::kCancelled, std::string(kStopReasonCancelled));
  if (!stored.ok()) return stored;
  if (env_.events != nullptr) {
    env_.events->Publish(
        task_id, TaskStatusChanged{task_id, TaskStatus::kCancelled, std::string(kStopReasonCancelled)});
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
  auto tasks = env_.store->ListTasks(
      {.status = TaskStatus::kRunning, .order_by = "id", .descending = false, .limit = 1000});
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
