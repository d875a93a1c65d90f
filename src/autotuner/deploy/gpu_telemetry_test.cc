#include "autotuner/deploy/gpu_telemetry.h"

#include <gtest/gtest.h>

#include <atomic>

namespace autotuner::deploy {
namespace {

TEST(GpuTelemetryTest, ParsesTheQueryAndToleratesNotAvailable) {
  auto samples = ParseTelemetry("0, 87, 60211, 402.51, 1980\n1, [N/A], 100, [Not Supported], 345\n");
  ASSERT_TRUE(samples.ok()) << samples.error().message;
  ASSERT_EQ(samples->size(), 2u);
  EXPECT_EQ((*samples)[0].power_w, 402.51);
  EXPECT_FALSE((*samples)[1].utilization_pct.has_value());
  EXPECT_FALSE(ParseTelemetry("0, 87, 60211\n").ok());
  EXPECT_FALSE(ParseTelemetry("0, 187, 60211, 1, 1\n").ok());
}

TEST(GpuTelemetryTest, AggregatesTheExperimentsGpusOnly) {
  std::atomic<int> calls = 0;
  // Clocks 1000, 2000, 3000, ... on GPU 0; GPU 1 is not the experiment's.
  const CommandRunner run = [&](const std::vector<std::string>&) -> Result<std::string> {
    const int n = ++calls;
    return "0, 50, " + std::to_string(1000 * n) + ", 300, " + std::to_string(1000 * n) + "\n1, 99, 1, 1, 1\n";
  };
  GpuDevice gpu;
  gpu.index = 0;
  gpu.uuid = "GPU-0";
  gpu.name = "NVIDIA H100";
  GpuTelemetry telemetry({gpu}, std::chrono::milliseconds(5), run);
  while (calls < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const Json json = telemetry.Finish();
  ASSERT_TRUE(json.is_object());
  const int samples = json["samples"];
  EXPECT_GE(samples, 3);
  ASSERT_EQ(json["gpus"].size(), 1u);
  const Json& g = json["gpus"][0];
  EXPECT_EQ(g["uuid"], "GPU-0");
  EXPECT_EQ(g["utilization_gpu"], 50.0);
  EXPECT_EQ(g["power_w"], 300.0);
  EXPECT_EQ(g["sm_clock_mhz"]["min"], 1000.0);
  EXPECT_EQ(g["sm_clock_mhz"]["max"], 1000.0 * samples);
  EXPECT_EQ(g["memory_used_mib"], 1000.0 * samples);
  EXPECT_DOUBLE_EQ(g["sm_clock_mhz"]["mean"].get<double>(), 1000.0 * (samples + 1) / 2);
}

TEST(GpuTelemetryTest, NoSampleIsNull) {
  const CommandRunner fail = [](const std::vector<std::string>&) -> Result<std::string> {
    return MakeError(ErrorCode::kNotFound, "no nvidia-smi");
  };
  GpuTelemetry telemetry({}, std::chrono::milliseconds(5), fail);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(telemetry.Finish().is_null());
}

}  // namespace
}  // namespace autotuner::deploy
