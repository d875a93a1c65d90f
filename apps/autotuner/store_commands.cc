// `autotuner tasks`, `autotuner experiments NAME|ID` and `autotuner export NAME|ID --format json|csv|yaml`:
// reading what studies left in the store; `autotuner cancel-experiment ID`: stopping one hung experiment.

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "autotuner/core/json.h"
#include "autotuner/runner/baseline.h"
#include "autotuner/runner/provenance.h"
#include "autotuner/runner/results.h"
#include "autotuner/store/store.h"
#include "commands.h"

namespace autotuner::app {

// A task by id (all digits) or name.
Result<store::TaskRecord> FindTask(store::Store& s, const std::string& key) {
  if (!key.empty() && key.find_first_not_of("0123456789") == std::string::npos) {
    auto by_id = s.GetTask(std::stoll(key));
    if (by_id.ok()) return by_id;
  }
  auto by_name = s.GetTaskByName(key);
  if (!by_name.ok())
    return MakeError(ErrorCode::kInvalidArgument,
                     "no task named or numbered '" + key + "' in " + s.Describe());
  return by_name;
}

namespace {

struct StoreOptions {
  std::string db;
  std::string task;  // name or id
  std::string status;
  std::string format = "json";
  std::string output;
  bool json = false;
};

std::vector<std::string> TaskStatusNames() {
  std::vector<std::string> names;
  for (const auto status : kTaskStatuses) names.emplace_back(Name(status));
  return names;
}

Result<std::unique_ptr<store::Store>> Open(const StoreOptions& options) {
  return store::OpenStore(store::DefaultStoreUrl(options.db));
}

std::string Time(std::optional<double> t) {
  if (!t) return "-";
  const auto seconds = static_cast<std::time_t>(*t);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", std::localtime(&seconds));
  return buffer;
}

int ListTasks(const StoreOptions& options) {
  auto s = Open(options);
  if (!s.ok()) return Fail(s.error());
  store::TaskQuery query;
  if (!options.status.empty()) query.status = ParseTaskStatus(options.status);
  query.limit = 1000;
  auto tasks = (*s)->ListTasks(query);
  if (!tasks.ok()) return Fail(tasks.error());
  if (options.json) {
    Json out = Json::array();
    for (const auto& t : *tasks) {
      out.push_back({{"id", t.id},
                     {"name", t.name},
                     {"status", Name(t.status)},
                     {"created_at", t.created_at},
                     {"started_at", t.started_at ? Json(*t.started_at) : Json(nullptr)},
                     {"finished_at", t.finished_at ? Json(*t.finished_at) : Json(nullptr)},
                     {"stop_reason", t.stop_reason}});
    }
    std::cout << DumpJson(out, 2) << "\n";
    return kExitSuccess;
  }
  if (tasks->empty()) {
    std::cout << "No tasks in " << (*s)->Describe() << ".\n";
    return kExitSuccess;
  }
  std::cout << std::left << std::setw(6) << "ID" << std::setw(32) << "NAME" << std::setw(11) << "STATUS"
            << std::setw(21) << "CREATED"
            << "STOP REASON\n";
  for (const auto& t : *tasks) {
    std::cout << std::left << std::setw(6) << t.id << std::setw(32) << t.name << std::setw(11)
              << Name(t.status) << std::setw(21) << Time(t.created_at) << t.stop_reason << "\n";
  }
  return kExitSuccess;
}

// The task the options name and its experiments.
struct TaskResults {
  store::TaskRecord task;
  std::vector<store::ExperimentRecord> experiments;
};

Result<TaskResults> LoadTaskResults(const StoreOptions& options) {
  auto s = Open(options);
  if (!s.ok()) return std::move(s).error();
  auto task = FindTask(**s, options.task);
  if (!task.ok()) return std::move(task).error();
  auto experiments = (*s)->ListExperiments(task->id);
  if (!experiments.ok()) return std::move(experiments).error();
  return TaskResults{std::move(*task), std::move(*experiments)};
}

// Why an experiment that the search did not propose ran.
std::string KindMarker(const store::ExperimentRecord& e) {
  if (e.kind == ExperimentKind::kBaseline) return "  (baseline: engine defaults)";
  if (e.kind == ExperimentKind::kConfirm && e.confirms)
    return "  (confirms #" + std::to_string(*e.confirms) + ")";
  return "";
}

int ListExperiments(const StoreOptions& options) {
  auto results = LoadTaskResults(options);
  if (!results.ok()) return Fail(results.error());
  const auto* task = &results->task;
  const auto* experiments = &results->experiments;
  if (options.json) {
    Json out = Json::array();
    const task::Objective objective = runner::PrimaryObjective(task->spec);
    for (const auto& e : *experiments) out.push_back(runner::ExperimentJson(e, objective));
    std::cout << DumpJson(out, 2) << "\n";
    return kExitSuccess;
  }
  const auto best = runner::BestExperiment(*experiments);
  std::cout << "Task " << task->name << " (" << Name(task->status) << "), " << experiments->size()
            << " experiments\n";
  if (!task->provenance.is_null()) std::cout << "  " << runner::ProvenanceLine(task->provenance) << "\n";
  for (const auto& e : *experiments) {
    std::ostringstream score;
    if (e.score) score << std::setprecision(6) << *e.score;
    std::cout << (best && best->id == e.id ? "* " : "  ") << std::left << std::setw(5) << e.number
              << std::setw(13) << Name(e.status) << std::setw(14) << (e.score ? score.str() : "-")
              << DumpJson(e.parameters) << KindMarker(e)
              << (e.error_class ? "  [" + std::string(Name(*e.error_class)) + "] " + e.error_message : "")
              << "\n";
  }
  return kExitSuccess;
}

int Export(const StoreOptions& options) {
  auto results = LoadTaskResults(options);
  if (!results.ok()) return Fail(results.error());
  const auto* task = &results->task;
  const auto* experiments = &results->experiments;
  std::string text;
  if (options.format == "csv") {
    text = runner::ResultsCsv(*experiments);
  } else if (options.format == "yaml") {
    text = runner::ToYaml(runner::ResultsJson(*task, *experiments));
  } else {
    text = DumpJson(runner::ResultsJson(*task, *experiments), 2) + "\n";
  }
  if (options.output.empty() || options.output == "-") {
    std::cout << text;
    return kExitSuccess;
  }
  std::FILE* f = std::fopen(options.output.c_str(), "w");
  if (f == nullptr) return Fail(MakeError(ErrorCode::kIo, "cannot write " + options.output));
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  std::cerr << "wrote " << options.output << "\n";
  return kExitSuccess;
}

// A cancel request in the store: the process that runs the study (`serve` or a separate `run`) polls it from
// the experiment's watchdog, ends the experiment as cancelled and goes on with the next one.
int CancelExperiment(const StoreOptions& options, int64_t experiment_id) {
  auto store = Open(options);
  if (!store.ok()) return Fail(store.error());
  auto experiment = (*store)->GetExperiment(experiment_id);
  if (!experiment.ok())
    return Fail(MakeError(experiment.error().code,
                          "no experiment " + std::to_string(experiment_id) + " in " + (*store)->Describe()));
  auto task = (*store)->GetTask(experiment->task_id);
  if (!task.ok()) return Fail(task.error());
  const std::string label = "experiment " + std::to_string(experiment->number) + " of task " + task->name;
  if (!IsActive(experiment->status))
    return Fail(
        MakeError(ErrorCode::kConflict, label + " is already " + std::string(Name(experiment->status))));
  if (task->status != TaskStatus::kRunning)
    return Fail(MakeError(ErrorCode::kConflict, "task " + task->name + " is not running (" +
                                                    std::string(Name(task->status)) + ")"));
  if (Status s = (*store)->RequestExperimentCancel(experiment_id); !s.ok()) return Fail(s.error());
  (void)(*store)->AppendLog(task->id, experiment_id, "warn",
                            "[Experiment " + std::to_string(experiment->number) + "] Cancel requested");
  std::cout << "asked " << label << " to cancel; the study goes on with the next experiment\n";
  return kExitSuccess;
}

void AddDb(CLI::App* cmd, StoreOptions& options) {
  cmd->add_option("--db", options.db,
                  "Store: a SQLite file or a postgresql:// URL (default: $AUTOTUNER_DB, else "
                  "~/.local/share/autotuner/autotuner.db)");
}

}  // namespace

void RegisterStoreCommands(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<StoreOptions>();

  CLI::App* tasks = app.add_subcommand("tasks", "List the tasks in the store");
  AddDb(tasks, *options);
  tasks->add_option("--status", options->status, "Only tasks with this status")
      ->check(CLI::IsMember(TaskStatusNames()));
  tasks->add_flag("--json", options->json, "Print JSON");
  tasks->callback([options, &context] { context.exit_code = ListTasks(*options); });

  CLI::App* experiments = app.add_subcommand("experiments", "List a task's experiments (* marks the best)");
  AddDb(experiments, *options);
  experiments->add_option("TASK", options->task, "Task name or id")->required();
  experiments->add_flag("--json", options->json, "Print JSON");
  experiments->callback([options, &context] { context.exit_code = ListExperiments(*options); });

  CLI::App* exp = app.add_subcommand("export", "Export a task's results as JSON, CSV or YAML");
  AddDb(exp, *options);
  exp->add_option("TASK", options->task, "Task name or id")->required();
  exp->add_option("--format", options->format, "json (the original tool's results shape), csv or yaml")
      ->check(CLI::IsMember({"json", "csv", "yaml"}));
  exp->add_option("-o,--output", options->output, "Write to this file instead of standard output");
  exp->callback([options, &context] { context.exit_code = Export(*options); });

  auto experiment_id = std::make_shared<int64_t>(0);
  CLI::App* cancel = app.add_subcommand(
      "cancel-experiment", "Cancel one pending or running experiment; its study goes on with the next");
  AddDb(cancel, *options);
  cancel->add_option("ID", *experiment_id, "The experiment's id (`experiments TASK --json`: id)")
      ->required()
      ->check(CLI::PositiveNumber);
  cancel->callback(
      [options, experiment_id, &context] { context.exit_code = CancelExperiment(*options, *experiment_id); });
}

}  // namespace autotuner::app
