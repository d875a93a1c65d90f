#include "autotuner/runner/fail_fast.h"

#include <gtest/gtest.h>

namespace autotuner::runner {
namespace {

using opt::InfeasibleReason;
using opt::Outcome;

Json Config(double mem) { return {{"mem-fraction-static", mem}}; }

TEST(FailFastTest, ThreeSameFailuresOnTwoConfigurationsStop) {
  FailFast ff;
  const auto crash = [](int port) {
    return Outcome::Infeasible(InfeasibleReason::kDeployFailed,
                               "the engine exited with code 1 at start (port " + std::to_string(port) +
                                   ")\nImportError: libcuda.so.1");
  };
  EXPECT_FALSE(ff.Record(Config(0.7), crash(30001)));
  EXPECT_FALSE(ff.Record(Config(0.7), crash(30002)));
  const auto stop = ff.Record(Config(0.8), crash(30003));
  ASSERT_TRUE(stop.has_value());
  EXPECT_EQ(stop->rfind("every experiment fails the same way: deploy_failed: the engine exited", 0), 0u)
      << *stop;
}

TEST(FailFastTest, OneConfigurationAloneNeverStops) {
  FailFast ff;
  const auto crash = Outcome::Infeasible(InfeasibleReason::kCrashed, "segfault");
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(ff.Record(Config(0.7), crash));
}

TEST(FailFastTest, ConfigurationDependentFailuresNeverCount) {
  FailFast ff;
  for (auto reason : {InfeasibleReason::kOom, InfeasibleReason::kTimeout, InfeasibleReason::kSloViolation,
                      InfeasibleReason::kPruned, InfeasibleReason::kInterrupted}) {
    for (int i = 0; i < 4; ++i) EXPECT_FALSE(ff.Record(Config(0.1 * i), Outcome::Infeasible(reason, "x")));
  }
}

TEST(FailFastTest, DifferentCausesOrASuccessFirstNeverStop) {
  FailFast mixed;
  EXPECT_FALSE(mixed.Record(Config(0.7), Outcome::Infeasible(InfeasibleReason::kCrashed, "a")));
  EXPECT_FALSE(mixed.Record(Config(0.8), Outcome::Infeasible(InfeasibleReason::kCrashed, "b")));
  EXPECT_FALSE(mixed.Record(Config(0.9), Outcome::Infeasible(InfeasibleReason::kBenchFailed, "a")));
  FailFast after_success;
  EXPECT_FALSE(after_success.Record(Config(0.6), Outcome::Success(1.0)));
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(after_success.Record(Config(0.1 * i), Outcome::Infeasible(InfeasibleReason::kCrashed, "a")));
  }
}

TEST(FailFastTest, CauseIgnoresNumbersAndLaterLines) {
  EXPECT_EQ(FailFast::Cause("port 30001 busy after 2.5 s\nlog tail"), "port # busy after #.# s");
  EXPECT_EQ(FailFast::Cause("a"), FailFast::Cause("a\nb"));
}

TEST(FailFastTest, TransientFailuresAreRecognised) {
  EXPECT_TRUE(IsTransientFailure("OSError: [Errno 98] Address already in use"));
  EXPECT_TRUE(IsTransientFailure("Error pulling image lmsysorg/sglang: TLS handshake timeout"));
  EXPECT_FALSE(IsTransientFailure("CUDA out of memory"));
  EXPECT_FALSE(IsTransientFailure("ModuleNotFoundError: No module named 'sglang'"));
}

}  // namespace
}  // namespace autotuner::runner
