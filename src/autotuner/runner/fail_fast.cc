#include "autotuner/runner/fail_fast.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "autotuner/core/strings.h"

namespace autotuner::runner {
namespace {

constexpr size_t kMaxCause = 160;

}  // namespace

bool FailFast::Counts(opt::InfeasibleReason reason) {
  switch (reason) {
    case opt::InfeasibleReason::kOom:
    case opt::InfeasibleReason::kTimeout:
    case opt::InfeasibleReason::kSloViolation:
    case opt::InfeasibleReason::kInterrupted:
    case opt::InfeasibleReason::kPruned:
      return false;
    default:
      return true;
  }
}

std::string FailFast::Cause(std::string_view message) {
  const size_t newline = message.find('\n');
  std::string_view first = message.substr(0, newline);
  std::string out;
  bool in_number = false;
  for (char c : first) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!in_number) out += '#';
      in_number = true;
      continue;
    }
    in_number = false;
    out += c;
    if (out.size() >= kMaxCause) break;
  }
  return out;
}

std::optional<std::string> FailFast::Record(const Json& parameters, const opt::Outcome& outcome) {
  if (outcome.feasible()) {
    any_success_ = true;
    return std::nullopt;
  }
  if (any_success_ || !Counts(outcome.reason())) return std::nullopt;
  const std::string cause = Cause(outcome.message());
  Tally& tally = tallies_[{outcome.reason(), cause}];
  ++tally.failures;
  tally.configurations.insert(DumpJson(parameters));
  if (tally.failures < kFailures || static_cast<int>(tally.configurations.size()) < kConfigurations) {
    return std::nullopt;
  }
  const std::string first_line(outcome.message().substr(0, outcome.message().find('\n')));
  return "every experiment fails the same way: " + std::string(Name(outcome.reason())) + ": " + first_line +
         " (" + std::to_string(tally.failures) + " experiments, " +
         std::to_string(tally.configurations.size()) +
         " configurations; the cause does not depend on the configuration)";
}

bool IsTransientFailure(std::string_view message) {
  static constexpr std::array<std::string_view, 7> kPatterns = {
      "address already in use",   "port is already allocated",          "tls handshake timeout",
      "connection reset by peer", "nccl error: unhandled system error", "nccl timeout",
      "error pulling image"};
  const std::string lower = AsciiLower(message);
  return std::any_of(kPatterns.begin(), kPatterns.end(),
                     [&](std::string_view p) { return lower.find(p) != std::string::npos; });
}

}  // namespace autotuner::runner
