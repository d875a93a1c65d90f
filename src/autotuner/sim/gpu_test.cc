#include "autotuner/sim/gpu.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "autotuner/task/vocabulary.h"

namespace autotuner::sim {
namespace {

using ::testing::HasSubstr;

TEST(SimGpuTest, EveryDocumentedTypeIsKnown) {
  for (std::string_view name : {"H100", "H200", "A100-80GB", "A100-40GB", "L40S", "L4", "A10G"}) {
    auto gpu = FindGpu(name);
    ASSERT_TRUE(gpu.ok()) << name;
    EXPECT_EQ(gpu->name, name);
    EXPECT_GT(gpu->memory_gib, 20);
    EXPECT_GT(gpu->hbm_bandwidth_gbs, 0);
    EXPECT_GT(gpu->bf16_tflops, 0);
  }
  EXPECT_EQ(AllGpus().size(), 7u);
}

TEST(SimGpuTest, TheTaskParserOffersExactlyTheModelledGpus) {
  ASSERT_EQ(task::kSimulatedGpuTypes.size(), AllGpus().size());
  for (size_t i = 0; i < AllGpus().size(); ++i) EXPECT_EQ(task::kSimulatedGpuTypes[i], AllGpus()[i].name);
}

TEST(SimGpuTest, LookupIgnoresCaseAndSeparators) {
  EXPECT_EQ(FindGpu("h100")->name, "H100");
  EXPECT_EQ(FindGpu("a100_80gb")->name, "A100-80GB");
  EXPECT_EQ(FindGpu("A100")->name, "A100-80GB");
}

TEST(SimGpuTest, UnknownTypeNamesTheChoices) {
  auto gpu = FindGpu("H1000");
  ASSERT_FALSE(gpu.ok());
  EXPECT_EQ(gpu.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(gpu.error().message, HasSubstr("A10G"));
  EXPECT_THAT(gpu.error().message, HasSubstr("did you mean 'H100'"));
}

TEST(SimGpuTest, ArchitecturesDecideFp8AndInterconnect) {
  EXPECT_TRUE(FindGpu("H100")->HasFp8Compute());
  EXPECT_TRUE(FindGpu("L4")->HasFp8Compute());  // Ada has FP8 tensor cores
  EXPECT_FALSE(FindGpu("A100-80GB")->HasFp8Compute());
  EXPECT_FALSE(FindGpu("A10G")->HasFp8Compute());
  for (std::string_view pcie_only : {"L40S", "L4", "A10G"}) {
    const GpuProfile gpu = *FindGpu(pcie_only);
    EXPECT_FALSE(gpu.nvlink) << pcie_only;
    EXPECT_LT(gpu.link_bandwidth_gbs, FindGpu("H100")->link_bandwidth_gbs / 10) << pcie_only;
  }
  EXPECT_EQ(ArchName(FindGpu("H200")->arch), "hopper");
  // The H200 differs from the H100 in memory, not in compute.
  EXPECT_GT(FindGpu("H200")->memory_gib, FindGpu("H100")->memory_gib * 1.5);
  EXPECT_EQ(FindGpu("H200")->bf16_tflops, FindGpu("H100")->bf16_tflops);
}

}  // namespace
}  // namespace autotuner::sim
