#include "autotuner/task/tuning_keys.h"

#include <gtest/gtest.h>

#include <map>

namespace autotuner::task {
namespace {

std::map<std::string, std::string> Parse(const Json& optimization, Optimization& o) {
  std::map<std::string, std::string> errors;
  ParseTuningKeys(optimization, o,
                  [&](std::string_view path, std::string message) { errors[std::string(path)] = message; });
  return errors;
}

TEST(TuningKeysTest, DefaultsAreAutoAndOn) {
  Optimization o;
  EXPECT_TRUE(Parse(Json::object(), o).empty());
  EXPECT_FALSE(o.baseline.has_value());
  EXPECT_FALSE(o.confirm.has_value());
  EXPECT_TRUE(o.early_stop);
  EXPECT_FALSE(o.max_duration.has_value());
  Json out = Json::object();
  TuningKeysToJson(o, out);
  EXPECT_EQ(
      out,
      (Json{{"baseline", "auto"}, {"confirm", "auto"}, {"early_stop", true}, {"max_duration", nullptr}}));
}

TEST(TuningKeysTest, ReadsEveryForm) {
  Optimization o;
  EXPECT_TRUE(Parse({{"baseline", {{"schedule-policy", "fcfs"}}},
                     {"confirm", 3},
                     {"early_stop", false},
                     {"max_duration", 900}},
                    o)
                  .empty());
  EXPECT_EQ(o.baseline, true);
  EXPECT_EQ(o.baseline_parameters, (Json{{"schedule-policy", "fcfs"}}));
  EXPECT_EQ(o.confirm, 3);
  EXPECT_FALSE(o.early_stop);
  EXPECT_EQ(o.max_duration, 900.0);
  Json out = Json::object();
  TuningKeysToJson(o, out);
  Optimization again;
  EXPECT_TRUE(Parse(out, again).empty());
  EXPECT_EQ(again, o);  // the normalised form reads back the same
  EXPECT_TRUE(Parse({{"baseline", false}}, o).empty());
  EXPECT_EQ(o.baseline, false);
}

TEST(TuningKeysTest, BadValuesNameTheKey) {
  Optimization o;
  const auto errors =
      Parse({{"baseline", "sometimes"}, {"confirm", -1}, {"early_stop", "yes"}, {"max_duration", "1h"}}, o);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_NE(errors.at("optimization.baseline").find("auto, true, false"), std::string::npos);
  EXPECT_NE(errors.at("optimization.confirm").find("0 to 20"), std::string::npos);
  EXPECT_TRUE(errors.contains("optimization.early_stop"));
  EXPECT_TRUE(errors.contains("optimization.max_duration"));
  EXPECT_EQ(
      Parse({{"baseline", {{"tp-size", Json::array({1, 2})}}}}, o).count("optimization.baseline.tp-size"),
      1u);
  EXPECT_EQ(Parse({{"max_duration", 0}}, o).size(), 1u);
  EXPECT_EQ(Parse({{"confirm", 21}}, o).size(), 1u);
}

}  // namespace
}  // namespace autotuner::task
