// `autotuner serve`'s server with the real study runner on the simulator: every step through HTTP, the
// engines real autotuner-sim processes (found on PATH, as the local deployer spawns them).

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "autotuner/api/server.h"
#include "autotuner/api/study_control.h"
#include "autotuner/core/json.h"
#include "autotuner/deploy/deployer_factory.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/runner/study.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

struct Received {
  std::string id;
  std::string type;
  Json data;
  double received_at = 0;  // store::Now() when the client parsed it
};

// Simulator processes serving `model_name` that have not exited.
std::vector<int> LiveEngines(const std::string& model_name) {
  std::vector<int> pids;
  const std::string needle = std::string(1, '\0') + model_name + std::string(1, '\0');
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find("autotuner-sim") == std::string::npos || cmdline.find(needle) == std::string::npos)
      continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close != std::string::npos && line.size() > close + 2 && line[close + 2] == 'Z') continue;
    pids.push_back(std::stoi(pid));
  }
  return pids;
}

class ApiStudyTest : public testing::Test {
 protected:
  void SetUp() override {
    // The local deployer finds autotuner-sim on PATH.
    const char* path = std::getenv("PATH");
    ::setenv("PATH", (std::string(AUTOTUNER_SIM_DIR) + ":" + (path != nullptr ? path : "")).c_str(), 1);
    std::random_device rd;
    tag_ = std::to_string(rd() % 1000000);
    dir_ = fs::temp_directory_path() / ("autotuner-api-study-" + tag_);
    fs::create_directories(dir_);
    auto opened = store::OpenStore((dir_ / "store.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    auto catalog = task::RuntimeCatalog::Load({std::string(AUTOTUNER_SOURCE_DIR) + "/runtimes"});
    ASSERT_TRUE(catalog.ok()) << catalog.error().message;
    catalog_ = std::move(*catalog);
    runner::RunnerEnvironment env;
    env.store = store_.get();
    env.events = &bus_;
    env.catalog = &catalog_;
    env.make_deployer = deploy::DefaultDeployerFactory((dir_ / "state").string());
    env.make_load_generator = runner::DefaultLoadGeneratorFactory();
    env.stop_grace = std::chrono::seconds(2);
    manager_ = std::make_unique<runner::StudyManager>(env);
    control_ = std::make_unique<StudyManagerControl>(manager_.get());
    ServerOptions options;
    options.port = 0;
    options.max_streams = 32;
    options.heartbeat_interval = std::chrono::milliseconds(500);
    server_ = std::make_unique<Server>(options, store_.get(), &bus_, control_.get(), &catalog_);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }
  void TearDown() override {
    server_.reset();
    control_.reset();
    manager_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string ServedName() const { return "api-study-" + tag_; }

  Json Task(const std::string& name, int max_iterations) const {
    return {
        {"task_name", name},
        {"base_runtime", "sim-sglang"},
        {"model", {{"id_or_path", "meta-llama/Llama-3.2-1B-Instruct"}}},
        {"hardware", {{"gpu_type", "H100"}, {"num_gpus", 1}}},
        {"parameters", {{"mem-fraction-static", {0.7, 0.8, 0.9}}, {"sim-time-scale", {20}}}},
        {"optimization",
         {{"strategy", "grid_search"}, {"max_iterations", max_iterations}, {"timeout_per_iteration", 120}}},
        {"benchmark",
         {{"model_name", ServedName()},
          {"model_tokenizer", "gpt2"},
          {"traffic_scenarios", {"D(100,100)"}},
          {"num_concurrency", {2}},
          {"max_time_per_iteration", 2},
          {"max_requests_per_iteration", 10}}}};
  }

  httplib::Client Client() const {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(30, 0);
    return client;
  }

  Json Post(const std::string& path, const Json& body, int expected) {
    auto res = Client().Post(path, body.is_null() ? "" : DumpJson(body), "application/json");
    EXPECT_TRUE(res) << path;
    if (!res) return nullptr;
    EXPECT_EQ(res->status, expected) << path << ": " << res->body;
    return Json::parse(res->body, nullptr, false);
  }
  Json Get(const std::string& path) {
    auto res = Client().Get(path);
    EXPECT_TRUE(res && res->status == 200) << path;
    return res ? Json::parse(res->body, nullptr, false) : Json(nullptr);
  }

  // Reads the task's event stream (from its start) until `done`, or the timeout.
  std::vector<Received> ReadEvents(int64_t task_id, const std::function<bool(const Received&)>& done,
                                   std::chrono::seconds timeout, const std::string& last_event_id = "") {
    std::vector<Received> events;
    std::string buffer;
    httplib::Headers headers;
    if (!last_event_id.empty()) headers.emplace("Last-Event-ID", last_event_id);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool finished = false;
    auto res = Client().Get("/api/tasks/" + std::to_string(task_id) + "/events", headers,
                            [&](const char* data, size_t length) {
                              buffer.append(data, length);
                              size_t end;
                              while (!finished && (end = buffer.find("\n\n")) != std::string::npos) {
                                std::istringstream frame(buffer.substr(0, end));
                                buffer.erase(0, end + 2);
                                Received r;
                                std::string line;
                                while (std::getline(frame, line)) {
                                  if (line.rfind("id: ", 0) == 0) r.id = line.substr(4);
                                  if (line.rfind("event: ", 0) == 0) r.type = line.substr(7);
                                  if (line.rfind("data: ", 0) == 0) r.data = Json::parse(line.substr(6));
                                }
                                if (r.type.empty()) continue;
                                r.received_at = store::Now();
                                events.push_back(r);
                                if (done(events.back())) finished = true;
                              }
                              return !finished && std::chrono::steady_clock::now() < deadline;
                            });
    if (!finished)
      ADD_FAILURE() << "stream ended: " << httplib::to_string(res.error()) << " after " << events.size();
    return events;
  }

  static bool Final(const Received& r) {
    if (r.type != "task_status") return false;
    const auto status = ParseTaskStatus(r.data.value("status", ""));
    return status && IsFinal(*status);
  }

  std::string tag_;
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  runner::EventBus bus_;
  task::RuntimeCatalog catalog_;
  std::unique_ptr<runner::StudyManager> manager_;
  std::unique_ptr<StudyManagerControl> control_;
  std::unique_ptr<Server> server_;
};

TEST_F(ApiStudyTest, FullLifecycleThroughTheApi) {
  const Json created = Post("/api/tasks", Task("api-life-" + tag_, 2), 201);
  const int64_t id = created["id"].get<int64_t>();
  Post("/api/tasks/" + std::to_string(id) + "/start", nullptr, 202);
  const std::vector<Received> events = ReadEvents(id, Final, std::chrono::seconds(240));
  ASSERT_FALSE(events.empty());
  ASSERT_TRUE(Final(events.back())) << "no final task_status; last: " << events.back().type;
  EXPECT_EQ(events.back().data["status"], "completed");

  // Every status the store recorded reached the stream, in the store's order.
  auto experiments = store_->ListExperiments(id);
  ASSERT_TRUE(experiments.ok());
  ASSERT_EQ(experiments->size(), 2u);
  std::map<int64_t, std::vector<std::string>> streamed;  // experiment id → statuses as streamed
  std::vector<double> delays;
  int64_t previous_id = 0;
  for (const auto& e : events) {
    EXPECT_GT(std::stoll(e.id), previous_id);
    previous_id = std::stoll(e.id);
    if (e.type == "experiment_created") streamed[e.data["id"].get<int64_t>()].push_back(e.data["status"]);
    if (e.type == "experiment_status") {
      streamed[e.data["id"].get<int64_t>()].push_back(e.data["status"]);
      delays.push_back(e.received_at - e.data["at"].get<double>());
    }
    if (e.type == "experiment_finished") streamed[e.data["id"].get<int64_t>()].push_back(e.data["status"]);
  }
  for (const auto& e : *experiments) {
    std::vector<std::string> stored;
    for (const auto& t : e.transitions)
      if (stored.empty() || stored.back() != Name(t.status)) stored.emplace_back(Name(t.status));
    std::vector<std::string> got = streamed[e.id];
    got.erase(std::unique(got.begin(), got.end()), got.end());
    EXPECT_EQ(got, stored) << "experiment " << e.number;
    EXPECT_EQ(e.status, ExperimentStatus::kSuccess)
        << FailureClassName(e.error_class) << " " << e.error_message;
  }
  // Persisted → received well within the 100 ms target (the median; one slow scheduling slice is tolerated).
  ASSERT_FALSE(delays.empty());
  std::sort(delays.begin(), delays.end());
  EXPECT_LT(delays[delays.size() / 2], 0.1);
  EXPECT_LT(delays.back(), 1.0);

  // The finished task through the API.
  const Json task = Get("/api/tasks/" + std::to_string(id));
  EXPECT_EQ(task["status"], "completed");
  EXPECT_EQ(task["summary"]["total"], 2);
  EXPECT_EQ(task["summary"]["success"], 2);
  EXPECT_FALSE(task["summary"]["best_experiment_id"].is_null());
  const Json list = Get("/api/tasks/" + std::to_string(id) + "/experiments");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_TRUE(list["items"][0]["metrics"].contains("mean_e2e_latency"));
  const Json logs = Get("/api/tasks/" + std::to_string(id) + "/logs");
  EXPECT_GT(logs["items"].size(), 4u);
  const Json engine = Get("/api/experiments/" + list["items"][0]["id"].dump() + "?logs=true");
  EXPECT_FALSE(engine["engine_log"].get<std::string>().empty());
  EXPECT_TRUE(LiveEngines(ServedName()).empty());

  // Reconnecting after the middle event replays exactly the rest.
  const size_t middle = events.size() / 2;
  const std::vector<Received> rest = ReadEvents(id, Final, std::chrono::seconds(10), events[middle].id);
  std::string ids;
  for (const auto& e : events) ids += e.id + ":" + e.type + " ";
  ids += "| ";
  for (const auto& e : rest) ids += e.id + ":" + e.type + " ";
  ASSERT_EQ(rest.size(), events.size() - middle - 1) << ids;
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].id, events[middle + 1 + i].id);

  // Restart runs it again as a new task; this one keeps its experiments.
  const Json rerun = Post("/api/tasks/" + std::to_string(id) + "/restart", nullptr, 201);
  const int64_t rerun_id = rerun["id"].get<int64_t>();
  EXPECT_NE(rerun_id, id);
  EXPECT_TRUE(manager_->Wait(rerun_id, std::chrono::seconds(240)));
  EXPECT_EQ(Get("/api/tasks/" + std::to_string(rerun_id))["status"], "completed");
  EXPECT_EQ(Get("/api/tasks/" + std::to_string(rerun_id) + "/experiments")["items"].size(), 2u);
  EXPECT_EQ(Get("/api/tasks/" + std::to_string(id) + "/experiments")["items"], list["items"]);
}

TEST_F(ApiStudyTest, CancelThroughTheApiLeavesNothingRunning) {
  const Json created = Post("/api/tasks", Task("api-cancel-" + tag_, 6), 201);
  const int64_t id = created["id"].get<int64_t>();
  Post("/api/tasks/" + std::to_string(id) + "/start", nullptr, 202);
  // Wait until an engine is benchmarking, so there is something to stop.
  const auto benchmarking = ReadEvents(
      id,
      [](const Received& r) { return r.type == "experiment_status" && r.data["status"] == "benchmarking"; },
      std::chrono::seconds(120));
  ASSERT_FALSE(benchmarking.empty());
  std::string seen;
  for (const auto& e : benchmarking) seen += e.type + ":" + e.data.dump().substr(0, 150) + "\n";
  ASSERT_EQ(benchmarking.back().data["status"], "benchmarking") << seen;
  EXPECT_FALSE(LiveEngines(ServedName()).empty());
  Post("/api/tasks/" + std::to_string(id) + "/cancel", nullptr, 202);
  const auto rest = ReadEvents(id, Final, std::chrono::seconds(60), benchmarking.back().id);
  ASSERT_FALSE(rest.empty());
  EXPECT_EQ(rest.back().type, "task_status");
  EXPECT_EQ(rest.back().data["status"], "cancelled");
  EXPECT_FALSE(manager_->IsRunning(id) && !manager_->Wait(id, std::chrono::seconds(30)));
  EXPECT_TRUE(LiveEngines(ServedName()).empty());
  auto experiments = store_->ListExperiments(id);
  ASSERT_TRUE(experiments.ok());
  for (const auto& e : *experiments)
    EXPECT_TRUE(e.status == ExperimentStatus::kSuccess || e.status == ExperimentStatus::kCancelled ||
                e.status == ExperimentStatus::kFailed)
        << Name(e.status);
  EXPECT_EQ(Get("/api/tasks/" + std::to_string(id))["summary"]["running"], 0);
  // A cancelled task is not running: it can be deleted.
  auto res = Client().Delete("/api/tasks/" + std::to_string(id));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace autotuner::api
