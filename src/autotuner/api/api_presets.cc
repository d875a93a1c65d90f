// Api's parameter preset routes (CRUD, import / export, merge).

#include <utility>

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"
#include "autotuner/api/presets.h"

namespace autotuner::api {
namespace {

Json PresetJson(const store::PresetRecord& preset) {
  return {{"id", preset.id},
          {"name", preset.name},
          {"description", preset.description},
          {"parameters", preset.parameters},
          {"builtin", preset.builtin},
          {"created_at", preset.created_at},
          {"updated_at", preset.updated_at}};
}

// {name, description?, parameters} as a preset body; kValidation with field paths.
struct PresetInput {
  std::string name;
  std::string description;
  Json parameters;
};

Result<PresetInput> ReadPreset(const Json& body, const std::string& prefix, bool name_required) {
  Json errors = Json::array();
  const std::string at = prefix.empty() ? "" : prefix + ".";
  PresetInput input;
  for (const auto& [key, value] : body.items()) {
    if (key != "name" && key != "description" && key != "parameters" && key != "id" && key != "builtin" &&
        key != "created_at" && key != "updated_at")
      errors.push_back({{"path", at + key}, {"message", "unknown field"}});
  }
  if (body.contains("name")) {
    if (!body["name"].is_string() || body["name"].get<std::string>().empty() ||
        body["name"].get<std::string>().size() > 100) {
      errors.push_back({{"path", at + "name"}, {"message", "must be a string of 1-100 characters"}});
    } else {
      input.name = body["name"].get<std::string>();
    }
  } else if (name_required) {
    errors.push_back({{"path", at + "name"}, {"message", "is required"}});
  }
  if (body.contains("description")) {
    if (!body["description"].is_string()) {
      errors.push_back({{"path", at + "description"}, {"message", "must be a string"}});
    } else {
      input.description = body["description"].get<std::string>();
    }
  }
  if (!body.contains("parameters")) {
    errors.push_back({{"path", at + "parameters"}, {"message", "is required"}});
  } else if (Status s = ValidatePresetParameters(body["parameters"], at + "parameters"); !s.ok()) {
    for (const auto& e : s.error().details["errors"]) errors.push_back(e);
  } else {
    input.parameters = body["parameters"];
  }
  if (!errors.empty()) return MakeError(ErrorCode::kValidation, "invalid preset", {{"errors", errors}});
  return input;
}

// The inline parameters blocks of a merge ("presets": [{name?, parameters} or a parameters block]).
void ReadInlineBlocks(const Json& list, Json& errors, std::vector<Json>& blocks, Json& sources) {
  if (!list.is_array()) {
    errors.push_back({{"path", "presets"}, {"message", "must be a list of parameters blocks"}});
  } else {
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = "presets[" + std::to_string(i) + "]";
      const Json& block =
          list[i].is_object() && list[i].contains("parameters") ? list[i]["parameters"] : list[i];
      if (Status s = ValidatePresetParameters(block, path); !s.ok()) {
        for (const auto& e : s.error().details["errors"]) errors.push_back(e);
        continue;
      }
      blocks.push_back(block);
      const bool named = list[i].is_object() && list[i].contains("name") && list[i]["name"].is_string();
      sources.push_back(named ? list[i]["name"].get<std::string>() : path);
    }
  }
}

}  // namespace

Status Api::SeedBuiltinPresets() {
  auto existing = store_->ListPresets();
  if (!existing.ok()) return std::move(existing).error();
  for (const auto& preset : BuiltinPresets()) {
    const bool present = std::any_of(existing->begin(), existing->end(),
                                     [&](const store::PresetRecord& p) { return p.name == preset.name; });
    if (present) continue;
    auto created = store_->CreatePreset(preset.name, preset.description, preset.parameters, true);
    if (!created.ok() && created.error().code != ErrorCode::kAlreadyExists) return std::move(created).error();
  }
  return {};
}

HttpResponse Api::ListPresets(const HttpRequest&, const Params&) {
  auto presets = store_->ListPresets();
  if (!presets.ok()) return HttpResponse::FromError(presets.error());
  Json items = Json::array();
  for (const auto& p : *presets) items.push_back(PresetJson(p));
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::CreatePreset(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  auto input = ReadPreset(*body, "", true);
  if (!input.ok()) return HttpResponse::FromError(input.error());
  auto created = store_->CreatePreset(input->name, input->description, input->parameters, false);
  if (!created.ok()) return HttpResponse::FromError(created.error());
  return HttpResponse::FromJson(PresetJson(*created), 201);
}

HttpResponse Api::GetPreset(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  return HttpResponse::FromJson(PresetJson(*preset));
}

HttpResponse Api::UpdatePreset(const HttpRequest& request, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  if (preset->builtin)
    return HttpResponse::FromError(MakeError(
        ErrorCode::kPermissionDenied, "preset " + preset->name + " is shipped with autotuner: copy it"));
  auto input = ReadPreset(*body, "", false);
  if (!input.ok()) return HttpResponse::FromError(input.error());
  if (!input->name.empty() && input->name != preset->name) {
    Json errors =
        Json::array({{{"path", "name"}, {"message", "cannot be changed (is '" + preset->name + "')"}}});
    return HttpResponse::FromError(MakeError(ErrorCode::kValidation, "invalid preset", {{"errors", errors}}));
  }
  const std::string description = body->contains("description") ? input->description : preset->description;
  if (Status s = store_->UpdatePreset(*id, description, input->parameters); !s.ok())
    return HttpResponse::FromError(s.error());
  auto updated = store_->GetPreset(*id);
  if (!updated.ok()) return HttpResponse::FromError(updated.error());
  return HttpResponse::FromJson(PresetJson(*updated));
}

HttpResponse Api::DeletePreset(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  if (preset->builtin)
    return HttpResponse::FromError(
        MakeError(ErrorCode::kPermissionDenied, "preset " + preset->name + " is shipped with autotuner"));
  if (Status s = store_->DeletePreset(*id); !s.ok()) return HttpResponse::FromError(s.error());
  return HttpResponse::FromJson({{"deleted", *id}});
}

HttpResponse Api::ImportPresets(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  // {"presets": [...]} (what export of several gives) or one exported preset.
  Json list = body->contains("presets") ? (*body)["presets"] : Json::array({*body});
  if (!list.is_array() || list.empty())
    return HttpResponse::FromError(BadRequest("presets must be a non-empty list"));
  const bool overwrite = Query(request, "overwrite").value_or("") == "true";
  std::vector<PresetInput> inputs;
  Json errors = Json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string prefix = body->contains("presets") ? "presets[" + std::to_string(i) + "]" : "";
    if (!list[i].is_object()) {
      errors.push_back({{"path", prefix}, {"message", "must be an object"}});
      continue;
    }
    auto input = ReadPreset(list[i], prefix, true);
    if (!input.ok()) {
      for (const auto& e : input.error().details["errors"]) errors.push_back(e);
    } else {
      inputs.push_back(std::move(*input));
    }
  }
  if (!errors.empty())
    return HttpResponse::FromError(
        MakeError(ErrorCode::kValidation, "invalid presets", {{"errors", errors}}));
  auto existing = store_->ListPresets();
  if (!existing.ok()) return HttpResponse::FromError(existing.error());
  Json imported = Json::array();
  Json skipped = Json::array();
  for (const auto& input : inputs) {
    auto same = std::find_if(existing->begin(), existing->end(),
                             [&](const store::PresetRecord& p) { return p.name == input.name; });
    if (same != existing->end()) {
      if (!overwrite || same->builtin) {
        skipped.push_back({{"name", input.name},
                           {"reason", same->builtin ? "a shipped preset has this name" : "name exists"}});
        continue;
      }
      if (Status s = store_->UpdatePreset(same->id, input.description, input.parameters); !s.ok())
        return HttpResponse::FromError(s.error());
      auto updated = store_->GetPreset(same->id);
      if (updated.ok()) imported.push_back(PresetJson(*updated));
      continue;
    }
    auto created = store_->CreatePreset(input.name, input.description, input.parameters, false);
    if (!created.ok()) return HttpResponse::FromError(created.error());
    imported.push_back(PresetJson(*created));
  }
  return HttpResponse::FromJson({{"imported", imported}, {"skipped", skipped}});
}

HttpResponse Api::ExportPreset(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "preset id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto preset = store_->GetPreset(*id);
  if (!preset.ok()) return HttpResponse::FromError(preset.error());
  HttpResponse response = HttpResponse::FromJson(
      {{"name", preset->name}, {"description", preset->description}, {"parameters", preset->parameters}});
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + preset->name + ".json\"");
  return response;
}

HttpResponse Api::MergePresets(const HttpRequest& request, const Params&) {
  auto body = ParseBody(request);
  if (!body.ok()) return HttpResponse::FromError(body.error());
  const Json strategy_name = body->value("strategy", Json("union"));
  const auto parsed_strategy =
      strategy_name.is_string() ? ParseMergeStrategy(strategy_name.get<std::string>()) : std::nullopt;
  const MergeStrategy strategy = parsed_strategy.value_or(MergeStrategy::kUnion);
  Json errors = Json::array();
  if (!parsed_strategy)
    errors.push_back({{"path", "strategy"}, {"message", "must be union, intersection or last_wins"}});
  std::vector<Json> blocks;
  Json sources = Json::array();
  // `ids` is the web UI's spelling of `preset_ids`.
  const std::string ids_key = body->contains("preset_ids") ? "preset_ids" : "ids";
  if (body->contains(ids_key)) {
    const Json& ids = (*body)[ids_key];
    if (!ids.is_array() || ids.empty()) {
      errors.push_back({{"path", ids_key}, {"message", "must be a non-empty list of preset ids"}});
    } else {
      for (size_t i = 0; i < ids.size(); ++i) {
        const std::string path = ids_key + "[" + std::to_string(i) + "]";
        if (!ids[i].is_number_integer()) {
          errors.push_back({{"path", path}, {"message", "must be an integer"}});
          continue;
        }
        auto preset = store_->GetPreset(ids[i].get<int64_t>());
        if (!preset.ok()) {
          if (preset.error().code != ErrorCode::kNotFound) return HttpResponse::FromError(preset.error());
          errors.push_back({{"path", path}, {"message", "no preset " + DumpJson(ids[i])}});
          continue;
        }
        blocks.push_back(preset->parameters);
        sources.push_back(preset->name);
      }
    }
  }
  if (body->contains("presets")) ReadInlineBlocks((*body)["presets"], errors, blocks, sources);
  if (errors.empty() && blocks.size() < 2)
    errors.push_back(
        {{"path", "preset_ids"}, {"message", "name at least two presets (preset_ids or presets)"}});
  std::string save_as;
  if (body->contains("name")) {
    const Json& name = (*body)["name"];
    if (!name.is_string() || name.get<std::string>().empty() || name.get<std::string>().size() > 100) {
      errors.push_back({{"path", "name"}, {"message", "must be a string of 1-100 characters"}});
    } else {
      save_as = name.get<std::string>();
    }
  }
  if (!errors.empty())
    return HttpResponse::FromError(MakeError(ErrorCode::kValidation, "invalid merge", {{"errors", errors}}));
  const MergeResult merged = MergeParameters(blocks, strategy);
  Json conflicts = Json::array();
  for (const auto& c : merged.conflicts)
    conflicts.push_back({{"parameter", c.parameter}, {"values", c.values}, {"resolution", c.resolution}});
  Json out = {{"strategy", Name(strategy)},
              {"sources", sources},
              {"parameters", merged.parameters},
              {"conflicts", conflicts},
              {"preset", nullptr}};
  if (!save_as.empty()) {
    // With a name the merge is also stored as a new user preset.
    std::string description = "merged (" + std::string(Name(strategy)) + ") from";
    for (const auto& source : sources) description += " " + source.get<std::string>();
    auto created = store_->CreatePreset(save_as, description, merged.parameters, false);
    if (!created.ok()) return HttpResponse::FromError(created.error());
    out["preset"] = PresetJson(*created);
  }
  return HttpResponse::FromJson(out);
}

}  // namespace autotuner::api
