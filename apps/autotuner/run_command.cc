// `autotuner run TASK_FILE` / `autotuner run --resume NAME|ID`: the main job. Runs a study to its end with
// live progress, Ctrl-C to cancel (twice to force), and a final table with the best configuration as a
// command line.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include "autotuner/core/guard.h"
#include "autotuner/core/json.h"
#include "autotuner/runner/baseline.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/runner/launch_command.h"
#include "autotuner/runner/results.h"
#include "autotuner/runner/study.h"
#include "autotuner/store/store.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/search_space.h"
#include "commands.h"
#include "dry_run.h"

#ifdef AUTOTUNER_HAS_SERVE
#include "autotuner/api/server.h"
#include "ui_server.h"
#endif

namespace autotuner::app {
namespace {

namespace fs = std::filesystem;

struct RunOptions {
  std::string task_file;
  std::string resume;
  std::string db;
  std::string json_out;
  std::string csv_out;
  std::string gpus;
  bool quiet = false;
  bool ui = false;
  std::optional<int> ui_port;  // none: the first free of 8080–8090
  bool no_auth = false;
  bool dry_run = false;
  bool json = false;            // --dry-run --json
  int64_t max_iterations = 0;   // 0: the task's
  double max_time_per_run = 0;  // 0: the task's
  std::string mode;             // --mode: deployment_mode for this run; empty: the task's
};

#ifdef AUTOTUNER_HAS_SERVE
// The embedded server's view of the one study this command drives: cancel works, starting others does not.
class RunStudyControl final : public api::StudyControl {
 public:
  RunStudyControl(int64_t task_id, std::stop_source cancel) : task_id_(task_id), cancel_(std::move(cancel)) {}
  Status Start(int64_t) override {
    return MakeError(ErrorCode::kConflict,
                     "this server belongs to `autotuner run`; use `autotuner serve` to start tasks");
  }
  Status Cancel(int64_t task_id) override {
    if (task_id != task_id_)
      return MakeError(ErrorCode::kConflict, "only the task of this run can be cancelled here");
    cancel_.request_stop();
    return {};
  }
  bool IsRunning(int64_t task_id) const override { return task_id == task_id_ && !finished_; }
  void MarkFinished() { finished_ = true; }

 private:
  int64_t task_id_;
  std::stop_source cancel_;
  std::atomic<bool> finished_ = false;
};
#endif

std::string Duration(double seconds) {
  const auto s = static_cast<int64_t>(std::max(0.0, std::round(seconds)));
  std::ostringstream out;
  if (s >= 3600) out << s / 3600 << "h";
  out << std::setfill('0') << std::setw(s >= 3600 ? 2 : 1) << (s / 60) % 60 << ":" << std::setw(2) << s % 60;
  return out.str();
}

std::string Number(double v, int precision = 4) {
  std::ostringstream out;
  out << std::setprecision(precision) << v;
  return out.str();
}

std::string Scalar(const Json& v) { return v.is_string() ? v.get<std::string>() : DumpJson(v); }

// Ctrl-C / SIGTERM: the first cancels the study cleanly, a second exits at once. Signals are blocked in
// every thread and taken by this one (engines are spawned with an empty mask, so they still get their
// SIGTERM).
class SignalWatcher {
 public:
  explicit SignalWatcher(std::stop_source cancel) : cancel_(std::move(cancel)) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    // A shell starts background jobs with SIGINT ignored, and ignored signals never reach sigtimedwait.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::jthread([this](std::stop_token stop) {
      int count = 0;
      const timespec tick{0, 200'000'000};
      while (!stop.stop_requested()) {
        if (sigtimedwait(&set_, nullptr, &tick) < 0) continue;
        if (++count == 1) {
          std::cerr << "\nCancelling: stopping the running engine(s)... (Ctrl-C again to exit at once)\n";
          cancel_.request_stop();
        } else {
          std::cerr << "\nExiting now; `autotuner run --resume` removes any engine left running.\n";
          std::_Exit(kExitInterrupted);
        }
      }
    });
  }
  ~SignalWatcher() {
    thread_.request_stop();
    thread_.join();
    pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
  }

 private:
  std::stop_source cancel_;
  sigset_t set_;
  std::jthread thread_;
};

// Prints the study as it happens: experiment status changes and results as lines, and (on a terminal) a
// live status line with progress, ETA and the best so far.
class StudyProgressPrinter {
 public:
  StudyProgressPrinter(runner::EventBus& bus, int64_t task_id, bool quiet)
      : subscription_(bus.Subscribe(task_id, bus.last_id())), quiet_(quiet), tty_(::isatty(STDOUT_FILENO)) {
    thread_ = std::jthread([this](std::stop_token stop) {
      // Printing is a view of the study: a bad event ends the live lines, never the run.
      try {
        while (true) {
          const auto events = subscription_.Next(std::chrono::milliseconds(200), stop);
          for (const auto& e : events) Print(e);
          if (stop.stop_requested() && events.empty()) break;
        }
        ClearStatus();
      } catch (...) {
        std::cerr << "\nlive progress stopped: " << DescribeCurrentException() << "\n";
      }
    });
  }
  ~StudyProgressPrinter() {
    thread_.request_stop();
    thread_.join();
  }

 private:
  void Print(const runner::Event& e) {
    if (const auto* progress = std::get_if<runner::StudyProgress>(&e.event)) {
      progress_ = *progress;
      // After each finished experiment, one line with where the study stands.
      if (!progress->bench && progress->done != last_done_) {
        last_done_ = progress->done;
        ClearStatus();
        std::cout << "  " << StandLine() << std::endl;
      }
      DrawStatus();
      return;
    }
    std::string line;
    if (const auto* log = std::get_if<runner::LogLine>(&e.event)) {
      if (log->level == "engine" || quiet_) return;
      // Experiment results get their own summary line below; everything else of the study is shown.
      if (log->announces == ExperimentStatus::kSuccess || log->announces == ExperimentStatus::kFailed) return;
      line = log->log_id ? log->text : log->text + " (not stored: " + log->store_error + ")";
    } else if (const auto* finished = std::get_if<runner::ExperimentFinished>(&e.event)) {
      const Json& x = finished->experiment;
      line = Summary(x);
      if (x["score"].is_number() && x.value("feasible", false) &&
          (!best_score_ || x["score"].get<double>() < *best_score_)) {
        best_score_ = x["score"].get<double>();
        best_number_ = x.value("experiment_id", int64_t{0});
      }
    } else {
      return;
    }
    ClearStatus();
    std::cout << line << std::endl;  // flushed: people pipe this to tee and tools read it live
    DrawStatus();
  }

  static std::string Summary(const Json& x) {
    std::ostringstream out;
    const std::string status = x.value("status", "");
    const bool success = ParseExperimentStatus(status) == ExperimentStatus::kSuccess;
    out << "[Experiment " << x.value("experiment_id", 0) << "] " << (success ? "✓ " : "✗ ") << status;
    if (x["score"].is_number()) out << "  score " << Number(x["score"].get<double>(), 6);
    const Json& m = x["metrics"];
    if (m.is_object() && m.contains("mean_e2e_latency")) {
      out << "  (e2e " << Number(m.value("mean_e2e_latency", 0.0)) << " s, ttft "
          << Number(m.value("mean_ttft", 0.0)) << " s, "
          << Number(m.value("mean_total_throughput_per_gpu", 0.0), 5) << " tok/s/GPU)";
    }
    if (!x.value("error_class", "").empty()) out << "  " << x.value("error_class", "");
    if (!x.value("error_message", "").empty()) out << ": " << x.value("error_message", "");
    return out.str();
  }

  // "3/6 done, 1 running, elapsed 0:42, ETA 1:10, best -91119.6 (experiment 4)"
  std::string StandLine() const {
    std::ostringstream out;
    const runner::StudyProgress& p = *progress_;
    out << p.done << "/" << p.max_iterations << " done, " << p.running << " running, elapsed "
        << Duration(p.elapsed_s);
    if (p.eta_s) out << ", ETA " << Duration(*p.eta_s);
    if (best_score_) out << ", best " << Number(*best_score_, 6) << " (experiment " << best_number_ << ")";
    return out.str();
  }

  void DrawStatus() {
    if (!tty_ || !progress_) return;
    std::ostringstream out;
    out << "  [" << StandLine() << "]";
    if (const auto& b = progress_->bench) {
      out << "  | exp " << b->number << " run " << b->run << "/" << b->runs
          << (b->warming_up ? " warm-up" : "") << " " << b->completed << " req";
    }
    std::string text = out.str();
    if (text.size() > 150) text.resize(150);
    std::cout << "\r\033[K" << text << std::flush;
    status_shown_ = true;
  }

  void ClearStatus() {
    if (status_shown_) std::cout << "\r\033[K" << std::flush;
    status_shown_ = false;
  }

  runner::EventBus::Subscription subscription_;
  bool quiet_;
  bool tty_;
  std::optional<runner::StudyProgress> progress_;
  int64_t last_done_ = 0;
  std::optional<double> best_score_;
  int64_t best_number_ = 0;
  bool status_shown_ = false;
  std::jthread thread_;
};

// The best configuration as a command line: the engine's own command for simulated runtimes too.
void PrintFinalTable(const task::Task& task, const std::vector<store::ExperimentRecord>& experiments,
                     const std::optional<store::ExperimentRecord>& best) {
  std::vector<const store::ExperimentRecord*> rows;
  for (const auto& e : experiments) rows.push_back(&e);
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    if (a->score.has_value() != b->score.has_value()) return a->score.has_value();
    return a->score && *a->score < *b->score;
  });
  std::vector<std::string> params;
  for (const auto& e : experiments) {
    for (const auto& [key, value] : e.parameters.items()) {
      if (std::find(params.begin(), params.end(), key) == params.end()) params.push_back(key);
    }
  }
  const std::string base_metric = task.optimization.objectives.empty()
                                      ? ""
                                      : std::string(task::Name(task.optimization.objectives.front()));
  std::vector<std::string> header = {"#", "status", "score"};
  header.insert(header.end(), params.begin(), params.end());
  header.insert(header.end(), {"e2e s", "ttft s", "tok/s/GPU", "note"});
  std::vector<std::vector<std::string>> table;
  for (const auto* e : rows) {
    const bool is_best = best && best->id == e->id;
    std::vector<std::string> row = {std::to_string(e->number) + (is_best ? " ★" : ""),
                                    std::string(Name(e->status)), e->score ? Number(*e->score, 6) : "-"};
    for (const auto& p : params) {
      const Json v = e->parameters.value(p, Json(nullptr));
      std::string cell = v.is_null() ? "-" : Scalar(v);
      // A '*' marks what differs from the best configuration.
      if (best && !is_best && best->parameters.value(p, Json(nullptr)) != v) cell += "*";
      row.push_back(cell);
    }
    const Json& m = e->metrics;
    const bool has = m.is_object() && m.contains("mean_e2e_latency");
    row.push_back(has ? Number(m.value("mean_e2e_latency", 0.0)) : "-");
    row.push_back(has ? Number(m.value("mean_ttft", 0.0)) : "-");
    row.push_back(has ? Number(m.value("mean_total_throughput_per_gpu", 0.0), 5) : "-");
    std::string note(FailureClassName(e->error_class));
    if (e->status == ExperimentStatus::kPruned) note = e->error_message;
    if (e->kind == ExperimentKind::kBaseline)
      note = "baseline (engine defaults)" + (note.empty() ? "" : ": " + note);
    if (e->kind == ExperimentKind::kConfirm && e->confirms)
      note = "confirms #" + std::to_string(*e->confirms);
    if (note.size() > 40) note = note.substr(0, 37) + "...";
    row.push_back(note);
    table.push_back(row);
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : table) {
    for (size_t i = 0; i < row.size(); ++i) {
      // "★" is three bytes but one column.
      const size_t len = row[i].size() - (row[i].find("★") != std::string::npos ? 2 : 0);
      width[i] = std::max(width[i], len);
    }
  }
  const auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      const size_t len = row[i].size() - (row[i].find("★") != std::string::npos ? 2 : 0);
      line += row[i] + std::string(width[i] - len + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  };
  std::cout << "\nExperiments by score (" << base_metric << ", lower is better; * differs from the best):\n";
  print_row(header);
  for (const auto& row : table) print_row(row);
}

// --max-iterations / --max-time-per-run: quick checks of a task without editing it.
void ApplyOverrides(const RunOptions& options, task::Task& t) {
  if (options.max_iterations > 0) t.optimization.max_iterations = options.max_iterations;
  if (options.max_time_per_run > 0) t.benchmark.max_time_per_iteration = options.max_time_per_run;
}

// The task file, its deployment_mode replaced by --mode when given (the original tool took the mode from
// its command line: its task files carry none).
Result<task::TaskParseResult> LoadRunTask(const RunOptions& options, const task::RuntimeCatalog& catalog) {
  auto doc = task::LoadDocumentFile(options.task_file);
  if (!doc.ok()) return std::move(doc).error();
  if (!options.mode.empty() && doc->value.is_object()) {
    const std::string written = doc->value.value("deployment_mode", std::string());
    if (!written.empty() && written != options.mode)
      std::cerr << "note: --mode " << options.mode << " replaces the file's deployment_mode: " << written
                << "\n";
    doc->value["deployment_mode"] = options.mode;
  }
  return task::ParseTask(*doc, &catalog);
}

// The preflight of a new task (nothing stored yet); its report, or the exit code when the run stops here.
Result<runner::PreflightReport> Preflight(const RunOptions& options, const task::Task& t,
                                          const task::RuntimeCatalog& catalog) {
  const task::RuntimeDefinition* runtime = catalog.Find(t.base_runtime);
  if (runtime == nullptr)
    return MakeError(ErrorCode::kValidation, "unknown runtime '" + t.base_runtime + "'");
  runner::PreflightOptions preflight;
  preflight.gpu_ids = options.gpus;
  preflight.state_dir = DataDir();
  return runner::RunPreflight(t, *runtime, CliPreflightProbes(), preflight);
}

int DryRunMain(const RunOptions& options, const task::RuntimeCatalog& catalog) {
  auto loaded = LoadRunTask(options, catalog);
  if (!loaded.ok()) return Fail(loaded.error());
  if (!ReportTaskDiagnostics(*loaded, options.task_file)) return kExitInvalidInput;
  task::Task t = *loaded->task;
  ApplyOverrides(options, t);
  auto report = Preflight(options, t, catalog);
  if (!report.ok()) return Fail(report.error());
  return PrintDryRun(t, *catalog.Find(t.base_runtime), *report, options.json);
}

// The results report after a study (table, summary, best, files) and the study's exit code.
int ReportStudy(const RunOptions& options, store::Store& store, const task::RuntimeCatalog& catalog,
                int64_t task_id, const runner::StudyResult& study);

#ifdef AUTOTUNER_HAS_SERVE
// After the study: the UI keeps serving its results until Ctrl-C or SIGTERM (taken here, not by default
// handlers, so the caller still returns the study's exit code).
void ServeUntilInterrupted(const std::string& url) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::cout << "study finished; the UI stays at " << url << " — Ctrl-C to exit" << std::endl;
  int taken = 0;
  (void)sigwait(&set, &taken);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}
#endif

int RunMain(const RunOptions& options) {
  PreferSiblingBinaries();
  auto catalog = task::RuntimeCatalog::LoadDefault();
  if (!catalog.ok()) return Fail(catalog.error());
  if (options.dry_run) return DryRunMain(options, *catalog);
  auto opened = store::OpenStore(store::DefaultStoreUrl(options.db));
  if (!opened.ok()) return Fail(opened.error());
  store::Store& store = **opened;

  int64_t task_id = 0;
  if (!options.resume.empty()) {
    auto found = FindTask(store, options.resume);
    if (!found.ok()) return Fail(found.error());
    if (found->status == TaskStatus::kCompleted) {
      std::cerr << "autotuner: task '" << found->name
                << "' is already completed; `autotuner run FILE` starts a new study\n";
      return kExitInvalidInput;
    }
    task_id = found->id;
    std::cout << "Resuming task '" << found->name << "' (id " << task_id << ", " << Name(found->status)
              << ") from " << store.Describe() << "\n";
  } else {
    auto loaded = LoadRunTask(options, *catalog);
    if (!loaded.ok()) return Fail(loaded.error());
    if (!ReportTaskDiagnostics(*loaded, options.task_file)) return kExitInvalidInput;
    task::Task t = *loaded->task;
    ApplyOverrides(options, t);
    // Before anything is stored: what does not depend on the configuration (exit 2 input, 1 environment).
    auto report = Preflight(options, t, *catalog);
    if (!report.ok()) return Fail(report.error());
    if (!report->ok()) {
      std::cerr << "Preflight:\n" << report->Summary();
      return Fail(report->ToError());
    }
    if (!options.quiet) std::cout << "Preflight:\n" << report->Summary();
    auto name = store.UniqueTaskName(t.task_name);
    if (!name.ok()) return Fail(name.error());
    Json spec = task::TaskToJson(t);
    spec["task_name"] = *name;
    auto created = store.CreateTask(*name, t.description, spec);
    if (!created.ok()) return Fail(created.error());
    task_id = created->id;
    const auto space = task::BuildSearchSpace(t);
    std::cout << "Task '" << *name << "' (id " << task_id << ") stored in " << store.Describe() << "\n"
              << "  " << task::Name(t.optimization.strategy) << " over " << space.dimensions.size()
              << " dimension(s), grid " << space.grid_size << ", at most " << t.optimization.max_iterations
              << " experiment(s) on " << t.base_runtime << "\n";
    if (*name != t.task_name) std::cout << "  (a task named '" << t.task_name << "' already exists)\n";
  }

  runner::EventBus bus;
  const runner::RunnerEnvironment env = CliRunnerEnvironment(&store, &bus, &*catalog, options.gpus);

  std::stop_source cancel;
  Result<runner::StudyResult> result = MakeError(ErrorCode::kInternal, "not run");
#ifdef AUTOTUNER_HAS_SERVE
  // The web UI for the study, on loopback; on a terminal it stays after the study (ServeUntilInterrupted).
  RunStudyControl control(task_id, cancel);
  std::optional<UiServer> ui;
#endif
  {
    SignalWatcher signals(cancel);
#ifdef AUTOTUNER_HAS_SERVE
    // A busy port must not cost the study: it runs on without the UI.
    if (options.ui) {
      UiServerRequest request;
      request.options.web_root = DefaultWebRoot();
      request.options.gpu_ids = options.gpus;
      request.port = options.ui_port;
      request.no_auth = options.no_auth;
      request.fragment = "/tasks/" + std::to_string(task_id);
      ui = StartUiServer(std::move(request), &store, &bus, &control, &*catalog);
    }
#endif
    StudyProgressPrinter printer(bus, task_id, options.quiet);
    result = runner::RunStudy(env, task_id, cancel.get_token());
#ifdef AUTOTUNER_HAS_SERVE
    control.MarkFinished();
#endif
  }
  if (!result.ok()) return Fail(result.error());
  const int code = ReportStudy(options, store, *catalog, task_id, *result);
#ifdef AUTOTUNER_HAS_SERVE
  // Someone at a terminal may still be reading the results in the browser; a script is not kept waiting.
  if (ui && ::isatty(STDIN_FILENO)) ServeUntilInterrupted(ui->url);
#endif
  return code;
}

int ReportStudy(const RunOptions& options, store::Store& store, const task::RuntimeCatalog& catalog,
                int64_t task_id, const runner::StudyResult& result) {
  auto record = store.GetTask(task_id);
  auto experiments = store.ListExperiments(task_id);
  if (!record.ok() || !experiments.ok()) return Fail(record.ok() ? experiments.error() : record.error());
  auto parsed = task::ParseTask(record->spec, &catalog);
  const auto best = runner::BestExperiment(*experiments);
  if (parsed.task) PrintFinalTable(*parsed.task, *experiments, best);

  const Json results = runner::ResultsJson(*record, *experiments);
  if (!options.json_out.empty()) std::ofstream(options.json_out) << DumpJson(results, 2) << "\n";
  if (!options.csv_out.empty()) std::ofstream(options.csv_out) << runner::ResultsCsv(*experiments);

  std::cout << "\nStudy " << Name(result.status) << " (" << result.stop_reason << ") in "
            << Duration(results.value("elapsed_time", 0.0)) << ": " << experiments->size()
            << " experiment(s), " << results.value("successful_experiments", 0) << " successful.\n";
  for (const auto& [key, label] :
       {std::pair{"improvement", "Baseline: "}, {"confirmation", "Confirmation: "}}) {
    const Json part = results.value(key, Json(nullptr));
    if (part.is_object()) std::cout << label << part.value("text", "") << "\n";
  }
  if (best && parsed.task) {
    std::cout << "Best: experiment " << best->number << ", score " << Number(*best->score, 6) << ", "
              << DumpJson(best->parameters) << "\n";
    // The lines `autotuner best` and GET /api/tasks/{id}/best give.
    if (auto launch = runner::BestConfigurationJson(*record, *experiments, catalog); launch.ok()) {
      std::cout << "Launch it with:\n  " << (*launch)["launch"]["shell"].get<std::string>() << "\n";
      const Json real = launch->value("engine_launch", Json(nullptr));
      if (real.is_object() && real.contains("shell"))
        std::cout << "On the real engine:\n  " << real["shell"].get<std::string>() << "\n";
    }
  } else if (result.status == TaskStatus::kCompleted) {
    std::cout << "No feasible configuration: every experiment failed or broke a hard SLO (see the table).\n";
  }
  std::cout << "Results: autotuner experiments " << record->name << " · autotuner export " << record->name
            << " --format json|csv|yaml";
  if (!options.db.empty()) std::cout << " --db " << options.db;
  std::cout << "\n";
  if (!options.json_out.empty()) std::cout << "Wrote " << options.json_out << "\n";
  if (!options.csv_out.empty()) std::cout << "Wrote " << options.csv_out << "\n";
  // The answer in one line, last so it is what a terminal shows when the study ends.
  if (best && parsed.task)
    std::cout << runner::BestSummaryLine(*experiments, runner::PrimaryObjective(record->spec)) << "\n";

  if (result.status == TaskStatus::kCancelled) return kExitInterrupted;
  if (result.status != TaskStatus::kCompleted) return kExitRuntimeError;
  return result.any_feasible ? kExitSuccess : kExitNoFeasible;
}

}  // namespace

void RegisterRunCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run a tuning study: deploy each candidate configuration, benchmark it, score it, and print the best.\n"
      "Ctrl-C cancels cleanly (stops the running engine); a second Ctrl-C exits at once.\n"
      "Exit codes: 0 done, 1 runtime error, 2 invalid input, 3 no feasible configuration, 130 cancelled.");
  auto* file = cmd->add_option("TASK_FILE", options->task_file, "Task file (.yaml, .yml or .json)");
  auto* resume = cmd->add_option("--resume", options->resume,
                                 "Continue an interrupted task (name or id) instead of starting a new one");
  file->excludes(resume);
  cmd->add_option("--db", options->db,
                  "Store: SQLite file or postgresql:// URL (default: $AUTOTUNER_DB, else "
                  "~/.local/share/autotuner/autotuner.db)");
  cmd->add_option("--json-out", options->json_out, "Also write the results as JSON to this file");
  cmd->add_option("--csv-out", options->csv_out, "Also write one CSV row per experiment to this file");
  cmd->add_option("--gpus", options->gpus, "GPU ids to use, e.g. 0,1 (default: all that nvidia-smi lists)");
  cmd->add_flag("--quiet", options->quiet, "Only print results, not the study's log lines");
  cmd->add_flag(
      "--dry-run", options->dry_run,
      "Run the preflight and print the first candidates' engine command lines and the estimated study "
      "time; deploy nothing, store nothing");
  cmd->add_flag("--json", options->json, "With --dry-run: print it as JSON");
  cmd->add_option("--max-iterations", options->max_iterations, "Override optimization.max_iterations")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  cmd->add_option("--max-time-per-run", options->max_time_per_run,
                  "Override benchmark.max_time_per_iteration (seconds per benchmark run)")
      ->check(CLI::Range(0.1, 86400.0));
  cmd->add_option("--mode", options->mode,
                  "Override deployment_mode (local, docker, kubernetes, ome), as the original tool's --mode")
      ->check(CLI::IsMember({"local", "docker", "kubernetes", "ome"}))
      ->excludes(resume);
#ifdef AUTOTUNER_HAS_SERVE
  auto* ui = cmd->add_option("--ui",
                             "Serve the web UI and API on 127.0.0.1:PORT while the study runs (default: "
                             "the first free of 8080-8090, else any free port)")
                 ->expected(0, 1);
  ui->check(CLI::Range(0, 65535));
  cmd->add_flag("--no-auth", options->no_auth,
                "With --ui: serve without a token (by default one is generated and printed in the URL)");
#endif
  cmd->callback([options, &context, cmd] {
#ifdef AUTOTUNER_HAS_SERVE
    options->ui = cmd->count("--ui") > 0;
    // `--ui` alone: no port (the first free of a range); `--ui PORT`: that port.
    const auto& port = cmd->get_option("--ui")->results();
    if (options->ui && !port.empty() && !port.front().empty()) options->ui_port = std::stoi(port.front());
#else
    (void)cmd;
#endif
    if (options->task_file.empty() && options->resume.empty()) {
      throw CLI::ValidationError("run", "give a TASK_FILE or --resume NAME|ID");
    }
    if (options->dry_run && options->task_file.empty())
      throw CLI::ValidationError("run", "--dry-run needs a TASK_FILE");
    if (options->json && !options->dry_run) throw CLI::ValidationError("run", "--json goes with --dry-run");
    context.exit_code = RunMain(*options);
  });
}

}  // namespace autotuner::app
