#include "autotuner/sim/model_source.h"

#include <gtest/gtest.h>

#include <map>

#include "autotuner/core/model_files_testing.h"

namespace autotuner::sim {
namespace {

using autotuner::testing::ScratchDir;

struct Fixture {
  ScratchDir tmp{"sim-model-source"};
  ModelLocations where{tmp.path() / "models", tmp.path() / "hub", ""};
};

TEST(SimModelSourceTest, HubSnapshotConfigIsRead) {
  Fixture f;
  // A Qwen3-style config the built-in catalogue does not have.
  autotuner::testing::WriteHubSnapshot(
      f.where.hub_cache, "Qwen/Qwen3-4B", "deadbeef",
      {{"config.json",
        R"({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "num_hidden_layers": 36,
            "hidden_size": 2560, "intermediate_size": 9728, "num_attention_heads": 32, "num_key_value_heads": 8,
            "head_dim": 128, "vocab_size": 151936, "max_position_embeddings": 40960, "tie_word_embeddings": true,
            "torch_dtype": "bfloat16"})"}});
  auto profile = ResolveSimulatedModel("Qwen/Qwen3-4B", f.where);
  ASSERT_TRUE(profile.ok()) << profile.error().message;
  EXPECT_EQ(profile->name, "Qwen/Qwen3-4B");
  EXPECT_EQ(profile->num_layers, 36);
  EXPECT_EQ(profile->head_dim, 128);
}

TEST(SimModelSourceTest, BareNameUnderModelDirAndAwqByHubName) {
  Fixture f;
  autotuner::testing::WriteModelDir(f.where.model_dir / "llama-3-2-1b-instruct",
                                    {{"config.json", autotuner::testing::LlamaConfigJson(16, 2048)}});
  auto bare = ResolveSimulatedModel("llama-3-2-1b-instruct", f.where);
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  EXPECT_EQ(bare->num_layers, 16);
  autotuner::testing::WriteHubSnapshot(f.where.hub_cache, "acme/Llama-Tiny-AWQ", "c1",
                                       {{"config.json", autotuner::testing::LlamaConfigJson(4, 512)}});
  auto awq = ResolveSimulatedModel("acme/Llama-Tiny-AWQ", f.where);
  ASSERT_TRUE(awq.ok()) << awq.error().message;
  EXPECT_EQ(awq->quantization.method, QuantMethod::kAwq);
}

TEST(SimModelSourceTest, StandardConfigsOfEveryFamilyLoad) {
  Fixture f;
  const std::map<std::string, std::string> configs = {
      {"deepseek-ai/DeepSeek-V2-Lite",
       R"({"model_type": "deepseek_v2", "num_hidden_layers": 27, "hidden_size": 2048, "intermediate_size": 10944,
           "moe_intermediate_size": 1408, "n_routed_experts": 64, "num_experts_per_tok": 6,
           "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": 102400,
           "max_position_embeddings": 163840, "torch_dtype": "bfloat16"})"},
      {"google/gemma-3-4b-it",
       R"({"model_type": "gemma3", "text_config": {"num_hidden_layers": 34, "hidden_size": 2560,
           "intermediate_size": 10240, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
           "vocab_size": 262208, "max_position_embeddings": 131072}, "torch_dtype": "bfloat16"})"},
      {"mistralai/Mixtral-8x7B-v0.1",
       R"({"model_type": "mixtral", "num_hidden_layers": 32, "hidden_size": 4096, "intermediate_size": 14336,
           "num_local_experts": 8, "num_experts_per_tok": 2, "num_attention_heads": 32,
           "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 32768,
           "tie_word_embeddings": false})"},
      {"Qwen/Qwen2-1.5B",
       R"({"model_type": "qwen2", "num_hidden_layers": 28, "hidden_size": 1536, "intermediate_size": 8960,
           "num_attention_heads": 12, "num_key_value_heads": 2, "vocab_size": 151936,
           "max_position_embeddings": 32768})"},
  };
  for (const auto& [id, config] : configs) {
    autotuner::testing::WriteHubSnapshot(f.where.hub_cache, id, "r1", {{"config.json", config}});
    auto profile = ResolveSimulatedModel(id, f.where);
    ASSERT_TRUE(profile.ok()) << id << ": " << profile.error().message;
    EXPECT_GT(profile->TotalParams(), 1e9) << id;
  }
  EXPECT_EQ(ResolveSimulatedModel("deepseek-ai/DeepSeek-V2-Lite", f.where)->num_experts, 64);
  EXPECT_EQ(ResolveSimulatedModel("google/gemma-3-4b-it", f.where)->head_dim, 256);
}

TEST(SimModelSourceTest, BuiltInProfilesStillWorkWithoutFiles) {
  Fixture f;
  auto builtin = ResolveSimulatedModel("meta-llama/Llama-3.2-1B-Instruct", f.where);
  ASSERT_TRUE(builtin.ok()) << builtin.error().message;
  EXPECT_EQ(builtin->name, "Llama-3.2-1B");
  auto unknown = ResolveSimulatedModel("acme/Mystery-7B", f.where);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("models--acme--Mystery-7B"), std::string::npos)
      << unknown.error().message;
  EXPECT_NE(unknown.error().message.find("built-in"), std::string::npos);
}

}  // namespace
}  // namespace autotuner::sim
