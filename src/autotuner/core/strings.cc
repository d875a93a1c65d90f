#include "autotuner/core/strings.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace autotuner {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string NormalizeFlagName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> ClosestMatch(std::string_view word, std::span<const std::string_view> candidates) {
  const std::string needle = NormalizeFlagName(word);
  std::optional<std::string> best;
  size_t best_distance = 0;
  for (std::string_view candidate : candidates) {
    const std::string normalized = NormalizeFlagName(candidate);
    size_t distance = EditDistance(needle, normalized);
    // A prefix ("mem-frac" for "mem-fraction-static") is a strong hint even when far in edits.
    // So is a candidate followed by a suffix ("tp_size" for "tp").
    const bool prefix =
        (needle.size() >= 3 && normalized.starts_with(needle)) || needle.starts_with(normalized + "-");
    if (prefix) distance = std::min<size_t>(distance, 1);
    const size_t limit = std::max<size_t>(2, std::min(needle.size(), normalized.size()) / 3);
    if (distance <= limit && (!best || distance < best_distance)) {
      best = std::string(candidate);
      best_distance = distance;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates) {
  const auto match = ClosestMatch(word, candidates);
  return match ? "; did you mean '" + *match + "'?" : "";
}

std::string JoinNames(std::span<const std::string_view> names, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += separator;
    out += names[i];
  }
  return out;
}

std::string Fnv1a64Hex(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::string_view TrimAsciiSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace autotuner
