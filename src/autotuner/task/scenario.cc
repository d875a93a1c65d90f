#include "autotuner/task/scenario.h"

#include <cctype>
#include <charconv>
#include <vector>

namespace autotuner::task {
namespace {

constexpr std::string_view kForms =
    "expected D(in,out), N(mean_in,std_in)/(mean_out,std_out), U(min_in,max_in)/(min_out,max_out), "
    "U(max_in,max_out), E(tokens), R(doc,query), I(width,height[,n]) or A(chars)";

Error Bad(std::string_view text, std::string_view why) {
  return MakeError(ErrorCode::kValidation,
                   "invalid traffic scenario '" + std::string(text) + "': " + std::string(why));
}

// Parses "(a,b,...)" groups into integers; whitespace is allowed around numbers.
bool ParseGroups(std::string_view rest, std::vector<std::vector<int64_t>>& groups, std::string& why) {
  size_t i = 0;
  const auto skip_space = [&] {
    while (i < rest.size() && std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
  };
  while (true) {
    skip_space();
    if (i >= rest.size() || rest[i] != '(') {
      why = "missing '('";
      return false;
    }
    ++i;
    std::vector<int64_t> group;
    while (true) {
      skip_space();
      int64_t value = 0;
      const char* begin = rest.data() + i;
      auto [ptr, ec] = std::from_chars(begin, rest.data() + rest.size(), value);
      if (ec != std::errc() || ptr == begin) {
        why = "expected a whole number at position " + std::to_string(i + 2);
        return false;
      }
      i += static_cast<size_t>(ptr - begin);
      group.push_back(value);
      skip_space();
      if (i < rest.size() && rest[i] == ',') {
        ++i;
        continue;
      }
      if (i < rest.size() && rest[i] == ')') {
        ++i;
        break;
      }
      why = "expected ',' or ')'";
      return false;
    }
    groups.push_back(std::move(group));
    skip_space();
    if (i == rest.size()) return true;
    if (rest[i] != '/') {
      why = "unexpected '" + std::string(1, rest[i]) + "' after ')'";
      return false;
    }
    ++i;
  }
}

TokenDistribution Fixed(int64_t n) { return {TokenDistribution::Shape::kFixed, n, 0, n, n}; }

}  // namespace

bool Scenario::IsText() const {
  return kind == ScenarioKind::kDeterministic || kind == ScenarioKind::kNormal ||
         kind == ScenarioKind::kUniform;
}

std::string_view ScenarioKindName(ScenarioKind kind) {
  switch (kind) {
    case ScenarioKind::kDeterministic:
      return "deterministic";
    case ScenarioKind::kNormal:
      return "normal";
    case ScenarioKind::kUniform:
      return "uniform";
    case ScenarioKind::kEmbedding:
      return "embedding";
    case ScenarioKind::kRerank:
      return "rerank";
    case ScenarioKind::kImage:
      return "image";
    case ScenarioKind::kAudio:
      return "audio";
  }
  return "unknown";
}

std::string Scenario::ToString() const {
  const auto n = [](int64_t v) { return std::to_string(v); };
  switch (kind) {
    case ScenarioKind::kDeterministic:
      return "D(" + n(input.mean) + "," + n(output.mean) + ")";
    case ScenarioKind::kNormal:
      return "N(" + n(input.mean) + "," + n(input.stddev) + ")/(" + n(output.mean) + "," + n(output.stddev) +
             ")";
    case ScenarioKind::kUniform:
      return "U(" + n(input.min) + "," + n(input.max) + ")/(" + n(output.min) + "," + n(output.max) + ")";
    case ScenarioKind::kEmbedding:
      return "E(" + n(input.mean) + ")";
    case ScenarioKind::kRerank:
      return "R(" + n(doc_tokens) + "," + n(query_tokens) + ")";
    case ScenarioKind::kImage:
      return "I(" + n(width) + "," + n(height) + (num_images != 1 ? "," + n(num_images) : "") + ")";
    case ScenarioKind::kAudio:
      return "A(" + n(audio_chars) + ")";
  }
  return "";
}

Result<Scenario> ParseScenario(std::string_view text) {
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front())))
    trimmed.remove_prefix(1);
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.remove_suffix(1);
  if (trimmed.empty()) return Bad(text, kForms);
  const char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(trimmed.front())));
  std::vector<std::vector<int64_t>> groups;
  std::string why;
  if (!ParseGroups(trimmed.substr(1), groups, why)) return Bad(text, why + "; " + std::string(kForms));

  const auto shape_is = [&](std::initializer_list<size_t> sizes) {
    if (groups.size() != sizes.size()) return false;
    size_t k = 0;
    for (size_t size : sizes) {
      if (groups[k++].size() != size) return false;
    }
    return true;
  };
  const auto all_positive = [&] {
    for (const auto& g : groups) {
      for (int64_t v : g) {
        if (v <= 0) return false;
      }
    }
    return true;
  };

  Scenario s;
  switch (letter) {
    case 'D':
      if (!shape_is({2})) return Bad(text, "D takes (input_tokens,output_tokens)");
      if (!all_positive()) return Bad(text, "token counts must be positive");
      s.kind = ScenarioKind::kDeterministic;
      s.input = Fixed(groups[0][0]);
      s.output = Fixed(groups[0][1]);
      return s;
    case 'N': {
      if (!shape_is({2, 2})) return Bad(text, "N takes (mean_in,stddev_in)/(mean_out,stddev_out)");
      const auto& in = groups[0];
      const auto& out = groups[1];
      if (in[0] <= 0 || out[0] <= 0) return Bad(text, "means must be positive");
      if (in[1] < 0 || out[1] < 0) return Bad(text, "standard deviations must not be negative");
      s.kind = ScenarioKind::kNormal;
      // Samples are clamped to [1, mean + 3 stddev]: lengths are positive and bounded for prompt synthesis.
      s.input = {TokenDistribution::Shape::kNormal, in[0], in[1], 1, in[0] + 3 * in[1]};
      s.output = {TokenDistribution::Shape::kNormal, out[0], out[1], 1, out[0] + 3 * out[1]};
      return s;
    }
    case 'U': {
      std::vector<int64_t> in, out;
      if (shape_is({2, 2})) {
        in = groups[0];
        out = groups[1];
      } else if (shape_is({2})) {
        in = {1, groups[0][0]};
        out = {1, groups[0][1]};
      } else {
        return Bad(text, "U takes (min_in,max_in)/(min_out,max_out) or (max_in,max_out)");
      }
      if (!all_positive()) return Bad(text, "token counts must be positive");
      if (in[0] > in[1] || out[0] > out[1]) return Bad(text, "minimum is larger than maximum");
      s.kind = ScenarioKind::kUniform;
      s.input = {TokenDistribution::Shape::kUniform, (in[0] + in[1]) / 2, 0, in[0], in[1]};
      s.output = {TokenDistribution::Shape::kUniform, (out[0] + out[1]) / 2, 0, out[0], out[1]};
      return s;
    }
    case 'E':
      if (!shape_is({1})) return Bad(text, "E takes (tokens)");
      if (!all_positive()) return Bad(text, "token count must be positive");
      s.kind = ScenarioKind::kEmbedding;
      s.input = Fixed(groups[0][0]);
      return s;
    case 'R':
      if (!shape_is({2})) return Bad(text, "R takes (doc_tokens,query_tokens)");
      if (!all_positive()) return Bad(text, "token counts must be positive");
      s.kind = ScenarioKind::kRerank;
      s.doc_tokens = groups[0][0];
      s.query_tokens = groups[0][1];
      return s;
    case 'I':
      if (!shape_is({2}) && !shape_is({3}))
        return Bad(text, "I takes (width,height) or (width,height,num_images)");
      if (!all_positive()) return Bad(text, "sizes must be positive");
      s.kind = ScenarioKind::kImage;
      s.width = groups[0][0];
      s.height = groups[0][1];
      s.num_images = groups[0].size() == 3 ? groups[0][2] : 1;
      return s;
    case 'A':
      if (!shape_is({1})) return Bad(text, "A takes (chars)");
      if (!all_positive()) return Bad(text, "character count must be positive");
      s.kind = ScenarioKind::kAudio;
      s.audio_chars = groups[0][0];
      return s;
    default:
      return Bad(text, "unknown kind '" + std::string(1, trimmed.front()) + "'; " + std::string(kForms));
  }
}

}  // namespace autotuner::task
