#pragma once

#include <string>

#include "autotuner/runner/preflight.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::app {

// The real probes, plus the simulator's built-in model catalogue when the sim area is built.
runner::PreflightProbes CliPreflightProbes();

// Prints the preflight, the first candidates' engine command lines (grid: the first 5; bayesian: the initial
// design) and the estimated study time, as text or JSON. Returns the exit code (0, or the preflight's).
int PrintDryRun(const task::Task& task, const task::RuntimeDefinition& runtime,
                const runner::PreflightReport& report, bool json);

}  // namespace autotuner::app
