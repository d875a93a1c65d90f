#pragma once

#include <filesystem>
#include <span>
#include <string>

#include "autotuner/bench/load_generator.h"
#include "autotuner/bench/metrics.h"
#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::bench {

// genai-bench's per-run file: {"aggregated_metrics": raw_results[i], "engine_metrics": {gauge: summary},
// "individual_request_metrics": [...]}.
Json RunReportJson(const RunResult& run);
// One JSON object per request (send time, TTFT, e2e, tokens, per-token arrival times, error).
Json RequestJson(const RequestRecord& request);

// The CSV of all runs: one row per run, stats flattened to `<metric>_<stat>` (SPEC §3).
std::string RunsCsv(std::span<const RunResult> runs);
// A fixed-width table of the headline numbers of each run, for the terminal.
std::string RunsTable(std::span<const RunResult> runs);

struct ReportOptions {
  bool per_request_jsonl = false;
  int num_gpus = 1;
  Json metadata = Json::object();  // stored under "metadata" in summary.json
};
// Writes run_<i>_….json per run, summary.json (the per-experiment aggregate with raw_results), summary.csv
// and, when asked, requests.jsonl into `dir` (created).
Status WriteReport(const std::filesystem::path& dir, std::span<const RunResult> runs,
                   const GoodputThresholds& thresholds, const ReportOptions& options);

}  // namespace autotuner::bench
