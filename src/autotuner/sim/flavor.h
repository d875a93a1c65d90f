#pragma once

// What one simulated engine flavor does that its runtime definition (runtimes/sim-<flavor>.yaml) does not
// say: how its CLI library parses and reports errors, where it binds by default, what it does without a
// model. Flag facts (names, types, which flag plays which role) are data in the YAML; each flavor's traits
// live in sim/flavor_<flavor>.cc.

#include <string>
#include <string_view>
#include <vector>

#include "autotuner/sim/engine_config.h"

namespace autotuner::sim {

// How the engine's CLI library reads arguments and reports usage errors.
struct CliStyle {
  bool click = false;             // click (TensorRT-LLM) rather than argparse
  bool underscores_ok = false;    // vLLM rewrites --foo_bar to --foo-bar before parsing
  bool positional_model = false;  // `vllm serve MODEL`, `trtllm-serve MODEL`
  std::string prog;
  std::string usage;
};

struct FlavorTraits {
  Flavor flavor = Flavor::kVllm;
  std::string name;                  // --flavor value, runtimes/sim-<name>.yaml
  std::vector<std::string> aliases;  // other accepted --flavor spellings
  // The engine's start-up error when the parallel layout needs more GPUs than are visible.
  std::string (*too_few_gpus)(int needed, int available, int tp) = nullptr;
  CliStyle cli;
  std::string default_host;  // where the server binds without a host flag
  // A flag that names the model besides the positional argument (vLLM's --model); empty: none.
  std::string model_flag;
  // The usage error when no model is given; empty: the model flag's documented default is served.
  std::string missing_model_error;
};

const FlavorTraits& SglangTraits();
const FlavorTraits& VllmTraits();
const FlavorTraits& TrtllmTraits();
const FlavorTraits& TraitsOf(Flavor flavor);
// Every flavor, for --flavor parsing.
std::vector<const FlavorTraits*> AllFlavors();

}  // namespace autotuner::sim
