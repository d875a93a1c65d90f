#include "autotuner/runner/results.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "autotuner/task/document.h"

namespace autotuner::runner {
namespace {

store::ExperimentRecord Experiment(int64_t number, ExperimentStatus status, std::optional<double> score,
                                   std::optional<bool> feasible, Json parameters) {
  store::ExperimentRecord e;
  e.id = 100 + number;
  e.task_id = 1;
  e.number = number;
  e.status = status;
  e.score = score;
  e.feasible = feasible;
  e.parameters = std::move(parameters);
  if (score) e.metrics = {{"mean_e2e_latency", *score}, {"mean_ttft", 0.1}};
  return e;
}

std::vector<store::ExperimentRecord> Sample() {
  return {Experiment(1, ExperimentStatus::kSuccess, 2.0, true,
                     {{"mem-fraction-static", 0.8}, {"schedule-policy", "lpm"}}),
          Experiment(2, ExperimentStatus::kSuccess, 1.5, true,
                     {{"mem-fraction-static", 0.9}, {"schedule-policy", "lpm"}}),
          Experiment(3, ExperimentStatus::kFailed, std::nullopt, false,
                     {{"mem-fraction-static", 0.95}, {"schedule-policy", "fcfs"}}),
          // Lower score but infeasible (hard SLO): never the best.
          Experiment(4, ExperimentStatus::kSuccess, 0.5, false,
                     {{"mem-fraction-static", 0.7}, {"schedule-policy", "fcfs"}})};
}

TEST(ResultsTest, BestIsTheLowestFeasibleSuccess) {
  const auto best = BestExperiment(Sample());
  ASSERT_TRUE(best.has_value());
  EXPECT_EQ(best->number, 2);
  EXPECT_FALSE(BestExperiment({Sample()[2]}).has_value());
}

TEST(ResultsTest, JsonKeepsTheOriginalToolsShape) {
  store::TaskRecord task;
  task.name = "quickstart";
  task.status = TaskStatus::kCompleted;
  task.spec = {{"optimization", {{"strategy", "grid_search"}, {"objective", "minimize_latency"}}}};
  task.started_at = 1000.0;
  task.finished_at = 1042.5;
  const Json r = ResultsJson(task, Sample());
  for (const char* key : {"task_name", "strategy", "total_experiments", "successful_experiments",
                          "elapsed_time", "best_result", "all_results"}) {
    EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(r["strategy"], "grid_search");
  EXPECT_EQ(r["total_experiments"], 4);
  EXPECT_EQ(r["successful_experiments"], 3);
  EXPECT_EQ(r["elapsed_time"], 42.5);
  EXPECT_EQ(r["best_result"]["experiment_id"], 2);
  EXPECT_EQ(r["all_results"][2]["score"], nullptr);
}

TEST(ResultsTest, CsvHasOneColumnPerParameterAndQuotesWhenNeeded) {
  auto experiments = Sample();
  experiments[2].error_class = FailureClass::kOom;
  experiments[2].error_message = "CUDA out of memory, tried to allocate \"2 GiB\"";
  const std::string csv = ResultsCsv(experiments);
  std::istringstream lines(csv);
  std::string header, first, second, third;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, third);
  EXPECT_EQ(header.rfind(
                "experiment,status,score,feasible,mem-fraction-static,schedule-policy,mean_e2e_latency", 0),
            0u);
  EXPECT_EQ(first.rfind("1,success,2.0,true,0.8,lpm,2.0,", 0), 0u) << first;
  EXPECT_NE(third.find(",oom,\"CUDA out of memory, tried to allocate \"\"2 GiB\"\"\""), std::string::npos)
      << third;
}

TEST(ResultsTest, YamlReadsBackAsTheSameJson) {
  const Json value = {{"name", "t"},
                      {"tricky", {"true", "1.5", "", "a: b", "null", "plain"}},
                      {"n", 3},
                      {"x", 0.25},
                      {"flag", false},
                      {"nothing", nullptr},
                      {"nested", {{"list", {1, 2}}}}};
  const std::string yaml = ToYaml(value);
  auto back = task::ParseDocument(yaml, "export.yaml", task::DocumentFormat::kYaml);
  ASSERT_TRUE(back.ok()) << back.error().message << "\n" << yaml;
  EXPECT_EQ(back->value, value) << yaml;
}

}  // namespace
}  // namespace autotuner::runner
