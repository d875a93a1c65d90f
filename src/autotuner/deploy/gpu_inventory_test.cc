#include "autotuner/deploy/gpu_inventory.h"

#include <gtest/gtest.h>

#include "autotuner/core/model_files_testing.h"

namespace autotuner::deploy {
namespace {

using autotuner::testing::ScopedEnv;

const std::string kFakeSmiDir =
    std::string(AUTOTUNER_SOURCE_DIR) + "/src/autotuner/deploy/testdata/nvidia-smi";

// The fake nvidia-smi first on PATH, answering from one of its machine directories.
struct FakeSmi {
  explicit FakeSmi(const std::string& machine)
      : path("PATH", kFakeSmiDir + ":" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "")),
        dir("FAKE_NVIDIA_SMI_DIR", kFakeSmiDir + "/" + machine) {}
  ScopedEnv path;
  ScopedEnv dir;
};

TEST(GpuInventoryTest, ParsesTheDocumentedQueryFormat) {
  auto gpus = ParseGpuQuery(
      "0, GPU-abc, NVIDIA H100 80GB HBM3, 9.0, 81559, 1, 0, 550.54.15\n"
      "1, GPU-def, NVIDIA L4, 8.9, 23034, 20000, [N/A], 550.54.15\n");
  ASSERT_TRUE(gpus.ok()) << gpus.error().message;
  ASSERT_EQ(gpus->size(), 2u);
  EXPECT_EQ((*gpus)[0].type, "H100");
  EXPECT_EQ((*gpus)[0].ComputeCapability(), 90);
  EXPECT_EQ((*gpus)[0].memory_total_mib, 81559);
  EXPECT_EQ((*gpus)[1].type, "L4");
  EXPECT_EQ((*gpus)[1].memory_used_mib, 20000);
  EXPECT_FALSE((*gpus)[1].utilization_pct.has_value());
}

TEST(GpuInventoryTest, MalformedLinesAreNamed) {
  auto short_line = ParseGpuQuery("0, GPU-abc, NVIDIA H100\n");
  ASSERT_FALSE(short_line.ok());
  EXPECT_NE(short_line.error().message.find("NVIDIA H100"), std::string::npos);
  EXPECT_FALSE(ParseGpuQuery("x, GPU-abc, H100, 9.0, 1, 1, 1, 1\n").ok());
  EXPECT_FALSE(ParseGpuQuery("0, GPU-abc, H100, 9.0, -5, 1, 1, 1\n").ok());
  EXPECT_FALSE(ParseGpuQuery("0, GPU-abc, H100, 9.0, 80000, 1, 250, 1\n").ok());
  EXPECT_FALSE(ParseComputeApps("GPU-abc, pid, 12\n").ok());
  auto none = ParseComputeApps("No running processes found\n");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(GpuInventoryTest, TypeTableKnowsTheCommonParts) {
  EXPECT_EQ(GpuTypeOf("NVIDIA H200"), "H200");
  EXPECT_EQ(GpuTypeOf("NVIDIA GH200 480GB"), "GH200");
  EXPECT_EQ(GpuTypeOf("NVIDIA A100-SXM4-40GB"), "A100");
  EXPECT_EQ(GpuTypeOf("NVIDIA A10G"), "A10G");
  EXPECT_EQ(GpuTypeOf("NVIDIA L40S"), "L40S");
  EXPECT_EQ(GpuTypeOf("Tesla V100-SXM2-16GB"), "V100");
  EXPECT_EQ(GpuTypeOf("Tesla T4"), "T4");
  EXPECT_EQ(GpuTypeOf("Some Future GPU"), "");
  EXPECT_EQ(FeatureMinComputeCapability("fp8"), 89);
  const auto types = KnownGpuTypes();
  EXPECT_NE(std::find(types.begin(), types.end(), "H100"), types.end());
}

TEST(GpuInventoryTest, QueriesTheFakeNvidiaSmiAndLeavesBusyGpusOut) {
  FakeSmi smi("h100x4");
  const GpuInventory inventory = QueryGpuInventory();
  ASSERT_TRUE(inventory.queried) << inventory.error;
  ASSERT_EQ(inventory.gpus.size(), 4u);
  EXPECT_EQ(inventory.driver_version, "550.54.15");
  EXPECT_EQ(inventory.cuda_version, "12.4");
  ASSERT_EQ(inventory.apps.size(), 2u);
  // GPU 1 runs someone's 71 GB job; GPU 2 a small foreign process; 0 and 3 are idle.
  const auto nobody = [](int) { return false; };
  auto availability = CheckGpus(inventory, nobody);
  EXPECT_EQ(availability.free, (std::vector<int>{0, 3}));
  ASSERT_EQ(availability.busy.size(), 2u);
  EXPECT_EQ(availability.busy[0].index, 1);
  EXPECT_NE(availability.busy[0].reason.find("4242"), std::string::npos) << availability.busy[0].reason;
  // Our own engine on GPU 1 (pid 4242) leaves it ours to use again; --gpus narrows the answer.
  const auto ours = [](int pid) { return pid == 4242; };
  EXPECT_EQ(CheckGpus(inventory, ours).free, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(CheckGpus(inventory, ours, {1, 2}).free, (std::vector<int>{1}));
}

TEST(GpuInventoryTest, MemoryOverOneGibWithoutAProcessIsBusy) {
  GpuInventory inventory;
  inventory.gpus.push_back({});
  inventory.gpus[0].uuid = "GPU-x";
  inventory.gpus[0].memory_used_mib = 2048;
  auto availability = CheckGpus(inventory, nullptr);
  EXPECT_TRUE(availability.free.empty());
  ASSERT_EQ(availability.busy.size(), 1u);
  EXPECT_NE(availability.busy[0].reason.find("2048 MiB"), std::string::npos);
}

TEST(GpuInventoryTest, NoDriverOrNoNvidiaSmiIsAnError) {
  {
    FakeSmi smi("none");
    const GpuInventory inventory = QueryGpuInventory();
    EXPECT_FALSE(inventory.queried);
    EXPECT_NE(inventory.error.find("couldn't communicate with the NVIDIA driver"), std::string::npos)
        << inventory.error;
  }
  ScopedEnv path("PATH", "/nonexistent");
  const GpuInventory inventory = QueryGpuInventory();
  EXPECT_FALSE(inventory.queried);
  EXPECT_EQ(inventory.error, "nvidia-smi is not on PATH");
}

TEST(GpuInventoryTest, InventoryJsonCarriesEveryField) {
  FakeSmi smi("l4x2");
  const Json json = QueryGpuInventory().ToJson();
  ASSERT_EQ(json["gpus"].size(), 2u);
  EXPECT_EQ(json["gpus"][0]["type"], "L4");
  EXPECT_EQ(json["gpus"][0]["compute_cap"], "8.9");
  EXPECT_TRUE(json["gpus"][1]["utilization_gpu"].is_null());
  EXPECT_TRUE(json["cuda_version"].is_null());
}

}  // namespace
}  // namespace autotuner::deploy
