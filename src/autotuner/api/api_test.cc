// The REST API over real HTTP: a Server on a free loopback port, talked to with httplib::Client.

#include "autotuner/api/api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "autotuner/api/api_testing.h"
#include "autotuner/api/server.h"
#include "autotuner/core/json.h"
#include "autotuner/core/thread_testing.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/store/store.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

Json QuickstartTask(const std::string& name = "quickstart") {
  return {
      {"task_name", name},
      {"description", "API test task"},
      {"deployment_mode", "local"},
      {"base_runtime", "sim-sglang"},
      {"model", {{"id_or_path", "meta-llama/Llama-3.2-1B-Instruct"}}},
      {"hardware", {{"gpu_type", "H100"}, {"num_gpus", 1}}},
      {"parameters", {{"schedule-policy", {"lpm", "fcfs"}}, {"mem-fraction-static", {0.7, 0.8, 0.9}}}},
      {"optimization",
       {{"strategy", "grid_search"}, {"objective", "minimize_latency"}, {"max_iterations", 6}}},
      {"benchmark",
       {{"model_tokenizer", "gpt2"}, {"traffic_scenarios", {"D(100,100)"}}, {"num_concurrency", {1, 4}}}}};
}

runner::StudyProgress Progress(int64_t task_id, int64_t done) {
  runner::StudyProgress progress;
  progress.task_id = task_id;
  progress.done = done;
  return progress;
}

// Stands in for runner::StudyManager: marks tasks running / cancelled in the store and publishes it.
class FakeStudies : public StudyControl {
 public:
  FakeStudies(store::Store* store, runner::EventBus* bus) : store_(store), bus_(bus) {}
  Status Start(int64_t task_id) override {
    std::lock_guard lock(mutex_);
    running_.insert(task_id);
    started_.push_back(task_id);
    if (Status s = store_->SetTaskStatus(task_id, TaskStatus::kRunning); !s.ok()) return s;
    bus_->Publish(task_id, runner::TaskStatusChanged{task_id, TaskStatus::kRunning, ""});
    return {};
  }
  Status Cancel(int64_t task_id) override {
    std::lock_guard lock(mutex_);
    running_.erase(task_id);
    if (Status s = store_->SetTaskStatus(task_id, TaskStatus::kCancelled, "cancelled"); !s.ok()) return s;
    bus_->Publish(task_id, runner::TaskStatusChanged{task_id, TaskStatus::kCancelled, "cancelled"});
    return {};
  }
  bool IsRunning(int64_t task_id) const override {
    std::lock_guard lock(mutex_);
    return running_.count(task_id) > 0;
  }
  std::vector<int64_t> started() const {
    std::lock_guard lock(mutex_);
    return started_;
  }

 private:
  store::Store* store_;
  runner::EventBus* bus_;
  mutable std::mutex mutex_;
  std::set<int64_t> running_;
  std::vector<int64_t> started_;
};

struct SseEvent {
  std::string id;
  std::string type;
  Json data;
};

// Incremental SSE parsing of what a client received; comments (heartbeats) are counted, not returned.
class SseReader {
 public:
  void Feed(std::string_view chunk) {
    buffer_ += chunk;
    size_t end;
    while ((end = buffer_.find("\n\n")) != std::string::npos) {
      const std::string frame = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      SseEvent event;
      bool any = false;
      size_t start = 0;
      while (start <= frame.size()) {
        size_t nl = frame.find('\n', start);
        if (nl == std::string::npos) nl = frame.size();
        const std::string line = frame.substr(start, nl - start);
        start = nl + 1;
        if (line.rfind(":", 0) == 0) {
          if (line.find("heartbeat") != std::string::npos) ++heartbeats;
          continue;
        }
        if (line.rfind("id: ", 0) == 0) event.id = line.substr(4), any = true;
        if (line.rfind("event: ", 0) == 0) event.type = line.substr(7), any = true;
        if (line.rfind("data: ", 0) == 0) event.data = Json::parse(line.substr(6)), any = true;
      }
      if (any && !event.type.empty()) events.push_back(std::move(event));
    }
  }
  std::vector<SseEvent> events;
  int heartbeats = 0;

 private:
  std::string buffer_;
};

class ApiServerTest : public ApiStoreFixture {
 protected:
  void SetUp() override {
    ApiStoreFixture::SetUp();
    studies_ = std::make_unique<FakeStudies>(store_.get(), &bus_);
  }
  void TearDown() override {
    server_.reset();
    ApiStoreFixture::TearDown();
  }

  void StartServer(ServerOptions options = {}) {
    options.host = options.host.empty() ? "127.0.0.1" : options.host;
    options.port = 0;
    options.heartbeat_interval = std::chrono::milliseconds(200);
    options.max_streams = std::min<size_t>(options.max_streams, 64);
    options.gpu_ids = "0,1";
    server_ = std::make_unique<Server>(options, store_.get(), &bus_, studies_.get(), &catalog_);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(5, 0);
    if (!token_.empty()) client.set_bearer_token_auth(token_);
    return client;
  }

  Json Call(const std::string& method, const std::string& path, const Json& body = nullptr,
            int expected_status = 200) {
    auto client = Client();
    httplib::Result res =
        method == "GET"      ? client.Get(path)
        : method == "DELETE" ? client.Delete(path)
        : method == "PUT"    ? client.Put(path, body.is_null() ? "" : DumpJson(body), "application/json")
        : method == "PATCH"  ? client.Patch(path, body.is_null() ? "" : DumpJson(body), "application/json")
                             : client.Post(path, body.is_null() ? "" : DumpJson(body), "application/json");
    EXPECT_TRUE(res) << method << " " << path;
    if (!res) return nullptr;
    EXPECT_EQ(res->status, expected_status) << method << " " << path << ": " << res->body;
    return Json::parse(res->body, nullptr, false);
  }

  int64_t CreateTask(const std::string& name = "quickstart") {
    return Call("POST", "/api/tasks", QuickstartTask(name), 201)["id"].get<int64_t>();
  }

  // Reads an SSE stream until `done` says so (checked after each chunk) or the timeout passes.
  SseReader ReadStream(const std::string& path, const httplib::Headers& headers,
                       const std::function<bool(const SseReader&)>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5), int* status = nullptr) {
    SseReader reader;
    auto client = Client();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    client.Get(
        path, headers,
        [&](const httplib::Response& response) {
          if (status != nullptr) *status = response.status;
          return true;
        },
        [&](const char* data, size_t length) {
          reader.Feed(std::string_view(data, length));
          return !done(reader) && std::chrono::steady_clock::now() < deadline;
        });
    return reader;
  }

  runner::EventBus bus_;
  std::unique_ptr<FakeStudies> studies_;
  std::unique_ptr<Server> server_;
  std::string token_;
};

void ExpectErrorShape(const httplib::Result& res, int status, const std::string& what) {
  ASSERT_TRUE(res) << what;
  EXPECT_EQ(res->status, status) << what << ": " << res->body;
  const Json body = Json::parse(res->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << what << ": " << res->body;
  ASSERT_TRUE(body.contains("error")) << what;
  EXPECT_EQ(body["error"]["code"], status) << what;
  EXPECT_TRUE(body["error"]["type"].is_string()) << what;
  EXPECT_FALSE(body["error"]["message"].get<std::string>().empty()) << what;
  EXPECT_TRUE(body["error"]["details"].is_object()) << what;
}

TEST_F(ApiServerTest, TaskLifecycleThroughTheApi) {
  StartServer();
  const Json created = Call("POST", "/api/tasks", QuickstartTask(), 201);
  const int64_t id = created["id"].get<int64_t>();
  EXPECT_EQ(created["name"], "quickstart");
  EXPECT_EQ(created["status"], "pending");
  EXPECT_EQ(created["spec"]["optimization"]["max_iterations"], 6);
  EXPECT_EQ(created["summary"]["max_iterations"], 6);
  EXPECT_EQ(created["summary"]["total"], 0);

  EXPECT_EQ(Call("GET", "/api/tasks/" + std::to_string(id))["name"], "quickstart");
  EXPECT_EQ(Call("GET", "/api/tasks/name/quickstart")["id"], id);
  const Json page = Call("GET", "/api/tasks?status=pending&limit=10&offset=0&sort=created_at&order=desc");
  EXPECT_EQ(page["total"], 1);
  EXPECT_EQ(page["limit"], 10);
  ASSERT_EQ(page["items"].size(), 1u);
  EXPECT_EQ(Call("GET", "/api/tasks?status=running")["total"], 0);

  EXPECT_EQ(Call("PATCH", "/api/tasks/" + std::to_string(id), {{"description", "changed"}})["description"],
            "changed");
  const Json copy = Call("POST", "/api/tasks/" + std::to_string(id) + "/duplicate", nullptr, 201);
  EXPECT_EQ(copy["name"], "quickstart_copy");
  EXPECT_EQ(copy["spec"]["task_name"], "quickstart_copy");
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(id) + "/duplicate", nullptr, 201)["name"],
            "quickstart_copy-2");

  // Start: running; replace and delete are refused while it runs.
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(id) + "/start", nullptr, 202)["status"], "running");
  EXPECT_EQ(studies_->started(), std::vector<int64_t>{id});
  Call("POST", "/api/tasks/" + std::to_string(id) + "/start", nullptr, 409);
  Call("PUT", "/api/tasks/" + std::to_string(id), QuickstartTask(), 409);
  Call("DELETE", "/api/tasks/" + std::to_string(id), nullptr, 409);
  Call("POST", "/api/tasks/" + std::to_string(id) + "/clear", nullptr, 409);

  // A study's results, as the runner would leave them.
  auto e1 = store_->CreateExperiment(id, 1, {{"schedule-policy", "lpm"}});
  ASSERT_TRUE(e1.ok());
  ASSERT_TRUE(store_->SetExperimentStatus(e1->id, ExperimentStatus::kDeploying).ok());
  ASSERT_TRUE(
      store_
          ->FinishExperiment(
              e1->id, {ExperimentStatus::kSuccess, {{"mean_e2e_latency", 0.5}}, 0.5, true, std::nullopt, ""})
          .ok());
  auto e2 = store_->CreateExperiment(id, 2, {{"schedule-policy", "fcfs"}});
  ASSERT_TRUE(e2.ok());
  ASSERT_TRUE(store_
                  ->FinishExperiment(e2->id, {ExperimentStatus::kFailed, nullptr, std::nullopt, std::nullopt,
                                              FailureClass::kOom, "OOM"})
                  .ok());
  ASSERT_TRUE(store_->AppendLog(id, e1->id, "info", "[Experiment 1] Status: DEPLOYING").ok());

  const Json experiments = Call("GET", "/api/tasks/" + std::to_string(id) + "/experiments");
  ASSERT_EQ(experiments["items"].size(), 2u);
  EXPECT_EQ(experiments["items"][0]["experiment_id"], 1);
  EXPECT_EQ(experiments["items"][1]["error_class"], "oom");
  const Json one = Call("GET", "/api/experiments/" + std::to_string(e1->id) + "?logs=true");
  EXPECT_EQ(one["status"], "success");
  EXPECT_TRUE(one.contains("engine_log"));
  EXPECT_FALSE(Call("GET", "/api/experiments/" + std::to_string(e1->id)).contains("engine_log"));
  const Json summary = Call("GET", "/api/tasks/" + std::to_string(id))["summary"];
  EXPECT_EQ(summary["total"], 2);
  EXPECT_EQ(summary["success"], 1);
  EXPECT_EQ(summary["failed"], 1);
  EXPECT_EQ(summary["best_experiment_id"], e1->id);
  EXPECT_DOUBLE_EQ(summary["best_score"].get<double>(), 0.5);
  const Json logs = Call("GET", "/api/experiments/" + std::to_string(e1->id) + "/logs");
  ASSERT_EQ(logs["items"].size(), 1u);
  EXPECT_EQ(logs["items"][0]["line"], "[Experiment 1] Status: DEPLOYING");

  // Cancel, then the finished task can be exported, replaced, cleared and deleted.
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(id) + "/cancel", nullptr, 202)["status"],
            "cancelled");
  Call("POST", "/api/tasks/" + std::to_string(id) + "/cancel", nullptr, 409);
  Call("POST", "/api/tasks/" + std::to_string(id) + "/start", nullptr, 409);  // finished: restart it
  auto client = Client();
  auto csv = client.Get("/api/tasks/" + std::to_string(id) + "/export?format=csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->status, 200);
  EXPECT_EQ(csv->get_header_value("Content-Type"), "text/csv");
  EXPECT_EQ(csv->body.substr(0, 10), "experiment");
  auto yaml = client.Get("/api/tasks/" + std::to_string(id) + "/export?format=yaml");
  ASSERT_TRUE(yaml);
  EXPECT_NE(yaml->body.find("task_name: quickstart"), std::string::npos);
  const Json exported = Call("GET", "/api/tasks/" + std::to_string(id) + "/export?format=json");
  EXPECT_EQ(exported["total_experiments"], 2);
  EXPECT_EQ(exported["best_result"]["id"], e1->id);

  // Its experiments were measured under this document: a replace is refused until they are cleared.
  Json replacement = QuickstartTask();
  replacement["optimization"]["max_iterations"] = 3;
  const Json refused = Call("PUT", "/api/tasks/" + std::to_string(id), replacement, 409);
  EXPECT_EQ(refused["error"]["type"], "has_experiments");
  EXPECT_EQ(refused["error"]["message"], "task has experiments: duplicate or clear first");
  EXPECT_EQ(Call("GET", "/api/tasks/" + std::to_string(id))["spec"]["optimization"]["max_iterations"], 6);
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(id) + "/clear")["status"], "pending");
  EXPECT_EQ(Call("GET", "/api/tasks/" + std::to_string(id) + "/experiments")["items"].size(), 0u);
  EXPECT_EQ(
      Call("PUT", "/api/tasks/" + std::to_string(id), replacement)["spec"]["optimization"]["max_iterations"],
      3);
  EXPECT_EQ(Call("DELETE", "/api/tasks/" + std::to_string(id))["deleted"], id);
  Call("GET", "/api/tasks/" + std::to_string(id), nullptr, 404);
  EXPECT_EQ(Call("GET", "/api/tasks")["total"], 2);  // the copies
}

// Before: the copy of a 60-character name was 65 characters long and failed only when started.
TEST_F(ApiServerTest, DuplicatesOfALongNameStayWithinTheNameLimitAndAreValid) {
  StartServer();
  const std::string long_name(60, 'n');
  const int64_t id = Call("POST", "/api/tasks", QuickstartTask(long_name), 201)["id"];
  std::set<std::string> names;
  for (int i = 0; i < 3; ++i) {
    const Json copy = Call("POST", "/api/tasks/" + std::to_string(id) + "/duplicate", nullptr, 201);
    const std::string name = copy["name"];
    EXPECT_LE(name.size(), task::kMaxTaskNameLength) << name;
    EXPECT_TRUE(name.find("_copy") != std::string::npos) << name;
    EXPECT_EQ(copy["spec"]["task_name"], name);
    EXPECT_TRUE(task::ParseTask(copy["spec"], &catalog_).ok()) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 3u);
}

TEST_F(ApiServerTest, CancellingOneExperimentAsksItsStudyAndLeavesTheStudyRunning) {
  StartServer();
  const int64_t id = CreateTask();
  const std::string task_path = "/api/tasks/" + std::to_string(id);
  Call("POST", task_path + "/start", nullptr, 202);
  auto done = store_->CreateExperiment(id, 1, {{"schedule-policy", "lpm"}});
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(store_
                  ->FinishExperiment(
                      done->id,
                      {ExperimentStatus::kSuccess, {{"mean_e2e_latency", 0.5}}, 0.5, true, std::nullopt, ""})
                  .ok());
  auto hung = store_->CreateExperiment(id, 2, {{"schedule-policy", "fcfs"}});
  ASSERT_TRUE(hung.ok());
  ASSERT_TRUE(store_->SetExperimentStatus(hung->id, ExperimentStatus::kDeploying).ok());
  const std::string hung_path = "/api/experiments/" + std::to_string(hung->id) + "/cancel";

  const Json answer = Call("POST", hung_path, nullptr, 202);
  EXPECT_EQ(answer["id"], hung->id);
  EXPECT_EQ(answer["experiment_id"], 2);
  EXPECT_TRUE(*store_->ExperimentCancelRequested(hung->id));
  EXPECT_FALSE(*store_->ExperimentCancelRequested(done->id));
  EXPECT_FALSE(*store_->CancelRequested(id));  // the study itself goes on
  EXPECT_EQ(Call("GET", task_path)["status"], "running");
  const Json logs = Call("GET", "/api/experiments/" + std::to_string(hung->id) + "/logs");
  ASSERT_EQ(logs["items"].size(), 1u);
  EXPECT_EQ(logs["items"][0]["line"], "[Experiment 2] Cancel requested");

  const Json finished =
      Call("POST", "/api/experiments/" + std::to_string(done->id) + "/cancel", nullptr, 409);
  EXPECT_EQ(finished["error"]["message"], "experiment 1 is already success");
  Call("POST", "/api/experiments/999999/cancel", nullptr, 404);
  Call("POST", "/api/experiments/x/cancel", nullptr, 400);
  // A task that is not running has no study to act on the request.
  Call("POST", task_path + "/cancel", nullptr, 202);
  const Json idle = Call("POST", hung_path, nullptr, 409);
  EXPECT_EQ(idle["error"]["message"], "task quickstart is not running");
}

TEST_F(ApiServerTest, RestartRunsANewTaskAndKeepsTheOldResults) {
  StartServer();
  const int64_t id = CreateTask();
  auto e1 = store_->CreateExperiment(id, 1, {{"schedule-policy", "lpm"}});
  ASSERT_TRUE(e1.ok());
  ASSERT_TRUE(
      store_
          ->FinishExperiment(
              e1->id, {ExperimentStatus::kSuccess, {{"mean_e2e_latency", 0.5}}, 0.5, true, std::nullopt, ""})
          .ok());
  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kCompleted, "max_iterations").ok());

  auto client = Client();
  auto res = client.Post("/api/tasks/" + std::to_string(id) + "/restart", "", "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const Json rerun = Json::parse(res->body);
  const int64_t rerun_id = rerun["id"].get<int64_t>();
  EXPECT_NE(rerun_id, id);
  EXPECT_EQ(res->get_header_value("Location"), "/api/tasks/" + std::to_string(rerun_id));
  EXPECT_EQ(rerun["name"], "quickstart-2");
  EXPECT_EQ(rerun["spec"]["task_name"], "quickstart-2");
  EXPECT_EQ(rerun["spec"]["optimization"],
            Call("GET", "/api/tasks/" + std::to_string(id))["spec"]["optimization"]);
  EXPECT_EQ(rerun["status"], "running");
  EXPECT_EQ(rerun["summary"]["total"], 0);
  EXPECT_EQ(studies_->started(), std::vector<int64_t>{rerun_id});

  // The old task is as it was: its status and its experiment.
  const Json old = Call("GET", "/api/tasks/" + std::to_string(id));
  EXPECT_EQ(old["status"], "completed");
  const Json experiments = Call("GET", "/api/tasks/" + std::to_string(id) + "/experiments");
  ASSERT_EQ(experiments["items"].size(), 1u);
  EXPECT_EQ(experiments["items"][0]["id"], e1->id);

  // A running rerun is not restarted; a rerun of the rerun is the next number, not quickstart-2-2.
  Call("POST", "/api/tasks/" + std::to_string(rerun_id) + "/restart", nullptr, 409);
  Call("POST", "/api/tasks/" + std::to_string(rerun_id) + "/cancel", nullptr, 202);
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(rerun_id) + "/restart", nullptr, 201)["name"],
            "quickstart-3");
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(id) + "/restart", nullptr, 201)["name"],
            "quickstart-4");
  // A name that merely ends in a number is not a rerun of another task.
  const int64_t llama = CreateTask("llama-3");
  ASSERT_TRUE(store_->SetTaskStatus(llama, TaskStatus::kCompleted).ok());
  EXPECT_EQ(Call("POST", "/api/tasks/" + std::to_string(llama) + "/restart", nullptr, 201)["name"],
            "llama-3-2");
}

TEST_F(ApiServerTest, ListIsPagedAndSorted) {
  StartServer();
  for (int i = 0; i < 5; ++i) CreateTask("t" + std::to_string(i));
  const Json page = Call("GET", "/api/tasks?limit=2&offset=1&sort=name&order=asc");
  EXPECT_EQ(page["total"], 5);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["name"], "t1");
  EXPECT_EQ(page["items"][1]["name"], "t2");
  EXPECT_EQ(Call("GET", "/api/tasks?sort=name&order=desc&limit=1")["items"][0]["name"], "t4");
}

TEST_F(ApiServerTest, ValidationErrorsNameEveryFieldPath) {
  StartServer();
  Json bad = QuickstartTask();
  bad["benchmark"]["num_concurrency"] = {1, -4};
  bad["optimization"]["max_iterations"] = "many";
  bad["tasknme"] = 1;
  const Json error = Call("POST", "/api/tasks", bad, 422)["error"];
  EXPECT_EQ(error["type"], "validation_error");
  std::set<std::string> paths;
  for (const auto& e : error["details"]["errors"]) paths.insert(e["path"].get<std::string>());
  EXPECT_TRUE(paths.count("benchmark.num_concurrency[1]")) << error.dump();
  EXPECT_TRUE(paths.count("optimization.max_iterations")) << error.dump();
  EXPECT_TRUE(paths.count("tasknme")) << error.dump();
}

TEST_F(ApiServerTest, EventStreamDeliversEveryTransitionInStoreOrder) {
  StartServer();
  const int64_t id = CreateTask();
  // The runner's order: persist, then publish.
  std::thread study([&] {
    autotuner::testing::CatchAll("study", [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      (void)store_->SetTaskStatus(id, TaskStatus::kRunning);
      bus_.Publish(id, runner::TaskStatusChanged{id, TaskStatus::kRunning, ""});
      for (int n = 1; n <= 3; ++n) {
        auto e = store_->CreateExperiment(id, n, {{"schedule-policy", n % 2 ? "lpm" : "fcfs"}});
        bus_.Publish(id, runner::ExperimentCreated{
                             {{"task_id", id}, {"id", e->id}, {"experiment_id", n}, {"status", "pending"}}});
        for (const auto status : {ExperimentStatus::kDeploying, ExperimentStatus::kBenchmarking}) {
          (void)store_->SetExperimentStatus(e->id, status);
          bus_.Publish(id, runner::ExperimentStatusChanged{id, e->id, n, status, store::Now()});
        }
        (void)store_->FinishExperiment(
            e->id,
            {ExperimentStatus::kSuccess, {{"mean_e2e_latency", 1.0 * n}}, 1.0 * n, true, std::nullopt, ""});
        bus_.Publish(id, runner::ExperimentFinished{
                             {{"task_id", id}, {"id", e->id}, {"experiment_id", n}, {"status", "success"}}});
      }
      (void)store_->SetTaskStatus(id, TaskStatus::kCompleted, "budget");
      bus_.Publish(id, runner::TaskStatusChanged{id, TaskStatus::kCompleted, "budget"});
    });
  });
  // Another task's events must not leak into this stream.
  bus_.Publish(id + 100, runner::TaskStatusChanged{id + 100, TaskStatus::kRunning, ""});
  const SseReader reader =
      ReadStream("/api/tasks/" + std::to_string(id) + "/events", {}, [](const SseReader& r) {
        return !r.events.empty() && r.events.back().data.value("status", "") == "completed";
      });
  study.join();
  // Rebuild the expected sequence from the store.
  std::vector<std::string> expected = {"task_status:running"};
  auto experiments = store_->ListExperiments(id);
  ASSERT_TRUE(experiments.ok());
  for (const auto& e : *experiments) {
    expected.push_back("experiment_created:pending");
    for (const auto& t : e.transitions)
      if (t.status == ExperimentStatus::kDeploying || t.status == ExperimentStatus::kBenchmarking)
        expected.push_back("experiment_status:" + std::string(Name(t.status)));
    expected.push_back("experiment_finished:" + std::string(Name(e.status)));
  }
  expected.push_back("task_status:completed");
  std::vector<std::string> got;
  int64_t previous = 0;
  for (const auto& e : reader.events) {
    got.push_back(e.type + ":" + e.data.value("status", ""));
    EXPECT_EQ(e.data["task_id"], id);
    EXPECT_GT(std::stoll(e.id), previous);
    previous = std::stoll(e.id);
  }
  EXPECT_EQ(got, expected);
}

TEST_F(ApiServerTest, ReconnectWithLastEventIdLosesNothing) {
  StartServer();
  const int64_t id = CreateTask();
  for (int i = 1; i <= 10; ++i) bus_.Publish(id, Progress(id, i));
  // Read four, then drop the connection.
  const SseReader first = ReadStream("/api/tasks/" + std::to_string(id) + "/events", {},
                                     [](const SseReader& r) { return r.events.size() >= 4; });
  ASSERT_GE(first.events.size(), 4u);
  const std::string last_id = first.events[3].id;
  for (int i = 11; i <= 15; ++i) bus_.Publish(id, Progress(id, i));
  const SseReader second =
      ReadStream("/api/tasks/" + std::to_string(id) + "/events", {{"Last-Event-ID", last_id}},
                 [](const SseReader& r) { return !r.events.empty() && r.events.back().data["done"] == 15; });
  std::vector<int> done;
  for (const auto& e : second.events) done.push_back(e.data["done"].get<int>());
  EXPECT_EQ(done, (std::vector<int>{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  // ?since= does the same for clients that cannot set headers.
  const SseReader third =
      ReadStream("/api/tasks/" + std::to_string(id) + "/events?since=" + second.events[8].id, {},
                 [](const SseReader& r) { return r.events.size() >= 2; });
  ASSERT_GE(third.events.size(), 2u);
  EXPECT_EQ(third.events[0].data["done"], 14);
}

runner::LogLine Line(int64_t task_id, int64_t log_id, std::string text) {
  runner::LogLine line;
  line.task_id = task_id;
  line.log_id = log_id;
  line.level = "info";
  line.text = std::move(text);
  return line;
}

TEST_F(ApiServerTest, OneStreamCarriesEveryTasksEventsAndTheLogsOfTheTasksAskedFor) {
  StartServer();
  const int64_t a = CreateTask("a");
  const int64_t b = CreateTask("b");
  bus_.Publish(a, runner::TaskStatusChanged{a, TaskStatus::kRunning, ""});
  bus_.Publish(b, runner::TaskStatusChanged{b, TaskStatus::kRunning, ""});
  bus_.Publish(a, Line(a, 1, "a's line"));
  bus_.Publish(b, Line(b, 2, "b's line"));
  bus_.Publish(b, Progress(b, 1));
  bus_.Publish(a, runner::TaskStatusChanged{a, TaskStatus::kCompleted, "budget"});
  const auto done = [](const SseReader& r) {
    return !r.events.empty() && r.events.back().data.value("stop_reason", "") == "budget";
  };
  std::vector<std::string> got;
  for (const auto& e : ReadStream("/api/events?logs=" + std::to_string(a), {}, done).events)
    got.push_back(e.type + ":" + std::to_string(e.data["task_id"].get<int64_t>()));
  const std::string ta = std::to_string(a), tb = std::to_string(b);
  EXPECT_EQ(got, (std::vector<std::string>{"task_status:" + ta, "task_status:" + tb, "log:" + ta,
                                           "progress:" + tb, "task_status:" + ta}));
  // Without ?logs no log line; resuming with Last-Event-ID works as on a task's stream.
  const SseReader quiet = ReadStream("/api/events", {}, done);
  ASSERT_EQ(quiet.events.size(), 4u);
  for (const auto& e : quiet.events) EXPECT_NE(e.type, "log");
  const SseReader resumed = ReadStream("/api/events", {{"Last-Event-ID", quiet.events[2].id}}, done);
  ASSERT_EQ(resumed.events.size(), 1u);
  EXPECT_EQ(resumed.events[0].data["stop_reason"], "budget");
  int status = 0;
  (void)ReadStream(
      "/api/events?logs=1,x", {}, [](const SseReader&) { return true; }, std::chrono::seconds(5), &status);
  EXPECT_EQ(status, 400);
}

TEST_F(ApiServerTest, ResumePointFromBeforeARestartAsksForAReload) {
  StartServer();
  const int64_t id = CreateTask();
  bus_.Publish(id, Progress(id, 1));
  std::thread later([&] {
    autotuner::testing::CatchAll("later", [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      bus_.Publish(id, Progress(id, 2));
    });
  });
  // Last-Event-ID 5000 was handed out by an earlier server process (ids restart with the process).
  SseReader reader;
  bool resync = false;
  auto client = Client();
  client.Get("/api/tasks/" + std::to_string(id) + "/events", {{"Last-Event-ID", "5000"}},
             [&](const char* data, size_t length) {
               const std::string_view chunk(data, length);
               resync |= chunk.find("event: resync") != std::string_view::npos &&
                         chunk.find("server_restarted") != std::string_view::npos;
               reader.Feed(chunk);
               return reader.events.size() < 2;
             });
  later.join();
  EXPECT_TRUE(resync);
  ASSERT_EQ(reader.events.size(), 2u);
  EXPECT_EQ(reader.events[0].type, "resync");
  EXPECT_EQ(reader.events[1].data["done"], 2);  // only what came after: the client reloads the rest
}

TEST_F(ApiServerTest, StreamsAreEventStreamsWithHeartbeats) {
  StartServer();
  const int64_t id = CreateTask();
  auto client = Client();
  std::string content_type;
  SseReader reader;
  const auto start = std::chrono::steady_clock::now();
  auto res = client.Get(
      "/api/tasks/" + std::to_string(id) + "/events",
      [&](const httplib::Response& r) {
        content_type = r.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t length) {
        reader.Feed(std::string_view(data, length));
        return reader.heartbeats < 2 && std::chrono::steady_clock::now() - start < std::chrono::seconds(5);
      });
  EXPECT_EQ(content_type, "text/event-stream");
  EXPECT_GE(reader.heartbeats, 2);
}

TEST_F(ApiServerTest, LogStreamFollowsTheStoreAndResumes) {
  StartServer();
  const int64_t other = CreateTask("other");
  ASSERT_TRUE(store_->CreateExperiment(other, 1, Json::object()).ok());  // so store ids and numbers differ
  const int64_t id = CreateTask();
  auto e = store_->CreateExperiment(id, 1, Json::object());
  ASSERT_TRUE(e.ok());
  ASSERT_NE(e->id, 1);
  ASSERT_TRUE(store_->AppendLog(id, std::nullopt, "info", "study started").ok());
  ASSERT_TRUE(store_->AppendLog(id, e->id, "info", "[Experiment 1] Status: DEPLOYING").ok());
  std::thread writer([&] {
    autotuner::testing::CatchAll("writer", [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      // No bus event: the stream must notice a line written by another process by itself.
      (void)store_->AppendLog(id, e->id, "info", "engine ready");
    });
  });
  const auto start = std::chrono::steady_clock::now();
  const SseReader all = ReadStream("/api/tasks/" + std::to_string(id) + "/logs?follow=true", {},
                                   [](const SseReader& r) { return r.events.size() >= 3; });
  writer.join();
  ASSERT_EQ(all.events.size(), 3u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(all.events[0].type, "log");
  EXPECT_EQ(all.events[0].data["line"], "study started");
  EXPECT_TRUE(all.events[0].data["experiment_id"].is_null());
  EXPECT_EQ(all.events[2].data["line"], "engine ready");
  EXPECT_EQ(all.events[1].data["experiment_id"], 1);  // the number within the task, not the store id
  EXPECT_EQ(all.events[2].id, std::to_string(all.events[2].data["log_id"].get<int64_t>()));
  // Resume after the first line; the experiment's stream has only its own lines.
  const SseReader resumed = ReadStream("/api/tasks/" + std::to_string(id) + "/logs?follow=true",
                                       {{"Last-Event-ID", all.events[0].id}},
                                       [](const SseReader& r) { return r.events.size() >= 2; });
  ASSERT_EQ(resumed.events.size(), 2u);
  EXPECT_EQ(resumed.events[0].data["line"], "[Experiment 1] Status: DEPLOYING");
  const SseReader experiment = ReadStream("/api/experiments/" + std::to_string(e->id) + "/logs?follow=true",
                                          {}, [](const SseReader& r) { return r.events.size() >= 2; });
  ASSERT_EQ(experiment.events.size(), 2u);
  EXPECT_EQ(experiment.events[1].data["line"], "engine ready");
  const Json listed = Call("GET", "/api/tasks/" + std::to_string(id) + "/logs?after=" + all.events[0].id);
  ASSERT_EQ(listed["items"].size(), 2u);
  EXPECT_EQ(listed["items"][0]["experiment_id"], 1);
  EXPECT_EQ(Call("GET", "/api/experiments/" + std::to_string(e->id) + "/logs")["items"][0]["experiment_id"],
            1);
}

TEST_F(ApiServerTest, AuthRequiredAcceptedAndRefused) {
  ServerOptions options;
  options.token = "s3cret";
  StartServer(options);
  auto client = Client();
  ExpectErrorShape(client.Get("/api/tasks"), 401, "no credentials");
  httplib::Headers wrong = {{"Authorization", "Bearer nope"}};
  ExpectErrorShape(client.Get("/api/tasks", wrong), 401, "wrong bearer");
  ExpectErrorShape(client.Get("/api/tasks/1/events"), 401, "stream without credentials");
  EXPECT_EQ(client.Get("/api/system/health")->status, 200);  // health is public
  ExpectErrorShape(client.Post("/api/auth/login", R"({"token":"nope"})", "application/json"), 401,
                   "wrong login");

  auto login = client.Post("/api/auth/login", R"({"token":"s3cret"})", "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  EXPECT_EQ(Json::parse(login->body)["ok"], true);
  const std::string cookie = login->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("autotuner_token=s3cret"), std::string::npos);
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  httplib::Headers with_cookie = {{"Cookie", "theme=dark; autotuner_token=s3cret"}};
  EXPECT_EQ(client.Get("/api/tasks", with_cookie)->status, 200);
  httplib::Headers bad_cookie = {{"Cookie", "autotuner_token=s3cre"}};
  EXPECT_EQ(client.Get("/api/tasks", bad_cookie)->status, 401);

  token_ = "s3cret";
  EXPECT_EQ(Call("GET", "/api/system/info")["auth_required"], true);
  const int64_t id = CreateTask();
  token_.clear();
  int status = 0;
  bus_.Publish(id, Progress(id, 0));
  const SseReader stream = ReadStream(
      "/api/tasks/" + std::to_string(id) + "/events", with_cookie,
      [](const SseReader& r) { return !r.events.empty(); }, std::chrono::seconds(5), &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(stream.events.size(), 1u);
}

TEST_F(ApiServerTest, RepeatedWrongLoginsAreRefused) {
  ServerOptions options;
  options.token = "s3cret";
  StartServer(options);
  auto client = Client();
  for (int i = 0; i < 10; ++i)
    ExpectErrorShape(client.Post("/api/auth/login", R"({"token":"guess"})", "application/json"), 401,
                     "guess");
  // Locked out for the window, even with the right token, and bearer tokens share the limit (no guessing
  // through the header instead).
  ExpectErrorShape(client.Post("/api/auth/login", R"({"token":"s3cret"})", "application/json"), 429,
                   "locked");
  ExpectErrorShape(client.Get("/api/tasks", {{"Authorization", "Bearer s3cret"}}), 429, "bearer locked");
}

TEST_F(ApiServerTest, NonLoopbackBindNeedsATokenOrInsecure) {
  ServerOptions options;
  options.host = "0.0.0.0";
  options.port = 0;
  EXPECT_FALSE(CheckBindSecurity(options).ok());
  Server refused(options, store_.get(), &bus_, studies_.get(), &catalog_);
  const Status s = refused.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  options.insecure = true;
  EXPECT_TRUE(CheckBindSecurity(options).ok());
  options.insecure = false;
  options.token = "t";
  EXPECT_TRUE(CheckBindSecurity(options).ok());
  options.token.clear();
  options.host = "127.0.0.1";
  EXPECT_TRUE(CheckBindSecurity(options).ok());
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_TRUE(IsLoopback("localhost"));
  EXPECT_FALSE(IsLoopback("192.168.1.4"));
}

struct BadRequest {
  std::string method;
  std::string path;
  std::string body;
  int status;
};

TEST_F(ApiServerTest, BadRequestsGetTheRight4xxInTheErrorShape) {
  ServerOptions options;
  options.max_body_bytes = 64 * 1024;
  StartServer(options);
  const int64_t id = CreateTask();
  const std::string t = "/api/tasks/" + std::to_string(id);
  auto preset = Call("POST", "/api/presets", {{"name", "mine"}, {"parameters", {{"tp-size", {1, 2}}}}}, 201);
  const std::string p = "/api/presets/" + std::to_string(preset["id"].get<int64_t>());
  Json builtin;
  const Json presets = Call("GET", "/api/presets");
  for (const auto& item : presets["items"])
    if (item["builtin"].get<bool>()) builtin = item;
  ASSERT_TRUE(builtin.is_object());
  const std::string b = "/api/presets/" + std::to_string(builtin["id"].get<int64_t>());
  Json wrong_types = QuickstartTask("typed");
  wrong_types["parameters"] = "tp-size";
  wrong_types["benchmark"]["num_concurrency"] = "eight";
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  const std::string big = "{\"description\": \"" + std::string(100 * 1024, 'x') + "\"}";

  const std::vector<BadRequest> cases = {
      {"POST", "/api/tasks", "{", 400},
      {"POST", "/api/tasks", "", 400},
      {"POST", "/api/tasks", "[1,2]", 400},
      {"POST", "/api/tasks", "\"task\"", 400},
      {"POST", "/api/tasks", "{\"task_name\": }", 400},
      {"POST", "/api/tasks", "{}", 422},
      {"POST", "/api/tasks", DumpJson(wrong_types), 422},
      {"POST", "/api/tasks", DumpJson(QuickstartTask()), 409},  // name taken
      {"POST", "/api/tasks", deep, 400},
      {"POST", "/api/tasks", big, 413},
      {"GET", "/api/tasks/abc", "", 400},
      {"GET", "/api/tasks/-1", "", 400},
      {"GET", "/api/tasks/0", "", 400},
      {"GET", "/api/tasks/99999999999999999999999", "", 400},
      {"GET", "/api/tasks/424242", "", 404},
      {"GET", "/api/tasks/name/nosuch", "", 404},
      {"GET", "/api/tasks?limit=0", "", 400},
      {"GET", "/api/tasks?limit=100000", "", 400},
      {"GET", "/api/tasks?limit=ten", "", 400},
      {"GET", "/api/tasks?offset=-5", "", 400},
      {"GET", "/api/tasks?sort=password", "", 400},
      {"GET", "/api/tasks?order=sideways", "", 400},
      {"GET", "/api/tasks?status=exploded", "", 400},
      {"PUT", t, "{", 400},
      {"PUT", t, "{\"task_name\": \"other\"}", 422},
      {"PUT", "/api/tasks/424242", DumpJson(QuickstartTask()), 404},
      {"PATCH", t, "{\"description\": 5}", 422},
      {"PATCH", t, "{\"status\": \"completed\"}", 422},
      {"PATCH", t, "null", 400},
      {"DELETE", "/api/tasks/424242", "", 404},
      {"POST", "/api/tasks/424242/start", "", 404},
      {"POST", t + "/cancel", "", 409},  // pending but nothing ... handled below after cancel
      {"GET", t + "/export?format=pdf", "", 400},
      {"GET", "/api/tasks/424242/experiments", "", 404},
      {"GET", "/api/experiments/424242", "", 404},
      {"GET", "/api/experiments/x1", "", 400},
      {"GET", "/api/experiments/1?logs=maybe", "", 400},
      {"GET", t + "/events", "", 0},  // placeholder replaced below
      {"GET", "/api/tasks/424242/events", "", 404},
      {"GET", "/api/tasks/424242/logs?follow=true", "", 404},
      {"GET", t + "/logs?follow=perhaps", "", 400},
      {"GET", t + "/logs?limit=0", "", 400},
      {"GET", "/api/experiments/424242/logs?follow=true", "", 404},
      {"GET", "/api/runtimes/nosuch/flags", "", 404},
      {"GET", "/api/runtimes/sim-sglang/flags?tuned=sometimes", "", 400},
      {"POST", "/api/presets", "{\"parameters\": {}}", 422},
      {"POST", "/api/presets", "{\"name\": 3, \"parameters\": {\"a\": [1]}}", 422},
      {"POST", "/api/presets", "{\"name\": \"x\", \"parameters\": {\"a\": []}}", 422},
      {"POST", "/api/presets", "{\"name\": \"x\", \"parameters\": [1]}", 422},
      {"POST", "/api/presets", "{\"name\": \"mine\", \"parameters\": {\"a\": [1]}}", 409},
      {"GET", "/api/presets/424242", "", 404},
      {"PUT", b, "{\"parameters\": {\"a\": [1]}}", 403},
      {"DELETE", b, "", 403},
      {"PUT", p, "{\"parameters\": 7}", 422},
      {"POST", "/api/presets/merge", "{\"ids\": [1], \"strategy\": \"union\"}", 422},
      {"POST", "/api/presets/merge", "{\"ids\": [424242, 1], \"strategy\": \"union\"}", 422},
      {"POST", "/api/presets/merge", "{\"ids\": [1, 2], \"strategy\": \"average\"}", 422},
      {"POST", "/api/presets/merge", "{\"ids\": \"1,2\"}", 422},
      {"POST", "/api/presets/import", "{\"presets\": []}", 400},
      {"POST", "/api/presets/import", "{\"presets\": [{\"name\": \"y\"}]}", 422},
      {"GET", "/api/nosuch", "", 404},
      {"GET", "/api", "", 404},
      {"DELETE", "/api/tasks", "", 405},
      {"PATCH", "/api/system/info", "{}", 405},
      {"POST", "/api/auth/login", "{}", 422},
      {"POST", "/api/auth/login", "{\"token\": 1}", 422},
      {"POST", "/api/auth/login", "nope", 400},
      {"GET", "/api/auth/login", "", 405},
  };
  // A pending task can be cancelled; after that a second cancel is a conflict. Do the first one now.
  Call("POST", t + "/cancel", nullptr, 202);
  int checked = 0;
  auto client = Client();
  for (const auto& c : cases) {
    if (c.status == 0) continue;
    httplib::Result res = c.method == "GET"      ? client.Get(c.path)
                          : c.method == "DELETE" ? client.Delete(c.path, c.body, "application/json")
                          : c.method == "PUT"    ? client.Put(c.path, c.body, "application/json")
                          : c.method == "PATCH"  ? client.Patch(c.path, c.body, "application/json")
                                                 : client.Post(c.path, c.body, "application/json");
    ExpectErrorShape(res, c.status, c.method + " " + c.path + " " + c.body.substr(0, 40));
    ++checked;
  }
  EXPECT_GE(checked, 40);
  // Still serving after all of that.
  EXPECT_EQ(Call("GET", "/api/system/health")["status"], "ok");
}

TEST_F(ApiServerTest, PerClientStreamLimit) {
  ServerOptions options;
  options.max_streams_per_client = 2;
  StartServer(options);
  const int64_t id = CreateTask();
  std::atomic<bool> stop{false};
  std::atomic<int> open{0};
  std::vector<std::thread> holders;
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      autotuner::testing::CatchAll(
          "holders",
          [&] {
            auto client = Client();
            bool counted = false;
            client.Get("/api/tasks/" + std::to_string(id) + "/events", [&](const char*, size_t) {
              if (!counted) counted = true, ++open;
              return !stop;
            });
          },
          [&] { ++open; });
    });
  }
  while (open < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ExpectErrorShape(Client().Get("/api/tasks/" + std::to_string(id) + "/events"), 429, "third stream");
  stop = true;
  for (auto& h : holders) h.join();
  // Slots come back when the streams close (the next heartbeat notices the client left).
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  int status = 0;
  ReadStream(
      "/api/tasks/" + std::to_string(id) + "/events", {}, [](const SseReader& r) { return r.heartbeats > 0; },
      std::chrono::seconds(3), &status);
  EXPECT_EQ(status, 200);
}

TEST_F(ApiServerTest, StaticWebRootWithSpaFallbackAndNoTraversal) {
  fs::create_directories(dir_ / "web" / "assets");
  std::ofstream(dir_ / "web" / "index.html") << "<html>app</html>";
  std::ofstream(dir_ / "web" / "assets" / "app.js") << "console.log(1)";
  std::ofstream(dir_ / "secret.txt") << "do not serve";
  fs::create_symlink(dir_ / "secret.txt", dir_ / "web" / "link.txt");
  ServerOptions options;
  options.web_root = (dir_ / "web").string();
  StartServer(options);
  auto client = Client();
  auto index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, "<html>app</html>");
  EXPECT_EQ(client.Get("/tasks/3/results")->body, "<html>app</html>");
  auto js = client.Get("/assets/app.js");
  EXPECT_EQ(js->body, "console.log(1)");
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript");
  for (const std::string path : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                                 "/assets/%2E%2E/%2E%2E/secret.txt", "/link.txt", "/..%2fsecret.txt"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->body.find("do not serve"), std::string::npos) << path;
  }
  // /api never falls back to the app.
  ExpectErrorShape(client.Get("/api/tasks/1/nothing"), 404, "api path");
  ExpectErrorShape(client.Post("/index.html", "", "text/plain"), 405, "POST static");
}

TEST_F(ApiServerTest, PresetsCrudImportExportMerge) {
  StartServer();
  const Json list = Call("GET", "/api/presets");
  ASSERT_GE(list["items"].size(), 3u);
  for (const auto& item : list["items"]) EXPECT_TRUE(item["builtin"].get<bool>());
  const Json a =
      Call("POST", "/api/presets", {{"name", "a"}, {"parameters", {{"tp-size", {1, 2}}, {"x", {1}}}}}, 201);
  const Json b =
      Call("POST", "/api/presets", {{"name", "b"}, {"parameters", {{"tp_size", {2, 4}}, {"x", {2}}}}}, 201);
  const std::string pa = "/api/presets/" + std::to_string(a["id"].get<int64_t>());
  EXPECT_EQ(Call("GET", pa)["name"], "a");
  EXPECT_EQ(Call("PUT", pa,
                 {{"description", "d"}, {"parameters", {{"tp-size", {1, 2}}, {"x", {1}}}}})["description"],
            "d");

  const Json intersection =
      Call("POST", "/api/presets/merge", {{"ids", {a["id"], b["id"]}}, {"strategy", "intersection"}});
  EXPECT_EQ(intersection["parameters"], Json({{"tp-size", {2}}}));
  ASSERT_EQ(intersection["conflicts"].size(), 1u);
  EXPECT_EQ(intersection["conflicts"][0]["parameter"], "x");
  const Json saved = Call("POST", "/api/presets/merge",
                          {{"preset_ids", {a["id"], b["id"]}}, {"strategy", "last_wins"}, {"name", "ab"}});
  EXPECT_EQ(saved["parameters"], Json({{"tp-size", {2, 4}}, {"x", {2}}}));
  EXPECT_EQ(saved["conflicts"].size(), 2u);
  EXPECT_EQ(saved["preset"]["name"], "ab");
  EXPECT_EQ(Call("POST", "/api/presets/merge",
                 {{"presets", {{{"tp-size", {1}}}, {{"tp-size", {8}}}}}})["parameters"],
            Json({{"tp-size", {1, 8}}}));

  const Json exported = Call("GET", pa + "/export");
  EXPECT_EQ(exported,
            Json({{"name", "a"}, {"description", "d"}, {"parameters", {{"tp-size", {1, 2}}, {"x", {1}}}}}));
  const Json imported = Call("POST", "/api/presets/import",
                             {{"presets", {exported, {{"name", "c"}, {"parameters", {{"y", {1}}}}}}}});
  EXPECT_EQ(imported["imported"].size(), 1u);
  ASSERT_EQ(imported["skipped"].size(), 1u);
  EXPECT_EQ(imported["skipped"][0]["name"], "a");
  EXPECT_EQ(Call("DELETE", pa)["deleted"], a["id"]);
  Call("GET", pa, nullptr, 404);
}

TEST_F(ApiServerTest, EngineDataSystemAndOpenApi) {
  StartServer();
  const Json runtimes = Call("GET", "/api/runtimes");
  bool has_sim = false;
  for (const auto& r : runtimes["items"]) has_sim |= r["name"] == "sim-sglang";
  EXPECT_TRUE(has_sim);
  const Json flags = Call("GET", "/api/runtimes/sim-sglang/flags?tuned=true");
  ASSERT_FALSE(flags["items"].empty());
  for (const auto& f : flags["items"]) EXPECT_TRUE(f["tuned"].get<bool>());
  const Json quant = Call("GET", "/api/quantization/presets");
  ASSERT_EQ(quant["items"].size(), 5u);
  EXPECT_EQ(quant["items"][1], Json({{"name", "kv-cache-fp8"},
                                     {"model_dtype", "auto"},
                                     {"kv_cache_dtype", "fp8_e5m2"},
                                     {"enable_fp8_compute", false}}));
  EXPECT_EQ(Call("GET", "/api/gpus")["items"], Json::array({{{"index", 0}}, {{"index", 1}}}));
  const Json info = Call("GET", "/api/system/info");
  EXPECT_EQ(info["auth_required"], false);
  EXPECT_TRUE(info["task_defaults"].is_object());
  EXPECT_EQ(Call("GET", "/api/system/health")["status"], "ok");

  const Json openapi = Call("GET", "/api/openapi.json");
  EXPECT_EQ(openapi["openapi"], "3.0.3");
  const std::vector<std::pair<std::string, std::string>> routes = {{"/api/tasks", "get"},
                                                                   {"/api/tasks", "post"},
                                                                   {"/api/tasks/{id}", "put"},
                                                                   {"/api/tasks/{id}", "patch"},
                                                                   {"/api/tasks/{id}", "delete"},
                                                                   {"/api/tasks/name/{name}", "get"},
                                                                   {"/api/tasks/{id}/start", "post"},
                                                                   {"/api/tasks/{id}/cancel", "post"},
                                                                   {"/api/tasks/{id}/restart", "post"},
                                                                   {"/api/tasks/{id}/clear", "post"},
                                                                   {"/api/tasks/{id}/duplicate", "post"},
                                                                   {"/api/tasks/{id}/export", "get"},
                                                                   {"/api/tasks/{id}/experiments", "get"},
                                                                   {"/api/experiments/{id}", "get"},
                                                                   {"/api/tasks/{id}/pareto", "get"},
                                                                   {"/api/tasks/{id}/best", "get"},
                                                                   {"/api/tasks/validate", "post"},
                                                                   {"/api/tasks/{id}/events", "get"},
                                                                   {"/api/tasks/{id}/logs", "get"},
                                                                   {"/api/experiments/{id}/logs", "get"},
                                                                   {"/api/experiments/{id}/cancel", "post"},
                                                                   {"/api/runtimes", "get"},
                                                                   {"/api/runtimes/{name}/flags", "get"},
                                                                   {"/api/quantization/presets", "get"},
                                                                   {"/api/presets", "get"},
                                                                   {"/api/presets", "post"},
                                                                   {"/api/presets/{id}", "get"},
                                                                   {"/api/presets/{id}", "put"},
                                                                   {"/api/presets/{id}", "delete"},
                                                                   {"/api/presets/import", "post"},
                                                                   {"/api/presets/{id}/export", "get"},
                                                                   {"/api/presets/merge", "post"},
                                                                   {"/api/system/info", "get"},
                                                                   {"/api/system/health", "get"},
                                                                   {"/api/gpus", "get"},
                                                                   {"/api/openapi.json", "get"},
                                                                   {"/api/auth/login", "post"}};
  std::set<std::string> list_query;
  for (const auto& parameter : openapi["paths"]["/api/tasks"]["get"]["parameters"])
    list_query.insert(parameter["name"].get<std::string>());
  EXPECT_EQ(list_query, (std::set<std::string>{"status", "limit", "offset", "sort", "order"}));
  for (const auto& [path, method] : routes)
    EXPECT_TRUE(openapi["paths"].contains(path) && openapi["paths"][path].contains(method))
        << method << " " << path;
  // Restart answers the new task it created, as create and duplicate do.
  const Json restart = openapi["paths"]["/api/tasks/{id}/restart"]["post"]["responses"];
  EXPECT_FALSE(restart.contains("200"));
  ASSERT_TRUE(restart.contains("201"));
  EXPECT_TRUE(restart["201"]["headers"].contains("Location"));
  EXPECT_TRUE(openapi["paths"]["/api/tasks/{id}/start"]["post"]["responses"].contains("202"));
}

TEST_F(ApiServerTest, ParetoFrontOverTheTasksObjectives) {
  StartServer();
  Json doc = QuickstartTask();
  doc["optimization"]["objective"] = {"minimize_latency", "maximize_throughput"};
  const int64_t id = Call("POST", "/api/tasks", doc, 201)["id"].get<int64_t>();
  const std::vector<std::pair<double, double>> points = {{1.0, 100}, {2.0, 300}, {2.5, 200}, {0.8, 50}};
  std::vector<int64_t> ids;
  for (size_t i = 0; i < points.size(); ++i) {
    auto e = store_->CreateExperiment(id, static_cast<int64_t>(i + 1), Json::object());
    ASSERT_TRUE(e.ok());
    ids.push_back(e->id);
    Json metrics = {{"mean_e2e_latency", points[i].first},
                    {"mean_total_throughput_per_gpu", points[i].second}};
    ASSERT_TRUE(store_
                    ->FinishExperiment(
                        e->id, {ExperimentStatus::kSuccess, metrics, points[i].first, true, std::nullopt, ""})
                    .ok());
  }
  const Json pareto = Call("GET", "/api/tasks/" + std::to_string(id) + "/pareto");
  EXPECT_EQ(pareto["objectives"], Json({"minimize_latency", "maximize_throughput"}));
  std::vector<int64_t> front;
  for (const auto& e : pareto["items"]) front.push_back(e["id"].get<int64_t>());
  EXPECT_EQ(front, (std::vector<int64_t>{ids[0], ids[1], ids[3]}));  // (2.5, 200) is dominated by (2.0, 300)
}

TEST_F(ApiServerTest, StopEndsOpenStreams) {
  StartServer();
  const int64_t id = CreateTask();
  std::atomic<bool> returned{false};
  std::thread reader([&] {
    autotuner::testing::CatchAll("reader", [&] {
      auto client = Client();
      client.Get("/api/tasks/" + std::to_string(id) + "/events", [&](const char*, size_t) { return true; });
      returned = true;
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  reader.join();
  EXPECT_TRUE(returned);
}

TEST_F(ApiServerTest, CorsIsOffUnlessConfigured) {
  StartServer();
  auto client = Client();
  httplib::Headers origin = {{"Origin", "http://elsewhere.example"}};
  auto plain = client.Get("/api/system/health", origin);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_header("Access-Control-Allow-Origin"));
  ExpectErrorShape(client.Options("/api/tasks", origin), 405, "preflight without CORS");
  server_.reset();

  ServerOptions options;
  options.cors_origin = "http://ui.example";
  StartServer(options);
  auto configured = Client();
  httplib::Headers allowed = {{"Origin", "http://ui.example"}};
  auto preflight = configured.Options("/api/tasks", allowed);
  ASSERT_TRUE(preflight);
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->get_header_value("Access-Control-Allow-Origin"), "http://ui.example");
  EXPECT_NE(preflight->get_header_value("Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  auto other = configured.Get("/api/system/health", origin);
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->has_header("Access-Control-Allow-Origin"));
}

TEST(ApiJsonDepthTest, CountsNestingOutsideStrings) {
  EXPECT_EQ(JsonNestingDepth("{}"), 1u);
  EXPECT_EQ(JsonNestingDepth(R"({"a": [[1], {"b": "[[[[["}]})"), 3u);
  EXPECT_EQ(JsonNestingDepth(R"("\"[[[")"), 0u);
}

}  // namespace
}  // namespace autotuner::api
