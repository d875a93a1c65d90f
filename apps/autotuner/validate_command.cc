// `autotuner validate TASK [--json]`: checks a task file and shows what a study of it would search.

#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "autotuner/core/json.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/search_space.h"
#include "autotuner/task/validation.h"
#include "commands.h"

namespace autotuner::app {
namespace {

struct ValidateOptions {
  std::string task_file;
  bool json = false;
};

std::string DescribeDimension(const task::Dimension& d) {
  std::ostringstream out;
  if (d.kind == task::Parameter::Kind::kCategorical) {
    out << DumpJson(Json(d.values));
  } else {
    const bool integer = d.kind == task::Parameter::Kind::kInteger;
    const auto bound = [&](double v) { return integer ? Json(static_cast<int64_t>(v)) : Json(v); };
    out << "[" << DumpJson(bound(d.low)) << ", " << DumpJson(bound(d.high)) << "]" << (d.log ? " log" : "");
  }
  return out.str();
}

int RunValidate(const ValidateOptions& options) {
  auto catalog = task::RuntimeCatalog::LoadDefault();
  if (!catalog.ok()) {
    std::cerr << "autotuner: cannot load runtime definitions: " << catalog.error().message << "\n";
    return ExitCodeFor(catalog.error().code);
  }
  auto loaded = task::LoadTaskFile(options.task_file, &*catalog);
  if (!loaded.ok()) {
    const Error& error = loaded.error();
    if (options.json) {
      std::cout << DumpJson(task::ValidationReport(error, options.task_file), 2) << "\n";
    } else {
      std::cerr << error.message << "\n";
    }
    return ExitCodeFor(error.code);
  }
  const task::TaskParseResult& result = *loaded;
  if (options.json) {
    std::cout << DumpJson(task::ValidationReport(result, options.task_file), 2) << "\n";
    return result.ok() ? kExitSuccess : kExitInvalidInput;
  }
  if (!ReportTaskDiagnostics(result, options.task_file)) return kExitInvalidInput;
  const task::Task& t = *result.task;
  const task::SearchSpace space = task::BuildSearchSpace(t);
  std::cout << options.task_file << ": valid task '" << t.task_name << "'\n\n";
  std::cout << "Normalised task:\n" << DumpJson(task::TaskToJson(t), 2) << "\n\n";
  std::cout << "Search space: " << space.dimensions.size() << " dimension"
            << (space.dimensions.size() == 1 ? "" : "s") << ", grid size " << space.grid_size
            << (space.has_continuous ? " (finite dimensions only; continuous ranges are sampled)" : "")
            << "\n";
  size_t width = 4;
  for (const auto& d : space.dimensions) width = std::max(width, d.name.size());
  for (const auto& d : space.dimensions) {
    std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << d.name << "  " << std::setw(11)
              << task::Name(d.kind) << "  " << DescribeDimension(d) << "\n";
  }
  return kExitSuccess;
}

}  // namespace

bool ReportTaskDiagnostics(const task::TaskParseResult& result, const std::string& task_file) {
  for (const auto& w : result.warnings)
    std::cerr << "warning: " << task::FormatDiagnostic(w, task_file) << "\n";
  if (result.ok()) return true;
  const size_t n = result.errors.size();
  std::cerr << task_file << ": invalid task, " << n << " error" << (n == 1 ? "" : "s") << ":\n";
  for (const auto& e : result.errors) std::cerr << "  " << task::FormatDiagnostic(e, task_file) << "\n";
  return false;
}

void RegisterValidateCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate",
      "Check a task file (YAML or JSON); print the normalised task, its search dimensions and grid size");
  cmd->add_option("TASK_FILE", options->task_file, "Task file (.yaml, .yml or .json)")->required();
  cmd->add_flag("--json", options->json, "Print the result as one JSON object");
  cmd->callback([options, &context] { context.exit_code = RunValidate(*options); });
}

}  // namespace autotuner::app
