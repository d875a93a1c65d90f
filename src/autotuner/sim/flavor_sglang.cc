// SGLang (python3 -m sglang.launch_server): argparse, dashes only, the model by --model-path.

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

std::string SglangTooFewGpus(int needed, int available, int /*tp*/) {
  return "RuntimeError: CUDA error: invalid device ordinal (tp_size * pp_size * dp_size = " +
         std::to_string(needed) + " GPUs requested, " + std::to_string(available) + " visible)";
}

}  // namespace

const FlavorTraits& SglangTraits() {
  static const FlavorTraits traits = {
      .flavor = Flavor::kSglang,
      .name = "sglang",
      .aliases = {},
      .too_few_gpus = SglangTooFewGpus,
      .cli = {.click = false,
              .underscores_ok = false,
              .positional_model = false,
              .prog = "launch_server.py",
              .usage = "usage: launch_server.py [-h] --model-path MODEL_PATH [options]"},
      .default_host = "127.0.0.1",
      .model_flag = "",
      .missing_model_error = "the following arguments are required: --model-path/--model",
  };
  return traits;
}

}  // namespace autotuner::sim
