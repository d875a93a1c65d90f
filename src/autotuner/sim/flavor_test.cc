#include "autotuner/sim/flavor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "autotuner/sim/launch_flags.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::sim {
namespace {

// The registry is generated from the sim/flavor_*.cc files: these are the three built today.
TEST(SimFlavorRegistry, ListsEveryFlavorFileOnceSortedByName) {
  std::vector<std::string> names;
  for (const FlavorTraits* traits : AllFlavors()) names.push_back(traits->name);
  EXPECT_EQ(names, (std::vector<std::string>{"sglang", "trtllm", "vllm"}));
}

// What a new flavor must provide: a runtime definition that launches it, names that parse back to it, and
// every hook the simulator calls unconditionally.
TEST(SimFlavorRegistry, EveryFlavorIsComplete) {
  const task::RuntimeCatalog& catalog = autotuner::testing::ShippedRuntimes();
  std::set<std::string> spellings;
  for (const FlavorTraits* traits : AllFlavors()) {
    SCOPED_TRACE(traits->name);
    const Flavor flavor(*traits);
    EXPECT_EQ(*ParseFlavor(FlavorName(flavor)), flavor);
    EXPECT_EQ(FlavorNamed(traits->name), flavor);
    for (const std::string& alias : traits->aliases) EXPECT_EQ(*ParseFlavor(alias), flavor);
    EXPECT_TRUE(spellings.insert(traits->name).second);
    for (const std::string& alias : traits->aliases) EXPECT_TRUE(spellings.insert(alias).second) << alias;

    const task::RuntimeDefinition* runtime = catalog.Find(RuntimeNameFor(flavor));
    ASSERT_NE(runtime, nullptr) << "runtimes/" << RuntimeNameFor(flavor) << ".yaml";
    EXPECT_TRUE(runtime->simulated);
    const auto& command = runtime->command;
    const auto at = std::find(command.begin(), command.end(), "--flavor");
    ASSERT_NE(at, command.end());
    ASSERT_NE(at + 1, command.end());
    EXPECT_EQ(*ParseFlavor(*(at + 1)), flavor);
    const std::vector<std::string> help = {"--help"};
    EXPECT_TRUE(ParseLaunchFlags(flavor, *runtime, help).ok());

    EXPECT_FALSE(traits->display_name.empty());
    EXPECT_NE(traits->too_few_gpus, nullptr);
    EXPECT_NE(traits->apply_defaults, nullptr);
    EXPECT_NE(traits->memory.size_kv_pool, nullptr);
    EXPECT_NE(traits->memory.report, nullptr);
    EXPECT_FALSE(traits->memory.empty_pool_error.empty());
    EXPECT_NE(traits->context_exceeded, nullptr);
    EXPECT_FALSE(traits->routes.health.empty());
    EXPECT_FALSE(traits->routes.prometheus.empty());
    EXPECT_FALSE(traits->metrics.running.empty());
    EXPECT_FALSE(traits->wire.owned_by.empty());
  }
}

TEST(SimFlavorRegistry, UnknownNamesListTheFlavors) {
  auto unknown = ParseFlavor("tgi");
  ASSERT_FALSE(unknown.ok());
  for (const FlavorTraits* traits : AllFlavors()) {
    EXPECT_NE(unknown.error().message.find(traits->name), std::string::npos) << traits->name;
  }
  EXPECT_EQ(*ParseFlavor("TensorRT-LLM"), FlavorNamed("trtllm"));
  EXPECT_EQ(Flavor(), FlavorNamed("vllm"));
}

}  // namespace
}  // namespace autotuner::sim
