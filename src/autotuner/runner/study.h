#pragma once

// The study loop (ARCHITECTURE.md): propose → map → deploy → benchmark → score → observe → persist → publish,
// with the experiment lifecycle of SPEC §5. Every status is written to the store before the side effect it
// announces and then published on the event bus. One study runs on the calling thread (plus one thread per
// parallel experiment); StudyManager runs several in the background for the server.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/bench_factory.h"
#include "autotuner/deploy/deployer.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/runner/preflight.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// What a study needs from the outside; everything behind an interface so tests use fakes.
struct RunnerEnvironment {
  store::Store* store = nullptr;
  EventBus* events = nullptr;  // may be null
  const task::RuntimeCatalog* catalog = nullptr;
  // The deployer for a task's deployment_mode; `owner` labels every engine it starts (orphan cleanup).
  std::function<Result<std::unique_ptr<deploy::Deployer>>(const task::Task& task, const std::string& owner)>
      make_deployer;
  // The load generator of one experiment's benchmark: direct HTTP, or the in-cluster bench Job
  // (deploy/bench_factory.h decides from the task).
  deploy::LoadGeneratorFactory make_load_generator;
  // GPU ids for the pool ("0,1"); empty: nvidia-smi for real engines, hardware.num_gpus virtual ids for
  // simulated ones.
  std::string gpu_ids;
  // Identifies this process as a lease holder; empty: host:pid.
  std::string lease_holder;
  double lease_ttl_s = 30;  // a lease whose heartbeat is older is taken over
  std::chrono::milliseconds heartbeat_interval = std::chrono::seconds(5);
  // How often a running experiment looks for a cancel of its own (Store::RequestExperimentCancel).
  std::chrono::milliseconds experiment_cancel_poll = std::chrono::seconds(1);
  // SIGTERM → grace → SIGKILL when an experiment's engine stops.
  std::chrono::milliseconds stop_grace = std::chrono::seconds(10);
  // Preflight (runner/preflight.h): the probes studies use (unset: the real ones). With `preflight_on_start`,
  // StudyManager::Start runs the whole preflight first and refuses to start a task that fails it (kValidation
  // / kUnavailable with the checks), which stays pending.
  std::optional<PreflightProbes> preflight_probes;
  bool preflight_on_start = false;
  std::string state_dir;  // where engines keep their state (the preflight's disk check)
  // How long a deploy waits for foreign memory to leave its GPUs before it fails as an environment problem.
  std::chrono::milliseconds gpu_busy_wait = std::chrono::seconds(60);
};

// The default load generators: the streaming HTTP one, or the bench Job for a Kubernetes engine out of reach
// (deploy::DefaultLoadGeneratorFactory; the default deployers: deploy/deployer_factory.h).
deploy::LoadGeneratorFactory DefaultLoadGeneratorFactory();

struct StudyResult {
  TaskStatus status = TaskStatus::kCompleted;  // completed | failed | cancelled
  std::string stop_reason;                     // budget | exhausted | converged | cancelled | error message
  std::optional<int64_t> best_experiment_id;
  bool any_feasible = false;
};

// Runs (or, after a crash, continues) one stored task to its end on the calling thread. Holds the task's
// lease for the whole run (kConflict when another live process holds it). A task left `running` by a dead
// process is continued: finished experiments are kept, the interrupted ones marked failed (`interrupted`) and
// their engines removed, the optimizer restored from its checkpoint. Stop requests cancel: the running
// experiments' engines are stopped and they and the task are marked `cancelled`.
Result<StudyResult> RunStudy(const RunnerEnvironment& env, int64_t task_id, std::stop_token stop);

// A candidate of `task` mapped onto `runtime` as a study maps it (the task's GPU type, the checkpoint's
// offline quantization detected once by the caller).
deploy::MappingOutcome MapTaskCandidate(
    const task::Task& task, const task::RuntimeDefinition& runtime, const Json& assignment,
    const std::optional<deploy::OfflineQuantization>& offline_quantization);
// The name the engine serves the model under: benchmark.model_name, else the model id.
std::string ServedModelName(const task::Task& task);

// The owner label of the engines of one task (store instance id + task id), so cleaning up one task's
// orphans never touches another's engines.
std::string EngineOwner(const store::Store& store, int64_t task_id);

// Studies running in the background (the server): one thread each.
class StudyManager {
 public:
  explicit StudyManager(RunnerEnvironment env);
  ~StudyManager();  // cancels every study and waits for them
  StudyManager(const StudyManager&) = delete;
  StudyManager& operator=(const StudyManager&) = delete;

  // Starts a pending (or interrupted) task in the background; kConflict when it is already running here.
  Status Start(int64_t task_id);
  // Asks a running study to cancel (returns at once; the study marks itself cancelled within seconds). A task
  // that is not running here but stored as pending / running is marked cancelled directly.
  Status Cancel(int64_t task_id);
  bool IsRunning(int64_t task_id) const;
  // Waits for a study started here to end; false at the timeout.
  bool Wait(int64_t task_id, std::chrono::milliseconds timeout);
  // Continues tasks stored as `running` whose lease has expired (start-up after a crash). Returns how many.
  int ResumeInterrupted();

 private:
  struct Running {
    std::jthread thread;
    bool done = false;
  };
  void Reap();
  // The preflight of a stored task's spec (env_.preflight_on_start).
  Status PreflightStoredTask(const Json& spec) const;

  RunnerEnvironment env_;
  mutable std::mutex mutex_;
  std::condition_variable finished_;
  std::map<int64_t, std::unique_ptr<Running>> running_;
};

}  // namespace autotuner::runner
