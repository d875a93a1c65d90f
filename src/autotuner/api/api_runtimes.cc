// Api's engine data routes: runtimes, their flags, quantization presets.

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::api {

HttpResponse Api::ListRuntimes(const HttpRequest&, const Params&) {
  Json items = Json::array();
  if (catalog_ != nullptr) {
    for (const auto& r : catalog_->runtimes()) {
      items.push_back({{"name", r.name},
                       {"engine", r.engine},
                       {"simulated", r.simulated},
                       {"description", r.description},
                       {"image", r.image},
                       {"flags", r.flags.size()}});
    }
  }
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::RuntimeFlags(const HttpRequest& request, const Params& params) {
  const task::RuntimeDefinition* r = catalog_ == nullptr ? nullptr : catalog_->Find(params.at("name"));
  if (r == nullptr) {
    Json known = Json::array();
    if (catalog_ != nullptr)
      for (auto n : catalog_->Names()) known.push_back(n);
    return HttpResponse::FromError(
        MakeError(ErrorCode::kNotFound, "no runtime '" + params.at("name") + "'", {{"known", known}}));
  }
  auto tuned_only = QueryFlag(request, "tuned");
  if (!tuned_only.ok()) return HttpResponse::FromError(tuned_only.error());
  Json flags = Json::array();
  for (const auto& f : r->flags) {
    if (*tuned_only && !f.tuned) continue;
    Json j = {{"name", f.name},       {"flag", r->RenderFlag(f.name)}, {"type", task::Name(f.type)},
              {"aliases", f.aliases}, {"choices", f.choices},          {"default", f.default_text},
              {"tuned", f.tuned},     {"deprecated", f.deprecated},    {"help", f.help}};
    if (f.type == task::FlagDefinition::Type::kBool) j["negatable"] = f.negatable;
    flags.push_back(std::move(j));
  }
  return HttpResponse::FromJson({{"name", r->name}, {"engine", r->engine}, {"items", flags}});
}

HttpResponse Api::QuantizationPresets(const HttpRequest&, const Params&) {
  Json items = Json::array();
  for (const auto& p : task::kQuantizationPresets) {
    items.push_back({{"name", p.name},
                     {"model_dtype", p.model_dtype},
                     {"kv_cache_dtype", p.kv_cache_dtype},
                     {"enable_fp8_compute", p.enable_fp8_compute}});
  }
  Json fields = {{"model_dtype", Json::array()},
                 {"kv_cache_dtype", Json::array()},
                 {"enable_fp8_compute", Json::array({false, true})}};
  for (auto d : task::kModelDtypes) fields["model_dtype"].push_back(d);
  for (auto d : task::kKvCacheDtypes) fields["kv_cache_dtype"].push_back(d);
  return HttpResponse::FromJson({{"items", items}, {"fields", fields}});
}

}  // namespace autotuner::api
