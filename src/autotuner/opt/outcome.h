#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/core/vocabulary.h"

namespace autotuner::opt {

// Why an experiment produced no score: its failure class (core/vocabulary.h). Infeasible outcomes are learned
// as such by the optimizer, never turned into a number.
using InfeasibleReason = FailureClass;

// False for reasons that say nothing about the configuration (interrupted, internal): the optimizer forgets
// such outcomes and may propose the configuration again.
bool SaysSomethingAboutTheConfiguration(InfeasibleReason reason);

// Result of one experiment as the optimizer sees it: scores (lower is better; the first objective is
// primary, the rest are extra objectives for the Pareto front) or an infeasibility reason.
class Outcome {
 public:
  static Outcome Success(double score, std::vector<double> extra_objectives = {});
  static Outcome Infeasible(InfeasibleReason reason, std::string message = "");

  bool feasible() const { return !reason_.has_value(); }
  // Primary score; only for feasible outcomes.
  double score() const { return objectives_.front(); }
  // Every objective's score, primary first; empty for infeasible outcomes.
  const std::vector<double>& objectives() const { return objectives_; }
  // Only for infeasible outcomes.
  InfeasibleReason reason() const { return *reason_; }
  const std::string& message() const { return message_; }

  Json ToJson() const;
  static Result<Outcome> FromJson(const Json& json);

  bool operator==(const Outcome&) const = default;

 private:
  std::vector<double> objectives_;
  std::optional<InfeasibleReason> reason_;
  std::string message_;
};

}  // namespace autotuner::opt
