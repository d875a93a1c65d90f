// vLLM (vllm serve MODEL): argparse that also accepts --foo_bar; without a model it serves --model's default.

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

std::string VllmTooFewGpus(int /*needed*/, int available, int tp) {
  return "AssertionError: please set tensor_parallel_size (" + std::to_string(tp) +
         ") to less than max local gpu count (" + std::to_string(available) + ")";
}

}  // namespace

const FlavorTraits& VllmTraits() {
  static const FlavorTraits traits = {
      .flavor = Flavor::kVllm,
      .name = "vllm",
      .aliases = {},
      .too_few_gpus = VllmTooFewGpus,
      .cli = {.click = false,
              .underscores_ok = true,
              .positional_model = true,
              .prog = "vllm serve",
              .usage = "usage: vllm serve [model_tag] [options]"},
      .default_host = "127.0.0.1",
      .model_flag = "model",
      .missing_model_error = "",
  };
  return traits;
}

}  // namespace autotuner::sim
