#include "autotuner/task/validation.h"

#include <string>

#include "autotuner/task/search_space.h"

namespace autotuner::task {

Json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  Json out = Json::array();
  for (const auto& d : diagnostics) {
    Json j = {{"path", d.path}, {"message", d.message}};
    if (d.mark) {
      j["line"] = d.mark->line;
      j["column"] = d.mark->column;
    }
    out.push_back(std::move(j));
  }
  return out;
}

Json ValidationReport(const TaskParseResult& result, std::string_view source) {
  Json out = {{"valid", result.ok()},
              {"source", std::string(source)},
              {"errors", DiagnosticsJson(result.errors)},
              {"warnings", DiagnosticsJson(result.warnings)}};
  if (result.task) {
    out["task"] = TaskToJson(*result.task);
    out["search_space"] = BuildSearchSpace(*result.task).ToJson();
  }
  return out;
}

Json ValidationReport(const Error& error, std::string_view source) {
  Json diagnostic = {{"path", ""}, {"message", error.message}};
  const Json line = error.details.value("line", Json(nullptr));
  const Json column = error.details.value("column", Json(nullptr));
  if (line.is_number_integer() && column.is_number_integer()) {
    diagnostic["line"] = line;
    diagnostic["column"] = column;
  }
  return {{"valid", false},
          {"source", std::string(source)},
          {"errors", Json::array({diagnostic})},
          {"warnings", Json::array()},
          {"error", error.ToJson()["error"]}};
}

}  // namespace autotuner::task
