#include "autotuner/bench/traffic.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "autotuner/bench/dataset_cache.h"
#include "autotuner/core/json.h"

namespace autotuner::bench {
namespace {

using task::TokenDistribution;

bool IsEmbedding(const task::Scenario& scenario) { return scenario.kind == task::ScenarioKind::kEmbedding; }

Status CheckScenario(const task::Scenario& scenario) {
  if (scenario.IsText() || IsEmbedding(scenario)) return {};
  return MakeError(ErrorCode::kUnsupported, "scenario " + scenario.ToString() +
                                                ": only text (D, N, U) and embedding (E) scenarios can be "
                                                "benchmarked; " +
                                                std::string(task::ScenarioKindName(scenario.kind)) +
                                                " traffic is not supported by the load generator");
}

// Splits one CSV record (RFC 4180: quoted fields, "" escapes, newlines inside quotes) starting at `pos`.
std::vector<std::string> CsvRecord(const std::string& text, size_t& pos) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"' && pos < text.size() && text[pos] == '"') {
        fields.back() += '"';
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

}  // namespace

int64_t SampleTokens(const TokenDistribution& d, std::mt19937_64& rng) {
  int64_t n = d.mean;
  switch (d.shape) {
    case TokenDistribution::Shape::kFixed:
      break;
    case TokenDistribution::Shape::kNormal:
      n = std::llround(
          std::normal_distribution<double>(static_cast<double>(d.mean), static_cast<double>(d.stddev))(rng));
      break;
    case TokenDistribution::Shape::kUniform:
      n = std::uniform_int_distribution<int64_t>(d.min, d.max)(rng);
      break;
  }
  return std::max<int64_t>(1, std::clamp(n, d.min, std::max(d.min, d.max)));
}

Result<std::vector<RequestPlan>> SynthesizePlans(const task::Scenario& scenario,
                                                 const tokenizer::PromptSynthesizer& synthesizer,
                                                 size_t count, uint64_t seed) {
  if (Status ok = CheckScenario(scenario); !ok) return std::move(ok).error();
  std::mt19937_64 rng(seed);
  std::vector<RequestPlan> plans;
  plans.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    RequestPlan plan;
    plan.input_tokens = SampleTokens(scenario.input, rng);
    plan.max_tokens = IsEmbedding(scenario) ? 0 : SampleTokens(scenario.output, rng);
    auto prompt = synthesizer.Generate(static_cast<size_t>(plan.input_tokens), rng());
    if (!prompt.ok()) return std::move(prompt).error();
    plan.prompt = std::move(*prompt);
    plans.push_back(std::move(plan));
  }
  return plans;
}

Result<std::vector<std::string>> LoadDatasetPrompts(const std::filesystem::path& path,
                                                    const std::string& prompt_column) {
  auto read = ReadDatasetFile(path);
  if (!read.ok()) return std::move(read).error();
  const std::string& text = *read;
  std::vector<std::string> prompts;
  // prompts.csv.gz is read as prompts.csv.
  const std::string ext = (path.extension() == ".gz" ? path.stem() : path).extension().string();
  if (ext == ".csv") {
    size_t pos = 0;
    const std::vector<std::string> header = CsvRecord(text, pos);
    const auto column = std::find(header.begin(), header.end(), prompt_column);
    if (column == header.end()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       path.string() + ": no column '" + prompt_column + "' in the CSV header");
    }
    const size_t index = static_cast<size_t>(column - header.begin());
    while (pos < text.size()) {
      std::vector<std::string> fields = CsvRecord(text, pos);
      if (index < fields.size() && !fields[index].empty()) prompts.push_back(std::move(fields[index]));
    }
  } else {
    std::istringstream lines(text);
    std::string line;
    int line_number = 0;
    while (std::getline(lines, line)) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto json = ParseJson(line, path.string() + ":" + std::to_string(line_number));
      if (!json.ok()) return std::move(json).error();
      if (!json->is_object() || !json->contains(prompt_column) || !(*json)[prompt_column].is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, path.string() + ":" + std::to_string(line_number) +
                                                          ": no string field '" + prompt_column + "'");
      }
      std::string prompt = (*json)[prompt_column].get<std::string>();
      if (!prompt.empty()) prompts.push_back(std::move(prompt));
    }
  }
  if (prompts.empty()) return MakeError(ErrorCode::kInvalidArgument, path.string() + ": no prompts");
  return prompts;
}

std::vector<RequestPlan> DatasetPlans(const std::vector<std::string>& prompts,
                                      const tokenizer::Tokenizer& tokenizer, const task::Scenario& scenario,
                                      size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> order(prompts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<RequestPlan> plans;
  plans.reserve(count);
  for (size_t i = 0; i < count && !prompts.empty(); ++i) {
    RequestPlan plan;
    plan.prompt = prompts[order[i % order.size()]];
    plan.input_tokens = static_cast<int64_t>(tokenizer.Encode(plan.prompt, true).size());
    plan.max_tokens = IsEmbedding(scenario) ? 0 : SampleTokens(scenario.output, rng);
    plans.push_back(std::move(plan));
  }
  return plans;
}

}  // namespace autotuner::bench
