// libFuzzer target: any bytes as a traffic scenario string (SPEC §2). Parsing gives a scenario or an error
// saying what is wrong, and a scenario's canonical spelling parses back to the same scenario.
#include <string_view>

#include "autotuner/core/fuzz_entry.h"
#include "autotuner/task/scenario.h"

namespace autotuner::fuzz {

int Scenario(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto scenario = task::ParseScenario(text);
  if (!scenario.ok()) {
    if (scenario.error().message.empty()) InvariantBroken("every error says what is wrong");
    return 0;
  }
  const auto again = task::ParseScenario(scenario->ToString());
  if (!again.ok()) InvariantBroken("a scenario's canonical spelling parses");
  if (!(*again == *scenario)) InvariantBroken("the canonical spelling gives back the same scenario");
  return 0;
}

}  // namespace autotuner::fuzz

AUTOTUNER_FUZZ_TARGET(autotuner::fuzz::Scenario)
