// `autotuner run` end to end on the simulator, as a user runs it: the real CLI, the real `autotuner-sim`
// processes, the SQLite store. Covers every strategy, cancel, kill -9 + --resume, engine crash and timeout,
// parallel experiments, and the quickstart's answer against an exhaustive sweep in virtual time.

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "autotuner/core/json.h"
#include "autotuner/sim/launch_flags.h"
#include "autotuner/sim/model_profile.h"
#include "autotuner/sim/workload.h"
#include "autotuner/store/store.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/search_space.h"
#include "support/child_process.h"

namespace autotuner {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kBinDir = AUTOTUNER_BIN_DIR;
const std::string kSourceDir = AUTOTUNER_SOURCE_DIR;

// A running `autotuner` command with its own HOME (so its data directory is the test's).
class Cli {
 public:
  Cli(const fs::path& home, std::vector<std::string> args)
      : process_(Argv(std::move(args)),
                 {{"HOME", home.string()}, {"XDG_DATA_HOME", (home / "data").string()}}) {}

  std::string output() const { return process_.output(); }
  bool WaitFor(const std::string& text, std::chrono::seconds timeout) {
    return process_.WaitFor(text, timeout);
  }
  void Signal(int sig) { process_.Signal(sig); }
  // The exit code (shell style), or -1 at the timeout.
  int Wait(std::chrono::seconds timeout) { return process_.Wait(timeout).value_or(-1); }

 private:
  static std::vector<std::string> Argv(std::vector<std::string> args) {
    args.insert(args.begin(), kBinDir + "/autotuner");
    return args;
  }
  testing::ChildProcess process_;
};

// Pids of running simulators serving `model_name` (every test names its own).
std::vector<int> EnginesServing(const std::string& model_name) {
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find("autotuner-sim") != std::string::npos &&
        cmdline.find(std::string("\0", 1) + model_name + std::string("\0", 1)) != std::string::npos) {
      std::ifstream st(entry.path() / "stat");
      std::string line;
      std::getline(st, line);
      const size_t close = line.rfind(')');
      if (close != std::string::npos && line.substr(close + 2, 1) == "Z") continue;  // zombie: exited
      pids.push_back(std::stoi(pid));
    }
  }
  return pids;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    tag_ = std::to_string(rd() % 1000000);
    home_ = fs::temp_directory_path() / ("autotuner-run-test-" + tag_);
    fs::create_directories(home_);
    db_ = (home_ / "store.db").string();
  }
  void TearDown() override { fs::remove_all(home_); }

  // A small study on the simulated SGLang engine; `extra` is appended as-is (YAML).
  std::string WriteTask(const std::string& name, const std::string& parameters,
                        const std::string& optimization, const std::string& benchmark_extra = "",
                        const std::string& extra = "") {
    const fs::path path = home_ / (name + ".yaml");
    std::ofstream(path) << "task_name: " << name << "\n"
                        << "base_runtime: sim-sglang\n"
                        << "model: {id_or_path: meta-llama/Llama-3.2-1B-Instruct}\n"
                        << "hardware: {gpu_type: H100, num_gpus: 1}\n"
                        << "parameters:\n"
                        << parameters << "optimization:\n"
                        << optimization << "benchmark:\n"
                        << "  model_name: " << ServedName() << "\n"
                        << "  model_tokenizer: gpt2\n"
                        << "  traffic_scenarios: [\"D(100,100)\"]\n"
                        << "  num_concurrency: [2]\n"
                        << benchmark_extra << extra;
    return path.string();
  }
  std::string ServedName() const { return "run-test-" + tag_; }

  std::unique_ptr<store::Store> OpenDb() {
    auto s = store::OpenStore(db_);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  std::vector<store::ExperimentRecord> Experiments(const std::string& task_name) {
    auto s = OpenDb();
    auto task = s->GetTaskByName(task_name);
    EXPECT_TRUE(task.ok()) << task_name;
    auto list = s->ListExperiments(task->id);
    EXPECT_TRUE(list.ok());
    return *list;
  }

  std::string tag_;
  fs::path home_;
  std::string db_;
};

std::string Describe(const std::vector<store::ExperimentRecord>& experiments) {
  std::ostringstream out;
  for (const auto& e : experiments) {
    out << e.number << " " << Name(e.status) << " " << FailureClassName(e.error_class) << " "
        << e.error_message << " " << DumpJson(e.parameters) << "\n";
  }
  return out.str();
}

class StrategyRunTest : public RunTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(StrategyRunTest, CompletesAStudyOnTheSimulator) {
  const std::string strategy = GetParam();
  const std::string file = WriteTask(strategy + "-study",
                                     "  mem-fraction-static: [0.7, 0.8, 0.9]\n"
                                     "  schedule-policy: [lpm, fcfs]\n"
                                     "  sim-time-scale: [20]\n",
                                     "  strategy: " + strategy +
                                         "\n  objective: maximize_throughput\n  max_iterations: 4\n"
                                         "  n_initial_random: 2\n  timeout_per_iteration: 60\n",
                                     "  max_time_per_iteration: 2\n  max_requests_per_iteration: 16\n");
  const std::string json_out = (home_ / "results.json").string();
  Cli run(home_, {"run", file, "--db", db_, "--json-out", json_out});
  ASSERT_EQ(run.Wait(std::chrono::seconds(240)), 0) << run.output();
  const auto experiments = Experiments(strategy + "-study");
  // baseline: auto measures the engine's defaults first (experiment 0, outside max_iterations), except for
  // grids.
  const bool with_baseline = strategy != "grid_search";
  const size_t total = with_baseline ? 5 : 4;
  ASSERT_EQ(experiments.size(), total) << Describe(experiments);
  EXPECT_EQ(experiments[0].kind == ExperimentKind::kBaseline, with_baseline) << Describe(experiments);
  if (with_baseline) {
    EXPECT_EQ(experiments[0].number, 0);
    EXPECT_EQ(DumpJson(experiments[0].parameters), R"({"sim-time-scale":20})");  // the fixed flag only
  }
  std::set<std::string> configurations;
  for (const auto& e : experiments) {
    EXPECT_EQ(e.status, ExperimentStatus::kSuccess) << Describe(experiments);
    EXPECT_TRUE(configurations.insert(DumpJson(e.parameters)).second)
        << "duplicate " << DumpJson(e.parameters);
    EXPECT_GT(e.metrics.value("mean_total_throughput_per_gpu", 0.0), 0.0);
    EXPECT_NE(e.engine_log.find("autotuner-sim ready"), std::string::npos);
  }
  std::ifstream in(json_out);
  auto results =
      ParseJson(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)["strategy"], strategy);
  EXPECT_EQ((*results)["total_experiments"], total);
  EXPECT_EQ((*results)["successful_experiments"], total);
  EXPECT_TRUE((*results)["best_result"].is_object());
  EXPECT_EQ((*results)["improvement"].is_object(), with_baseline) << (*results)["improvement"];
  const std::string out = run.output();
  EXPECT_NE(out.find("best: "), std::string::npos) << out;
  EXPECT_EQ(out.find("baseline (engine defaults)") != std::string::npos, with_baseline) << out;
  EXPECT_NE(out.find("Experiments by score"), std::string::npos) << out;
  EXPECT_NE(out.find("Launch it with:"), std::string::npos) << out;
  EXPECT_NE(out.find("python3 -m sglang.launch_server"), std::string::npos) << out;
  EXPECT_TRUE(EnginesServing(ServedName()).empty());

  // Where the numbers come from: stored with the task and shown by `autotuner experiments`.
  const Json provenance = OpenDb()->GetTaskByName(strategy + "-study")->provenance;
  EXPECT_EQ(provenance.value("runtime", ""), "sim-sglang") << provenance;
  EXPECT_EQ(provenance.value("simulated", false), true) << provenance;
  EXPECT_EQ(provenance.value("task_hash", "").rfind("fnv1a64:", 0), 0u) << provenance;
  Cli list(home_, {"experiments", strategy + "-study", "--db", db_});
  ASSERT_EQ(list.Wait(std::chrono::seconds(30)), 0) << list.output();
  EXPECT_NE(list.output().find("· task fnv1a64:"), std::string::npos) << list.output();
  EXPECT_NE(list.output().find("simulated"), std::string::npos) << list.output();

  // The same file again is a new task, `<name>-2`; the first one is kept.
  if (strategy == "grid_search") {
    Cli again(home_, {"run", file, "--db", db_, "--quiet"});
    ASSERT_EQ(again.Wait(std::chrono::seconds(240)), 0) << again.output();
    EXPECT_EQ(Experiments(strategy + "-study-2").size(), 4u);
    EXPECT_EQ(Experiments(strategy + "-study").size(), 4u);
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, StrategyRunTest, ::testing::Values("grid_search", "random", "bayesian"));

TEST_F(RunTest, CtrlCCancelsMidBenchmarkAndLeavesNothingRunning) {
  const std::string file = WriteTask("cancel-study", "  mem-fraction-static: [0.8, 0.9]\n",
                                     "  strategy: grid_search\n  objective: minimize_latency\n"
                                     "  max_iterations: 2\n  timeout_per_iteration: 300\n",
                                     "  max_time_per_iteration: 120\n  max_requests_per_iteration: 100000\n");
  Cli run(home_, {"run", file, "--db", db_});
  ASSERT_TRUE(run.WaitFor("Status: BENCHMARKING", std::chrono::seconds(60))) << run.output();
  ASSERT_EQ(EnginesServing(ServedName()).size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto signalled = Clock::now();
  run.Signal(SIGINT);
  EXPECT_EQ(run.Wait(std::chrono::seconds(30)), 130) << run.output();
  EXPECT_LT(Clock::now() - signalled, std::chrono::seconds(5)) << "cancel took too long";
  EXPECT_TRUE(EnginesServing(ServedName()).empty());
  const auto experiments = Experiments("cancel-study");
  ASSERT_EQ(experiments.size(), 1u) << Describe(experiments);
  EXPECT_EQ(experiments[0].status, ExperimentStatus::kCancelled);
  auto s = OpenDb();
  EXPECT_EQ(s->GetTaskByName("cancel-study")->status, TaskStatus::kCancelled);
}

TEST_F(RunTest, Kill9ThenResumeKeepsFinishedWorkAndCleansUp) {
  const std::string file =
      WriteTask("resume-study", "  mem-fraction-static: [0.7, 0.8, 0.9]\n  sim-time-scale: [5]\n",
                "  strategy: bayesian\n  objective: minimize_latency\n  max_iterations: 3\n"
                "  n_initial_random: 2\n  timeout_per_iteration: 120\n",
                "  max_time_per_iteration: 4\n  max_requests_per_iteration: 100000\n");
  int64_t first_id = 0;
  std::string first_parameters;
  {
    Cli run(home_, {"run", file, "--db", db_});
    ASSERT_TRUE(run.WaitFor("[Experiment 2] Status: BENCHMARKING", std::chrono::seconds(120)))
        << run.output();
    run.Signal(SIGKILL);
    EXPECT_EQ(run.Wait(std::chrono::seconds(10)), 128 + SIGKILL);
  }
  // The killed run's engine dies with it (its guard sees autotuner's end of the pipe close); the task is left
  // running for --resume.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!EnginesServing(ServedName()).empty() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(EnginesServing(ServedName()).empty());
  {
    // The baseline (0) and experiment 1 finished, 2 was benchmarking.
    const auto experiments = Experiments("resume-study");
    ASSERT_EQ(experiments.size(), 3u) << Describe(experiments);
    ASSERT_EQ(experiments[0].kind, ExperimentKind::kBaseline);
    ASSERT_EQ(experiments[0].status, ExperimentStatus::kSuccess);
    ASSERT_EQ(experiments[1].status, ExperimentStatus::kSuccess);
    EXPECT_EQ(experiments[2].status, ExperimentStatus::kBenchmarking);
    first_id = experiments[1].id;
    first_parameters = DumpJson(experiments[1].parameters);
  }
  Cli resume(home_, {"run", "--resume", "resume-study", "--db", db_});
  ASSERT_EQ(resume.Wait(std::chrono::seconds(240)), 0) << resume.output();
  EXPECT_TRUE(EnginesServing(ServedName()).empty());
  const auto experiments = Experiments("resume-study");
  EXPECT_EQ(experiments[1].id, first_id);
  EXPECT_EQ(experiments[1].status, ExperimentStatus::kSuccess);
  EXPECT_EQ(DumpJson(experiments[1].parameters), first_parameters);
  EXPECT_EQ(experiments[2].status, ExperimentStatus::kFailed);
  EXPECT_EQ(experiments[2].error_class, FailureClass::kInterrupted);
  std::set<std::string> successes;
  int baselines = 0;
  for (const auto& e : experiments) {
    if (e.kind == ExperimentKind::kBaseline) ++baselines;
    if (e.status == ExperimentStatus::kSuccess && e.kind == ExperimentKind::kSearch) {
      EXPECT_TRUE(successes.insert(DumpJson(e.parameters)).second) << Describe(experiments);
    }
  }
  EXPECT_EQ(baselines, 1) << "the stored baseline is not run again\n" << Describe(experiments);
  EXPECT_EQ(successes.size(), 3u) << Describe(experiments);
  auto s = OpenDb();
  EXPECT_EQ(s->GetTaskByName("resume-study")->status, TaskStatus::kCompleted);
}

TEST_F(RunTest, EngineCrashAndTimeoutFailTheirExperimentsAndTheStudyGoesOn) {
  const std::string file =
      WriteTask("faults-study",
                "  sim-fault-crash-after: [0, 4]\n"
                "  sim-fault-hang-at-start: [false, true]\n"
                "  sim-time-scale: [20]\n",
                "  strategy: grid_search\n  objective: minimize_latency\n  max_iterations: 4\n"
                "  timeout_per_iteration: 6\n",
                "  max_time_per_iteration: 2\n  max_requests_per_iteration: 20\n");
  Cli run(home_, {"run", file, "--db", db_});
  ASSERT_EQ(run.Wait(std::chrono::seconds(240)), 0) << run.output();
  std::map<std::string, std::string> outcome;
  for (const auto& e : Experiments("faults-study")) {
    outcome[DumpJson(e.parameters["sim-fault-crash-after"]) + "/" +
            DumpJson(e.parameters["sim-fault-hang-at-start"])] =
        std::string(Name(e.status)) + ":" + std::string(FailureClassName(e.error_class));
    if (e.status == ExperimentStatus::kFailed) {
      EXPECT_FALSE(e.error_message.empty());
    }
  }
  EXPECT_EQ(outcome["0/false"], "success:");
  EXPECT_EQ(outcome["4/false"], "failed:crashed");
  EXPECT_EQ(outcome["0/true"], "failed:timeout");
  EXPECT_EQ(outcome["4/true"], "failed:timeout");
  EXPECT_TRUE(EnginesServing(ServedName()).empty());
}

TEST_F(RunTest, ParallelExperimentsNeverShareAGpu) {
  const std::string file = WriteTask(
      "parallel-study", "  mem-fraction-static: [0.7, 0.75, 0.8, 0.85]\n  sim-time-scale: [20]\n",
      "  strategy: grid_search\n  objective: minimize_latency\n  max_iterations: 4\n"
      "  parallel_experiments: 2\n  timeout_per_iteration: 120\n",
      "  max_time_per_iteration: 3\n  max_requests_per_iteration: 100000\n", "parallel_config: {tp: 2}\n");
  // 4 simulated GPUs: two experiments of tp 2 at once.
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  text.replace(text.find("num_gpus: 1"), 11, "num_gpus: 4");
  std::ofstream(file) << text;
  Cli run(home_, {"run", file, "--db", db_});
  ASSERT_EQ(run.Wait(std::chrono::seconds(240)), 0) << run.output();
  struct Span {
    double from = 0, to = 0;
    std::set<std::string> gpus;
  };
  std::vector<Span> spans;
  for (const auto& e : Experiments("parallel-study")) {
    ASSERT_EQ(e.status, ExperimentStatus::kSuccess);
    Span span;
    for (const auto& t : e.transitions) {
      if (t.status == ExperimentStatus::kDeploying) span.from = t.at;
      if (t.status == ExperimentStatus::kSuccess) span.to = t.at;
    }
    const size_t at = e.engine_log.find("CUDA_VISIBLE_DEVICES=");
    ASSERT_NE(at, std::string::npos) << e.engine_log;
    std::stringstream devices(e.engine_log.substr(at + 21, e.engine_log.find('\n', at) - at - 21));
    for (std::string id; std::getline(devices, id, ',');) span.gpus.insert(id);
    EXPECT_EQ(span.gpus.size(), 2u);
    spans.push_back(span);
  }
  int overlapping = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    for (size_t j = i + 1; j < spans.size(); ++j) {
      // An experiment's success is stored after its engine stopped and its GPUs went back to the pool, so
      // the next one may record "deploying" on them a moment before: only more than a second together (a
      // benchmark is 3 s) means two experiments held GPUs at once.
      const double together = std::min(spans[i].to, spans[j].to) - std::max(spans[i].from, spans[j].from);
      if (together <= 1.0) continue;
      ++overlapping;
      for (const auto& id : spans[i].gpus)
        EXPECT_FALSE(spans[j].gpus.contains(id)) << "GPU " << id << " shared";
    }
  }
  EXPECT_GT(overlapping, 0) << "no two experiments ran at once";
}

// The quickstart's benchmark in the simulator's virtual time (D(512,128) at concurrency 32, at most 400
// requests or 3 s): total tokens/s of one run, the quantity the study's score is the negative of. Booleans
// are spelled as the deployer spells them (true: the bare flag; false: left out).
double VirtualQuickstartThroughput(const Json& parameters) {
  static const auto catalog = task::RuntimeCatalog::LoadDefault();
  static const auto model = sim::ResolveModel("meta-llama/Llama-3.2-1B-Instruct");
  EXPECT_TRUE(catalog.ok() && model.ok());
  std::vector<std::string> args = {"--model-path", "meta-llama/Llama-3.2-1B-Instruct", "--sim-gpu-type",
                                   "H100"};
  for (const auto& [key, value] : parameters.items()) {
    if (value.is_boolean()) {
      if (value.get<bool>()) args.push_back("--" + key);
      continue;
    }
    args.push_back("--" + key);
    args.push_back(value.is_string() ? value.get<std::string>() : DumpJson(value));
  }
  auto launch = sim::ParseLaunchFlags(sim::FlavorNamed("sglang"), *catalog->Find("sim-sglang"), args);
  EXPECT_TRUE(launch.ok()) << launch.error().message;
  if (!launch.ok()) return 0;
  sim::WorkloadSpec spec;
  spec.input = sim::LengthDistribution::Fixed(512);
  spec.output = sim::LengthDistribution::Fixed(128);
  spec.num_requests = 400;
  spec.concurrency = 32;
  spec.max_duration_s = 3;
  auto result = sim::RunWorkload(launch->engine, *model, spec);
  EXPECT_TRUE(result.ok());
  return result.ok() ? result->summary.total_throughput : 0;
}

// Every configuration of the quickstart's search space (read from the task file, so the sweep follows it),
// with its virtual-time throughput.
std::vector<std::pair<Json, double>> ExhaustiveQuickstartSweep() {
  auto catalog = task::RuntimeCatalog::LoadDefault();
  EXPECT_TRUE(catalog.ok());
  auto parsed = task::LoadTaskFile(kSourceDir + "/examples/quickstart.yaml", &*catalog);
  EXPECT_TRUE(parsed.ok() && parsed->task);
  if (!parsed.ok() || !parsed->task) return {};
  const task::SearchSpace space = task::BuildSearchSpace(*parsed->task);
  std::vector<Json> configurations = {Json::object()};
  for (const auto& dimension : space.dimensions) {
    EXPECT_EQ(dimension.kind, task::Parameter::Kind::kCategorical) << dimension.name;
    std::vector<Json> next;
    for (const auto& partial : configurations) {
      for (const auto& value : dimension.values) {
        next.push_back(partial);
        next.back()[dimension.name] = value;
      }
    }
    configurations = std::move(next);
  }
  std::vector<std::pair<Json, double>> sweep;
  for (auto& parameters : configurations) {
    const double throughput = VirtualQuickstartThroughput(parameters);
    sweep.emplace_back(std::move(parameters), throughput);
  }
  return sweep;
}

// The quickstart study (README command 1) against an exhaustive sweep of the same space in the simulator's
// virtual time: the configuration it picks must be the sweep's best or within 2% of it, although the study
// runs a small share of the space, within the README's 90 seconds.
TEST_F(RunTest, QuickstartFindsTheExhaustiveSweepsBest) {
  const std::string json_out = (home_ / "quickstart.json").string();
  const auto start = Clock::now();
  Cli run(home_, {"run", kSourceDir + "/examples/quickstart.yaml", "--db", db_, "--json-out", json_out});
  ASSERT_EQ(run.Wait(std::chrono::seconds(600)), 0) << run.output();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "quickstart study wall time: " << elapsed << " s\n";
  std::ifstream in(json_out);
  auto results =
      ParseJson(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  ASSERT_TRUE(results.ok());
  const Json best = (*results)["best_result"]["parameters"];
  // The summary the README promises is the run's last line but the result-file ones.
  const std::string output = run.output();
  EXPECT_NE(output.find("\nbest: +"), std::string::npos) << output;
  EXPECT_NE(output.find(" over defaults, found in "), std::string::npos) << output;

  const auto sweep = ExhaustiveQuickstartSweep();
  ASSERT_GE(sweep.size(), 100u);
  const auto sweep_best = std::max_element(sweep.begin(), sweep.end(),
                                           [](const auto& a, const auto& b) { return a.second < b.second; });
  const double chosen = VirtualQuickstartThroughput(best);
  std::cout << "sweep of " << sweep.size() << ": best " << DumpJson(sweep_best->first) << " "
            << sweep_best->second << " tok/s, defaults " << VirtualQuickstartThroughput(Json::object())
            << " tok/s; study chose " << DumpJson(best) << " " << chosen << " tok/s\n";
  EXPECT_GE(chosen, sweep_best->second * 0.98);
}

}  // namespace
}  // namespace autotuner
