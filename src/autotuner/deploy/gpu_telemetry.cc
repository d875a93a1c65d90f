#include "autotuner/deploy/gpu_telemetry.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>

#include "autotuner/core/strings.h"

namespace autotuner::deploy {
namespace {

// nothing for [N/A]-style fields; kParse for anything else that is not a number in range.
Result<std::optional<double>> Field(std::string_view field, double high) {
  if (field.empty() || field.front() == '[' || field == "N/A") return std::optional<double>();
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || value < 0 || value > high) {
    return MakeError(ErrorCode::kParse,
                     "'" + std::string(field) + "' is not a number in 0.." + std::to_string(high));
  }
  return std::optional<double>(value);
}

}  // namespace

Result<std::vector<TelemetrySample>> ParseTelemetry(std::string_view csv) {
  std::vector<TelemetrySample> samples;
  size_t start = 0;
  while (start < csv.size()) {
    size_t end = csv.find('\n', start);
    if (end == std::string_view::npos) end = csv.size();
    const std::string_view line = TrimAsciiSpace(csv.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    std::vector<std::string_view> f;
    for (size_t at = 0;;) {
      const size_t comma = line.find(',', at);
      f.push_back(TrimAsciiSpace(line.substr(at, comma == std::string_view::npos ? line.npos : comma - at)));
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    if (f.size() != 5) {
      return MakeError(ErrorCode::kParse,
                       "nvidia-smi telemetry: expected 5 fields in '" + std::string(line) + "'");
    }
    auto index = Field(f[0], 1023);
    auto util = Field(f[1], 100);
    auto memory = Field(f[2], 1e8);
    auto power = Field(f[3], 1e5);
    auto clock = Field(f[4], 1e5);
    for (const auto* r : {&index, &util, &memory, &power, &clock}) {
      if (!r->ok()) return MakeError(ErrorCode::kParse, "nvidia-smi telemetry: " + r->error().message);
    }
    if (!index->has_value())
      return MakeError(ErrorCode::kParse, "nvidia-smi telemetry: no index in '" + std::string(line) + "'");
    samples.push_back({static_cast<int>(**index), *util, *memory, *power, *clock});
  }
  return samples;
}

GpuTelemetry::GpuTelemetry(std::vector<GpuDevice> gpus, std::chrono::milliseconds interval, CommandRunner run)
    : gpus_(std::move(gpus)), interval_(interval), run_(std::move(run)) {
  thread_ = std::jthread([this](std::stop_token stop) {
    try {
      std::mutex m;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        Sample();
        std::unique_lock lock(m);
        cv.wait_for(lock, stop, interval_, [] { return false; });
      }
    } catch (...) {
      // Telemetry only informs: a failing sampler leaves fewer samples, never a failed experiment.
    }
  });
}

GpuTelemetry::~GpuTelemetry() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void GpuTelemetry::Sample() {
  auto output = run_({"nvidia-smi", "--query-gpu=index,utilization.gpu,memory.used,power.draw,clocks.sm",
                      "--format=csv,noheader,nounits"});
  if (!output.ok()) return;
  auto samples = ParseTelemetry(*output);
  if (!samples.ok()) return;
  std::lock_guard lock(mutex_);
  ++samples_;
  for (const auto& s : *samples) {
    if (std::none_of(gpus_.begin(), gpus_.end(), [&](const GpuDevice& g) { return g.index == s.index; }))
      continue;
    Stats& st = stats_[s.index];
    ++st.samples;
    if (s.utilization_pct) st.util_sum += *s.utilization_pct, ++st.util_n;
    if (s.memory_used_mib) st.memory_max = std::max(st.memory_max, *s.memory_used_mib);
    if (s.power_w) st.power_sum += *s.power_w, ++st.power_n;
    if (s.sm_clock_mhz) {
      st.clock_min = st.clock_n == 0 ? *s.sm_clock_mhz : std::min(st.clock_min, *s.sm_clock_mhz);
      st.clock_max = std::max(st.clock_max, *s.sm_clock_mhz);
      st.clock_sum += *s.sm_clock_mhz;
      ++st.clock_n;
    }
  }
}

Json GpuTelemetry::Finish() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  if (samples_ == 0) return nullptr;
  const auto mean = [](double sum, int n) { return n == 0 ? Json(nullptr) : Json(sum / n); };
  Json gpus = Json::array();
  for (const auto& gpu : gpus_) {
    const auto it = stats_.find(gpu.index);
    if (it == stats_.end()) continue;
    const Stats& st = it->second;
    gpus.push_back({{"index", gpu.index},
                    {"uuid", gpu.uuid},
                    {"name", gpu.name},
                    {"utilization_gpu", mean(st.util_sum, st.util_n)},
                    {"memory_used_mib", st.memory_max},
                    {"power_w", mean(st.power_sum, st.power_n)},
                    {"sm_clock_mhz", st.clock_n == 0 ? Json(nullptr)
                                                     : Json{{"min", st.clock_min},
                                                            {"mean", st.clock_sum / st.clock_n},
                                                            {"max", st.clock_max}}}});
  }
  return {{"interval_s", std::chrono::duration<double>(interval_).count()},
          {"samples", samples_},
          {"gpus", gpus}};
}

}  // namespace autotuner::deploy
