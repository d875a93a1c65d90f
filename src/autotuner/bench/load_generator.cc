#include "autotuner/bench/load_generator.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "autotuner/bench/client_pool.h"
#include "autotuner/core/duration.h"

namespace autotuner::bench {
namespace {

constexpr int64_t kDefaultOpenLoopCap = 4096;

std::string RenderRequest(const Target& target, const std::string& path, const std::string& body,
                          bool stream) {
  std::string out;
  out.reserve(body.size() + 256);
  out +=
      "POST " + path + " HTTP/1.1\r\nHost: " + target.host + ":" + target.port +
      "\r\nContent-Type: application/json\r\nAccept: " + (stream ? "text/event-stream" : "application/json") +
      "\r\nUser-Agent: autotuner-bench\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

std::vector<double> Arrivals(const RunSpec& run, uint64_t seed) {
  std::vector<double> arrivals;
  if (run.load.request_rate <= 0) return arrivals;
  int64_t count = run.max_requests;
  if (run.max_time_s > 0) {
    // Enough arrivals to cover the time limit with a wide margin.
    count = std::min<int64_t>(count, static_cast<int64_t>(run.load.request_rate * run.max_time_s * 2) + 1000);
  }
  arrivals.reserve(static_cast<size_t>(count));
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(run.load.request_rate);
  double t = 0;
  for (int64_t i = 0; i < count; ++i) {
    arrivals.push_back(t);
    t += run.poisson ? gap(rng) : 1.0 / run.load.request_rate;
  }
  return arrivals;
}

}  // namespace

std::string Target::PathFor(Endpoint endpoint) const {
  const bool has_v1 = prefix.size() >= 3 && prefix.compare(prefix.size() - 3, 3, "/v1") == 0;
  const std::string base = has_v1 ? prefix : prefix + "/v1";
  switch (endpoint) {
    case Endpoint::kCompletions:
      return base + "/completions";
    case Endpoint::kChat:
      return base + "/chat/completions";
    case Endpoint::kEmbeddings:
      return base + "/embeddings";
  }
  return base;
}

Result<Target> ParseTarget(std::string_view api_base) {
  constexpr std::string_view kScheme = "http://";
  if (api_base.substr(0, kScheme.size()) != kScheme) {
    return MakeError(ErrorCode::kInvalidArgument, "--api-base must start with http:// (got '" +
                                                      std::string(api_base) + "'); https is not supported");
  }
  std::string_view rest = api_base.substr(kScheme.size());
  Target target;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) target.prefix = std::string(rest.substr(slash));
  while (!target.prefix.empty() && target.prefix.back() == '/') target.prefix.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    target.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
  }
  if (authority.size() > 2 && authority.front() == '[' && authority.back() == ']') {
    authority = authority.substr(1, authority.size() - 2);
  }
  target.host = std::string(authority);
  if (target.host.empty() || target.port.empty() ||
      target.port.find_first_not_of("0123456789") != std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "--api-base: cannot read host and port of '" + std::string(api_base) + "'");
  }
  return target;
}

Json RequestBody(const BenchSpec& spec, const RequestPlan& plan) {
  Json body = Json::object();
  body["model"] = spec.model;
  switch (spec.endpoint) {
    case Endpoint::kCompletions:
      body["prompt"] = plan.prompt;
      break;
    case Endpoint::kChat:
      body["messages"] = Json::array({Json{{"role", "user"}, {"content", plan.prompt}}});
      break;
    case Endpoint::kEmbeddings:
      body["input"] = plan.prompt;
      break;
  }
  if (spec.endpoint != Endpoint::kEmbeddings) {
    body["max_tokens"] = plan.max_tokens;
    if (spec.ignore_eos) {
      body["ignore_eos"] = true;
      body["min_tokens"] = plan.max_tokens;
    }
    body["stream"] = spec.stream;
    if (spec.stream) body["stream_options"] = Json{{"include_usage", true}};
  }
  for (const auto& [key, value] : spec.additional_params.items()) body[key] = value;
  return body;
}

namespace {

void ReportProgress(const ProgressCallback& progress, const BenchSpec& spec, size_t run_index, bool warmup,
                    const Phase* phase) {
  if (!progress) return;
  Progress p;
  p.run_index = run_index;
  p.num_runs = spec.runs.size();
  p.run = &spec.runs[run_index];
  p.warming_up = warmup;
  if (phase != nullptr) {
    p.completed = phase->counters.completed.load();
    p.errors = phase->counters.errors.load();
    p.in_flight = phase->counters.in_flight.load();
    p.output_tokens = phase->counters.output_tokens.load();
    p.elapsed_s = std::chrono::duration<double>(Clock::now() - phase->start).count();
  }
  progress(p);
}

// One run: connections first, then the warm-up and measured phases on them. Nothing when stopped.
Result<std::optional<RunResult>> RunOne(const BenchSpec& spec, const Target& target, size_t run_index,
                                        const std::vector<PreparedRequest>& requests, std::stop_token stop,
                                        const ProgressCallback& progress) {
  const RunSpec& run = spec.runs[run_index];
  const std::vector<double> arrivals = Arrivals(run, spec.seed + run_index);
  const bool open_loop = run.load.request_rate > 0;
  const int64_t workers = std::max<int64_t>(
      1, open_loop && run.load.num_concurrency <= 0 ? kDefaultOpenLoopCap : run.load.num_concurrency);
  const int64_t measured = open_loop
                               ? std::min<int64_t>(run.max_requests, static_cast<int64_t>(arrivals.size()))
                               : run.max_requests;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  ClientPool pool(target, spec, std::min(workers, std::max(measured, run.warmup_requests)),
                  spec.num_threads > 0 ? spec.num_threads : static_cast<int64_t>(cores));
  auto connect_times = pool.Connect(
      stop, [&] { ReportProgress(progress, spec, run_index, run.warmup_requests > 0, nullptr); });
  if (!connect_times.ok()) return std::move(connect_times).error();
  if (stop.stop_requested()) return std::optional<RunResult>();
  RunResult result;
  for (const bool warmup : {true, false}) {
    if (warmup && run.warmup_requests <= 0) continue;
    Phase phase;
    phase.requests = &requests;
    phase.arrivals = warmup || !open_loop ? nullptr : &arrivals;
    phase.total = warmup ? run.warmup_requests : measured;
    phase.workers = std::min(workers, phase.total);
    phase.start = Clock::now();
    if (run.max_time_s > 0) {
      phase.deadline = phase.start + SaturatingSeconds(run.max_time_s);
      phase.stall_window = SaturatingSeconds(std::min(spec.request_timeout_s, run.max_time_s / 2));
    }
    std::vector<EngineSample> engine_samples;
    PhaseOutcome outcome = pool.RunPhase(
        phase, stop, [&] { ReportProgress(progress, spec, run_index, warmup, &phase); },
        !warmup && spec.scrape_engine_metrics ? &engine_samples : nullptr);
    if (outcome.stopped) return std::optional<RunResult>();
    connect_times->insert(connect_times->end(), outcome.connect_times.begin(), outcome.connect_times.end());
    if (warmup) continue;
    result.requests = std::move(outcome.records);
    std::sort(result.requests.begin(), result.requests.end(),
              [](const RequestRecord& a, const RequestRecord& b) { return a.send_time < b.send_time; });
    result.metrics = ComputeRunMetrics(run.load, result.requests, spec.thresholds, outcome.cancelled);
    result.metrics.connect_time = ComputeStats(std::move(*connect_times));
    result.engine_samples = std::move(engine_samples);
  }
  return std::optional<RunResult>(std::move(result));
}

}  // namespace

Result<std::vector<RunResult>> HttpLoadGenerator::Run(const BenchSpec& spec, std::stop_token stop,
                                                      const ProgressCallback& progress) {
  auto target = ParseTarget(spec.api_base);
  if (!target.ok()) return std::move(target).error();
  const std::string path = target->PathFor(spec.endpoint);
  const bool stream = spec.stream && spec.endpoint != Endpoint::kEmbeddings;
  std::vector<RunResult> results;
  for (size_t run_index = 0; run_index < spec.runs.size(); ++run_index) {
    const RunSpec& run = spec.runs[run_index];
    if (run.plans.empty() || run.max_requests <= 0) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "run " + std::to_string(run_index) + ": needs request plans and max_requests > 0");
    }
    std::vector<PreparedRequest> requests;
    requests.reserve(run.plans.size());
    for (const RequestPlan& plan : run.plans) {
      requests.push_back({RenderRequest(*target, path, DumpJson(RequestBody(spec, plan)), stream),
                          plan.input_tokens, plan.max_tokens});
    }
    auto result = RunOne(spec, *target, run_index, requests, stop, progress);
    if (!result.ok()) return std::move(result).error();
    if (!result->has_value()) {
      if (results.empty()) return MakeError(ErrorCode::kCancelled, "benchmark stopped");
      return results;
    }
    results.push_back(std::move(**result));
  }
  return results;
}

}  // namespace autotuner::bench
