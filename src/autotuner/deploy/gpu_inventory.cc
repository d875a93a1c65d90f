#include "autotuner/deploy/gpu_inventory.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>

#include "autotuner/core/process.h"
#include "autotuner/core/strings.h"

namespace autotuner::deploy {
namespace {

constexpr size_t kMaxOutputBytes = 1 << 20;
constexpr int kMaxGpuIndex = 1023;
constexpr double kMaxMib = 1e8;

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    fields.push_back(
        TrimAsciiSpace(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start)));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (const auto line = TrimAsciiSpace(text.substr(start, end - start)); !line.empty())
      lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool NotAvailable(std::string_view field) { return field.starts_with("[") || field == "N/A"; }

std::optional<double> Number(std::string_view field, double low, double high) {
  double value = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
  if (ec != std::errc() || end != field.data() + field.size() || value < low || value > high)
    return std::nullopt;
  return value;
}

Error BadLine(std::string_view what, std::string_view line, std::string_view why) {
  return MakeError(ErrorCode::kParse,
                   "nvidia-smi " + std::string(what) + ": cannot read line '" + std::string(line) +
                       "': " + std::string(why),
                   {{"line", std::string(line)}});
}

}  // namespace

std::string GpuDevice::ComputeCapText() const {
  return std::to_string(compute_major) + "." + std::to_string(compute_minor);
}

Json GpuDevice::ToJson() const {
  return {{"index", index},
          {"uuid", uuid},
          {"name", name},
          {"type", type.empty() ? Json(nullptr) : Json(type)},
          {"compute_cap", ComputeCapText()},
          {"memory_total_mib", memory_total_mib},
          {"memory_used_mib", memory_used_mib},
          {"utilization_gpu", utilization_pct ? Json(*utilization_pct) : Json(nullptr)},
          {"driver_version", driver_version}};
}

Json GpuInventory::ToJson() const {
  Json list = Json::array();
  for (const auto& gpu : gpus) list.push_back(gpu.ToJson());
  return {{"queried", queried},
          {"error", error.empty() ? Json(nullptr) : Json(error)},
          {"driver_version", driver_version.empty() ? Json(nullptr) : Json(driver_version)},
          {"cuda_version", cuda_version.empty() ? Json(nullptr) : Json(cuda_version)},
          {"gpus", list}};
}

Result<std::vector<GpuDevice>> ParseGpuQuery(std::string_view csv) {
  std::vector<GpuDevice> gpus;
  for (const auto line : Lines(csv)) {
    const auto f = SplitFields(line);
    if (f.size() != 8) return BadLine("--query-gpu", line, "expected 8 comma-separated fields");
    GpuDevice gpu;
    const auto index = Number(f[0], 0, kMaxGpuIndex);
    if (!index) return BadLine("--query-gpu", line, "index is not a GPU index");
    gpu.index = static_cast<int>(*index);
    gpu.uuid = std::string(f[1]);
    gpu.name = std::string(f[2]);
    if (!NotAvailable(f[3])) {
      const int cap = ParseComputeCapability(f[3]);
      if (cap == 0) return BadLine("--query-gpu", line, "compute_cap is not MAJOR.MINOR");
      gpu.compute_major = cap / 10;
      gpu.compute_minor = cap % 10;
    }
    const auto total = Number(f[4], 0, kMaxMib);
    const auto used = NotAvailable(f[5]) ? std::optional<double>(0) : Number(f[5], 0, kMaxMib);
    if (!total || !used) return BadLine("--query-gpu", line, "memory is not a number of MiB");
    gpu.memory_total_mib = *total;
    gpu.memory_used_mib = *used;
    if (!NotAvailable(f[6])) {
      gpu.utilization_pct = Number(f[6], 0, 100);
      if (!gpu.utilization_pct) return BadLine("--query-gpu", line, "utilization is not 0..100");
    }
    gpu.driver_version = std::string(f[7]);
    gpu.type = GpuTypeOf(gpu.name);
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

Result<std::vector<ComputeApp>> ParseComputeApps(std::string_view csv) {
  std::vector<ComputeApp> apps;
  for (const auto line : Lines(csv)) {
    if (line.starts_with("No running")) continue;
    const auto f = SplitFields(line);
    if (f.size() != 3) return BadLine("--query-compute-apps", line, "expected gpu_uuid, pid, used_memory");
    const auto pid = Number(f[1], 1, 1 << 30);
    if (!pid) return BadLine("--query-compute-apps", line, "pid is not a process id");
    const auto used = NotAvailable(f[2]) ? std::optional<double>(0) : Number(f[2], 0, kMaxMib);
    if (!used) return BadLine("--query-compute-apps", line, "used_memory is not a number of MiB");
    apps.push_back({std::string(f[0]), static_cast<int>(*pid), *used});
  }
  return apps;
}

std::string ParseCudaVersion(std::string_view banner) {
  const size_t at = banner.find("CUDA Version:");
  if (at == std::string_view::npos) return "";
  std::string_view rest = TrimAsciiSpace(banner.substr(at + 13));
  size_t end = 0;
  while (end < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[end])) || rest[end] == '.'))
    ++end;
  return std::string(rest.substr(0, end));
}

Result<std::string> RunCommandOutput(const std::vector<std::string>& argv) {
  ProcessOptions options;
  options.argv = argv;
  auto process = Process::Spawn(options);
  if (!process.ok()) return std::move(process).error();
  std::string text;
  (void)PumpLines(
      process->output_fd(),
      [&](std::string_view line) {
        if (text.size() < kMaxOutputBytes) text += std::string(line) + "\n";
      },
      [] { return false; });
  const auto status = process->Wait(std::chrono::seconds(15));
  if (!status) return MakeError(ErrorCode::kUnavailable, argv.front() + " did not finish within 15 s");
  if (status->signaled || status->code != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     argv.front() + " failed (" + status->Describe() + "): " + text.substr(0, 300));
  }
  return text;
}

GpuInventory QueryGpuInventory(const CommandRunner& run) {
  GpuInventory inventory;
  auto gpus =
      run({"nvidia-smi",
           "--query-gpu=index,uuid,name,compute_cap,memory.total,memory.used,utilization.gpu,driver_version",
           "--format=csv,noheader,nounits"});
  if (!gpus.ok()) {
    inventory.error =
        gpus.error().code == ErrorCode::kNotFound ? "nvidia-smi is not on PATH" : gpus.error().message;
    return inventory;
  }
  auto parsed = ParseGpuQuery(*gpus);
  if (!parsed.ok()) {
    inventory.error = parsed.error().message;
    return inventory;
  }
  inventory.queried = true;
  inventory.gpus = std::move(*parsed);
  if (!inventory.gpus.empty()) inventory.driver_version = inventory.gpus.front().driver_version;
  if (auto apps = run(
          {"nvidia-smi", "--query-compute-apps=gpu_uuid,pid,used_memory", "--format=csv,noheader,nounits"});
      apps.ok()) {
    if (auto parsed_apps = ParseComputeApps(*apps); parsed_apps.ok())
      inventory.apps = std::move(*parsed_apps);
  }
  if (auto banner = run({"nvidia-smi"}); banner.ok()) inventory.cuda_version = ParseCudaVersion(*banner);
  return inventory;
}

bool IsAutotunerProcess(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry.starts_with("AUTOTUNER_OWNER=")) return true;
  }
  return false;
}

GpuAvailability CheckGpus(const GpuInventory& inventory, const std::function<bool(int pid)>& is_ours,
                          const std::vector<int>& only, double busy_mib) {
  GpuAvailability out;
  const std::set<int> wanted(only.begin(), only.end());
  for (const auto& gpu : inventory.gpus) {
    if (!wanted.empty() && !wanted.contains(gpu.index)) continue;
    double ours_mib = 0;
    std::vector<int> foreign;
    for (const auto& app : inventory.apps) {
      if (app.gpu_uuid != gpu.uuid) continue;
      if (is_ours && is_ours(app.pid)) {
        ours_mib += app.used_memory_mib;
      } else {
        foreign.push_back(app.pid);
      }
    }
    const double foreign_mib = std::max(0.0, gpu.memory_used_mib - ours_mib);
    if (!foreign.empty()) {
      std::string pids;
      for (int pid : foreign) pids += (pids.empty() ? "" : ", ") + std::to_string(pid);
      out.busy.push_back({gpu.index, "compute process(es) " + pids + " that autotuner did not start"});
    } else if (foreign_mib > busy_mib) {
      out.busy.push_back({gpu.index, std::to_string(static_cast<int64_t>(foreign_mib)) +
                                         " MiB of memory in use by others (over " +
                                         std::to_string(static_cast<int64_t>(busy_mib)) + " MiB)"});
    } else {
      out.free.push_back(gpu.index);
    }
  }
  return out;
}

}  // namespace autotuner::deploy
