// GET /api/tasks/{id}/best and POST /api/tasks/validate through Api::Handle, over a real SQLite store and the
// shipped runtimes.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "autotuner/api/api.h"
#include "autotuner/api/api_testing.h"
#include "autotuner/core/json.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Json SimTask(const std::string& name = "best") {
  return {{"task_name", name},
          {"base_runtime", "sim-sglang"},
          {"model", {{"id_or_path", "meta-llama/Llama-3.2-1B-Instruct"}}},
          {"hardware", {{"gpu_type", "H100"}, {"num_gpus", 1}}},
          {"parameters", {{"mem-fraction-static", {0.7, 0.8}}, {"schedule-policy", {"lpm", "fcfs"}}}},
          {"optimization", {{"strategy", "grid_search"}, {"objective", "maximize_throughput"}}},
          {"benchmark",
           {{"model_tokenizer", "gpt2"}, {"traffic_scenarios", {"D(100,100)"}}, {"num_concurrency", {1}}}}};
}

class ApiResultsTest : public ApiStoreFixture {
 protected:
  void SetUp() override {
    ApiStoreFixture::SetUp();
    api_ = std::make_unique<Api>(store_.get(), nullptr, nullptr, &catalog_);
  }
  void TearDown() override {
    api_.reset();
    ApiStoreFixture::TearDown();
  }

  Json Call(const std::string& method, const std::string& path, const std::string& body, int status) {
    HttpRequest request;
    request.method = method;
    request.path = path.substr(0, path.find('?'));
    if (const size_t q = path.find('?'); q != std::string::npos) {  // "a=1&b=2", no escapes in these tests
      std::istringstream pairs(path.substr(q + 1));
      for (std::string pair; std::getline(pairs, pair, '&');)
        request.query[pair.substr(0, pair.find('='))] = pair.substr(pair.find('=') + 1);
    }
    request.body = body;
    const HttpResponse response = api_->Handle(request);
    EXPECT_EQ(response.status, status) << method << " " << path << ": " << response.body;
    return Json::parse(response.body, nullptr, false);
  }

  int64_t CreateTask(const Json& doc) {
    return Call("POST", "/api/tasks", DumpJson(doc), 201)["id"].get<int64_t>();
  }

  // An experiment finished with throughput `tps` (score −tps), feasible or not.
  int64_t Finished(int64_t task, int64_t number, const Json& parameters, double tps, bool feasible = true,
                   ExperimentKind kind = ExperimentKind::kSearch) {
    auto e = store_->CreateExperiment(task, number, parameters, ExperimentStatus::kPending, kind);
    EXPECT_TRUE(e.ok());
    const Json metrics = {{"mean_total_throughput_per_gpu", tps}, {"mean_e2e_latency", 1.0}};
    EXPECT_TRUE(
        store_
            ->FinishExperiment(e->id, {ExperimentStatus::kSuccess, metrics, -tps, feasible, std::nullopt, ""})
            .ok());
    return e->id;
  }

  std::unique_ptr<Api> api_;
};

TEST_F(ApiResultsTest, BestGivesTheWinnersLaunchAndTheRealEnginesLine) {
  const int64_t id = CreateTask(SimTask());
  Finished(id, 0, Json::object(), 1000, true, ExperimentKind::kBaseline);
  Finished(id, 1, {{"mem-fraction-static", 0.7}, {"schedule-policy", "lpm"}}, 1200);
  const int64_t best = Finished(id, 2, {{"mem-fraction-static", 0.8}, {"schedule-policy", "fcfs"}}, 1500);
  Finished(id, 3, {{"mem-fraction-static", 0.8}, {"schedule-policy", "lpm"}}, 9000, false);  // broke an SLO

  const Json out = Call("GET", "/api/tasks/" + std::to_string(id) + "/best", "", 200);
  EXPECT_EQ(out["experiment"]["id"], best);
  EXPECT_EQ(out["objective"], "maximize_throughput");
  const Json& launch = out["launch"];
  EXPECT_EQ(launch["argv"][0], "autotuner-sim");
  EXPECT_THAT(launch["shell"].get<std::string>(), HasSubstr("--mem-fraction-static 0.8"));
  EXPECT_THAT(launch["shell"].get<std::string>(), HasSubstr("--schedule-policy fcfs"));
  EXPECT_THAT(launch["docker"].get<std::string>(), StartsWith("docker run "));
  EXPECT_TRUE(launch["env"].is_object());
  EXPECT_TRUE(launch["manifest"].is_null());
  // The simulator's winner on the engine it simulates.
  const Json& real = out["engine_launch"];
  ASSERT_TRUE(real.is_object()) << out.dump();
  EXPECT_EQ(real["runtime"], "sglang");
  EXPECT_NE(real["argv"][0], "autotuner-sim");
  EXPECT_THAT(real["shell"].get<std::string>(), HasSubstr("--mem-fraction-static 0.8"));
  EXPECT_THAT(real["docker"].get<std::string>(), HasSubstr("lmsysorg/sglang"));
  // +50% over the defaults' 1000 tok/s/GPU.
  EXPECT_EQ(out["baseline"]["baseline"], 1000.0);
  EXPECT_EQ(out["baseline"]["best"], 1500.0);
  EXPECT_TRUE(out["baseline"]["better"].get<bool>());
}

TEST_F(ApiResultsTest, ExperimentsShowTheObjectiveInItsUnitAndDirectionNextToTheScore) {
  const int64_t id = CreateTask(SimTask("units"));
  auto e =
      store_->CreateExperiment(id, 1, Json::object(), ExperimentStatus::kPending, ExperimentKind::kSearch);
  ASSERT_TRUE(e.ok());
  const Json metrics = {{"mean_total_throughput_per_gpu", 35039.5},
                        {"mean_e2e_latency", 1.0},
                        {"score_breakdown", {{"base", -35039.5}, {"penalty", 0.5}, {"score", -52559.25}}}};
  ASSERT_TRUE(
      store_
          ->FinishExperiment(e->id, {ExperimentStatus::kSuccess, metrics, -52559.25, true, std::nullopt, ""})
          .ok());
  const Json item = Call("GET", "/api/tasks/" + std::to_string(id) + "/experiments", "", 200)["items"][0];
  EXPECT_EQ(item["score"], -52559.25);  // the optimizer's number stays
  EXPECT_EQ(item["objective"]["name"], "maximize_throughput");
  EXPECT_EQ(item["objective"]["value"], 35039.5);
  EXPECT_EQ(item["objective"]["unit"], "tok/s/GPU");
  EXPECT_EQ(item["objective"]["higher_is_better"], true);
  EXPECT_EQ(item["slo_penalty"], 0.5);
  EXPECT_EQ(Call("GET", "/api/experiments/" + std::to_string(e->id), "", 200)["objective"],
            item["objective"]);
  const Json units = Call("GET", "/api/system/info", "", 200)["units"];
  EXPECT_EQ(units["objectives"]["maximize_throughput"]["unit"], "tok/s/GPU");
  EXPECT_EQ(units["objectives"]["minimize_latency"]["higher_is_better"], false);
  EXPECT_EQ(units["metrics"]["ttft_p90"], "s");
}

TEST_F(ApiResultsTest, AnAllFailedTaskSaysNoFeasibleConfigurationWithItsFailureClasses) {
  const int64_t id = CreateTask(SimTask("all-failed"));
  const std::string path = "/api/tasks/" + std::to_string(id);
  const FailureClass classes[] = {FailureClass::kDeployFailed, FailureClass::kOom,
                                  FailureClass::kDeployFailed};
  for (int n = 0; n < 3; ++n) {
    auto e = store_->CreateExperiment(id, n + 1, Json::object(), ExperimentStatus::kPending,
                                      ExperimentKind::kSearch);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE(
        store_
            ->FinishExperiment(e->id, {ExperimentStatus::kFailed, Json::object(), {}, {}, classes[n], "boom"})
            .ok());
  }
  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kRunning).ok());
  EXPECT_TRUE(Call("GET", path, "", 200)["summary"]["outcome"].is_null());  // still running: no verdict
  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kCompleted, "max_iterations reached").ok());
  const Json summary = Call("GET", path, "", 200)["summary"];
  EXPECT_EQ(summary["outcome"], "no_feasible_configuration");
  EXPECT_EQ(summary["failures"], Json({{"deploy_failed", 2}, {"oom", 1}}));
  EXPECT_EQ(Call("GET", "/api/tasks", "", 200)["items"][0]["summary"]["outcome"],
            "no_feasible_configuration");

  const int64_t good = CreateTask(SimTask("one-good"));
  Finished(good, 1, Json::object(), 1000);
  ASSERT_TRUE(store_->SetTaskStatus(good, TaskStatus::kCompleted).ok());
  const Json good_summary = Call("GET", "/api/tasks/" + std::to_string(good), "", 200)["summary"];
  EXPECT_EQ(good_summary["outcome"], "best_found");
  EXPECT_EQ(good_summary["best_objective"]["value"], 1000.0);  // the task list's "best" in tok/s/GPU
  EXPECT_EQ(good_summary["best_objective"]["unit"], "tok/s/GPU");
}

TEST_F(ApiResultsTest, TheTaskCarriesItsStudysProvenanceOnceOneStarted) {
  const int64_t id = CreateTask(SimTask("provenance"));
  const std::string path = "/api/tasks/" + std::to_string(id);
  EXPECT_TRUE(Call("GET", path, "", 200)["provenance"].is_null());
  const Json provenance = {{"autotuner_version", "1.2.3"}, {"simulated", true}, {"gpu_count", 2}};
  ASSERT_TRUE(store_->SetTaskProvenance(id, provenance).ok());
  EXPECT_EQ(Call("GET", path, "", 200)["provenance"], provenance);
  EXPECT_EQ(Call("GET", "/api/tasks", "", 200)["items"][0]["provenance"], provenance);
}

TEST_F(ApiResultsTest, GpusListTheInventoryWithBusyGpusAndReuseOneAnswerForAFewSeconds) {
  int queries = 0;
  ApiOptions options;
  options.gpu_inventory = [&queries] {
    ++queries;
    // The fake nvidia-smi's 4 x H100 machine: GPU 1 carries someone's 71 GB job, GPU 2 a small foreign
    // process.
    return deploy::QueryGpuInventory([](const std::vector<std::string>& argv) {
      std::vector<std::string> fake = argv;
      fake[0] = std::string(AUTOTUNER_SOURCE_DIR) + "/src/autotuner/deploy/testdata/nvidia-smi/nvidia-smi";
      return deploy::RunCommandOutput(fake);
    });
  };
  options.gpu_cache_ttl = std::chrono::milliseconds(300);
  api_ = std::make_unique<Api>(store_.get(), nullptr, nullptr, &catalog_, options);
  const Json gpus = Call("GET", "/api/gpus", "", 200);
  EXPECT_EQ(gpus["count"], 4);
  EXPECT_EQ(gpus["driver_version"], "550.54.15");
  EXPECT_EQ(gpus["cuda_version"], "12.4");
  ASSERT_EQ(gpus["items"].size(), 4u);
  EXPECT_EQ(gpus["items"][0]["name"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(gpus["items"][0]["type"], "H100");
  EXPECT_EQ(gpus["items"][0]["compute_cap"], "9.0");
  EXPECT_EQ(gpus["items"][0]["busy"], false);
  EXPECT_EQ(gpus["items"][1]["busy"], true);
  EXPECT_THAT(gpus["items"][1]["busy_reason"].get<std::string>(), HasSubstr("4242"));
  EXPECT_EQ(Call("GET", "/api/gpus", "", 200), gpus);
  EXPECT_EQ(queries, 1) << "a second request within the cache time reuses the answer";
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  (void)Call("GET", "/api/gpus", "", 200);
  EXPECT_EQ(queries, 2) << "then nvidia-smi is asked again";

  options.gpu_ids = "0,3";  // --gpus: only those are the server's
  api_ = std::make_unique<Api>(store_.get(), nullptr, nullptr, &catalog_, options);
  const Json chosen = Call("GET", "/api/gpus", "", 200);
  ASSERT_EQ(chosen["items"].size(), 2u);
  EXPECT_EQ(chosen["items"][1]["index"], 3);
}

TEST_F(ApiResultsTest, GpusWithoutNvidiaSmiSayWhyAndKeepTheGivenIndices) {
  ApiOptions options;
  options.gpu_inventory = [] {
    deploy::GpuInventory none;
    none.error = "nvidia-smi is not on PATH";
    return none;
  };
  options.gpu_ids = "0,1";
  api_ = std::make_unique<Api>(store_.get(), nullptr, nullptr, &catalog_, options);
  const Json gpus = Call("GET", "/api/gpus", "", 200);
  EXPECT_EQ(gpus["queried"], false);
  EXPECT_EQ(gpus["error"], "nvidia-smi is not on PATH");
  EXPECT_EQ(gpus["items"], Json::array({{{"index", 0}}, {{"index", 1}}}));
}

TEST_F(ApiResultsTest, BestOfAClusterTaskCarriesItsManifestAndNoBaselineWithoutOne) {
  Json doc = SimTask("cluster");
  doc["deployment_mode"] = "kubernetes";
  const int64_t id = CreateTask(doc);
  Finished(id, 1, {{"mem-fraction-static", 0.7}, {"schedule-policy", "lpm"}}, 1200);
  const Json out = Call("GET", "/api/tasks/" + std::to_string(id) + "/best", "", 200);
  ASSERT_TRUE(out["launch"]["manifest"].is_object()) << out.dump();
  std::set<std::string> kinds;
  for (const auto& object : out["launch"]["manifest"]["items"])
    kinds.insert(object["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"Service", "Deployment"}));
  EXPECT_TRUE(out["baseline"].is_null());
}

TEST_F(ApiResultsTest, BestIsNotFoundWithAReasonWhenNothingIsFeasible) {
  const int64_t id = CreateTask(SimTask());
  const std::string path = "/api/tasks/" + std::to_string(id) + "/best";
  Json error = Call("GET", path, "", 404)["error"];
  EXPECT_EQ(error["type"], "not_found");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr("no feasible successful experiment"));

  Finished(id, 1, {{"mem-fraction-static", 0.7}, {"schedule-policy", "lpm"}}, 1200, false);
  auto failed = store_->CreateExperiment(id, 2, {{"mem-fraction-static", 0.8}, {"schedule-policy", "lpm"}});
  ASSERT_TRUE(failed.ok());
  ASSERT_TRUE(store_
                  ->FinishExperiment(failed->id, {ExperimentStatus::kFailed, nullptr, std::nullopt, false,
                                                  FailureClass::kOom, "OOM"})
                  .ok());
  error = Call("GET", path, "", 404)["error"];
  EXPECT_EQ(error["code"], 404);
  EXPECT_EQ(error["details"]["experiments"], 2);
  EXPECT_EQ(Call("GET", "/api/tasks/999/best", "", 404)["error"]["type"], "not_found");
}

TEST_F(ApiResultsTest, ValidateReportsAValidTaskWithItsSearchSpace) {
  const Json out = Call("POST", "/api/tasks/validate", DumpJson(SimTask()), 200);
  EXPECT_TRUE(out["valid"].get<bool>()) << out.dump();
  EXPECT_EQ(out["errors"], Json::array());
  EXPECT_EQ(out["task"]["task_name"], "best");
  EXPECT_EQ(out["search_space"]["grid_size"], 4);
  // Nothing was stored.
  EXPECT_EQ(Call("GET", "/api/tasks", "", 200)["total"], 0);
}

TEST_F(ApiResultsTest, ValidateNamesTheFieldPathOfEveryMistake) {
  Json bad = SimTask();
  bad["benchmark"]["num_concurrency"] = {1, -4};
  bad["optimization"]["strategy"] = "anneal";
  const Json out = Call("POST", "/api/tasks/validate", DumpJson(bad), 200);
  EXPECT_FALSE(out["valid"].get<bool>());
  std::set<std::string> paths;
  for (const auto& e : out["errors"]) paths.insert(e["path"].get<std::string>());
  EXPECT_EQ(paths, (std::set<std::string>{"benchmark.num_concurrency[1]", "optimization.strategy"}))
      << out.dump();
  EXPECT_FALSE(out.contains("task"));
}

TEST_F(ApiResultsTest, ValidateYamlGivesLinesAndColumns) {
  const std::string yaml =
      "task_name: y\n"
      "base_runtime: sim-sglang\n"
      "model: {id_or_path: meta-llama/Llama-3.2-1B-Instruct}\n"
      "optimization:\n"
      "  strategy: anneal\n"
      "benchmark: {model_tokenizer: gpt2, num_concurrency: [1]}\n";
  Json out = Call("POST", "/api/tasks/validate", DumpJson({{"yaml", yaml}}), 200);
  EXPECT_FALSE(out["valid"].get<bool>());
  Json strategy = nullptr;
  for (const auto& e : out["errors"])
    if (e["path"] == "optimization.strategy") strategy = e;
  ASSERT_TRUE(strategy.is_object()) << out.dump();
  EXPECT_EQ(strategy["line"], 5);
  EXPECT_EQ(strategy["column"], 3);

  out = Call("POST", "/api/tasks/validate", DumpJson({{"yaml", "task_name: y\nmodel: [unclosed\n"}}), 200);
  EXPECT_FALSE(out["valid"].get<bool>());
  EXPECT_EQ(out["error"]["code"], 400);
  ASSERT_EQ(out["errors"].size(), 1u);
  EXPECT_GE(out["errors"][0]["line"].get<int>(), 2) << out.dump();
  EXPECT_TRUE(out["errors"][0]["column"].is_number_integer());

  out = Call("POST", "/api/tasks/validate", DumpJson({{"yaml", 3}}), 200);
  EXPECT_FALSE(out["valid"].get<bool>());
  EXPECT_THAT(out["errors"][0]["message"].get<std::string>(), HasSubstr("yaml must be a string"));
}

TEST_F(ApiResultsTest, ValidateOfABrokenBodyIsStillAReport) {
  const Json out = Call("POST", "/api/tasks/validate", "{\"task_name\": ", 200);
  EXPECT_FALSE(out["valid"].get<bool>());
  EXPECT_EQ(out["errors"][0]["line"], 1) << out.dump();
  EXPECT_TRUE(out["errors"][0]["column"].is_number_integer());
}

// The list keeps finished tasks' items as text; whatever changes a task (here the store directly, as another
// process would) shows in the next list.
TEST_F(ApiResultsTest, TheTaskListServesKeptItemsThatFollowEveryChange) {
  const int64_t id = CreateTask(SimTask("kept"));
  Finished(id, 1, Json::object(), 1000);
  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kCompleted, "budget").ok());
  const std::string path = "/api/tasks/" + std::to_string(id);
  Json page = Call("GET", "/api/tasks?limit=5", "", 200);
  ASSERT_EQ(page["items"].size(), 1u) << page.dump();
  EXPECT_EQ(page["total"], 1);
  EXPECT_EQ(page["limit"], 5);
  EXPECT_EQ(page["offset"], 0);
  EXPECT_EQ(page["items"][0], Call("GET", path, "", 200));  // the list's item is the task's own JSON
  EXPECT_EQ(page["items"][0]["summary"]["total"], 1);
  EXPECT_EQ(Call("GET", "/api/tasks?limit=5", "", 200), page);  // served from what was kept

  Json spec = page["items"][0]["spec"];
  spec["description"] = "edited elsewhere";
  ASSERT_TRUE(store_->UpdateTaskSpec(id, "edited elsewhere", spec).ok());
  EXPECT_EQ(Call("GET", "/api/tasks", "", 200)["items"][0]["description"], "edited elsewhere");

  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kRunning).ok());  // restarted by another process
  Finished(id, 2, Json::object(), 2000);
  EXPECT_EQ(Call("GET", "/api/tasks", "", 200)["items"][0]["summary"]["running"], 0);
  ASSERT_TRUE(store_->SetTaskStatus(id, TaskStatus::kCompleted, "budget").ok());
  page = Call("GET", "/api/tasks", "", 200);
  EXPECT_EQ(page["items"][0]["summary"]["total"], 2);
  EXPECT_EQ(page["items"][0]["summary"]["best_objective"]["value"], 2000.0);
  EXPECT_EQ(page["items"][0], Call("GET", path, "", 200));
}

}  // namespace
}  // namespace autotuner::api
