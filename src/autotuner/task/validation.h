#pragma once

// The validation report of a task document, one shape for `autotuner validate --json` and
// POST /api/tasks/validate: {valid, source, errors: [{path, message, line?, column?}], warnings, task?,
// search_space?}; a text that is not a document at all adds {error} and one error at its line and column.

#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/task/parse.h"

namespace autotuner::task {

// [{path, message}] with line and column where the diagnostic has a source position.
Json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

// A parsed document's report: the normalised task and its search space when it is valid.
Json ValidationReport(const TaskParseResult& result, std::string_view source);

// The report of a document that could not be read or parsed (`error` is LoadTaskFile's or ParseDocument's).
Json ValidationReport(const Error& error, std::string_view source);

}  // namespace autotuner::task
