#include "autotuner/deploy/offline_quant.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace autotuner::deploy {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A scratch model directory `<tmp>/<unique>/<name>`, removed when the test ends.
class ModelDir {
 public:
  explicit ModelDir(const std::string& name) {
    char pattern[] = "/tmp/autotuner-offline-quant-XXXXXX";
    root_ = ::mkdtemp(pattern);
    path_ = root_ / name;
    fs::create_directories(path_);
  }
  ~ModelDir() { fs::remove_all(root_); }
  std::string path() const { return path_.string(); }
  void Write(const std::string& file, const std::string& text) const { std::ofstream(path_ / file) << text; }
  void WriteConfig(const std::string& quantization_config) const {
    Write("config.json",
          R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 4096)" +
              (quantization_config.empty() ? std::string()
                                           : ", \"quantization_config\": " + quantization_config) +
              "}");
  }

 private:
  fs::path root_;
  fs::path path_;
};

std::string MethodOf(const std::string& model) {
  const auto q = DetectOfflineQuantization(model);
  return q ? q->method : "none";
}

TEST(OfflineQuantTest, ConfigJsonQuantMethods) {
  struct Case {
    const char* config;
    const char* method;
  };
  for (const Case& c : {
           Case{R"({"quant_method": "awq", "bits": 4, "group_size": 128})", "awq"},
           Case{R"({"quant_method": "AWQ"})", "awq"},
           Case{R"({"quant_method": "gptq", "bits": 8})", "gptq"},
           Case{R"({"quant_method": "fp8", "activation_scheme": "dynamic"})", "fp8"},
           Case{R"({"quant_method": "bitsandbytes", "load_in_4bit": true})", "bitsandbytes"},
           Case{R"({"quant_method": "modelopt", "quant_algo": "FP8"})", "fp8"},
           Case{R"({"quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights":
                {"num_bits": 8, "type": "int"}}}})",
                "int8"},
           Case{R"({"quant_method": "compressed-tensors", "config_groups": {"group_0": {"weights":
                {"num_bits": 4, "type": "int"}}}})",
                "gptq"},
       }) {
    ModelDir dir("my-model");
    dir.WriteConfig(c.config);
    const auto q = DetectOfflineQuantization(dir.path());
    ASSERT_TRUE(q.has_value()) << c.config;
    EXPECT_EQ(q->method, c.method) << c.config;
    EXPECT_THAT(q->source, HasSubstr("config.json quantization_config.quant_method="));
    EXPECT_THAT(q->source, HasSubstr(dir.path()));
  }
}

TEST(OfflineQuantTest, UnquantizedDirectoriesAreNotDetected) {
  ModelDir plain("Llama-3.1-8B-Instruct");
  plain.WriteConfig("");
  EXPECT_FALSE(DetectOfflineQuantization(plain.path()).has_value());

  // A quantization_config that is not a weight format, and a config.json that does not parse, count as
  // absent rather than failing the study.
  ModelDir unknown("Llama-3.1-8B-Instruct");
  unknown.WriteConfig(R"({"quant_method": "something-new"})");
  EXPECT_FALSE(DetectOfflineQuantization(unknown.path()).has_value());
  ModelDir broken("Llama-3.1-8B-Instruct");
  broken.Write("config.json", "{not json");
  EXPECT_FALSE(DetectOfflineQuantization(broken.path()).has_value());
}

TEST(OfflineQuantTest, DirectoryFallsBackToGgufFilesThenItsName) {
  ModelDir gguf("weights");
  gguf.WriteConfig("");
  gguf.Write("llama-3.1-8b-instruct-q4_k_m.gguf", "GGUF");
  const auto from_file = DetectOfflineQuantization(gguf.path());
  ASSERT_TRUE(from_file.has_value());
  EXPECT_EQ(from_file->method, "gguf");
  EXPECT_EQ(from_file->source, "file llama-3.1-8b-instruct-q4_k_m.gguf");

  // No quantization_config: the directory's own name still tells (a trailing slash does not hide it).
  ModelDir named("Qwen2.5-7B-Instruct-GPTQ-Int4");
  named.WriteConfig("");
  const auto from_name = DetectOfflineQuantization(named.path() + "/");
  ASSERT_TRUE(from_name.has_value());
  EXPECT_EQ(from_name->method, "gptq");
  EXPECT_THAT(from_name->source, HasSubstr("name pattern"));

  // config.json wins over the name.
  ModelDir both("Model-AWQ");
  both.WriteConfig(R"({"quant_method": "fp8"})");
  EXPECT_EQ(MethodOf(both.path()), "fp8");
}

TEST(OfflineQuantTest, GgufFilePath) {
  ModelDir dir("models");
  dir.Write("Mistral-7B-Instruct-v0.3.Q8_0.gguf", "GGUF");
  const auto q = DetectOfflineQuantization(dir.path() + "/Mistral-7B-Instruct-v0.3.Q8_0.gguf");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->method, "gguf");
  EXPECT_EQ(q->source, "file Mistral-7B-Instruct-v0.3.Q8_0.gguf");
  // The extension alone decides, case-insensitively, even before the file is downloaded.
  EXPECT_EQ(MethodOf("/models/absent/llama.Q4_K_M.GGUF"), "gguf");
}

TEST(OfflineQuantTest, HubIdNamePatterns) {
  EXPECT_EQ(MethodOf("Qwen/Qwen2.5-7B-Instruct-AWQ"), "awq");
  EXPECT_EQ(MethodOf("TheBloke/Mistral-7B-Instruct-v0.2-awq"), "awq");
  EXPECT_EQ(MethodOf("Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8"), "gptq");
  EXPECT_EQ(MethodOf("neuralmagic/Meta-Llama-3.1-8B-Instruct-FP8"), "fp8");
  EXPECT_EQ(MethodOf("nvidia/Llama-3.1-8B-Instruct-fp8"), "fp8");
  EXPECT_EQ(MethodOf("Qwen/Qwen2.5-14B-Instruct-Int4"), "gptq");
  EXPECT_EQ(MethodOf("neuralmagic/Llama-3.1-8B-Instruct-quantized.w4a16"), "gptq");
  EXPECT_EQ(MethodOf("RedHatAI/Llama-3.1-8B-Instruct-quantized.w8a8"), "int8");
  EXPECT_EQ(MethodOf("bartowski/Llama-3.2-3B-Instruct-GGUF"), "gguf");
  EXPECT_EQ(MethodOf("unsloth/llama-3-8b-bnb-4bit"), "bitsandbytes");
  const auto q = DetectOfflineQuantization("Qwen/Qwen2.5-7B-Instruct-AWQ");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->source, "name pattern in 'Qwen/Qwen2.5-7B-Instruct-AWQ'");

  // Names that merely contain the letters are not quantized checkpoints.
  EXPECT_EQ(MethodOf("meta-llama/Llama-3.1-8B-Instruct"), "none");
  EXPECT_EQ(MethodOf("Qwen/Qwen2.5-7B-Instruct"), "none");
  EXPECT_EQ(MethodOf("someone/awqward-model"), "none");
}

TEST(OfflineQuantTest, HubSnapshotConfigThroughTheResolver) {
  // A native-FP8 checkpoint whose name says nothing: only its config.json in the Hub cache tells.
  ModelDir cache("hub");
  const fs::path snapshot = fs::path(cache.path()) / "models--acme--Llama-Plain/snapshots/c1";
  fs::create_directories(snapshot);
  fs::create_directories(fs::path(cache.path()) / "models--acme--Llama-Plain/refs");
  std::ofstream(fs::path(cache.path()) / "models--acme--Llama-Plain/refs/main") << "c1";
  std::ofstream(snapshot / "config.json") << R"({"quantization_config": {"quant_method": "fp8"}})";
  const ModelLocations where{"", cache.path(), ""};
  const auto q = DetectOfflineQuantization("acme/Llama-Plain", where);
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->method, "fp8");
  EXPECT_THAT(q->source, HasSubstr("snapshots/c1"));
  // Not in the cache: the name pattern still tells.
  EXPECT_EQ(DetectOfflineQuantization("acme/Other-AWQ", where)->method, "awq");
  EXPECT_FALSE(DetectOfflineQuantization("acme/Other", where).has_value());
}

}  // namespace
}  // namespace autotuner::deploy
