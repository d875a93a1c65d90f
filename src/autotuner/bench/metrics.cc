#include "autotuner/bench/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace autotuner::bench {

std::string_view ErrorClassName(ErrorClass error) {
  switch (error) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kHttpStatus:
      return "http_status";
    case ErrorClass::kStreamError:
      return "stream_error";
    case ErrorClass::kConnectFailed:
      return "connect_failed";
    case ErrorClass::kConnectionReset:
      return "connection_reset";
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kBrokenStream:
      return "broken_stream";
    case ErrorClass::kTokenCountMismatch:
      return "token_count_mismatch";
  }
  return "unknown";
}

std::optional<double> RequestRecord::Tpot() const {
  if (output_tokens < 2) return std::nullopt;
  return (e2e - ttft) / static_cast<double>(output_tokens - 1);
}

std::string RequestRecord::ErrorKey() const {
  if (error_code != 0) return std::to_string(error_code);
  return std::string(ErrorClassName(error));
}

double Percentile(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

Stats ComputeStats(std::vector<double> values) {
  Stats stats;
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  stats.count = values.size();
  stats.min = values.front();
  stats.max = values.back();
  stats.sum = std::accumulate(values.begin(), values.end(), 0.0);
  stats.mean = stats.sum / n;
  double squares = 0;
  for (double v : values) squares += (v - stats.mean) * (v - stats.mean);
  stats.stddev = std::sqrt(squares / n);
  stats.p25 = Percentile(values, 25);
  stats.p50 = Percentile(values, 50);
  stats.p75 = Percentile(values, 75);
  stats.p90 = Percentile(values, 90);
  stats.p95 = Percentile(values, 95);
  stats.p99 = Percentile(values, 99);
  return stats;
}

namespace {

// The JSON names of Stats' fields and of RunMetrics' Stats, in their JSON order (SPEC §3); read and written
// from these tables so the two directions cannot drift apart.
constexpr std::pair<const char*, double Stats::*> kStatsFields[] = {
    {"min", &Stats::min}, {"max", &Stats::max}, {"mean", &Stats::mean}, {"stddev", &Stats::stddev},
    {"sum", &Stats::sum}, {"p25", &Stats::p25}, {"p50", &Stats::p50},   {"p75", &Stats::p75},
    {"p90", &Stats::p90}, {"p95", &Stats::p95}, {"p99", &Stats::p99}};
constexpr std::pair<const char*, Stats RunMetrics::*> kRunStats[] = {
    {"ttft", &RunMetrics::ttft},
    {"tpot", &RunMetrics::tpot},
    {"e2e_latency", &RunMetrics::e2e_latency},
    {"output_latency", &RunMetrics::output_latency},
    {"output_inference_speed", &RunMetrics::output_inference_speed},
    {"num_input_tokens", &RunMetrics::num_input_tokens},
    {"num_output_tokens", &RunMetrics::num_output_tokens},
    {"total_tokens", &RunMetrics::total_tokens},
    {"connect_time", &RunMetrics::connect_time}};

}  // namespace

Json StatsToJson(const Stats& s) {
  Json json = Json::object();
  for (const auto& [name, field] : kStatsFields) json[name] = s.*field;
  return json;
}

bool MeetsThresholds(const RequestRecord& r, const GoodputThresholds& t) {
  if (!r.ok()) return false;
  if (t.ttft && r.ttft > *t.ttft) return false;
  if (t.e2e && r.e2e > *t.e2e) return false;
  if (t.tpot) {
    // TPOT is undefined for one-token outputs; such a request cannot miss it.
    if (const auto tpot = r.Tpot(); tpot && *tpot > *t.tpot) return false;
  }
  return true;
}

namespace {

// Per-request values of the SPEC §3 metrics, over completed requests.
struct MetricValues {
  std::vector<double> ttft, tpot, e2e, output_latency, speed, input, output, total;

  void Add(const RequestRecord& r) {
    ttft.push_back(r.ttft);
    e2e.push_back(r.e2e);
    output_latency.push_back(r.e2e - r.ttft);
    if (const auto t = r.Tpot()) {
      tpot.push_back(*t);
      if (*t > 0) speed.push_back(1.0 / *t);
    }
    input.push_back(static_cast<double>(r.input_tokens));
    output.push_back(static_cast<double>(r.output_tokens));
    total.push_back(static_cast<double>(r.input_tokens + r.output_tokens));
  }
};

}  // namespace

RunMetrics ComputeRunMetrics(const RunLoad& load, std::span<const RequestRecord> requests,
                             const GoodputThresholds& thresholds, int64_t num_cancelled) {
  RunMetrics m;
  m.load = load;
  m.iteration_type = load.request_rate > 0 ? "request_rate" : "num_concurrency";
  m.num_requests = static_cast<int64_t>(requests.size());
  m.num_cancelled_requests = num_cancelled;
  MetricValues values;
  double first_send = 0, last_end = 0;
  int64_t input_sum = 0, output_sum = 0, good = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const RequestRecord& r = requests[i];
    first_send = i == 0 ? r.send_time : std::min(first_send, r.send_time);
    last_end = i == 0 ? r.send_time + r.e2e : std::max(last_end, r.send_time + r.e2e);
    if (!r.ok()) {
      ++m.num_error_requests;
      ++m.error_codes_frequency[r.ErrorKey()];
      continue;
    }
    ++m.num_completed_requests;
    values.Add(r);
    input_sum += r.input_tokens;
    output_sum += r.output_tokens;
    if (MeetsThresholds(r, thresholds)) ++good;
  }
  m.run_duration = last_end - first_send;
  if (m.run_duration > 0) {
    m.mean_output_throughput_tokens_per_s = static_cast<double>(output_sum) / m.run_duration;
    m.mean_input_throughput_tokens_per_s = static_cast<double>(input_sum) / m.run_duration;
    m.mean_total_tokens_throughput_tokens_per_s =
        static_cast<double>(input_sum + output_sum) / m.run_duration;
    m.requests_per_second = static_cast<double>(m.num_completed_requests) / m.run_duration;
    m.goodput = static_cast<double>(good) / m.run_duration;
  }
  m.error_rate = m.num_requests > 0 ? static_cast<double>(m.num_error_requests) / m.num_requests : 0;
  m.ttft = ComputeStats(std::move(values.ttft));
  m.tpot = ComputeStats(std::move(values.tpot));
  m.e2e_latency = ComputeStats(std::move(values.e2e));
  m.output_latency = ComputeStats(std::move(values.output_latency));
  m.output_inference_speed = ComputeStats(std::move(values.speed));
  m.num_input_tokens = ComputeStats(std::move(values.input));
  m.num_output_tokens = ComputeStats(std::move(values.output));
  m.total_tokens = ComputeStats(std::move(values.total));
  return m;
}

Json RunMetricsToJson(const RunMetrics& m) {
  Json codes = Json::object();
  for (const auto& [key, count] : m.error_codes_frequency) codes[key] = count;
  Json json{{"scenario", m.load.scenario},
            {"num_concurrency", m.load.num_concurrency},
            {"batch_size", m.load.batch_size},
            {"iteration_type", m.iteration_type},
            {"request_rate", m.load.request_rate},
            {"run_duration", m.run_duration},
            {"mean_output_throughput_tokens_per_s", m.mean_output_throughput_tokens_per_s},
            {"mean_input_throughput_tokens_per_s", m.mean_input_throughput_tokens_per_s},
            {"mean_total_tokens_throughput_tokens_per_s", m.mean_total_tokens_throughput_tokens_per_s},
            {"requests_per_second", m.requests_per_second},
            {"error_rate", m.error_rate},
            {"error_codes_frequency", codes},
            {"num_error_requests", m.num_error_requests},
            {"num_completed_requests", m.num_completed_requests},
            {"num_requests", m.num_requests},
            {"num_cancelled_requests", m.num_cancelled_requests},
            {"goodput", m.goodput}};
  Json& stats = json["stats"] = Json::object();
  for (const auto& [name, field] : kRunStats) stats[name] = StatsToJson(m.*field);
  return json;
}

namespace {

Stats StatsFromJson(const Json& j) {
  Stats s;
  for (const auto& [name, field] : kStatsFields) s.*field = j.value(name, 0.0);
  return s;
}

}  // namespace

Result<RunMetrics> RunMetricsFromJson(const Json& j) {
  if (!j.is_object()) return MakeError(ErrorCode::kParse, "run metrics: not a JSON object");
  try {
    RunMetrics m;
    m.load.scenario = j.value("scenario", "");
    m.load.num_concurrency = j.value("num_concurrency", int64_t{1});
    m.load.batch_size = j.value("batch_size", int64_t{1});
    m.load.request_rate = j.value("request_rate", 0.0);
    m.iteration_type = j.value("iteration_type", "");
    m.run_duration = j.value("run_duration", 0.0);
    m.mean_output_throughput_tokens_per_s = j.value("mean_output_throughput_tokens_per_s", 0.0);
    m.mean_input_throughput_tokens_per_s = j.value("mean_input_throughput_tokens_per_s", 0.0);
    m.mean_total_tokens_throughput_tokens_per_s = j.value("mean_total_tokens_throughput_tokens_per_s", 0.0);
    m.requests_per_second = j.value("requests_per_second", 0.0);
    m.error_rate = j.value("error_rate", 0.0);
    const Json codes = j.value("error_codes_frequency", Json::object());
    for (const auto& [key, count] : codes.items()) m.error_codes_frequency[key] = count.get<int64_t>();
    m.num_error_requests = j.value("num_error_requests", int64_t{0});
    m.num_completed_requests = j.value("num_completed_requests", int64_t{0});
    m.num_requests = j.value("num_requests", int64_t{0});
    m.num_cancelled_requests = j.value("num_cancelled_requests", int64_t{0});
    m.goodput = j.value("goodput", 0.0);
    const Json stats = j.value("stats", Json::object());
    for (const auto& [name, field] : kRunStats) m.*field = StatsFromJson(stats.value(name, Json::object()));
    return m;
  } catch (const Json::exception& e) {
    // nlohmann's value() throws type_error on a field of another type.
    return MakeError(ErrorCode::kParse, std::string("run metrics: ") + e.what());
  }
}

Json AggregateRuns(std::span<const RunResult> runs, const GoodputThresholds& thresholds, int num_gpus) {
  MetricValues values;
  int64_t total = 0, completed = 0, errors = 0, good = 0;
  double duration = 0;
  std::vector<double> output_tp, total_tp;
  Json raw = Json::array();
  for (const RunResult& run : runs) {
    total += run.metrics.num_requests;
    completed += run.metrics.num_completed_requests;
    errors += run.metrics.num_error_requests;
    duration += run.metrics.run_duration;
    output_tp.push_back(run.metrics.mean_output_throughput_tokens_per_s);
    total_tp.push_back(run.metrics.mean_total_tokens_throughput_tokens_per_s);
    for (const RequestRecord& r : run.requests) {
      if (!r.ok()) continue;
      values.Add(r);
      if (MeetsThresholds(r, thresholds)) ++good;
    }
    raw.push_back(RunMetricsToJson(run.metrics));
  }
  const Stats e2e = ComputeStats(values.e2e);
  const Stats ttft = ComputeStats(values.ttft);
  const Stats tpot = ComputeStats(values.tpot);
  const Stats out = ComputeStats(output_tp);
  const Stats tot = ComputeStats(total_tp);
  const double gpus = std::max(1, num_gpus);
  return Json{{"mean_e2e_latency", e2e.mean},
              {"min_e2e_latency", e2e.min},
              {"max_e2e_latency", e2e.max},
              {"p50_e2e_latency", e2e.p50},
              {"p90_e2e_latency", e2e.p90},
              {"p99_e2e_latency", e2e.p99},
              {"mean_ttft", ttft.mean},
              {"mean_tpot", tpot.mean},
              {"mean_output_throughput", out.mean},
              {"max_output_throughput", out.max},
              {"mean_total_throughput", tot.mean},
              {"max_total_throughput", tot.max},
              {"mean_output_throughput_per_gpu", out.mean / gpus},
              {"max_output_throughput_per_gpu", out.max / gpus},
              {"mean_total_throughput_per_gpu", tot.mean / gpus},
              {"max_total_throughput_per_gpu", tot.max / gpus},
              {"total_requests", total},
              {"total_completed_requests", completed},
              {"total_error_requests", errors},
              {"success_rate", total > 0 ? static_cast<double>(completed) / static_cast<double>(total) : 0.0},
              {"goodput", duration > 0 ? static_cast<double>(good) / duration : 0.0},
              {"raw_results", raw}};
}

}  // namespace autotuner::bench
