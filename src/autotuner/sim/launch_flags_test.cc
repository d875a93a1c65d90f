#include "autotuner/sim/launch_flags.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::sim {
namespace {

Result<LaunchOptions> Parse(Flavor flavor, std::vector<std::string> args) {
  return ParseLaunchFlags(flavor, *Catalog().Find(RuntimeNameFor(flavor)), args);
}

TEST(LaunchFlags, SglangMapsTunedFlags) {
  auto options = Parse(
      FlavorNamed("sglang"),
      {"--model-path", "meta-llama/Llama-3.1-8B-Instruct", "--tp-size", "2", "--mem-fraction-static=0.8",
       "--chunked-prefill-size", "-1", "--disable-radix-cache", "--schedule-policy", "lpm", "--port", "31000",
       "--enable-metrics", "--trust-remote-code", "--sim-gpu-type", "A100-40GB"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->model, "meta-llama/Llama-3.1-8B-Instruct");
  EXPECT_EQ(options->engine.flavor, FlavorNamed("sglang"));
  EXPECT_EQ(options->engine.tp, 2);
  EXPECT_DOUBLE_EQ(*options->engine.memory_fraction, 0.8);
  EXPECT_EQ(options->engine.chunked_prefill, false);
  EXPECT_EQ(options->engine.prefix_cache, false);
  EXPECT_EQ(options->engine.schedule_policy, SchedulePolicy::kLpm);
  EXPECT_EQ(options->engine.gpu_type, "A100-40GB");
  EXPECT_EQ(options->port, 31000);
  EXPECT_TRUE(options->enable_metrics);
  EXPECT_EQ(options->not_modelled, std::vector<std::string>{"trust-remote-code"});
}

// What a flag sets is the runtime's `roles:` data, not code: a definition that gives the memory-fraction role
// to another flag changes what the simulator reads.
TEST(LaunchFlags, BindingsComeFromTheRuntimesRoles) {
  task::RuntimeDefinition runtime = *Catalog().Find("sim-vllm");
  runtime.roles[task::FlagRole::kMemoryFraction] = {"kv-offloading-size"};
  auto options = ParseLaunchFlags(
      FlavorNamed("vllm"), runtime,
      std::vector<std::string>{"m", "--kv-offloading-size", "0.5", "--gpu-memory-utilization", "0.8"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_DOUBLE_EQ(*options->engine.memory_fraction, 0.5);
  EXPECT_EQ(options->not_modelled, std::vector<std::string>{"gpu-memory-utilization"});
}

// SGLang renamed --cuda-graph-max-bs to --cuda-graph-max-bs-decode; tasks use the new name (the old one warns
// as deprecated), and both set the largest decode batch replayed from a graph.
TEST(LaunchFlags, SglangCudaGraphMaxBsUnderBothNames) {
  for (const char* flag : {"--cuda-graph-max-bs-decode", "--cuda-graph-max-bs"}) {
    auto options = Parse(FlavorNamed("sglang"), {"--model-path", "m", flag, "24"});
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->engine.cuda_graph_max_bs, 24) << flag;
    EXPECT_TRUE(options->not_modelled.empty()) << flag;
  }
}

TEST(LaunchFlags, SglangUsageErrorsAreArgparse) {
  auto unknown = Parse(FlavorNamed("sglang"), {"--model-path", "m", "--no-such-flag", "1"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("launch_server.py: error: unrecognized arguments: --no-such-flag 1"),
            std::string::npos)
      << unknown.error().message;
  EXPECT_TRUE(unknown.error().message.starts_with("usage: launch_server.py"));

  auto bad_int = Parse(FlavorNamed("sglang"), {"--model-path", "m", "--tp-size", "two"});
  ASSERT_FALSE(bad_int);
  EXPECT_NE(
      bad_int.error().message.find("argument --tp-size/--tensor-parallel-size: invalid int value: 'two'"),
      std::string::npos)
      << bad_int.error().message;

  auto bad_choice = Parse(FlavorNamed("sglang"), {"--model-path", "m", "--schedule-policy", "sjf"});
  ASSERT_FALSE(bad_choice);
  EXPECT_NE(bad_choice.error().message.find("invalid choice: 'sjf' (choose from 'lpm', 'random'"),
            std::string::npos);

  auto underscores = Parse(FlavorNamed("sglang"), {"--model-path", "m", "--tp_size", "2"});
  EXPECT_FALSE(underscores);  // argparse takes SGLang's flags with dashes only

  auto missing = Parse(FlavorNamed("sglang"), {"--tp-size", "2"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("the following arguments are required: --model-path"),
            std::string::npos);

  auto no_value = Parse(FlavorNamed("sglang"), {"--model-path", "m", "--port"});
  ASSERT_FALSE(no_value);
  EXPECT_NE(no_value.error().message.find("argument --port: expected one argument"), std::string::npos);
}

TEST(LaunchFlags, VllmTakesPositionalModelNegatedBooleansAndUnderscores) {
  auto options =
      Parse(FlavorNamed("vllm"),
            {"Qwen/Qwen2.5-7B-Instruct", "-tp", "2", "--no-enable-prefix-caching", "--max_num_seqs", "64",
             "--enforce-eager", "--block-size", "32", "--num-gpu-blocks-override", "100"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->model, "Qwen/Qwen2.5-7B-Instruct");
  EXPECT_EQ(options->engine.tp, 2);
  EXPECT_EQ(options->engine.prefix_cache, false);
  EXPECT_EQ(options->engine.max_running_requests, 64);
  EXPECT_FALSE(options->engine.cuda_graphs);
  EXPECT_EQ(options->engine.max_total_tokens, 3200);
  EXPECT_EQ(options->host, "127.0.0.1");

  auto bad = Parse(FlavorNamed("vllm"), {"m", "--gpu-memory-utilization", "lots"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find(
                "vllm serve: error: argument --gpu-memory-utilization: invalid float value: 'lots'"),
            std::string::npos)
      << bad.error().message;
}

TEST(LaunchFlags, TrtllmUsageErrorsAreClick) {
  auto options =
      Parse(FlavorNamed("trtllm"), {"meta-llama/Llama-3.1-8B", "--tp_size", "2", "--enable_chunked_prefill",
                                    "--kv_cache_free_gpu_memory_fraction", "0.5", "--max_batch_size", "128"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->engine.tp, 2);
  EXPECT_EQ(options->engine.chunked_prefill, true);
  EXPECT_DOUBLE_EQ(*options->engine.memory_fraction, 0.5);
  EXPECT_EQ(options->engine.max_running_requests, 128);
  EXPECT_EQ(options->host, "localhost");

  auto dashes = Parse(FlavorNamed("trtllm"), {"m", "--tp-size", "2"});
  ASSERT_FALSE(dashes);
  EXPECT_EQ(dashes.error().message,
            "Usage: trtllm-serve [OPTIONS] MODEL\nTry 'trtllm-serve --help' for help.\n\n"
            "Error: No such option: --tp-size Did you mean --tp_size?\n");

  auto bad_int = Parse(FlavorNamed("trtllm"), {"m", "--max_batch_size", "x"});
  ASSERT_FALSE(bad_int);
  EXPECT_NE(bad_int.error().message.find(
                "Error: Invalid value for '--max_batch_size': 'x' is not a valid integer."),
            std::string::npos);

  auto missing = Parse(FlavorNamed("trtllm"), {"--tp_size", "1"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("Error: Missing argument 'MODEL'."), std::string::npos);
}

TEST(LaunchFlags, SimFlagsAndGpuCount) {
  ::setenv("CUDA_VISIBLE_DEVICES", "0,1,2", 1);
  auto options = Parse(FlavorNamed("vllm"), {"m", "--sim-time-scale", "20", "--sim-fault-crash-after", "3",
                                             "--sim-tokenizer", "gpt2"});
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->engine.num_gpus, 3);
  EXPECT_DOUBLE_EQ(options->engine.time_scale, 20);
  EXPECT_EQ(options->faults.crash_after, 3);
  EXPECT_EQ(options->tokenizer, "gpt2");

  auto bad_gpu = Parse(FlavorNamed("vllm"), {"m", "--sim-gpu-type", "H900"});
  ASSERT_FALSE(bad_gpu);
  EXPECT_NE(bad_gpu.error().message.find("invalid choice: 'H900'"), std::string::npos);
}

TEST(LaunchFlags, HelpListsTheEngineFlags) {
  auto options = Parse(FlavorNamed("sglang"), {"--help"});
  ASSERT_TRUE(options);
  EXPECT_TRUE(options->help);
  const std::string help = HelpText(FlavorNamed("sglang"), *Catalog().Find("sim-sglang"));
  EXPECT_NE(help.find("--mem-fraction-static"), std::string::npos);
  EXPECT_NE(help.find("--sim-time-scale"), std::string::npos);
}

}  // namespace
}  // namespace autotuner::sim
