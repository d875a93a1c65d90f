#include "autotuner/tokenizer/model_tokenizer.h"

#include <gtest/gtest.h>

#include "autotuner/core/model_files_testing.h"
#include "autotuner/tokenizer/registry.h"

namespace autotuner::tokenizer {
namespace {

using autotuner::testing::ScratchDir;
using autotuner::testing::WriteHubSnapshot;
using autotuner::testing::WriteModelDir;

struct Fixture {
  ScratchDir tmp{"model-tokenizer"};
  ModelLocations where{tmp.path() / "models", tmp.path() / "hub", ""};
};

TEST(ModelTokenizerTest, ExplicitShippedNameOrPathIsUsedAsIs) {
  Fixture f;
  auto shipped = ResolveTokenizerSource("gpt2", "whatever", f.where);
  ASSERT_TRUE(shipped.ok());
  EXPECT_EQ(shipped->name_or_path, "gpt2");
  const auto file = f.tmp.path() / "tok.json";
  autotuner::testing::WriteText(file, "{}");
  auto path = ResolveTokenizerSource(file.string(), "whatever", f.where);
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(path->name_or_path, file.string());
}

TEST(ModelTokenizerTest, ExplicitHubIdFromTheCache) {
  Fixture f;
  const auto snapshot = WriteHubSnapshot(f.where.hub_cache, "meta-llama/Llama-3.2-1B-Instruct", "c0ffee",
                                         {{"tokenizer.json", "{}"}, {"config.json", "{}"}});
  auto source = ResolveTokenizerSource("meta-llama/Llama-3.2-1B-Instruct", "llama-3-2-1b-instruct", f.where);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(source->name_or_path, snapshot.string());
}

TEST(ModelTokenizerTest, NullMeansTheModelsOwnTokenizer) {
  Fixture f;
  const auto dir = WriteModelDir(f.where.model_dir / "my-model", {{"tokenizer.json", "{}"}});
  auto source = ResolveTokenizerSource("", "my-model", f.where);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(source->name_or_path, dir.string());
  EXPECT_NE(source->note.find("model's own"), std::string::npos);
}

TEST(ModelTokenizerTest, FamilyTableWithANoteWhenNoFilesAreHere) {
  Fixture f;
  // The original tool's tasks: a bare model name, a Hub id for the tokenizer, neither on this machine.
  auto source = ResolveTokenizerSource("meta-llama/Llama-3.2-1B-Instruct", "llama-3-2-1b-instruct", f.where);
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(source->name_or_path, "llama3.1");
  EXPECT_NE(source->note.find("data/tokenizer_families.json"), std::string::npos);
  auto llama3 = ResolveTokenizerSource("", "meta-llama/Meta-Llama-3-8B-Instruct", f.where);
  ASSERT_TRUE(llama3.ok());
  EXPECT_EQ(llama3->name_or_path, "llama3");
}

TEST(ModelTokenizerTest, UnknownModelNamesEveryPlaceAndTheFix) {
  Fixture f;
  auto source = ResolveTokenizerSource("", "acme/Mystery-7B", f.where);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.error().code, ErrorCode::kValidation);
  const std::string& m = source.error().message;
  EXPECT_NE(m.find((f.where.model_dir / "acme/Mystery-7B").string()), std::string::npos) << m;
  EXPECT_NE(m.find("models--acme--Mystery-7B/refs/main"), std::string::npos) << m;
  EXPECT_NE(m.find("benchmark.model_tokenizer: gpt2"), std::string::npos) << m;
}

TEST(ModelTokenizerTest, FallbackOnlyForANullTokenizer) {
  Fixture f;
  auto source = ResolveTokenizerSource("", "mistralai/Mistral-7B-v0.3", f.where, "gpt2");
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(source->name_or_path, "gpt2");
  EXPECT_FALSE(ResolveTokenizerSource("acme/Tok", "mistralai/Mistral-7B-v0.3", f.where, "gpt2").ok());
}

TEST(ModelTokenizerTest, DirectoryWithoutTokenizerIsNamed) {
  Fixture f;
  WriteModelDir(f.where.model_dir / "weights-only", {{"config.json", "{}"}});
  auto source = ResolveTokenizerSource("", "weights-only", f.where);
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.error().message.find("weights-only/tokenizer.json"), std::string::npos);
}

TEST(ModelTokenizerTest, FamilyTableShipsOnlyKnownOrLaterTokenizers) {
  auto families = LoadTokenizerFamilies();
  ASSERT_TRUE(families.ok()) << families.error().message;
  ASSERT_FALSE(families->empty());
  for (const auto& family : *families) {
    EXPECT_FALSE(family.match.empty()) << family.tokenizer;
  }
  ScratchDir tmp("families");
  autotuner::testing::WriteText(tmp.path() / "bad.json", R"({"families": [{"match": "x"}]})");
  EXPECT_FALSE(LoadTokenizerFamilies(tmp.path() / "bad.json").ok());
}

}  // namespace
}  // namespace autotuner::tokenizer
