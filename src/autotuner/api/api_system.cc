// Api's system routes: info, health, GPU inventory.

#include <mutex>

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"
#include "autotuner/core/version.h"
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
  auto count = store_->CountTasks("");
  if (!count.ok())
    return HttpResponse::FromJson(
        {{"status", "unhealthy"}, {"store", "error"}, {"message", count.error().message}}, 503);
  return HttpResponse::FromJson({{"status", "ok"}, {"store", "ok"}});
}

HttpResponse Api::Gpus(const HttpRequest&, const Params&) {
  // nvidia-smi takes a while; the inventory does not change under a running server.
  std::call_once(gpus_once_, [this] { gpus_ = deploy::DiscoverGpus(options_.gpu_ids, 0); });
  Json items = Json::array();
  for (int id : gpus_) items.push_back({{"index", id}});
  return HttpResponse::FromJson({{"items", items}, {"count", gpus_.size()}});
}

}  // namespace autotuner::api
