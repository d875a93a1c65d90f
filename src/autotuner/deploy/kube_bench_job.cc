#include "autotuner/deploy/kube_bench_job.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <thread>

#include "autotuner/bench/plan.h"
#include "autotuner/deploy/kube_deployer.h"

namespace autotuner::deploy {
namespace {

using Clock = std::chrono::steady_clock;

std::string Number(double value) {
  if (std::isinf(value)) return "inf";
  char text[32];
  std::snprintf(text, sizeof(text), "%.10g", value);
  return text;
}

std::string ExperimentObjectName(const BenchJobSpec& spec) {
  DeploySpec deploy;
  deploy.task_name = spec.task_name;
  deploy.experiment = spec.experiment;
  return KubeDeployer::ObjectName(deploy);
}

// "Complete" or "Failed" when the Job has finished, with the failure's reason and message.
struct JobEnd {
  bool complete = false;
  std::string reason;
};

std::optional<JobEnd> Finished(const Json& job) {
  for (const auto& c : job.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("status", "") != "True") continue;
    const std::string type = c.value("type", "");
    if (type == "Complete") return JobEnd{true, ""};
    if (type == "Failed") {
      std::string reason = c.value("reason", "Failed");
      if (const std::string message = c.value("message", ""); !message.empty()) reason += ": " + message;
      return JobEnd{false, reason};
    }
  }
  return std::nullopt;
}

std::vector<std::string> Tail(std::string_view text, size_t lines) {
  std::vector<std::string> all;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    all.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (all.size() > lines) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(lines));
  return all;
}

// How the bench container ended, from its pod ("exit 1", "OOMKilled, exit 137"), if it did.
std::string ContainerEnd(const Json& pod, int* exit_code) {
  for (const auto& status : pod.value("status", Json::object()).value("containerStatuses", Json::array())) {
    const Json state = status.value("state", Json::object());
    if (state.contains("terminated")) {
      *exit_code = state["terminated"].value("exitCode", 0);
      const std::string reason = state["terminated"].value("reason", "");
      return (reason.empty() ? "" : reason + ", ") + "exit " + std::to_string(*exit_code);
    }
    if (state.contains("waiting")) return state["waiting"].value("reason", "waiting");
  }
  return "";
}

Error BenchFailed(std::string message, std::vector<std::string> log_tail, Json extra = Json::object()) {
  Json details = {{"log_tail", std::move(log_tail)}};
  details.update(extra);
  return MakeFailure(FailureClass::kBenchFailed, ErrorCode::kUnavailable, std::move(message),
                     std::move(details));
}

// Deletes the Job (and, by foreground propagation, its pod) when the run ends, however it ends.
class JobGuard {
 public:
  JobGuard(KubeClient& client, std::string path) : client_(client), path_(std::move(path)) {}
  ~JobGuard() { (void)client_.Delete(path_); }
  JobGuard(const JobGuard&) = delete;
  JobGuard& operator=(const JobGuard&) = delete;

 private:
  KubeClient& client_;
  std::string path_;
};

}  // namespace

std::vector<std::string> BenchArgsForTask(const task::Task& task, const std::string& served_model_name) {
  const task::Benchmark& b = task.benchmark;
  std::vector<std::string> args = {
      "--model", served_model_name,
      "--api",   b.api == task::Api::kChat ? "chat" : "completions",
      "--task",  b.task == task::BenchmarkTask::kTextToEmbeddings ? "text-to-embeddings" : "text-to-text"};
  if (!b.model_tokenizer.empty()) args.insert(args.end(), {"--tokenizer", b.model_tokenizer});
  for (const auto& scenario : b.traffic_scenarios)
    args.insert(args.end(), {"--traffic-scenario", scenario.ToString()});
  for (int64_t c : b.num_concurrency) args.insert(args.end(), {"--num-concurrency", std::to_string(c)});
  for (double r : b.request_rate) args.insert(args.end(), {"--request-rate", Number(r)});
  if (b.max_time_per_iteration > 0)
    args.insert(args.end(), {"--max-time-per-run", Number(b.max_time_per_iteration)});
  if (b.max_requests_per_iteration > 0)
    args.insert(args.end(), {"--max-requests-per-run", std::to_string(b.max_requests_per_iteration)});
  if (b.additional_params.is_object() && !b.additional_params.empty())
    args.insert(args.end(), {"--additional-request-params", DumpJson(b.additional_params)});
  // As the direct path's bench::MakeBenchSpec: the same arrivals and prompts, goodput against the task's SLO.
  args.insert(args.end(), {"--seed", std::to_string(static_cast<uint64_t>(task.optimization.seed))});
  const bench::GoodputThresholds thresholds = bench::GoodputThresholdsFromSlo(task.slo);
  if (thresholds.ttft) args.insert(args.end(), {"--slo-ttft", Number(*thresholds.ttft)});
  if (thresholds.tpot) args.insert(args.end(), {"--slo-tpot", Number(*thresholds.tpot)});
  if (thresholds.e2e) args.insert(args.end(), {"--slo-e2e", Number(*thresholds.e2e)});
  return args;
}

std::string BenchJobName(const BenchJobSpec& spec) { return "bench-" + ExperimentObjectName(spec); }

Json BenchJobManifest(const BenchJobOptions& options, const BenchJobSpec& spec) {
  const std::string name = BenchJobName(spec);
  Json labels = {{"autotuner.io/task", LabelValue(spec.task_name)},
                 {"autotuner.io/experiment", LabelValue(ExperimentObjectName(spec))},
                 {"autotuner.io/owner", LabelValue(options.owner)}};
  Json pod_labels = labels;
  pod_labels["autotuner.io/bench-job"] = LabelValue(name);
  std::vector<std::string> args = {"bench", "--api-base", spec.api_base};
  args.insert(args.end(), spec.bench_args.begin(), spec.bench_args.end());
  args.insert(args.end(), {"--output-dir", "/results", "--summary-stdout"});
  Json pod_spec = {
      {"restartPolicy", "Never"},
      {"automountServiceAccountToken", false},
      {"containers",
       Json::array({{{"name", "bench"},
                     {"image", options.image},
                     {"command", Json::array({"autotuner"})},
                     {"args", args},
                     {"volumeMounts", Json::array({{{"name", "results"}, {"mountPath", "/results"}}})}}})},
      {"volumes", Json::array({{{"name", "results"}, {"emptyDir", Json::object()}}})}};
  if (!options.service_account.empty()) pod_spec["serviceAccountName"] = options.service_account;
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}, {"namespace", options.ns}, {"labels", labels}}},
          {"spec",
           {{"backoffLimit", 0},
            {"activeDeadlineSeconds", options.active_deadline_s},
            // A safety net for an autotuner that dies before deleting the Job.
            {"ttlSecondsAfterFinished", 3600},
            {"template", {{"metadata", {{"labels", pod_labels}}}, {"spec", pod_spec}}}}}};
}

Result<Json> ParseBenchSummary(std::string_view log) {
  size_t found = std::string_view::npos;
  for (size_t at = log.find(kBenchSummaryMarker); at != std::string_view::npos;
       at = log.find(kBenchSummaryMarker, at + 1)) {
    if (at == 0 || log[at - 1] == '\n') found = at;
  }
  if (found == std::string_view::npos)
    return MakeError(ErrorCode::kNotFound, "the bench log has no summary line");
  std::string_view line = log.substr(found + kBenchSummaryMarker.size());
  line = line.substr(0, line.find('\n'));
  while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto summary = ParseJson(line, "bench summary");
  if (!summary.ok()) return std::move(summary).error();
  if (!summary->is_object()) return MakeError(ErrorCode::kParse, "bench summary: not a JSON object");
  return summary;
}

Result<Json> RunBenchJob(KubeClient& client, const BenchJobOptions& options, const BenchJobSpec& spec,
                         Clock::time_point deadline, std::stop_token stop) {
  const Json manifest = BenchJobManifest(options, spec);
  const std::string name = manifest["metadata"]["name"];
  const std::string collection = KubeClient::CollectionPath(manifest);
  if (auto applied = client.Apply(manifest); !applied.ok()) {
    Error error = std::move(applied).error();
    error.message = "cannot create bench Job " + name + ": " + error.message;
    error.failure = FailureClass::kBenchFailed;
    return error;
  }
  JobGuard guard(client, collection + "/" + name);

  std::optional<JobEnd> end;
  while (!end) {
    if (stop.stop_requested()) return MakeError(ErrorCode::kCancelled, "cancelled during the bench Job");
    if (Clock::now() >= deadline) {
      return MakeFailure(FailureClass::kTimeout, ErrorCode::kTimeout,
                         "bench Job " + name + " did not finish in time");
    }
    if (auto live = client.Get(collection + "/" + name); live.ok()) {
      end = Finished(*live);
      if (end) break;
    } else if (live.error().code == ErrorCode::kNotFound) {
      return BenchFailed("bench Job " + name + " disappeared", {});
    }
    const auto remaining = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
    std::atomic<bool> cancelled = false;
    std::stop_callback on_stop(stop, [&] { cancelled = true; });
    bool deleted = false;
    const auto started = Clock::now();
    (void)client.WatchObject(
        collection, name, static_cast<int>(std::min<int64_t>(options.watch_timeout_s, remaining.count() + 1)),
        [&](const std::string& type, const Json& job) {
          if (type == "DELETED") {
            deleted = true;
            return false;
          }
          end = Finished(job);
          return !end.has_value();
        },
        cancelled);
    if (deleted && !end) return BenchFailed("bench Job " + name + " was deleted while running", {});
    // A watch the server ended at once (or that failed) is retried after a pause, never in a tight loop.
    if (!end && Clock::now() - started < options.retry_interval) {
      std::this_thread::sleep_for(std::min<Clock::duration>(
          options.retry_interval,
          std::max<Clock::duration>(Clock::duration::zero(), deadline - Clock::now())));
    }
  }

  // The pod that ran the benchmark (no retries: at most one), and what it wrote.
  const std::string ns = options.ns;
  auto pods = client.List("/api/v1/namespaces/" + ns + "/pods", "autotuner.io/bench-job=" + LabelValue(name));
  if (!pods.ok() || pods->empty()) {
    return BenchFailed("bench Job " + name +
                           (end->complete ? " completed" : " failed (" + end->reason + ")") +
                           " but its pod is gone",
                       {});
  }
  const Json& pod = pods->back();
  auto log = client.ReadLogs(ns, pod["metadata"].value("name", ""));
  const std::string text = log.ok() ? *log : "";
  std::vector<std::string> tail = Tail(text, 30);
  if (!end->complete) {
    int exit_code = 0;
    const std::string container = ContainerEnd(pod, &exit_code);
    return BenchFailed("bench Job " + name + " failed: " + end->reason +
                           (container.empty() ? "" : " (bench container " + container + ")"),
                       std::move(tail), {{"reason", end->reason}, {"exit", exit_code}});
  }
  if (!log.ok()) return BenchFailed("cannot read the bench log: " + log.error().message, {});
  auto summary = ParseBenchSummary(text);
  if (!summary.ok())
    return BenchFailed("bench Job " + name + ": " + summary.error().message, std::move(tail));
  return summary;
}

}  // namespace autotuner::deploy
