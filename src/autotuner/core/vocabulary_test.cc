#include "autotuner/core/vocabulary.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace autotuner {
namespace {

// Every value has its own name and parses back; the names are the stored and JSON wire strings.
template <typename Enum, size_t N, typename Parse>
void ExpectRoundTrip(const std::array<Enum, N>& values, Parse parse) {
  std::set<std::string> names;
  for (const Enum value : values) {
    EXPECT_EQ(parse(Name(value)), value) << Name(value);
    names.insert(std::string(Name(value)));
  }
  EXPECT_EQ(names.size(), N);
  EXPECT_FALSE(parse("bogus").has_value());
  EXPECT_FALSE(parse("").has_value());
}

TEST(VocabularyTest, NamesRoundTrip) {
  ExpectRoundTrip(kTaskStatuses, ParseTaskStatus);
  ExpectRoundTrip(kExperimentStatuses, ParseExperimentStatus);
  ExpectRoundTrip(kFailureClasses, ParseFailureClass);
}

TEST(VocabularyTest, WireStringsAreThoseOfTheStoreAndApi) {
  EXPECT_EQ(Name(TaskStatus::kPending), "pending");
  EXPECT_EQ(Name(TaskStatus::kCompleted), "completed");
  EXPECT_EQ(Name(ExperimentStatus::kBenchmarking), "benchmarking");
  EXPECT_EQ(Name(ExperimentStatus::kSuccess), "success");
  EXPECT_EQ(Name(ExperimentStatus::kPruned), "pruned");
  EXPECT_EQ(Name(FailureClass::kOom), "oom");
  EXPECT_EQ(Name(FailureClass::kDeployFailed), "deploy_failed");
  EXPECT_EQ(Name(FailureClass::kSloViolation), "slo_violation");
  EXPECT_EQ(Name(FailureClass::kInternal), "internal");
  EXPECT_EQ(FailureClassName(std::nullopt), "");
  EXPECT_EQ(FailureClassName(FailureClass::kTimeout), "timeout");
}

TEST(VocabularyTest, FinalAndActive) {
  EXPECT_FALSE(IsFinal(TaskStatus::kPending));
  EXPECT_FALSE(IsFinal(TaskStatus::kRunning));
  EXPECT_TRUE(IsFinal(TaskStatus::kCompleted));
  EXPECT_TRUE(IsFinal(TaskStatus::kFailed));
  EXPECT_TRUE(IsFinal(TaskStatus::kCancelled));
  for (const auto status : kExperimentStatuses) EXPECT_NE(IsActive(status), IsFinal(status));
  EXPECT_TRUE(IsActive(ExperimentStatus::kPending));
  EXPECT_TRUE(IsActive(ExperimentStatus::kDeploying));
  EXPECT_TRUE(IsActive(ExperimentStatus::kBenchmarking));
  EXPECT_FALSE(IsActive(ExperimentStatus::kSuccess));
  EXPECT_FALSE(IsActive(ExperimentStatus::kPruned));
}

}  // namespace
}  // namespace autotuner
