#pragma once

// The simulator's command line: one engine's real flag surface (names, aliases, types, choices and boolean
// style come from the runtime definition runtimes/sim-<flavor>.yaml, never from code) parsed the way that
// engine's CLI parses it, then mapped onto the engine-neutral EngineConfig. Usage errors carry the full text
// the engine would print (argparse for SGLang and vLLM, click for TensorRT-LLM); the binary prints it and
// exits with status 2.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/sim/engine_config.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::sim {

// Injected failures (--sim-fault-*), for testing how callers cope with a misbehaving engine.
struct FaultOptions {
  bool crash_at_start = false;    // exit 1 after loading, before serving
  bool hang_at_start = false;     // never becomes ready (the port is not bound)
  int64_t crash_after = 0;        // exit 1 once this many requests were received (0 = never)
  int64_t hang_after_tokens = 0;  // every stream stops sending after this many tokens (0 = never)
  double slow_tokens = 1.0;       // each token takes this many times longer to arrive
  double drop_rate = 0.0;         // share of generation requests whose connection is closed mid-stream
  double http_500_rate = 0.0;     // share of generation requests answered with a 500
};

struct LaunchOptions {
  EngineConfig engine;
  std::string model;              // path or catalog id, as given
  std::string served_model_name;  // empty: the model as given
  std::string host = "127.0.0.1";
  int port = 8000;
  bool enable_metrics = false;
  std::string tokenizer;  // --sim-tokenizer; empty: chosen from the model's name
  FaultOptions faults;
  // --sim-firehose: no model time; each stream is written at once from pre-rendered bytes (load-generator
  // benchmarks).
  bool firehose = false;
  double startup_scale = 1.0;  // --sim-startup-scale: start-up takes this share of its modelled time
  bool help = false;
  // Real flags that were given but have no effect on the simulation ("not modelled" log lines).
  std::vector<std::string> not_modelled;
};

// Parses `args` (without the program name and without --flavor) against `runtime`. A usage error is
// kInvalidArgument whose message is the complete text to print on stderr.
Result<LaunchOptions> ParseLaunchFlags(Flavor flavor, const task::RuntimeDefinition& runtime,
                                       std::span<const std::string> args);

// The engine's --help text for the flags of `runtime`.
std::string HelpText(Flavor flavor, const task::RuntimeDefinition& runtime);

// The runtime definition that describes `flavor`'s flags (sim-sglang, sim-vllm, sim-trtllm).
std::string RuntimeNameFor(Flavor flavor);

}  // namespace autotuner::sim
