// TensorRT-LLM (trtllm-serve MODEL): click, underscores, binds to localhost.

#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

std::string TrtllmTooFewGpus(int needed, int available, int /*tp*/) {
  return "RuntimeError: world size " + std::to_string(needed) +
         " (tp_size * pp_size) is larger than the number of available GPUs (" + std::to_string(available) +
         ")";
}

}  // namespace

const FlavorTraits& TrtllmTraits() {
  static const FlavorTraits traits = {
      .flavor = Flavor::kTrtllm,
      .name = "trtllm",
      .aliases = {"tensorrt-llm", "trt-llm"},
      .too_few_gpus = TrtllmTooFewGpus,
      .cli = {.click = true,
              .underscores_ok = false,
              .positional_model = true,
              .prog = "trtllm-serve",
              .usage = "Usage: trtllm-serve [OPTIONS] MODEL"},
      .default_host = "localhost",
      .model_flag = "",
      .missing_model_error = "Missing argument 'MODEL'.",
  };
  return traits;
}

}  // namespace autotuner::sim
