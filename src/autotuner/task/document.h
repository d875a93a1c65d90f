#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::task {

struct SourceMark {
  int line = 0;  // 1-based
  int column = 0;
};

// A task document as JSON, with where each field path ("benchmark.num_concurrency[2]") stood in a YAML
// source.
struct Document {
  Json value;
  std::string source;  // file name or "<input>"
  std::unordered_map<std::string, SourceMark> marks;
};

enum class DocumentFormat { kAuto, kJson, kYaml };

// Parses JSON or YAML text. YAML plain scalars become booleans, integers, floats or null by YAML 1.2 core
// rules; quoted scalars stay strings. Syntax errors and duplicate keys are kParse errors naming
// "<source>:<line>:<column>".
Result<Document> ParseDocument(std::string_view text, std::string_view source,
                               DocumentFormat format = DocumentFormat::kAuto);

// Reads and parses a file; the format follows the extension (.json / .yaml / .yml), else the content.
Result<Document> LoadDocumentFile(const std::string& path);

// Field-path helpers shared by the parser and the document loader.
std::string JoinPath(std::string_view parent, std::string_view key);
std::string IndexPath(std::string_view parent, size_t index);

}  // namespace autotuner::task
