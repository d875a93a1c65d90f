// `autotuner bench`: the streaming load generator against any OpenAI-compatible server (SPEC §6). A thin
// wrapper over the bench library: flags → PlanRuns → HttpLoadGenerator → WriteReport, with a progress line.

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stop_token>
#include <string>
#include <vector>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/plan.h"
#include "autotuner/bench/report.h"
#include "autotuner/core/json.h"
#include "autotuner/deploy/kube_bench_job.h"
#include "autotuner/task/limits.h"
#include "autotuner/task/scenario.h"
#include "commands.h"

namespace autotuner::app {
namespace {

struct BenchOptions {
  std::string api_base;
  std::string model;
  std::string api = "completions";
  std::string task = "text-to-text";
  std::string tokenizer = "gpt2";
  std::vector<std::string> scenarios;
  std::vector<int64_t> num_concurrency;
  std::vector<std::string> request_rate;
  double max_time_per_run = 10;
  int64_t max_requests_per_run = 50;
  int64_t warmup_requests = 0;
  std::string dataset;
  std::string prompt_column = "prompt";
  std::string additional_request_params;
  std::optional<double> slo_ttft, slo_tpot, slo_e2e;
  std::string output_dir;
  // Beyond SPEC §6's line: knobs a benchmark user needs.
  std::string arrival = "poisson";
  double request_timeout = 600;
  int num_threads = 0;
  uint64_t seed = 42;
  bool no_stream = false;
  bool per_request_jsonl = false;
  bool summary_stdout = false;
};

std::atomic<bool> interrupted{false};

std::string Timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

Result<bench::BenchSpec> BuildSpec(const BenchOptions& o) {
  bench::BenchSpec spec;
  spec.api_base = o.api_base;
  spec.model = o.model;
  const bool embeddings = o.task == "text-to-embeddings";
  spec.endpoint = embeddings ? bench::Endpoint::kEmbeddings
                             : (o.api == "chat" ? bench::Endpoint::kChat : bench::Endpoint::kCompletions);
  spec.stream = !o.no_stream;
  spec.request_timeout_s = o.request_timeout;
  spec.num_threads = o.num_threads;
  spec.seed = o.seed;
  spec.thresholds = {o.slo_ttft, o.slo_tpot, o.slo_e2e};
  if (!o.additional_request_params.empty()) {
    auto params = ParseJson(o.additional_request_params, "--additional-request-params");
    if (!params.ok()) return std::move(params).error();
    if (!params->is_object()) {
      return MakeError(ErrorCode::kInvalidArgument, "--additional-request-params must be a JSON object");
    }
    spec.additional_params = std::move(*params);
  }
  bench::PlanOptions plan;
  std::vector<std::string> scenarios = o.scenarios;
  if (scenarios.empty()) scenarios.push_back(embeddings ? "E(64)" : "D(100,100)");
  for (const std::string& text : scenarios) {
    auto scenario = task::ParseScenario(text);
    if (!scenario.ok())
      return MakeError(ErrorCode::kInvalidArgument, "--traffic-scenario: " + scenario.error().message);
    if (embeddings != (scenario->kind == task::ScenarioKind::kEmbedding)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--traffic-scenario " + text + " does not fit --task " + o.task);
    }
    plan.scenarios.push_back(*scenario);
  }
  plan.num_concurrency = o.num_concurrency;
  for (const std::string& rate : o.request_rate) {
    if (rate == "inf") {
      plan.request_rate.push_back(std::numeric_limits<double>::infinity());
      continue;
    }
    size_t used = 0;
    double value = 0;
    try {
      value = std::stod(rate, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != rate.size() || !(value > 0) || value > task::limits::kMaxRequestRate) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "--request-rate " + rate + ": expected a positive number up to " +
                           std::to_string(static_cast<int64_t>(task::limits::kMaxRequestRate)) + " or inf");
    }
    plan.request_rate.push_back(value);
  }
  plan.max_time_s = o.max_time_per_run;
  plan.max_requests = o.max_requests_per_run;
  plan.warmup_requests = o.warmup_requests;
  plan.tokenizer = o.tokenizer;
  if (!o.dataset.empty()) plan.dataset = task::Dataset{o.dataset, o.prompt_column};
  plan.poisson = o.arrival == "poisson";
  plan.seed = o.seed;
  auto runs = bench::PlanRuns(plan);
  if (!runs.ok()) return std::move(runs).error();
  spec.runs = std::move(*runs);
  return spec;
}

// A bar on a terminal, a plain line every few seconds otherwise.
class BenchProgressPrinter {
 public:
  BenchProgressPrinter() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void operator()(const bench::Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!tty_ && now - last_ < std::chrono::seconds(5)) return;
    last_ = now;
    const bench::RunSpec& run = *p.run;
    const int64_t target = p.warming_up ? run.warmup_requests : run.max_requests;
    const double by_requests = static_cast<double>(p.completed + p.errors) / static_cast<double>(target);
    const double by_time = run.max_time_s > 0 ? p.elapsed_s / run.max_time_s : 0;
    const double done = std::min(1.0, std::max(by_requests, by_time));
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%g/s", run.load.request_rate);
    const std::string load =
        run.load.request_rate > 0 ? std::string(rate) : "c=" + std::to_string(run.load.num_concurrency);
    std::string line = "run " + std::to_string(p.run_index + 1) + "/" + std::to_string(p.num_runs) + " " +
                       run.load.scenario + " " + load + (p.warming_up ? " warm-up" : "") + " ";
    if (tty_) {
      const int width = 24;
      const int filled = static_cast<int>(done * width);
      line += "[" + std::string(static_cast<size_t>(filled), '#') +
              std::string(static_cast<size_t>(width - filled), '.') + "] ";
    }
    char tail[160];
    std::snprintf(tail, sizeof(tail), "%3.0f%% done %lld err %lld in-flight %lld %.1fs", 100 * done,
                  static_cast<long long>(p.completed), static_cast<long long>(p.errors),
                  static_cast<long long>(p.in_flight), p.elapsed_s);
    line += tail;
    std::cerr << (tty_ ? "\r\033[K" : "") << line << (tty_ ? "" : "\n") << std::flush;
  }

  void Finish() const {
    if (tty_) std::cerr << "\n";
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
};

int RunBench(const BenchOptions& options) {
  auto spec = BuildSpec(options);
  if (!spec.ok()) {
    std::cerr << "autotuner bench: " << spec.error().message << "\n";
    return ExitCodeFor(spec.error().code);
  }
  // Ctrl-C stops the benchmark cleanly: runs finished so far are still written.
  interrupted = false;
  auto previous = std::signal(SIGINT, [](int) { interrupted = true; });
  std::stop_source stop;
  BenchProgressPrinter printer;
  bench::HttpLoadGenerator generator;
  auto results = generator.Run(*spec, stop.get_token(), [&](const bench::Progress& p) {
    if (interrupted) stop.request_stop();
    printer(p);
  });
  std::signal(SIGINT, previous);
  printer.Finish();
  if (!results.ok()) {
    std::cerr << "autotuner bench: " << results.error().message << "\n";
    return interrupted ? kExitInterrupted : ExitCodeFor(results.error().code);
  }
  const std::filesystem::path dir = options.output_dir.empty()
                                        ? std::filesystem::path("bench-results") / Timestamp()
                                        : std::filesystem::path(options.output_dir);
  bench::ReportOptions report;
  report.per_request_jsonl = options.per_request_jsonl;
  report.metadata =
      Json{{"api_base", options.api_base}, {"model", options.model},         {"api", options.api},
           {"task", options.task},         {"tokenizer", options.tokenizer}, {"seed", options.seed}};
  if (Status ok = bench::WriteReport(dir, *results, spec->thresholds, report); !ok) {
    std::cerr << "autotuner bench: " << ok.error().message << "\n";
    return ExitCodeFor(ok.error().code);
  }
  std::cout << bench::RunsTable(*results) << "results: " << dir.string() << "\n";
  if (options.summary_stdout) {
    // One compact line that a caller reading only the output (a Kubernetes Job's pod log) can find.
    std::ifstream in(dir / "summary.json");
    std::stringstream text;
    text << in.rdbuf();
    auto summary = ParseJson(text.str(), "summary.json");
    if (!summary.ok()) {
      std::cerr << "autotuner bench: " << summary.error().message << "\n";
      return ExitCodeFor(summary.error().code);
    }
    std::cout << deploy::kBenchSummaryMarker << DumpJson(*summary) << std::endl;
  }
  return interrupted ? kExitInterrupted : kExitSuccess;
}

}  // namespace

void RegisterBenchCommand(CLI::App& app, CommandContext& context) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Benchmark an OpenAI-compatible server with streaming requests (genai-bench compatible results)");
  cmd->add_option("--api-base", o->api_base, "Server base URL, e.g. http://127.0.0.1:8000")->required();
  cmd->add_option("--model", o->model, "Model name sent in requests")->required();
  cmd->add_option("--api", o->api, "completions or chat")
      ->check(CLI::IsMember({"completions", "chat"}))
      ->capture_default_str();
  cmd->add_option("--task", o->task, "text-to-text or text-to-embeddings")
      ->check(CLI::IsMember({"text-to-text", "text-to-embeddings"}))
      ->capture_default_str();
  cmd->add_option("--tokenizer", o->tokenizer, "Tokenizer that sizes prompts: a known name or a path")
      ->capture_default_str();
  cmd->add_option(
         "--traffic-scenario", o->scenarios,
         "Traffic scenario, repeatable: D(in,out), N(mi,si)/(mo,so), U(min_in,max_in)/(min_out,max_out), "
         "E(tokens) (default D(100,100), or E(64) for embeddings)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--num-concurrency", o->num_concurrency,
                  "Closed-loop concurrency, repeatable (with --request-rate: the in-flight cap)")
      ->check(CLI::Range(int64_t{1}, task::limits::kMaxConcurrency))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--request-rate", o->request_rate,
                  "Open-loop arrival rate in requests/s, repeatable; inf = closed loop")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--max-time-per-run", o->max_time_per_run,
                  "Seconds per run (0 = no limit); requests still in flight then are aborted and counted as "
                  "cancelled, not as completed or errors, unless they received nothing for half the run "
                  "(then a timeout: a stalled engine)")
      ->check(CLI::Range(0.0, task::limits::kMaxSeconds))
      ->capture_default_str();
  cmd->add_option("--max-requests-per-run", o->max_requests_per_run, "Counted requests per run")
      ->check(CLI::Range(int64_t{1}, task::limits::kMaxRequests))
      ->capture_default_str();
  cmd->add_option("--warmup-requests", o->warmup_requests, "Requests sent before each run and not counted")
      ->check(CLI::Range(int64_t{0}, task::limits::kMaxRequests))
      ->capture_default_str();
  auto* dataset = cmd->add_option("--dataset", o->dataset, "JSONL or CSV file of prompts");
  cmd->add_option("--prompt-column", o->prompt_column, "Dataset column holding the prompt")
      ->needs(dataset)
      ->capture_default_str();
  cmd->add_option("--additional-request-params", o->additional_request_params,
                  "JSON object merged into every request body, e.g. '{\"temperature\":0}'");
  cmd->add_option("--slo-ttft", o->slo_ttft, "Goodput threshold on TTFT (s)")->check(CLI::PositiveNumber);
  cmd->add_option("--slo-tpot", o->slo_tpot, "Goodput threshold on TPOT (s)")->check(CLI::PositiveNumber);
  cmd->add_option("--slo-e2e", o->slo_e2e, "Goodput threshold on e2e latency (s)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--output-dir", o->output_dir, "Where results go (default ./bench-results/<timestamp>/)");
  cmd->add_option("--arrival", o->arrival, "Open-loop arrivals: poisson or constant")
      ->check(CLI::IsMember({"poisson", "constant"}))
      ->capture_default_str();
  cmd->add_option("--request-timeout", o->request_timeout, "Per-request timeout (s)")
      ->check(CLI::PositiveNumber)
      ->check(CLI::Range(0.0, task::limits::kMaxSeconds))
      ->capture_default_str();
  cmd->add_option("--num-threads", o->num_threads, "Client io threads (0 = one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o->seed, "Seed of prompts, lengths and arrivals")->capture_default_str();
  cmd->add_flag("--no-stream", o->no_stream, "Send non-streaming requests (TTFT = e2e)");
  cmd->add_flag(
      "--summary-stdout", o->summary_stdout,
      "Also print summary.json as one line after 'autotuner-bench-summary: ' (in-cluster bench Jobs)");
  cmd->add_flag("--per-request-jsonl", o->per_request_jsonl,
                "Also write requests.jsonl with every request's per-token arrival times");
  cmd->callback([o, &context] { context.exit_code = RunBench(*o); });
}

}  // namespace autotuner::app
