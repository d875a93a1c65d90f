// Parse-time upper bounds on every numeric task field (issue 17): values that used to pass validation and
// then abort a study (request_rate 1e300 in vector::reserve, num_gpus 1e11 in bad_alloc, timeouts that
// overflow their deadline) are errors naming the field and its bound.

#include <gtest/gtest.h>

#include <string>

#include "autotuner/task/limits.h"
#include "autotuner/task/parse.h"

namespace autotuner::task {
namespace {

Json Base() {
  return {{"task_name", "t"},
          {"base_runtime", "sglang"},
          {"model", {{"id_or_path", "org/m"}}},
          {"hardware", {{"gpu_type", "H100"}, {"num_gpus", 1}}},
          {"parameters", {{"tp-size", {1}}}},
          {"optimization", {{"max_iterations", 2}}},
          {"benchmark", {{"num_concurrency", {1}}}},
          {"slo", {{"ttft", {{"threshold", 1.0}}}}}};
}

// The error on `path` when `section.key` (or `section.sub.key`) is `value`, or "" when it parses.
std::string ErrorFor(const std::string& path, const Json& value) {
  Json doc = Base();
  doc[nlohmann::ordered_json::json_pointer("/" + [&] {
    std::string pointer = path;
    for (char& c : pointer)
      if (c == '.') c = '/';
    return pointer;
  }())] = value;
  const TaskParseResult result = ParseTask(doc);
  for (const auto& d : result.errors)
    if (d.path.rfind(path, 0) == 0) return d.message;
  return result.ok() ? "" : "error elsewhere: " + result.errors.front().path;
}

TEST(TaskBoundsTest, HugeNumbersAreRefusedWithTheirBound) {
  struct Case {
    std::string path;
    Json value;
    std::string bound;
  };
  const std::vector<Case> cases = {
      {"benchmark.request_rate", Json::array({1e300}), "1000000"},
      {"hardware.num_gpus", 1e11, "1024"},
      {"optimization.timeout_per_iteration", 1e300, "604800"},
      {"benchmark.max_time_per_iteration", 1e19, "604800"},
      {"benchmark.max_requests_per_iteration", 1e12, "1000000"},
      {"benchmark.num_concurrency", Json::array({1000000000}), "100000"},
      {"optimization.max_iterations", 1e9, "100000"},
      {"optimization.parallel_experiments", 100000, "1024"},
      {"optimization.n_initial_random", 1e9, "100000"},
      {"slo.ttft.threshold", 1e300, "1000000"},
      {"slo.ttft.weight", 1e300, "1000000"},
      {"slo.steepness", 1e300, "1000000"},
      {"slo.ttft.fail_ratio", 2.0, "1"},
  };
  for (const auto& c : cases) {
    const std::string message = ErrorFor(c.path, c.value);
    EXPECT_NE(message.find("up to " + c.bound), std::string::npos) << c.path << ": '" << message << "'";
  }
}

TEST(TaskBoundsTest, LargeButSaneValuesStillParse) {
  EXPECT_EQ(ErrorFor("benchmark.request_rate", Json::array({5000.0, "inf"})), "");
  EXPECT_EQ(ErrorFor("hardware.num_gpus", 8), "");
  EXPECT_EQ(ErrorFor("optimization.timeout_per_iteration", 86400), "");
  EXPECT_EQ(ErrorFor("benchmark.max_requests_per_iteration", 100000), "");
  EXPECT_EQ(ErrorFor("benchmark.num_concurrency", Json::array({1, 512})), "");
  EXPECT_EQ(limits::Format(limits::kMaxSeconds), "604800");
  EXPECT_EQ(limits::Format(0.5), "0.5");
}

}  // namespace
}  // namespace autotuner::task
