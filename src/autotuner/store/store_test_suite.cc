#include "autotuner/store/store_test_suite.h"

#include <cstdlib>
#include <thread>

namespace autotuner::store::testing {
namespace {

Json Spec(const std::string& name) { return {{"task_name", name}, {"base_runtime", "sim-sglang"}}; }

TEST_P(StoreTest, TasksAreCreatedFoundAndNamedUniquely) {
  auto created = store().CreateTask("quickstart", "first", Spec("quickstart"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_GT(created->id, 0);
  EXPECT_EQ(created->status, TaskStatus::kPending);
  EXPECT_EQ(created->spec["base_runtime"], "sim-sglang");
  EXPECT_GT(created->created_at, 1.7e9);

  auto by_name = store().GetTaskByName("quickstart");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->id, created->id);
  EXPECT_EQ(by_name->description, "first");

  auto duplicate = store().CreateTask("quickstart", "", Spec("quickstart"));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(*store().UniqueTaskName("quickstart"), "quickstart-2");
  ASSERT_TRUE(store().CreateTask("quickstart-2", "", Spec("quickstart-2")).ok());
  EXPECT_EQ(*store().UniqueTaskName("quickstart"), "quickstart-3");
  EXPECT_EQ(*store().UniqueTaskName("other"), "other");

  EXPECT_EQ(store().GetTask(999999).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().GetTaskByName("nope").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreTest, ListFiltersSortsAndPages) {
  for (const char* name : {"c", "a", "b"}) ASSERT_TRUE(store().CreateTask(name, "", Spec(name)).ok());
  const int64_t b = store().GetTaskByName("b")->id;
  ASSERT_TRUE(store().SetTaskStatus(b, TaskStatus::kRunning).ok());

  TaskQuery by_name;
  by_name.order_by = "name";
  auto all = store().ListTasks(by_name);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].name, "a");
  EXPECT_EQ((*all)[2].name, "c");

  by_name.descending = true;
  by_name.limit = 1;
  by_name.offset = 1;
  auto page = store().ListTasks(by_name);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].name, "b");

  TaskQuery running;
  running.status = TaskStatus::kRunning;
  auto filtered = store().ListTasks(running);
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].name, "b");
  EXPECT_EQ(*store().CountTasks(std::nullopt), 3);
  EXPECT_EQ(*store().CountTasks(TaskStatus::kRunning), 1);

  TaskQuery bogus;  // an unknown column never reaches SQL
  bogus.order_by = "name; DROP TABLE tasks";
  EXPECT_TRUE(store().ListTasks(bogus).ok());
  EXPECT_EQ(*store().CountTasks(std::nullopt), 3);
}

TEST_P(StoreTest, TaskStatusStampsTimes) {
  const int64_t id = store().CreateTask("t", "", Spec("t"))->id;
  ASSERT_TRUE(store().SetTaskStatus(id, TaskStatus::kRunning).ok());
  auto running = store().GetTask(id);
  ASSERT_TRUE(running->started_at.has_value());
  EXPECT_FALSE(running->finished_at.has_value());
  ASSERT_TRUE(store().SetTaskStatus(id, TaskStatus::kCompleted, "budget").ok());
  auto done = store().GetTask(id);
  EXPECT_EQ(done->status, TaskStatus::kCompleted);
  EXPECT_EQ(done->stop_reason, "budget");
  ASSERT_TRUE(done->finished_at.has_value());
  EXPECT_GE(*done->finished_at, *done->started_at);
  EXPECT_EQ(store().SetTaskStatus(424242, TaskStatus::kRunning).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(store().UpdateTaskSpec(id, "new text", Spec("renamed")).ok());
  EXPECT_EQ(store().GetTask(id)->spec["task_name"], "renamed");
  EXPECT_EQ(store().GetTask(id)->description, "new text");
}

TEST_P(StoreTest, ExperimentsKeepEveryTransitionAndTheirOutcome) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  auto e = store().CreateExperiment(task, 1, {{"mem-fraction-static", 0.8}});
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->status, ExperimentStatus::kPending);
  ASSERT_TRUE(store().SetExperimentStatus(e->id, ExperimentStatus::kDeploying).ok());
  ASSERT_TRUE(store().SetExperimentStatus(e->id, ExperimentStatus::kBenchmarking).ok());
  ExperimentOutcome outcome;
  outcome.status = ExperimentStatus::kSuccess;
  outcome.metrics = {{"mean_e2e_latency", 1.25}, {"raw_results", Json::array({{{"num_concurrency", 4}}})}};
  outcome.score = 1.25;
  outcome.feasible = true;
  ASSERT_TRUE(store().FinishExperiment(e->id, outcome).ok());
  ASSERT_TRUE(store().SetEngineLog(e->id, "line one\nline two \xff").ok());

  auto got = store().GetExperiment(e->id);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->transitions.size(), 4u);
  EXPECT_EQ(got->transitions[0].status, ExperimentStatus::kPending);
  EXPECT_EQ(got->transitions[1].status, ExperimentStatus::kDeploying);
  EXPECT_EQ(got->transitions[2].status, ExperimentStatus::kBenchmarking);
  EXPECT_EQ(got->transitions[3].status, ExperimentStatus::kSuccess);
  EXPECT_LE(got->transitions[0].at, got->transitions[3].at);
  EXPECT_EQ(got->status, ExperimentStatus::kSuccess);
  EXPECT_EQ(got->metrics["raw_results"][0]["num_concurrency"], 4);
  EXPECT_EQ(*got->score, 1.25);
  EXPECT_TRUE(*got->feasible);
  EXPECT_EQ(got->parameters["mem-fraction-static"], 0.8);
  EXPECT_EQ(got->engine_log, "line one\nline two \xEF\xBF\xBD");

  auto failed = store().CreateExperiment(task, 2, {{"mem-fraction-static", 0.95}});
  ExperimentOutcome oom;
  oom.status = ExperimentStatus::kFailed;
  oom.feasible = false;
  oom.error_class = FailureClass::kOom;
  oom.error_message = "CUDA out of memory";
  ASSERT_TRUE(store().FinishExperiment(failed->id, oom).ok());
  auto list = store().ListExperiments(task);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].error_class, FailureClass::kOom);
  EXPECT_FALSE((*list)[1].score.has_value());  // never a made-up number
  EXPECT_TRUE((*list)[1].metrics.is_null());
  EXPECT_FALSE(*(*list)[1].feasible);

  EXPECT_EQ(store().CreateExperiment(task, 2, Json::object()).error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(store().GetExperiment(777777).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreTest, ExperimentsKeepTheirKind) {
  const int64_t task = store().CreateTask("kinds", "", Json::object())->id;
  ASSERT_TRUE(
      store()
          .CreateExperiment(task, 0, Json::object(), ExperimentStatus::kPending, ExperimentKind::kBaseline)
          .ok());
  ASSERT_TRUE(store().CreateExperiment(task, 1, {{"x", 1}}).ok());
  ASSERT_TRUE(
      store()
          .CreateExperiment(task, 2, {{"x", 1}}, ExperimentStatus::kPending, ExperimentKind::kConfirm, 1)
          .ok());
  const auto list = store().ListExperiments(task);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].kind, ExperimentKind::kBaseline);
  EXPECT_EQ((*list)[0].number, 0);
  EXPECT_EQ((*list)[1].kind, ExperimentKind::kSearch);
  EXPECT_FALSE((*list)[1].confirms.has_value());
  EXPECT_EQ((*list)[2].kind, ExperimentKind::kConfirm);
  EXPECT_EQ((*list)[2].confirms, 1);
}

TEST_P(StoreTest, LogsStreamInOrderFromAnyPoint) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  const int64_t exp = store().CreateExperiment(task, 1, Json::object())->id;
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(*store().AppendLog(task, i % 2 == 0 ? std::optional<int64_t>(exp) : std::nullopt, "info",
                                     "line " + std::to_string(i)));
  }
  auto all = store().ListLogs(task, std::nullopt, 0, 100);
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ((*all)[4].line, "line 4");
  auto after = store().ListLogs(task, std::nullopt, ids[2], 100);
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].line, "line 3");
  auto of_experiment = store().ListLogs(task, exp, 0, 100);
  ASSERT_EQ(of_experiment->size(), 3u);
  EXPECT_EQ(*(*of_experiment)[1].experiment_id, exp);
  EXPECT_EQ(store().ListLogs(task, std::nullopt, 0, 2)->size(), 2u);
}

TEST_P(StoreTest, CheckpointsKeepTheLatestState) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  auto none = store().LoadCheckpoint(task);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(store().SaveCheckpoint(task, {{"observations", 1}}).ok());
  ASSERT_TRUE(store().SaveCheckpoint(task, {{"observations", 2}, {"rng", "abc"}}).ok());
  auto latest = store().LoadCheckpoint(task);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((**latest)["observations"], 2);
}

TEST_P(StoreTest, LeasesHaveOneHolderUntilTheHeartbeatStops) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  EXPECT_TRUE(*store().AcquireLease(task, "runner-a", 30));
  EXPECT_FALSE(*store().AcquireLease(task, "runner-b", 30));
  EXPECT_TRUE(*store().AcquireLease(task, "runner-a", 30));  // re-entrant for its holder
  ASSERT_TRUE(store().Heartbeat(task, "runner-a").ok());
  // runner-a stops beating: with a short ttl its lease is taken over.
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(*store().AcquireLease(task, "runner-b", 0.05));
  const Status lost = store().Heartbeat(task, "runner-a");
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(store().ReleaseLease(task, "runner-b").ok());
  EXPECT_TRUE(*store().AcquireLease(task, "runner-a", 30));
  EXPECT_EQ(store().AcquireLease(999999, "x", 30).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreTest, ProvenanceIsKeptWithTheTaskUntilCleared) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  EXPECT_TRUE(store().GetTask(task)->provenance.is_null());
  const Json provenance = {{"autotuner_version", "1.2.3"},
                           {"gpus", {{{"index", 0}, {"name", "NVIDIA H100"}}}}};
  ASSERT_TRUE(store().SetTaskProvenance(task, provenance).ok());
  EXPECT_EQ(store().GetTask(task)->provenance, provenance);
  EXPECT_EQ(store().GetTaskByName("t")->provenance, provenance);
  EXPECT_EQ(store().ListTasks({})->front().provenance, provenance);
  EXPECT_EQ(store().SetTaskProvenance(task + 100, provenance).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(store().ClearTask(task).ok());
  EXPECT_TRUE(store().GetTask(task)->provenance.is_null());
}

TEST_P(StoreTest, ClearAndDeleteRemoveEverythingOfATask) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  const int64_t keep = store().CreateTask("keep", "", Spec("keep"))->id;
  ASSERT_TRUE(store().CreateExperiment(task, 1, Json::object()).ok());
  ASSERT_TRUE(store().CreateExperiment(keep, 1, Json::object()).ok());
  ASSERT_TRUE(store().AppendLog(task, std::nullopt, "info", "x").ok());
  ASSERT_TRUE(store().SaveCheckpoint(task, {{"a", 1}}).ok());
  ASSERT_TRUE(store().SetTaskStatus(task, TaskStatus::kFailed).ok());

  ASSERT_TRUE(store().ClearTask(task).ok());
  EXPECT_TRUE(store().ListExperiments(task)->empty());
  EXPECT_TRUE(store().ListLogs(task, std::nullopt, 0, 10)->empty());
  EXPECT_FALSE(store().LoadCheckpoint(task)->has_value());
  EXPECT_EQ(store().GetTask(task)->status, TaskStatus::kPending);

  ASSERT_TRUE(store().CreateExperiment(task, 1, Json::object()).ok());
  ASSERT_TRUE(store().DeleteTask(task).ok());
  EXPECT_EQ(store().GetTask(task).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().ListExperiments(keep)->size(), 1u);  // other tasks untouched
  EXPECT_EQ(store().DeleteTask(task).error().code, ErrorCode::kNotFound);
}

// Split brain: a runner paused past its lease (VM pause, SIGSTOP) must not overwrite its successor's work.
TEST_P(StoreTest, WritesAreFencedByTheLeaseOwner) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  ASSERT_TRUE(*store().AcquireLease(task, "runner-a", 30));
  auto e = store().CreateExperiment(task, 1, Json::object());
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(store()
                  .WithLease(task, "runner-a",
                             [&] { return store().SetExperimentStatus(e->id, ExperimentStatus::kDeploying); })
                  .ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  ASSERT_TRUE(*store().AcquireLease(task, "runner-b", 0.05));  // a's heartbeat went stale
  ExperimentOutcome outcome;
  outcome.status = ExperimentStatus::kSuccess;
  outcome.score = 1.0;
  const Status fenced =
      store().WithLease(task, "runner-a", [&] { return store().FinishExperiment(e->id, outcome); });
  ASSERT_FALSE(fenced.ok());
  EXPECT_EQ(fenced.error().code, ErrorCode::kConflict);
  EXPECT_NE(fenced.error().message.find("lease"), std::string::npos) << fenced.error().message;
  EXPECT_EQ(store().GetExperiment(e->id)->status, ExperimentStatus::kDeploying);  // nothing written
  // A failing write inside the fence is rolled back as a whole.
  const Status failed = store().WithLease(task, "runner-b", [&]() -> Status {
    if (Status s = store().SetExperimentStatus(e->id, ExperimentStatus::kBenchmarking); !s.ok()) return s;
    return MakeError(ErrorCode::kIo, "disk full");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(store().GetExperiment(e->id)->status, ExperimentStatus::kDeploying);
  EXPECT_TRUE(
      store().WithLease(task, "runner-b", [&] { return store().FinishExperiment(e->id, outcome); }).ok());
  EXPECT_EQ(store().GetExperiment(e->id)->status, ExperimentStatus::kSuccess);
}

TEST_P(StoreTest, CancelRequestsReachTheLeaseHolderAndEndWithIt) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  ASSERT_TRUE(*store().AcquireLease(task, "runner-a", 30));
  EXPECT_FALSE(*store().CancelRequested(task));
  ASSERT_TRUE(store().RequestCancel(task).ok());
  EXPECT_TRUE(*store().CancelRequested(task));
  EXPECT_TRUE(*store().AcquireLease(task, "runner-a", 30));  // the same holder still sees it
  EXPECT_TRUE(*store().CancelRequested(task));
  ASSERT_TRUE(store().ReleaseLease(task, "runner-a").ok());
  EXPECT_TRUE(*store().AcquireLease(task, "runner-b", 30));  // a new run starts without it
  EXPECT_FALSE(*store().CancelRequested(task));
  EXPECT_EQ(store().RequestCancel(999999).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreTest, ExperimentCancelRequestsAreTheExperimentsOwn) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  const int64_t hung = store().CreateExperiment(task, 1, Json::object())->id;
  const int64_t other = store().CreateExperiment(task, 2, Json::object())->id;
  EXPECT_FALSE(*store().ExperimentCancelRequested(hung));
  ASSERT_TRUE(store().RequestExperimentCancel(hung).ok());
  EXPECT_TRUE(*store().ExperimentCancelRequested(hung));
  EXPECT_FALSE(*store().ExperimentCancelRequested(other));
  EXPECT_FALSE(*store().CancelRequested(task));  // the study is not asked to stop
  EXPECT_EQ(store().RequestExperimentCancel(999999).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().ExperimentCancelRequested(999999).error().code, ErrorCode::kNotFound);
}

// A failure half-way through a clear (failpoint after the first DELETE) changes nothing.
TEST_P(StoreTest, ClearIsOneTransaction) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  ASSERT_TRUE(store().CreateExperiment(task, 1, Json::object()).ok());
  ASSERT_TRUE(store().AppendLog(task, std::nullopt, "info", "kept").ok());
  ASSERT_TRUE(store().SetTaskStatus(task, TaskStatus::kCompleted).ok());
  ::setenv("AUTOTUNER_FAILPOINT", "store.clear_task", 1);
  const Status cleared = store().ClearTask(task);
  ::unsetenv("AUTOTUNER_FAILPOINT");
  ASSERT_FALSE(cleared.ok());
  EXPECT_EQ(store().ListExperiments(task)->size(), 1u);
  EXPECT_EQ(store().ListLogs(task, std::nullopt, 0, 10)->size(), 1u);
  EXPECT_EQ(store().GetTask(task)->status, TaskStatus::kCompleted);
  ASSERT_TRUE(store().ClearTask(task).ok());  // and the store still works after the rollback
  EXPECT_TRUE(store().ListExperiments(task)->empty());
}

// The fault points inside the experiment writes fire after their statement ran: the fenced transaction
// rolls the half-done write back (the faults suite kills autotuner there with `=exit`).
TEST_P(StoreTest, ExperimentWriteFailpointsRollBackTheFencedWrite) {
  const int64_t task = store().CreateTask("t", "", Spec("t"))->id;
  ASSERT_TRUE(*store().AcquireLease(task, "runner-a", 30));
  auto e = store().CreateExperiment(task, 1, Json::object());
  ASSERT_TRUE(e.ok());
  ExperimentOutcome outcome;
  outcome.status = ExperimentStatus::kSuccess;
  outcome.score = 1.0;
  outcome.metrics = {{"mean_ttft_ms", 12.5}};
  ::setenv("AUTOTUNER_FAILPOINT", "store.experiment_status,store.finish_experiment", 1);
  const Status status = store().WithLease(
      task, "runner-a", [&] { return store().SetExperimentStatus(e->id, ExperimentStatus::kDeploying); });
  const Status finish =
      store().WithLease(task, "runner-a", [&] { return store().FinishExperiment(e->id, outcome); });
  ::unsetenv("AUTOTUNER_FAILPOINT");
  ASSERT_FALSE(status.ok());
  ASSERT_FALSE(finish.ok());
  EXPECT_NE(finish.error().message.find("store.finish_experiment"), std::string::npos);
  auto stored = store().GetExperiment(e->id);
  EXPECT_EQ(stored->status, ExperimentStatus::kPending);
  EXPECT_EQ(stored->transitions.size(), 1u);
  EXPECT_TRUE(stored->metrics.is_null());
  EXPECT_FALSE(stored->score.has_value());
  ASSERT_TRUE(
      store().WithLease(task, "runner-a", [&] { return store().FinishExperiment(e->id, outcome); }).ok());
  EXPECT_EQ(store().GetExperiment(e->id)->status, ExperimentStatus::kSuccess);
}

TEST_P(StoreTest, PresetsCrud) {
  auto p = store().CreatePreset("sglang-memory", "memory sweep", {{"mem-fraction-static", {0.8, 0.9}}});
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->builtin);
  EXPECT_EQ(store().CreatePreset("sglang-memory", "", Json::object()).error().code,
            ErrorCode::kAlreadyExists);
  ASSERT_TRUE(store().CreatePreset("a-builtin", "", Json::object(), true).ok());
  auto all = store().ListPresets();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "a-builtin");
  EXPECT_TRUE((*all)[0].builtin);
  ASSERT_TRUE(store().UpdatePreset(p->id, "changed", {{"x", 1}}).ok());
  EXPECT_EQ(store().GetPreset(p->id)->parameters["x"], 1);
  ASSERT_TRUE(store().DeletePreset(p->id).ok());
  EXPECT_EQ(store().GetPreset(p->id).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreTest, EverythingSurvivesAReopen) {
  const std::string instance = store().InstanceId();
  EXPECT_EQ(instance.size(), 16u);
  const int64_t task = store().CreateTask("durable", "", Spec("durable"))->id;
  const int64_t exp = store().CreateExperiment(task, 1, {{"x", 1}})->id;
  ASSERT_TRUE(store().SetExperimentStatus(exp, ExperimentStatus::kDeploying).ok());
  store_.reset();  // the process goes away

  auto reopened = GetParam().reopen();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->InstanceId(), instance);  // the same owner id after a restart
  EXPECT_EQ(reopened->GetTask(task)->name, "durable");
  EXPECT_EQ(reopened->GetExperiment(exp)->status, ExperimentStatus::kDeploying);
}

}  // namespace
}  // namespace autotuner::store::testing
