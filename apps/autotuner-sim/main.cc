// autotuner-sim: a simulated SGLang, vLLM or TensorRT-LLM server. `--flavor` picks the engine whose CLI, HTTP
// API and wire format it speaks; performance comes from the virtual-time model in autotuner_sim.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "autotuner/core/error.h"
#include "autotuner/core/log.h"
#include "autotuner/sim/flavor.h"
#include "autotuner/sim/launch_flags.h"
#include "autotuner/sim/model_source.h"
#include "autotuner/sim/server.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/tokenizer/model_tokenizer.h"
#include "autotuner/tokenizer/registry.h"

namespace {

int Fail(const std::string& message, int code) {
  std::cerr << message << (message.ends_with('\n') ? "" : "\n");
  return code;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args;
  std::string flavor_name;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--flavor" && i + 1 < argc) {
      flavor_name = argv[++i];
    } else if (arg.starts_with("--flavor=")) {
      flavor_name = arg.substr(9);
    } else {
      args.push_back(arg);
    }
  }
  auto flavor = autotuner::sim::ParseFlavor(flavor_name);
  if (!flavor) {
    std::string choices;  // the registered flavors, as argparse lists them
    std::string listed;
    for (const auto* traits : autotuner::sim::AllFlavors()) {
      choices += (choices.empty() ? "" : ",") + traits->name;
      listed += (listed.empty() ? "" : ", ") + traits->name;
    }
    return Fail("usage: autotuner-sim --flavor {" + choices + "} [engine flags] [--sim-* flags]\n" +
                    "autotuner-sim: error: --flavor must be one of " + listed,
                autotuner::kExitInvalidInput);
  }
  auto catalog = autotuner::task::RuntimeCatalog::LoadDefault();
  if (!catalog) return Fail(catalog.error().message, autotuner::kExitRuntimeError);
  const auto* runtime = catalog->Find(autotuner::sim::RuntimeNameFor(*flavor));
  if (runtime == nullptr) {
    return Fail("runtime definition " + autotuner::sim::RuntimeNameFor(*flavor) + " not found",
                autotuner::kExitRuntimeError);
  }
  auto options = autotuner::sim::ParseLaunchFlags(*flavor, *runtime, args);
  if (!options) return Fail(options.error().message, autotuner::kExitInvalidInput);
  if (options->help) {
    std::cout << autotuner::sim::HelpText(*flavor, *runtime);
    return 0;
  }
  autotuner::InitLogging();
  if (options->engine.time_scale <= 0)
    return Fail("--sim-time-scale must be positive", autotuner::kExitInvalidInput);
  if (options->startup_scale < 0)
    return Fail("--sim-startup-scale must not be negative", autotuner::kExitInvalidInput);
  for (const auto& flag : options->not_modelled) {
    spdlog::info("sim: {} is accepted but not modelled", runtime->RenderFlag(flag));
  }
  // The same files the benchmark client resolves (core/model_files.h), then the built-in profiles.
  const auto where = autotuner::ModelLocations::FromEnvironment(runtime->model_dir);
  auto model = autotuner::sim::ResolveSimulatedModel(options->model, where);
  if (!model) return Fail(model.error().message, autotuner::kExitRuntimeError);
  auto engine = autotuner::sim::VirtualEngine::Create(options->engine, *model);
  if (!engine) {
    spdlog::error("{}", engine.error().message);
    return autotuner::kExitRuntimeError;
  }
  for (const auto& note : engine->config().notes) spdlog::info("{}", note);
  for (const auto& line : engine->memory().log_lines) spdlog::info("{}", line);
  spdlog::info("sim: {} on {} × {} (tp {}, pp {}, dp {}), start-up {:.1f} s at time scale {}", model->name,
               engine->config().num_gpus, engine->config().gpu.name, engine->config().tp, engine->config().pp,
               engine->config().dp, engine->startup_seconds() * options->startup_scale,
               options->engine.time_scale);
  if (const char* devices = std::getenv("CUDA_VISIBLE_DEVICES"); devices != nullptr) {
    spdlog::info("sim: CUDA_VISIBLE_DEVICES={}", devices);
  }
  // The model's own tokenizer as the benchmark client resolves it (gpt2 when nothing here names one).
  auto source =
      autotuner::tokenizer::ResolveTokenizerSource(options->tokenizer, options->model, where, "gpt2");
  if (!source) return Fail(source.error().message, autotuner::kExitRuntimeError);
  if (!source->note.empty()) spdlog::info("sim: {}", source->note);
  const std::string tokenizer_name = source->name_or_path;
  auto tokenizer = autotuner::tokenizer::LoadTokenizer(tokenizer_name);
  if (!tokenizer) return Fail(tokenizer.error().message, autotuner::kExitRuntimeError);
  spdlog::info("sim: counting tokens with the {} tokenizer", tokenizer_name);
  return autotuner::sim::Serve(*options, std::move(engine).value(), std::move(tokenizer).value());
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
