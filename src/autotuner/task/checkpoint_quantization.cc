#include "autotuner/task/checkpoint_quantization.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "autotuner/core/strings.h"

namespace autotuner::task {
namespace {

// Per-weight overhead of group-128 scales and zero points in AWQ/GPTQ-style 4/8-bit formats.
constexpr double kGroupScaleBits = 0.16;

// Lower-cased name parts between separators: "Qwen/Qwen2.5-7B-AWQ" → qwen, qwen2, 5, 7b, awq.
std::vector<std::string> Tokens(std::string_view name) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : AsciiLower(name)) {
    if (c == '-' || c == '_' || c == '.' || c == '/' || c == ' ') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

bool Has(const std::vector<std::string>& tokens, std::string_view token) {
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

double GgufBits(const std::vector<std::string>& tokens) {
  for (const std::string& t : tokens) {
    if (t == "f16" || t == "bf16") return 16;
    if (t.size() >= 2 && t[0] == 'q' && std::isdigit(static_cast<unsigned char>(t[1]))) {
      // Effective bits per weight of the llama.cpp k-quants (Q4_K_M ≈ 4.85).
      switch (t[1]) {
        case '2':
          return 3.35;
        case '3':
          return 3.9;
        case '4':
          return 4.85;
        case '5':
          return 5.7;
        case '6':
          return 6.56;
        case '8':
          return 8.5;
        default:
          break;
      }
    }
  }
  return 4.85;
}

CheckpointQuantization Make(QuantMethod method, double bits, std::string source) {
  return CheckpointQuantization{method, bits, std::move(source)};
}

// A string member, or "" when absent or not a string (configs carry nulls where a string is usual).
std::string StringField(const Json& object, std::string_view key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Json> ReadConfig(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  auto json = ParseJson(text.str(), path.string());
  if (!json || !json->is_object()) return std::nullopt;
  return std::move(json).value();
}

}  // namespace

std::string_view QuantMethodName(QuantMethod method) {
  switch (method) {
    case QuantMethod::kNone:
      return "none";
    case QuantMethod::kAwq:
      return "awq";
    case QuantMethod::kGptq:
      return "gptq";
    case QuantMethod::kFp8:
      return "fp8";
    case QuantMethod::kInt8:
      return "int8";
    case QuantMethod::kGguf:
      return "gguf";
    case QuantMethod::kBitsAndBytes:
      return "bitsandbytes";
  }
  return "unknown";
}

CheckpointQuantization QuantizationFromName(std::string_view name) {
  const std::vector<std::string> t = Tokens(name);
  const std::string source = "name pattern in '" + std::string(name) + "'";
  if (Has(t, "gguf")) return Make(QuantMethod::kGguf, GgufBits(t), source);
  if (Has(t, "awq")) return Make(QuantMethod::kAwq, 4 + kGroupScaleBits, source);
  if (Has(t, "gptq")) {
    const double bits = Has(t, "int8") || Has(t, "8bit") ? 8 : 4;
    return Make(QuantMethod::kGptq, bits + kGroupScaleBits, source);
  }
  if (Has(t, "fp8")) return Make(QuantMethod::kFp8, 8, source);
  if (Has(t, "w8a8") || Has(t, "int8")) return Make(QuantMethod::kInt8, 8, source);
  if (Has(t, "w4a16") || Has(t, "int4")) return Make(QuantMethod::kGptq, 4 + kGroupScaleBits, source);
  if (Has(t, "bnb") || Has(t, "4bit")) return Make(QuantMethod::kBitsAndBytes, 4.5, source);
  return {};
}

CheckpointQuantization QuantizationFromConfig(const Json& qc) {
  if (!qc.is_object()) return {};
  const std::string method = AsciiLower(StringField(qc, "quant_method"));
  const std::string source = "config.json quantization_config.quant_method=" + method;
  const int bits = qc.contains("bits") && qc["bits"].is_number_integer() ? qc["bits"].get<int>() : 4;
  if (method == "awq" || method == "awq_marlin") {
    return Make(QuantMethod::kAwq, bits + kGroupScaleBits, source);
  }
  if (method == "gptq" || method == "gptq_marlin" || method == "marlin") {
    return Make(QuantMethod::kGptq, bits + kGroupScaleBits, source);
  }
  if (method == "fp8" || method == "fbgemm_fp8") return Make(QuantMethod::kFp8, 8, source);
  if (method == "gguf") return Make(QuantMethod::kGguf, 4.85, source);
  if (method == "bitsandbytes") {
    const bool eight_bit = qc.contains("load_in_8bit") && qc["load_in_8bit"] == true;
    return Make(QuantMethod::kBitsAndBytes, eight_bit ? 8 : 4.5, source);
  }
  if (method == "modelopt") {
    const std::string algo = AsciiLower(StringField(qc, "quant_algo"));
    if (algo.starts_with("fp8")) return Make(QuantMethod::kFp8, 8, source);
    return Make(QuantMethod::kGptq, 4.5, source + " quant_algo=" + algo);
  }
  if (method == "compressed-tensors") {
    // The first config group's weight scheme decides: 8-bit float → FP8, 8-bit int → W8A8, else W4A16.
    if (qc.contains("config_groups") && qc["config_groups"].is_object()) {
      for (const auto& [group_name, group] : qc["config_groups"].items()) {
        if (!group.is_object() || !group.contains("weights") || !group["weights"].is_object()) continue;
        const Json& w = group["weights"];
        const int num_bits =
            w.contains("num_bits") && w["num_bits"].is_number_integer() ? w["num_bits"].get<int>() : 8;
        const std::string type = AsciiLower(StringField(w, "type"));
        if (num_bits == 8 && type == "float") return Make(QuantMethod::kFp8, 8, source);
        if (num_bits == 8) return Make(QuantMethod::kInt8, 8, source);
        return Make(QuantMethod::kGptq, num_bits + kGroupScaleBits, source);
      }
    }
    return Make(QuantMethod::kFp8, 8, source);
  }
  return {};
}

CheckpointQuantization QuantizationFromGguf(const std::filesystem::path& file) {
  // The "-gguf" suffix makes the name count as GGUF even when it only says "Q4_K_M".
  CheckpointQuantization q = QuantizationFromName(file.filename().string() + "-gguf");
  q.source = "file " + file.filename().string();
  return q;
}

std::optional<std::filesystem::path> FirstGgufFile(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".gguf") found.push_back(entry.path());
  }
  if (found.empty()) return std::nullopt;
  std::sort(found.begin(), found.end());
  return found.front();
}

CheckpointQuantization DetectCheckpointQuantization(std::string_view id_or_path) {
  const std::filesystem::path path(id_or_path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (const auto config = ReadConfig(path / "config.json");
        config && config->contains("quantization_config")) {
      CheckpointQuantization q = QuantizationFromConfig((*config)["quantization_config"]);
      if (q.IsQuantized()) {
        q.source = path.string() + ": " + q.source;
        return q;
      }
    }
    if (const auto gguf = FirstGgufFile(path)) return QuantizationFromGguf(*gguf);
    const std::filesystem::path name =
        path.filename().empty() ? path.parent_path().filename() : path.filename();
    return QuantizationFromName(name.string());
  }
  if (AsciiLower(path.extension().string()) == ".gguf") return QuantizationFromGguf(path);
  return QuantizationFromName(id_or_path);
}

}  // namespace autotuner::task
