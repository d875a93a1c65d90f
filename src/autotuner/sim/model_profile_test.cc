#include "autotuner/sim/model_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace autotuner::sim {
namespace {

using ::testing::HasSubstr;

// A scratch model directory removed when the test ends.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("autotuner-sim-" + std::to_string(::getpid()) + "-" + name)) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  void Write(const std::string& file, const std::string& text) const { std::ofstream(path_ / file) << text; }

 private:
  std::filesystem::path path_;
};

constexpr char kQwen7bConfig[] = R"({
  "architectures": ["Qwen2ForCausalLM"], "hidden_size": 3584, "intermediate_size": 18944,
  "max_position_embeddings": 32768, "num_attention_heads": 28, "num_hidden_layers": 28,
  "num_key_value_heads": 4, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 152064})";

TEST(SimModelProfileTest, CatalogParameterCountsMatchThePublishedSizes) {
  struct Expect {
    const char* name;
    double billions;
  };
  for (const Expect& e :
       {Expect{"Llama-3.2-1B", 1.24}, Expect{"Llama-3.2-3B", 3.21}, Expect{"Llama-3.1-8B", 8.03},
        Expect{"Llama-3.1-70B", 70.6}, Expect{"Qwen2.5-0.5B", 0.49}, Expect{"Qwen2.5-7B", 7.62},
        Expect{"Qwen2.5-14B", 14.7}, Expect{"Qwen3-14B", 14.8}, Expect{"Mistral-7B", 7.25},
        Expect{"Mixtral-8x7B", 46.7}}) {
    auto model = FindModelProfile(e.name);
    ASSERT_TRUE(model.ok()) << e.name;
    EXPECT_NEAR(model->TotalParams() / 1e9, e.billions, e.billions * 0.02) << e.name;
  }
  EXPECT_EQ(CatalogModels().size(), 10u);
}

TEST(SimModelProfileTest, MixtralActivatesTwoOfEightExperts) {
  const ModelProfile mixtral = *FindModelProfile("Mixtral-8x7B");
  EXPECT_TRUE(mixtral.IsMoe());
  EXPECT_NEAR(mixtral.ActiveParams() / 1e9, 12.9, 0.3);
  EXPECT_LT(mixtral.ActiveParams(), mixtral.TotalParams() / 3);
}

TEST(SimModelProfileTest, KvBytesPerTokenFollowGroupedQueryAttention) {
  // Llama-3.1-8B: 2 (K, V) × 32 layers × 8 KV heads × 128 dims × 2 bytes.
  EXPECT_DOUBLE_EQ(FindModelProfile("Llama-3.1-8B")->KvBytesPerToken(2), 131072);
  EXPECT_DOUBLE_EQ(FindModelProfile("Llama-3.1-8B")->KvBytesPerToken(1), 65536);
  EXPECT_LT(FindModelProfile("Qwen2.5-7B")->KvBytesPerToken(2),
            FindModelProfile("Llama-3.1-8B")->KvBytesPerToken(2));
}

TEST(SimModelProfileTest, LookupToleratesHubIdsAndSuffixes) {
  EXPECT_EQ(FindModelProfile("meta-llama/Llama-3.2-1B-Instruct")->name, "Llama-3.2-1B");
  EXPECT_EQ(FindModelProfile("meta-llama/Meta-Llama-3.1-8B-Instruct")->name, "Llama-3.1-8B");
  EXPECT_EQ(FindModelProfile("LLAMA-3.1-8B")->name, "Llama-3.1-8B");
  EXPECT_EQ(FindModelProfile("meta-llama/Llama-3.3-70B-Instruct")->name, "Llama-3.1-70B");
  EXPECT_EQ(FindModelProfile("Qwen/Qwen2.5-0.5B-Instruct")->name, "Qwen2.5-0.5B");
  EXPECT_EQ(FindModelProfile("mistralai/Mistral-7B-Instruct-v0.3")->name, "Mistral-7B");
  EXPECT_EQ(FindModelProfile("mistralai/Mixtral-8x7B-Instruct-v0.1")->name, "Mixtral-8x7B");
  // The original tool's directory names, dots written as dashes.
  EXPECT_EQ(FindModelProfile("llama-3-2-1b-instruct")->name, "Llama-3.2-1B");
  EXPECT_EQ(FindModelProfile("llama-3-1-8b-instruct")->name, "Llama-3.1-8B");
  EXPECT_EQ(FindModelProfile("qwen2-5-0-5b-instruct")->name, "Qwen2.5-0.5B");
  // A longer size must not match a shorter one's prefix.
  EXPECT_FALSE(FindModelProfile("meta-llama/Llama-3.2-11B-Vision").ok());
  EXPECT_FALSE(FindModelProfile("Qwen/Qwen2.5-72B-Instruct").ok());
}

TEST(SimModelProfileTest, UnknownModelIsAClearError) {
  auto model = FindModelProfile("acme/SuperLM-13B");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(model.error().message, HasSubstr("acme/SuperLM-13B"));
  EXPECT_THAT(model.error().message, HasSubstr("Llama-3.1-8B"));
}

TEST(SimModelProfileTest, QuantizationDetectedFromNames) {
  EXPECT_EQ(FindModelProfile("Qwen/Qwen2.5-7B-Instruct")->quantization.method, QuantMethod::kNone);
  EXPECT_EQ(FindModelProfile("Qwen/Qwen2.5-7B-Instruct-AWQ")->quantization.method, QuantMethod::kAwq);
  const Quantization gptq8 = FindModelProfile("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8")->quantization;
  EXPECT_EQ(gptq8.method, QuantMethod::kGptq);
  EXPECT_GT(gptq8.weight_bits, 8);
  EXPECT_EQ(FindModelProfile("nvidia/Llama-3.1-8B-Instruct-FP8")->quantization.method, QuantMethod::kFp8);
  const Quantization q8 = QuantizationFromName("llama-3.1-8b-instruct-q8_0.gguf");
  const Quantization q4 = QuantizationFromName("Llama-3.1-8B-Instruct-Q4_K_M-GGUF");
  EXPECT_EQ(q4.method, QuantMethod::kGguf);
  EXPECT_GT(q8.weight_bits, q4.weight_bits);
  EXPECT_THAT(q4.source, HasSubstr("name pattern"));
}

TEST(SimModelProfileTest, QuantizedCheckpointsWeighLess) {
  const ModelProfile bf16 = *FindModelProfile("Qwen2.5-7B");
  const ModelProfile awq = *FindModelProfile("Qwen2.5-7B-AWQ");
  const ModelProfile fp8 = *FindModelProfile("Qwen2.5-7B-FP8");
  EXPECT_NEAR(bf16.CheckpointBytes(2) / 1e9, 15.2, 0.3);
  EXPECT_LT(awq.CheckpointBytes(2), fp8.CheckpointBytes(2));
  EXPECT_LT(fp8.CheckpointBytes(2), bf16.CheckpointBytes(2) * 0.6);
  // Embeddings stay 16-bit: a 4-bit checkpoint is more than a quarter of the 16-bit one.
  EXPECT_GT(awq.CheckpointBytes(2), bf16.CheckpointBytes(2) / 4);
}

TEST(SimModelProfileTest, QuantizationConfigMethods) {
  EXPECT_EQ(QuantizationFromConfig(Json::parse(R"({"quant_method": "awq", "bits": 4})")).method,
            QuantMethod::kAwq);
  EXPECT_EQ(QuantizationFromConfig(Json::parse(R"({"quant_method": "fp8"})")).method, QuantMethod::kFp8);
  EXPECT_EQ(
      QuantizationFromConfig(Json::parse(R"({"quant_method": "modelopt", "quant_algo": "FP8"})")).method,
      QuantMethod::kFp8);
  const Json w8a8 = Json::parse(R"({"quant_method": "compressed-tensors",
      "config_groups": {"group_0": {"weights": {"num_bits": 8, "type": "int"}}}})");
  EXPECT_EQ(QuantizationFromConfig(w8a8).method, QuantMethod::kInt8);
  EXPECT_EQ(QuantizationFromConfig(Json::parse(R"({"quant_method": null})")).method, QuantMethod::kNone);
  EXPECT_EQ(QuantizationFromConfig(Json::parse("[]")).method, QuantMethod::kNone);
}

TEST(SimModelProfileTest, LoadsAConfigJsonDirectory) {
  TempDir dir("qwen");
  dir.Write("config.json", kQwen7bConfig);
  auto model = LoadModelProfile(dir.path());
  ASSERT_TRUE(model.ok()) << model.error().message;
  const ModelProfile catalog = *FindModelProfile("Qwen2.5-7B");
  EXPECT_EQ(model->num_layers, catalog.num_layers);
  EXPECT_EQ(model->num_kv_heads, 4);
  EXPECT_EQ(model->head_dim, 128);
  EXPECT_DOUBLE_EQ(model->TotalParams(), catalog.TotalParams());
  EXPECT_EQ(model->quantization.method, QuantMethod::kNone);
  // ResolveModel takes the directory route for paths.
  EXPECT_EQ(ResolveModel(dir.path().string())->name, model->name);
}

TEST(SimModelProfileTest, ConfigQuantizationAndDirectoryNames) {
  TempDir awq("qwen-awq");
  Json config = Json::parse(kQwen7bConfig);
  config["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4}, {"group_size", 128}};
  awq.Write("config.json", config.dump());
  EXPECT_EQ(LoadModelProfile(awq.path())->quantization.method, QuantMethod::kAwq);

  TempDir named("Qwen2.5-7B-Instruct-GPTQ-Int4");
  named.Write("config.json", kQwen7bConfig);
  EXPECT_EQ(LoadModelProfile(named.path())->quantization.method, QuantMethod::kGptq);

  TempDir gguf("some-gguf-dir");
  gguf.Write("config.json", kQwen7bConfig);
  gguf.Write("qwen2.5-7b-instruct-q4_k_m.gguf", "GGUF");
  EXPECT_EQ(LoadModelProfile(gguf.path())->quantization.method, QuantMethod::kGguf);
}

TEST(SimModelProfileTest, GgufOnlyDirectoryUsesTheCatalogShape) {
  TempDir dir("Llama-3.1-8B-Instruct-GGUF");
  dir.Write("Llama-3.1-8B-Instruct-Q8_0.gguf", "GGUF");
  auto model = LoadModelProfile(dir.path());
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_EQ(model->num_layers, 32);
  EXPECT_EQ(model->quantization.method, QuantMethod::kGguf);
  EXPECT_GT(model->quantization.weight_bits, 8);
  EXPECT_THAT(model->quantization.source, HasSubstr(".gguf"));
}

TEST(SimModelProfileTest, BrokenConfigsNameTheProblem) {
  TempDir missing("missing-field");
  missing.Write("config.json", R"({"num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100})");
  auto a = LoadModelProfile(missing.path());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kValidation);
  EXPECT_THAT(a.error().message, HasSubstr("hidden_size"));

  TempDir wrong("wrong-type");
  wrong.Write("config.json", R"({"num_hidden_layers": "two", "hidden_size": 64, "num_attention_heads": 4,
                                 "vocab_size": 100})");
  auto b = LoadModelProfile(wrong.path());
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr("num_hidden_layers"));

  TempDir syntax("syntax");
  syntax.Write("config.json", "{ not json");
  EXPECT_EQ(LoadModelProfile(syntax.path()).error().code, ErrorCode::kParse);

  TempDir empty("empty");
  EXPECT_EQ(LoadModelProfile(empty.path()).error().code, ErrorCode::kNotFound);
}

TEST(SimModelProfileTest, MoeConfigFields) {
  const Json qwen_moe =
      Json::parse(R"({"hidden_size": 2048, "intermediate_size": 5632, "moe_intermediate_size": 1408,
      "num_attention_heads": 16, "num_hidden_layers": 24, "num_experts": 60, "num_experts_per_tok": 4,
      "vocab_size": 151936})");
  auto model = ModelProfileFromConfig(qwen_moe, "qwen-moe");
  ASSERT_TRUE(model.ok()) << model.error().message;
  EXPECT_EQ(model->num_experts, 60);
  EXPECT_EQ(model->experts_per_token, 4);
  EXPECT_EQ(model->intermediate_size, 1408);
  EXPECT_EQ(model->num_kv_heads, 16);       // absent → one KV head per query head
  EXPECT_TRUE(model->tie_word_embeddings);  // Hugging Face's default
}

}  // namespace
}  // namespace autotuner::sim
