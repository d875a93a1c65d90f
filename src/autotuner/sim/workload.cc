#include "autotuner/sim/workload.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace autotuner::sim {
namespace {

constexpr double kNoEvent = std::numeric_limits<double>::infinity();

double Percentile(const std::vector<double>& sorted, double p) {
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t low = static_cast<size_t>(std::floor(rank));
  const size_t high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - static_cast<double>(low));
}

std::vector<double> ArrivalTimes(const WorkloadSpec& spec, double start) {
  std::vector<double> times(static_cast<size_t>(std::max<int64_t>(0, spec.num_requests)), start);
  if (!spec.arrival_times.empty()) {
    times.resize(std::min(times.size(), spec.arrival_times.size()));
    for (size_t i = 0; i < times.size(); ++i) times[i] = start + spec.arrival_times[i];
  } else if (spec.request_rate > 0 && std::isfinite(spec.request_rate)) {
    std::mt19937_64 rng(spec.seed ^ 0xa5a5a5a5ULL);
    std::exponential_distribution<double> gap(spec.request_rate);
    double t = start;
    for (double& time : times) {
      time = t;
      t += spec.poisson ? gap(rng) : 1 / spec.request_rate;
    }
  }
  return times;
}

}  // namespace

LengthDistribution LengthDistribution::Fixed(int64_t tokens) {
  return {Shape::kFixed, tokens, 0, tokens, tokens};
}

LengthDistribution LengthDistribution::Normal(int64_t mean, int64_t stddev) {
  return {Shape::kNormal, mean, stddev, 1, std::numeric_limits<int64_t>::max()};
}

LengthDistribution LengthDistribution::Uniform(int64_t min, int64_t max) {
  return {Shape::kUniform, (min + max) / 2, 0, min, max};
}

LengthDistribution LengthDistribution::LogNormal(int64_t mean, double sigma, int64_t max) {
  return {Shape::kLogNormal, mean, 0, 1, max, sigma};
}

int64_t LengthDistribution::Sample(std::mt19937_64& rng) const {
  int64_t value = mean;
  switch (shape) {
    case Shape::kFixed:
      break;
    case Shape::kNormal:
      value = std::llround(
          std::normal_distribution<double>(static_cast<double>(mean), static_cast<double>(stddev))(rng));
      value = std::clamp(value, min, max);
      break;
    case Shape::kUniform:
      value = std::uniform_int_distribution<int64_t>(min, max)(rng);
      break;
    case Shape::kLogNormal: {
      // E[X] = exp(mu + sigma^2 / 2).
      const double mu = std::log(static_cast<double>(std::max<int64_t>(1, mean))) - sigma * sigma / 2;
      value =
          std::clamp<int64_t>(std::llround(std::lognormal_distribution<double>(mu, sigma)(rng)), min, max);
      break;
    }
  }
  return std::max<int64_t>(1, value);
}

double RequestRecord::Tpot() const {
  if (!completed || received_tokens < 2) return std::nan("");
  return (E2e() - Ttft()) / static_cast<double>(received_tokens - 1);
}

Distribution Summarize(std::vector<double> values) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  Distribution d;
  d.count = static_cast<int64_t>(values.size());
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  d.min = values.front();
  d.max = values.back();
  d.p50 = Percentile(values, 50);
  d.p90 = Percentile(values, 90);
  d.p95 = Percentile(values, 95);
  d.p99 = Percentile(values, 99);
  return d;
}

WorkloadResult RunWorkload(VirtualEngine& engine, const WorkloadSpec& spec) {
  WorkloadResult result;
  const double start = engine.now();
  const std::vector<double> arrivals = ArrivalTimes(spec, start);
  const bool closed_loop = spec.request_rate <= 0 && spec.arrival_times.empty();
  const int64_t cap = closed_loop || spec.concurrency > 0 ? std::max(1, spec.concurrency)
                                                          : std::numeric_limits<int64_t>::max();
  std::mt19937_64 rng(spec.seed);
  std::unordered_map<uint64_t, size_t> index_of;
  std::vector<Event> events;
  size_t next = 0;
  int64_t in_flight = 0;

  // Sending stops at max_duration_s; what was sent runs to completion.
  auto open = [&](double now) { return spec.max_duration_s <= 0 || now - start < spec.max_duration_s; };
  auto send_due = [&](double now) {
    while (next < arrivals.size() && arrivals[next] <= now && in_flight < cap && open(now)) {
      SimRequest request;
      request.id = static_cast<uint64_t>(next) + 1;
      request.arrival_s = now;
      request.input_tokens = spec.input.Sample(rng);
      request.output_tokens = spec.output.Sample(rng);
      if (spec.prefix_groups > 0) {
        request.prefix_key = static_cast<uint64_t>(next % static_cast<size_t>(spec.prefix_groups)) + 1;
        request.prefix_tokens = std::min(spec.prefix_tokens, request.input_tokens);
      }
      if (spec.customize) spec.customize(request);
      RequestRecord record;
      record.id = request.id;
      record.send_s = now;
      record.input_tokens = request.input_tokens;
      record.output_tokens = request.output_tokens;
      record.priority = request.priority;
      ++next;
      const Status submitted = engine.Submit(std::move(request));
      if (submitted) {
        ++in_flight;
      } else {
        record.error = submitted.error().message;
      }
      index_of[record.id] = result.records.size();
      result.records.push_back(std::move(record));
    }
  };

  send_due(start);
  while (true) {
    const double engine_next = engine.NextEventTime().value_or(kNoEvent);
    const double due = next < arrivals.size() ? std::max(arrivals[next], engine.now()) : kNoEvent;
    const double arrival_next = in_flight < cap && open(due) ? due : kNoEvent;
    const double t = std::min(engine_next, arrival_next);
    if (t == kNoEvent) break;
    events.clear();
    engine.AdvanceTo(t, events);
    for (const Event& e : events) {
      RequestRecord& r = result.records[index_of.at(e.request_id)];
      switch (e.kind) {
        case EventKind::kToken: {
          if (r.received_tokens == 0) {
            r.first_token_s = e.time_s;
          } else {
            r.max_itl_s = std::max(r.max_itl_s, e.time_s - r.finish_s);
          }
          r.received_tokens = e.output_tokens;
          r.finish_s = e.time_s;  // the latest token until the request finishes
          if (spec.keep_token_times) r.token_times.push_back(e.time_s);
          break;
        }
        case EventKind::kFinished:
          r.completed = true;
          r.finish_s = e.time_s;
          r.cached_tokens = e.cached_tokens;
          --in_flight;
          break;
        case EventKind::kPreempted:
          ++r.preemptions;
          break;
        case EventKind::kAborted:
          --in_flight;
          break;
        case EventKind::kScheduled:
          break;
      }
    }
    send_due(engine.now());
  }

  WorkloadSummary& s = result.summary;
  s.requests = static_cast<int64_t>(result.records.size());
  std::vector<double> ttft, tpot, e2e, itl;
  double end = start;
  int64_t input_tokens = 0, output_tokens = 0, cached = 0;
  for (const RequestRecord& r : result.records) {
    if (!r.error.empty()) ++s.errors;
    if (!r.completed) continue;
    ++s.completed;
    end = std::max(end, r.finish_s);
    input_tokens += r.input_tokens;
    output_tokens += r.received_tokens;
    cached += r.cached_tokens;
    ttft.push_back(r.Ttft());
    tpot.push_back(r.Tpot());
    e2e.push_back(r.E2e());
    itl.push_back(r.max_itl_s);
  }
  s.duration_s = end - start;
  if (s.duration_s > 0) {
    s.output_throughput = static_cast<double>(output_tokens) / s.duration_s;
    s.input_throughput = static_cast<double>(input_tokens) / s.duration_s;
    s.total_throughput = s.output_throughput + s.input_throughput;
    s.requests_per_s = static_cast<double>(s.completed) / s.duration_s;
  }
  s.cache_hit_rate = input_tokens > 0 ? static_cast<double>(cached) / static_cast<double>(input_tokens) : 0;
  s.ttft = Summarize(std::move(ttft));
  s.tpot = Summarize(std::move(tpot));
  s.e2e = Summarize(std::move(e2e));
  s.max_itl = Summarize(std::move(itl));
  result.engine = engine.Stats();
  return result;
}

Result<WorkloadResult> RunWorkload(const EngineConfig& config, const ModelProfile& model,
                                   const WorkloadSpec& spec) {
  auto engine = VirtualEngine::Create(config, model);
  if (!engine) return std::move(engine).error();
  return RunWorkload(*engine, spec);
}

}  // namespace autotuner::sim
