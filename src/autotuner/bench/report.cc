#include "autotuner/bench/report.h"

#include <fmt/format.h>

#include <fstream>

namespace autotuner::bench {
namespace {

constexpr const char* kMetrics[] = {"ttft",
                                    "tpot",
                                    "e2e_latency",
                                    "output_latency",
                                    "output_inference_speed",
                                    "num_input_tokens",
                                    "num_output_tokens",
                                    "total_tokens"};

Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return MakeError(ErrorCode::kIo, "cannot write " + path.string());
  return {};
}

// "N(480,240)/(300,150)" → "N_480_240_300_150": safe in file names.
std::string FileSafe(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.') {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string CsvField(const Json& value) {
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string quoted = "\"";
    for (char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  }
  if (value.is_object()) return CsvField(Json(DumpJson(value)));
  return DumpJson(value);
}

}  // namespace

Json RequestJson(const RequestRecord& r) {
  Json json{{"send_time", r.send_time},
            {"ttft", r.ttft},
            {"e2e_latency", r.e2e},
            {"num_input_tokens", r.input_tokens},
            {"num_output_tokens", r.output_tokens}};
  if (const auto tpot = r.Tpot()) json["tpot"] = *tpot;
  json["token_times"] = r.token_times;
  if (!r.ok()) {
    json["error_code"] = r.ErrorKey();
    json["error_class"] = ErrorClassName(r.error);
    json["error_message"] = SanitizeUtf8(r.error_message);
  }
  return json;
}

Json RunReportJson(const RunResult& run) {
  Json requests = Json::array();
  for (const RequestRecord& r : run.requests) {
    Json one = RequestJson(r);
    one.erase("token_times");  // kept for requests.jsonl; per-run files stay small
    requests.push_back(std::move(one));
  }
  return Json{{"aggregated_metrics", RunMetricsToJson(run.metrics)},
              {"engine_metrics", SummarizeEngineSamples(run.engine_samples)},
              {"individual_request_metrics", requests}};
}

std::string RunsCsv(std::span<const RunResult> runs) {
  std::string header, rows;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Json json = RunMetricsToJson(runs[i].metrics);
    std::string row;
    for (const auto& [key, value] : json.items()) {
      if (key == "stats") continue;
      if (i == 0) header += (header.empty() ? "" : ",") + key;
      row += (row.empty() ? "" : ",") + CsvField(value);
    }
    for (const char* metric : kMetrics) {
      for (const auto& [stat, value] : json["stats"][metric].items()) {
        if (i == 0) header += "," + std::string(metric) + "_" + stat;
        row += "," + DumpJson(value);
      }
    }
    rows += row + "\n";
  }
  return header + "\n" + rows;
}

std::string RunsTable(std::span<const RunResult> runs) {
  std::string out = fmt::format("{:<24} {:>8} {:>7} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8}\n",
                                "scenario", "load", "reqs", "errors", "err%", "ttft_p50", "ttft_p99",
                                "tpot_p50", "e2e_p99", "out_tok/s", "req/s");
  for (const RunResult& run : runs) {
    const RunMetrics& m = run.metrics;
    const std::string load = m.load.request_rate > 0 ? fmt::format("{:g}/s", m.load.request_rate)
                                                     : fmt::format("c={}", m.load.num_concurrency);
    out += fmt::format(
        "{:<24} {:>8} {:>7} {:>7} {:>6.1f} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.3f} {:>10.1f} {:>8.2f}\n",
        m.load.scenario, load, m.num_requests, m.num_error_requests, 100 * m.error_rate, m.ttft.p50,
        m.ttft.p99, m.tpot.p50, m.e2e_latency.p99, m.mean_output_throughput_tokens_per_s,
        m.requests_per_second);
  }
  return out;
}

Status WriteReport(const std::filesystem::path& dir, std::span<const RunResult> runs,
                   const GoodputThresholds& thresholds, const ReportOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  std::ofstream jsonl;
  if (options.per_request_jsonl) jsonl.open(dir / "requests.jsonl", std::ios::binary | std::ios::trunc);
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunMetrics& m = runs[i].metrics;
    const std::string load = m.load.request_rate > 0 ? fmt::format("rate_{:g}", m.load.request_rate)
                                                     : fmt::format("concurrency_{}", m.load.num_concurrency);
    const std::string name = fmt::format("run_{}_{}_{}.json", i, FileSafe(m.load.scenario), FileSafe(load));
    if (Status ok = WriteFile(dir / name, DumpJson(RunReportJson(runs[i]), 2) + "\n"); !ok) return ok;
    if (jsonl.is_open()) {
      for (const RequestRecord& r : runs[i].requests) {
        Json line = RequestJson(r);
        line["run"] = i;
        jsonl << DumpJson(line) << "\n";
      }
    }
  }
  if (jsonl.is_open() && !jsonl) return MakeError(ErrorCode::kIo, "cannot write requests.jsonl");
  Json summary = AggregateRuns(runs, thresholds, options.num_gpus);
  summary["metadata"] = options.metadata;
  if (Status ok = WriteFile(dir / "summary.json", DumpJson(summary, 2) + "\n"); !ok) return ok;
  return WriteFile(dir / "summary.csv", RunsCsv(runs));
}

}  // namespace autotuner::bench
