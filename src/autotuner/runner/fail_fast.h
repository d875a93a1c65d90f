#pragma once

// Fail-fast (SPEC §5): when experiments fail the same way whatever their configuration, the cause is the
// environment or the model, not the candidate, and more experiments only burn GPU time. Three finished
// experiments with the same failure class and cause on at least two distinct configurations, before any
// success, stop the study. Failures that say something about the configuration (oom, timeout, slo_violation)
// and those that say nothing (interrupted, pruned) never count. Also: which failures are transient (a port
// race, an image-pull glitch, an NCCL init timeout) and deserve one retry before they count.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "autotuner/core/json.h"
#include "autotuner/opt/outcome.h"

namespace autotuner::runner {

class FailFast {
 public:
  static constexpr int kFailures = 3;
  static constexpr int kConfigurations = 2;

  // Records one finished experiment; returns the study's stop reason ("every experiment fails the same way:
  // crashed: ...") once the rule fires. After a success it never fires.
  std::optional<std::string> Record(const Json& parameters, const opt::Outcome& outcome);

  // Whether failures of this class say nothing about the configuration.
  static bool Counts(opt::InfeasibleReason reason);
  // The cause of a message with what varies between experiments (numbers, ports, paths of one experiment)
  // blanked out, first line only.
  static std::string Cause(std::string_view message);

 private:
  struct Tally {
    int failures = 0;
    std::set<std::string> configurations;
  };
  bool any_success_ = false;
  std::map<std::pair<opt::InfeasibleReason, std::string>, Tally> tallies_;
};

// True for failures worth one retry: they come from a race or a glitch of the environment, not from the
// configuration.
bool IsTransientFailure(std::string_view message);

}  // namespace autotuner::runner
