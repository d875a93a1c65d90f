#pragma once

// Test support (header only, for *_test.cc files): a scratch directory, fake model directories and a fake
// Hugging Face Hub cache laid out as huggingface_hub writes it, and scoped environment variables.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace autotuner::testing {

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag)
      : path_(std::filesystem::temp_directory_path() /
              ("autotuner-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(Counter()++))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  static int& Counter() {
    static int counter = 0;
    return counter;
  }
  std::filesystem::path path_;
};

inline void WriteText(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// A model directory holding `files` (name → content).
inline std::filesystem::path WriteModelDir(const std::filesystem::path& dir,
                                           const std::map<std::string, std::string>& files) {
  for (const auto& [name, text] : files) WriteText(dir / name, text);
  return dir;
}

// `cache`/models--ORG--NAME with refs/<ref> → snapshots/<commit>/ holding `files`. Returns the snapshot.
inline std::filesystem::path WriteHubSnapshot(const std::filesystem::path& cache, const std::string& hub_id,
                                              const std::string& commit,
                                              const std::map<std::string, std::string>& files,
                                              const std::string& ref = "main") {
  std::string folder = "models--" + hub_id;
  folder.replace(folder.find('/'), 1, "--");
  WriteText(cache / folder / "refs" / ref, commit);
  return WriteModelDir(cache / folder / "snapshots" / commit, files);
}

// A small standard config.json (Llama-style shapes).
inline std::string LlamaConfigJson(int layers = 16, int hidden = 2048, const std::string& extra = "") {
  return R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "num_hidden_layers": )" +
         std::to_string(layers) + R"(, "hidden_size": )" + std::to_string(hidden) +
         R"(, "intermediate_size": 8192, "num_attention_heads": 32, "num_key_value_heads": 8,
            "vocab_size": 128256, "max_position_embeddings": 131072, "tie_word_embeddings": true,
            "torch_dtype": "bfloat16")" +
         extra + "}";
}

// Sets (or unsets, with nullopt) an environment variable for the scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str()); old != nullptr) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace autotuner::testing
