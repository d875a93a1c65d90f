#include "autotuner/opt/space.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "autotuner/opt/rng.h"

namespace autotuner::opt {
namespace {

using Kind = task::Parameter::Kind;
using task::Dimension;

Space Make(std::vector<task::Dimension> dims) {
  auto s = Space::Create(task::SearchSpace{std::move(dims)});
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return std::move(s).value();
}

TEST(SpaceTest, NumericChoiceListsAreOrdinalOthersNominal) {
  const Space s =
      Make({Dimension::Categorical("tp", {4, 1, 2}), Dimension::Categorical("policy", {"lpm", "fcfs"}),
            Dimension::Categorical("flag", {true, false})});
  EXPECT_EQ(s.dim(0).kind, DimKind::kOrdinal);
  EXPECT_EQ(s.dim(1).kind, DimKind::kNominal);
  EXPECT_EQ(s.dim(2).kind, DimKind::kNominal);
  // Ordinal coordinates follow the values' order, not the list's.
  EXPECT_EQ(s.UnitOfLevel(0, 1), 0.0);  // value 1
  EXPECT_EQ(s.UnitOfLevel(0, 2), 0.5);  // value 2
  EXPECT_EQ(s.UnitOfLevel(0, 0), 1.0);  // value 4
  EXPECT_EQ(s.UnitOfLevel(1, 0), 0.25);
  EXPECT_EQ(s.UnitOfLevel(1, 1), 0.75);
}

TEST(SpaceTest, DecodeGivesEngineValuesAndEncodeInvertsIt) {
  const Space s = Make(
      {Dimension::Categorical("tp", {1, 2, 4}), Dimension::Range("chunk", Kind::kInteger, 512, 8192, true),
       Dimension::Range("mem", Kind::kFloat, 0.6, 0.95), Dimension::Categorical("policy", {"lpm", "fcfs"})});
  const std::vector<double> u = {0.49, 0.5, 0.123456789, 0.9};
  const Candidate c = s.Decode(u);
  EXPECT_EQ(c.values["tp"], 2);
  EXPECT_TRUE(c.values["chunk"].is_number_integer());
  EXPECT_EQ(c.values["chunk"], static_cast<int64_t>(std::round(std::sqrt(512.0 * 8192.0))));  // log midpoint
  EXPECT_EQ(c.values["mem"].get<double>(), 0.64321);  // 0.6 + 0.123456789 · 0.35 to ~1e-4 of the range
  EXPECT_EQ(c.values["policy"], "fcfs");
  EXPECT_EQ(DumpJson(c.values), R"({"tp":2,"chunk":2048,"mem":0.64321,"policy":"fcfs"})");

  auto back = s.Encode(c.values);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->unit, c.unit);   // bit-identical: duplicates are detected exactly
  EXPECT_EQ(s.Decode(c.unit), c);  // canonical points are fixed points
}

TEST(SpaceTest, EncodeRejectsValuesOutsideTheSpace) {
  const Space s = Make({Dimension::Categorical("tp", {1, 2}), Dimension::Range("n", Kind::kInteger, 1, 10)});
  EXPECT_TRUE(s.Encode(Json{{"tp", 2}, {"n", 3}}).ok());
  EXPECT_TRUE(s.Encode(Json{{"tp", 2.0}, {"n", 3.0}}).ok());  // numerically equal values are accepted
  EXPECT_FALSE(s.Encode(Json{{"tp", 3}, {"n", 3}}).ok());
  EXPECT_FALSE(s.Encode(Json{{"tp", 1}, {"n", 11}}).ok());
  EXPECT_FALSE(s.Encode(Json{{"tp", 1}, {"n", 2.5}}).ok());
  EXPECT_FALSE(s.Encode(Json{{"tp", 1}}).ok());
  EXPECT_FALSE(s.Encode(Json{{"tp", 1}, {"n", 3}, {"extra", 1}}).ok());
}

TEST(SpaceTest, CreateRejectsMalformedDimensions) {
  EXPECT_FALSE(Space::Create(task::SearchSpace{}).ok());
  EXPECT_FALSE(Space::Create(task::SearchSpace{{Dimension::Categorical("a", {})}}).ok());
  EXPECT_FALSE(Space::Create(task::SearchSpace{{Dimension::Categorical("a", {1, 1.0})}}).ok());
  EXPECT_FALSE(Space::Create(task::SearchSpace{{Dimension::Range("a", Kind::kFloat, 2, 1)}}).ok());
  EXPECT_FALSE(Space::Create(task::SearchSpace{{Dimension::Range("a", Kind::kFloat, 0, 1, true)}}).ok());
  EXPECT_FALSE(Space::Create(task::SearchSpace{{Dimension::Range("a", Kind::kInteger, 0.5, 3)}}).ok());
}

TEST(SpaceTest, BinUnitGivesEveryValueEqualProbability) {
  const Space s =
      Make({Dimension::Categorical("tp", {8, 1, 2, 4}), Dimension::Range("n", Kind::kInteger, 3, 7)});
  Rng rng(5);
  std::map<std::string, int> counts;
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    const std::vector<double> u = {s.BinUnit(0, rng.Uniform()), s.BinUnit(1, rng.Uniform())};
    const Candidate c = s.Decode(u);
    ++counts[DumpJson(c.values["tp"])];
    ++counts["n" + DumpJson(c.values["n"])];
  }
  for (const auto& [value, count] : counts) {
    const double expected = value[0] == 'n' ? draws / 5.0 : draws / 4.0;
    EXPECT_NEAR(count, expected, 0.05 * expected) << value;
  }
  EXPECT_EQ(counts.size(), 9u);
}

TEST(SpaceTest, LogFloatsRoundToSignificantDigits) {
  const Space s = Make({Dimension::Range("lr", Kind::kFloat, 1e-5, 1e-1, true)});
  const Candidate c = s.Decode(std::vector<double>{0.3});
  const double v = c.values["lr"].get<double>();
  EXPECT_NEAR(v, std::pow(10.0, -5 + 0.3 * 4), v * 1e-4);
  EXPECT_EQ(DumpJson(c.values["lr"]).size(), std::string("0.00015849").size());
}

}  // namespace
}  // namespace autotuner::opt
