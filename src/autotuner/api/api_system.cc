// Api's system routes: info, health, GPU inventory.

#include <algorithm>
#include <mutex>

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"
#include "autotuner/core/version.h"
#include "autotuner/deploy/gpu_inventory.h"
#include "autotuner/deploy/gpu_pool.h"
#include "autotuner/runner/units.h"
#include "autotuner/task/defaults.h"

namespace autotuner::api {

HttpResponse Api::SystemInfo(const HttpRequest&, const Params&) {
  Json runtimes = Json::array();
  if (catalog_ != nullptr)
    for (auto n : catalog_->Names()) runtimes.push_back(n);
  return HttpResponse::FromJson({{"name", "autotuner"},
                                 {"version", kVersion},
                                 {"store", store_->Describe()},
                                 {"instance_id", store_->InstanceId()},
                                 {"started_at", started_at_},
                                 {"uptime_s", store::Now() - started_at_},
                                 {"auth_required", options_.auth_required},
                                 {"runs_studies", studies_ != nullptr},
                                 {"runtimes", runtimes},
                                 {"task_defaults", task::TaskDefaultsJson()},
                                 {"units", runner::UnitTableJson()}});
}

HttpResponse Api::SystemHealth(const HttpRequest&, const Params&) {
  auto count = store_->CountTasks(std::nullopt);
  if (!count.ok())
    return HttpResponse::FromJson(
        {{"status", "unhealthy"}, {"store", "error"}, {"message", count.error().message}}, 503);
  return HttpResponse::FromJson({{"status", "ok"}, {"store", "ok"}});
}

// Every GPU nvidia-smi shows (limited to --gpus when given), each with whether a study could use it now
// (deploy::CheckGpus: memory or processes that are not ours make it busy). Without nvidia-smi only the --gpus
// indices are known.
Json Api::GpuInventoryJson() {
  const deploy::GpuInventory inventory =
      options_.gpu_inventory ? options_.gpu_inventory() : deploy::QueryGpuInventory();
  const std::vector<int> only =
      options_.gpu_ids.empty() ? std::vector<int>{} : deploy::DiscoverGpus(options_.gpu_ids, 0);
  Json items = Json::array();
  if (!inventory.queried) {
    for (int id : only) items.push_back({{"index", id}});
  } else {
    const deploy::GpuAvailability availability =
        deploy::CheckGpus(inventory, deploy::IsAutotunerProcess, only);
    for (const auto& gpu : inventory.gpus) {
      if (!only.empty() && std::find(only.begin(), only.end(), gpu.index) == only.end()) continue;
      Json item = gpu.ToJson();
      item["busy"] = false;
      item["busy_reason"] = nullptr;
      for (const auto& busy : availability.busy) {
        if (busy.index != gpu.index) continue;
        item["busy"] = true;
        item["busy_reason"] = busy.reason;
      }
      items.push_back(std::move(item));
    }
  }
  Json out = inventory.ToJson();
  out.erase("gpus");
  out["count"] = items.size();
  out["items"] = std::move(items);
  return out;
}

HttpResponse Api::Gpus(const HttpRequest&, const Params&) {
  std::lock_guard lock(gpus_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!gpus_at_ || now - *gpus_at_ >= options_.gpu_cache_ttl) {
    gpus_ = GpuInventoryJson();
    gpus_at_ = now;
  }
  return HttpResponse::FromJson(gpus_);
}

}  // namespace autotuner::api
