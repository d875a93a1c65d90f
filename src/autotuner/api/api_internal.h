#pragma once

// Helpers shared by the api*.cc files (one per resource); not for use outside api/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/api/api.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::api {

Error BadRequest(const std::string& message, Json details = Json::object());

// A positive integer path parameter.
Result<int64_t> ParseId(const std::string& text, const std::string& what);

// A non-negative integer query parameter (or header) with bounds.
Result<int64_t> ParseCount(const std::string& text, const std::string& what, int64_t min, int64_t max);

std::optional<std::string> Query(const HttpRequest& request, const std::string& name);

Result<bool> QueryFlag(const HttpRequest& request, const std::string& name);

// Splits a path into its segments ("/api/tasks/3" → api, tasks, 3).
std::vector<std::string_view> Segments(std::string_view path);

}  // namespace autotuner::api
