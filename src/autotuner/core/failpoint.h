#pragma once

// Env-gated fault injection for tests: AUTOTUNER_FAILPOINT=name[,name...] makes Failpoint(name) true at
// those points (a store write fails half-way, a process dies mid-write). Unset in normal runs: one getenv.

#include <string_view>

namespace autotuner {

// True when AUTOTUNER_FAILPOINT names `name`. With "name=exit", the process exits at once (code 137, as if
// killed) instead, so a test can stop it at an exact point.
bool Failpoint(std::string_view name);

}  // namespace autotuner
