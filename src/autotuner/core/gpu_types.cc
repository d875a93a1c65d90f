#include "autotuner/core/gpu_types.h"

#include <charconv>
#include <map>

#include "autotuner/core/data_files.h"
#include "autotuner/core/strings.h"

namespace autotuner {
namespace {

struct TypeRow {
  std::string type;
  std::vector<std::string> match;
};

struct TypeTable {
  std::vector<TypeRow> rows;
  std::map<std::string, int> features;
};

std::optional<int> Digits(std::string_view text, int max_value) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max_value)
    return std::nullopt;
  return value;
}

// The table is data (read once); a missing or broken file leaves it empty, so types are unknown.
const TypeTable& Types() {
  static const TypeTable table = [] {
    TypeTable t;
    auto json = ReadDataJson("gpu_types.json");
    if (!json.ok()) return t;
    try {
      for (const auto& row : json->at("types")) {
        TypeRow r{row.at("type").get<std::string>(), {}};
        for (const auto& m : row.at("match")) r.match.push_back(m.get<std::string>());
        t.rows.push_back(std::move(r));
      }
      if (json->contains("features")) {
        for (const auto& [feature, cap] : json->at("features").items()) {
          t.features[feature] = ParseComputeCapability(cap.get<std::string>());
        }
      }
    } catch (const nlohmann::json::exception&) {
      return TypeTable{};
    }
    return t;
  }();
  return table;
}

}  // namespace

int ParseComputeCapability(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return 0;
  const auto major = Digits(text.substr(0, dot), 99);
  const auto minor = Digits(text.substr(dot + 1), 9);
  return major && minor ? *major * 10 + *minor : 0;
}

std::string GpuTypeOf(std::string_view nvidia_smi_name) {
  const std::string lower = AsciiLower(nvidia_smi_name);
  for (const auto& row : Types().rows) {
    for (const auto& m : row.match) {
      if (lower.find(m) != std::string::npos) return row.type;
    }
  }
  return "";
}

std::vector<std::string> KnownGpuTypes() {
  std::vector<std::string> types;
  for (const auto& row : Types().rows) types.push_back(row.type);
  return types;
}

std::optional<int> FeatureMinComputeCapability(std::string_view feature) {
  const auto& features = Types().features;
  if (auto it = features.find(std::string(feature)); it != features.end() && it->second > 0)
    return it->second;
  return std::nullopt;
}

}  // namespace autotuner
