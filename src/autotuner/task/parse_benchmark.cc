// Parser: the benchmark section and its traffic scenarios.

#include <algorithm>
#include <array>
#include <limits>

#include "autotuner/task/defaults.h"
#include "autotuner/task/parse_internal.h"
#include "autotuner/task/scenario.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task::internal {
namespace {

constexpr std::array<std::string_view, 13> kBenchmarkKeys = {"task",
                                                             "model_name",
                                                             "model_tokenizer",
                                                             "traffic_scenarios",
                                                             "num_concurrency",
                                                             "request_rate",
                                                             "api",
                                                             "max_time_per_iteration",
                                                             "max_requests_per_iteration",
                                                             "additional_params",
                                                             "dataset",
                                                             "dataset_url",
                                                             "dataset_deduplicate"};
constexpr std::array<std::string_view, 2> kDatasetKeys = {"path", "prompt_column"};

}  // namespace

void Parser::ParseBenchmark(const Json& doc, Task& task) {
  Benchmark& b = task.benchmark;
  b.task = BenchmarkTask::kTextToText;
  // Null (the default): the model's own tokenizer, resolved when the study starts
  // (tokenizer/model_tokenizer.h).
  b.model_tokenizer.clear();
  b.api = Api::kCompletions;
  b.max_time_per_iteration = DefaultFor("benchmark.max_time_per_iteration").get<double>();
  b.max_requests_per_iteration = DefaultFor("benchmark.max_requests_per_iteration").get<int64_t>();
  b.additional_params = DefaultFor("benchmark.additional_params");
  b.dataset_deduplicate = DefaultFor("benchmark.dataset_deduplicate").get<bool>();
  for (const auto& n : DefaultFor("benchmark.num_concurrency")) b.num_concurrency.push_back(n.get<int64_t>());
  Json scenarios = DefaultFor("benchmark.traffic_scenarios");
  std::string scenarios_path = "benchmark.traffic_scenarios";
  // The served model name defaults to the last path component of the model id.
  std::string id = task.model.id_or_path;
  while (id.size() > 1 && id.back() == '/') id.pop_back();
  b.model_name = id.substr(id.find_last_of('/') == std::string::npos ? 0 : id.find_last_of('/') + 1);

  const Json* bench = Object(doc, "benchmark", "benchmark");
  if (bench != nullptr) {
    CheckKeys(*bench, "benchmark", kBenchmarkKeys);
    if (auto t = Choice(*bench, "task", "benchmark.task", kBenchmarkTasks)) {
      b.task = *t == "text-to-text" ? BenchmarkTask::kTextToText : BenchmarkTask::kTextToEmbeddings;
    }
    if (auto a = Choice(*bench, "api", "benchmark.api", kApis))
      b.api = *a == "chat" ? Api::kChat : Api::kCompletions;
    if (auto name = String(*bench, "model_name", "benchmark.model_name")) {
      if (name->empty()) {
        Fail("benchmark.model_name", "must not be empty (leave it out to use the model's base name)");
      } else {
        b.model_name = *name;
      }
    }
    if (auto tok = String(*bench, "model_tokenizer", "benchmark.model_tokenizer")) {
      if (tok->empty()) {
        Fail("benchmark.model_tokenizer", "must not be empty");
      } else {
        b.model_tokenizer = *tok;
      }
    }
    if (const Json* v = Field(*bench, "traffic_scenarios")) scenarios = *v;
    if (const Json* v = Field(*bench, "num_concurrency")) {
      b.num_concurrency =
          ScalarOrList<int64_t>(*v, "benchmark.num_concurrency", PositiveIntReader(limits::kMaxConcurrency));
    }
    if (const Json* v = Field(*bench, "request_rate")) {
      b.request_rate = ScalarOrList<double>(
          *v, "benchmark.request_rate",
          [this](const Json& item, const std::string& p) -> std::optional<double> {
            if (item.is_string() && (item == "inf" || item == "Inf" || item == "INF")) {
              return std::numeric_limits<double>::infinity();
            }
            const auto d = AsNumber(item);
            if (!d || !(*d > 0) || *d > limits::kMaxRequestRate) {
              Fail(p, "must be a positive number of requests per second up to " +
                          limits::Format(limits::kMaxRequestRate) + " or \"inf\", got " + Describe(item));
              return std::nullopt;
            }
            return d;
          });
    }
    b.max_time_per_iteration = Number(*bench, "max_time_per_iteration", "benchmark.max_time_per_iteration",
                                      true, limits::kMaxSeconds)
                                   .value_or(b.max_time_per_iteration);
    b.max_requests_per_iteration = Integer(*bench, "max_requests_per_iteration",
                                           "benchmark.max_requests_per_iteration", 1, limits::kMaxRequests)
                                       .value_or(b.max_requests_per_iteration);
    if (const Json* v = Object(*bench, "additional_params", "benchmark.additional_params"))
      b.additional_params = *v;
    if (const Json* ds = Object(*bench, "dataset", "benchmark.dataset")) {
      CheckKeys(*ds, "benchmark.dataset", kDatasetKeys);
      Dataset dataset;
      dataset.path = String(*ds, "path", "benchmark.dataset.path", /*required=*/true).value_or("");
      dataset.prompt_column = DefaultFor("benchmark.dataset.prompt_column").get<std::string>();
      if (auto col = String(*ds, "prompt_column", "benchmark.dataset.prompt_column"))
        dataset.prompt_column = *col;
      b.dataset = dataset;
    }
    b.dataset_url = String(*bench, "dataset_url", "benchmark.dataset_url").value_or("");
    b.dataset_deduplicate =
        Bool(*bench, "dataset_deduplicate", "benchmark.dataset_deduplicate").value_or(b.dataset_deduplicate);
    if (b.dataset && !b.dataset_url.empty()) {
      Fail("benchmark.dataset_url", "give either benchmark.dataset or benchmark.dataset_url, not both");
    }
  }
  ParseScenarios(scenarios, scenarios_path, b);
}

void Parser::ParseScenarios(const Json& value, const std::string& path, Benchmark& b) {
  std::vector<std::string> texts = ScalarOrList<std::string>(
      value, path, [this](const Json& item, const std::string& p) -> std::optional<std::string> {
        if (!item.is_string()) {
          Fail(p, "must be a scenario string such as \"D(100,100)\", got " + Describe(item));
          return std::nullopt;
        }
        return item.get<std::string>();
      });
  const bool is_list = value.is_array();
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string item_path = is_list ? IndexPath(path, i) : path;
    auto scenario = ParseScenario(texts[i]);
    if (!scenario.ok()) {
      Fail(item_path, scenario.error().message);
      continue;
    }
    const bool embeddings = b.task == BenchmarkTask::kTextToEmbeddings;
    if (scenario->kind == ScenarioKind::kEmbedding && !embeddings) {
      Fail(item_path, "'" + texts[i] + "' is an embeddings scenario; set benchmark.task: text-to-embeddings");
    } else if (scenario->IsText() && embeddings) {
      Fail(item_path, "'" + texts[i] +
                          "' is a text-generation scenario but benchmark.task is text-to-embeddings; "
                          "use E(tokens)");
    } else if (!scenario->IsText() && scenario->kind != ScenarioKind::kEmbedding) {
      Fail(item_path,
           std::string(ScenarioKindName(scenario->kind)) + " scenario '" + texts[i] +
               "' is not supported by the load generator yet (text-to-text and text-to-embeddings only)");
    } else if (std::find(b.traffic_scenarios.begin(), b.traffic_scenarios.end(), *scenario) !=
               b.traffic_scenarios.end()) {
      Fail(item_path, "repeats the scenario " + scenario->ToString());
    } else {
      b.traffic_scenarios.push_back(*scenario);
    }
  }
}

}  // namespace autotuner::task::internal
