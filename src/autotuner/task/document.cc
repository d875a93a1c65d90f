#include "autotuner/task/document.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace autotuner::task {
namespace {

Error ParseErrorAt(std::string_view source, int line, int column, const std::string& what) {
  return MakeError(
      ErrorCode::kParse,
      std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + what,
      {{"source", source}, {"line", line}, {"column", column}});
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
Json ResolvePlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  {
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    int64_t value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc() && ptr == digits.data() + digits.size() && !digits.empty()) return value;
  }
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") return -std::numeric_limits<double>::infinity();
  // A float needs a digit and only float characters; from_chars rejects the rest.
  if (text.find_first_not_of("0123456789+-.eE") == std::string::npos &&
      text.find_first_of("0123456789") != std::string::npos) {
    std::string_view digits = text;
    if (digits.front() == '+') digits.remove_prefix(1);
    double value = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc() && ptr == digits.data() + digits.size()) return value;
  }
  return text;
}

// Values a YAML document may expand to. Without aliases a document has fewer values than bytes; aliases
// (`*a`) repeat a subtree, and nested ones grow exponentially ("billion laughs": 463 bytes, 10^9 values).
size_t MaxExpandedValues(size_t text_bytes) { return 2 * text_bytes + 10000; }

class YamlConverter {
 public:
  YamlConverter(std::string_view source, Document& doc, size_t max_values)
      : source_(source), doc_(doc), values_left_(max_values) {}

  // `key_mark`: where a mapping entry's key stands, which is where a reader looks for the field.
  Result<Json> Convert(const YAML::Node& node, const std::string& path,
                       const YAML::Mark* key_mark = nullptr) {
    if (values_left_ == 0) {
      const YAML::Mark mark = node.Mark();
      return ParseErrorAt(source_, mark.line + 1, mark.column + 1,
                          "the document expands to too many values (YAML aliases repeating aliases?)");
    }
    --values_left_;
    if (!path.empty()) {
      const YAML::Mark mark = key_mark != nullptr ? *key_mark : node.Mark();
      if (mark.line >= 0) doc_.marks[path] = SourceMark{mark.line + 1, mark.column + 1};
    }
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return Json(nullptr);
      case YAML::NodeType::Scalar:
        // yaml-cpp tags plain scalars "?" and quoted ones "!".
        if (node.Tag() == "!") return Json(node.Scalar());
        return ResolvePlainScalar(node.Scalar());
      case YAML::NodeType::Sequence: {
        Json out = Json::array();
        size_t index = 0;
        for (const auto& item : node) {
          auto converted = Convert(item, IndexPath(path, index++));
          if (!converted.ok()) return converted;
          out.push_back(std::move(*converted));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        Json out = Json::object();
        for (const auto& entry : node) {
          if (!entry.first.IsScalar()) {
            const YAML::Mark mark = entry.first.Mark();
            return ParseErrorAt(source_, mark.line + 1, mark.column + 1, "mapping keys must be plain names");
          }
          const std::string key = entry.first.Scalar();
          if (out.contains(key)) {
            const YAML::Mark mark = entry.first.Mark();
            return ParseErrorAt(source_, mark.line + 1, mark.column + 1, "duplicate key '" + key + "'");
          }
          const YAML::Mark key_mark = entry.first.Mark();
          auto converted = Convert(entry.second, JoinPath(path, key), &key_mark);
          if (!converted.ok()) return converted;
          out[key] = std::move(*converted);
        }
        return out;
      }
    }
    return Json(nullptr);
  }

 private:
  std::string_view source_;
  Document& doc_;
  size_t values_left_;
};

bool LooksLikeJson(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

}  // namespace

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return std::string(parent) + "." + std::string(key);
}

std::string IndexPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

Result<Document> ParseDocument(std::string_view text, std::string_view source, DocumentFormat format) {
  Document doc;
  doc.source = std::string(source);
  if (format == DocumentFormat::kAuto)
    format = LooksLikeJson(text) ? DocumentFormat::kJson : DocumentFormat::kYaml;
  if (format == DocumentFormat::kJson) {
    auto parsed = ParseJson(text, source);
    if (!parsed.ok()) return std::move(parsed).error();
    doc.value = std::move(*parsed);
    return doc;
  }
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    YamlConverter converter(source, doc, MaxExpandedValues(text.size()));
    auto converted = converter.Convert(root, "");
    if (!converted.ok()) return std::move(converted).error();
    doc.value = std::move(*converted);
    return doc;
  } catch (const YAML::Exception& e) {
    return ParseErrorAt(source, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
  }
}

Result<Document> LoadDocumentFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError(ErrorCode::kInvalidArgument, path + ": cannot open: " + std::strerror(errno),
                     {{"source", path}});
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  DocumentFormat format = DocumentFormat::kAuto;
  if (path.ends_with(".json")) format = DocumentFormat::kJson;
  if (path.ends_with(".yaml") || path.ends_with(".yml")) format = DocumentFormat::kYaml;
  return ParseDocument(buffer.str(), path, format);
}

}  // namespace autotuner::task
