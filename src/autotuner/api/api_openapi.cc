// Api::OpenApi: the OpenAPI 3 document built from the route table.

#include "autotuner/api/api.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "autotuner/api/api_internal.h"
#include "autotuner/core/version.h"

namespace autotuner::api {
namespace {

// Query parameters of the GET routes that take them: name → (type, description).
const std::map<std::string, std::vector<std::array<const char*, 3>>> kQuery = {
    {"/api/tasks",
     {{"status", "string", "pending | running | completed | failed | cancelled"},
      {"limit", "integer", "1-1000, default 50"},
      {"offset", "integer", "default 0"},
      {"sort", "string", "id | name | created_at | status"},
      {"order", "string", "asc | desc (default desc)"}}},
    {"/api/tasks/{id}/export", {{"format", "string", "json | yaml | csv"}}},
    {"/api/tasks/{id}/experiments", {{"status", "string", "only experiments in this status"}}},
    {"/api/experiments/{id}", {{"logs", "boolean", "add engine_log"}}},
    {"/api/tasks/{id}/events", {{"since", "integer", "resume after this event id (as Last-Event-ID)"}}},
    {"/api/events",
     {{"since", "integer", "resume after this event id (as Last-Event-ID)"},
      {"logs", "string", "comma-separated task ids whose log lines to include (at most 64)"}}},
    {"/api/tasks/{id}/logs",
     {{"follow", "boolean", "SSE stream instead of a JSON page"},
      {"since", "integer", "with follow: resume after this log id (as Last-Event-ID)"},
      {"after", "integer", "JSON page: lines after this log id"},
      {"limit", "integer", "JSON page size, 1-10000, default 1000"}}},
    {"/api/experiments/{id}/logs",
     {{"follow", "boolean", "SSE stream instead of a JSON page"},
      {"since", "integer", "with follow: resume after this log id (as Last-Event-ID)"},
      {"after", "integer", "JSON page: lines after this log id"},
      {"limit", "integer", "JSON page size, 1-10000, default 1000"}}},
    {"/api/runtimes/{name}/flags", {{"tuned", "boolean", "only the commonly tuned flags"}}},
    {"/api/presets/import", {{"overwrite", "boolean", "replace user presets of the same name"}}},
};

// Routes whose success is not a plain 200: "METHOD path" → status. 201s name the new resource in Location.
const std::map<std::string, std::string> kSuccessStatus = {
    {"POST /api/tasks", "201"},
    {"POST /api/tasks/{id}/duplicate", "201"},
    {"POST /api/tasks/{id}/restart", "201"},
    {"POST /api/presets", "201"},
    {"POST /api/tasks/{id}/start", "202"},
    {"POST /api/tasks/{id}/cancel", "202"},
    {"POST /api/experiments/{id}/cancel", "202"},
};

}  // namespace

HttpResponse Api::OpenApiRoute(const HttpRequest&, const Params&) {
  return HttpResponse::FromJson(OpenApi());
}

Json Api::OpenApi() const {
  Json paths = Json::object();
  const Json error_ref = {{"$ref", "#/components/schemas/Error"}};
  auto add = [&](const std::string& method, const std::string& path, const std::string& summary, bool stream,
                 bool has_body) {
    Json op = {{"summary", summary}};
    Json parameters = Json::array();
    for (auto seg : Segments(path)) {
      if (seg.front() == '{')
        parameters.push_back({{"name", std::string(seg.substr(1, seg.size() - 2))},
                              {"in", "path"},
                              {"required", true},
                              {"schema", {{"type", seg == "{name}" ? "string" : "integer"}}}});
    }
    if (auto it = kQuery.find(path);
        it != kQuery.end() && (method == "GET" || path == "/api/presets/import")) {
      for (const auto& [name, type, description] : it->second)
        parameters.push_back(
            {{"name", name}, {"in", "query"}, {"description", description}, {"schema", {{"type", type}}}});
    }
    if (stream)
      parameters.push_back({{"name", "Last-Event-ID"}, {"in", "header"}, {"schema", {{"type", "integer"}}}});
    if (!parameters.empty()) op["parameters"] = parameters;
    if (has_body)
      op["requestBody"] = {{"required", true},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    Json ok = {{"description", "success"},
               {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    if (stream) ok["content"]["text/event-stream"] = {{"schema", {{"type", "string"}}}};
    auto status = kSuccessStatus.find(method + " " + path);
    const std::string code = status == kSuccessStatus.end() ? "200" : status->second;
    if (code == "201")
      ok["headers"]["Location"] = {{"description", "the new resource"}, {"schema", {{"type", "string"}}}};
    op["responses"] = {
        {code, ok},
        {"4XX", {{"description", "error"}, {"content", {{"application/json", {{"schema", error_ref}}}}}}}};
    if (!IsPublic(method, path))
      op["security"] = Json::array({{{"bearer", Json::array()}}, {{"cookie", Json::array()}}});
    std::string lower = method;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    paths[path][lower] = op;
  };
  for (const Route& r : Routes())
    add(r.method, r.pattern, r.summary, r.stream,
        r.method == "POST" || r.method == "PUT" || r.method == "PATCH");
  add("POST", "/api/auth/login", "Exchange the token for an HttpOnly SameSite=Strict cookie", false, true);
  add("POST", "/api/auth/logout", "Clear the login cookie", false, false);
  Json error_fields = {{"code", {{"type", "integer"}}},
                       {"type", {{"type", "string"}}},
                       {"message", {{"type", "string"}}},
                       {"details", {{"type", "object"}}}};
  Json error_schema = {{"type", "object"}};
  error_schema["properties"]["error"] = {{"type", "object"}, {"properties", error_fields}};
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "autotuner"}, {"version", kVersion}}},
          {"paths", paths},
          {"components",
           {{"schemas", {{"Error", error_schema}}},
            {"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"cookie", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "autotuner_token"}}}}}}}};
}

}  // namespace autotuner::api
