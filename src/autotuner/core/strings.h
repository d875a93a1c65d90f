#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace autotuner {

// Levenshtein distance (byte-wise).
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo, else nothing.
// Comparison ignores case and treats '-' and '_' alike.
std::optional<std::string> ClosestMatch(std::string_view word, std::span<const std::string_view> candidates);

// "; did you mean 'x'?" or "" when no candidate is close.
std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates);

// ASCII letters lower-cased, every other byte kept (UTF-8 stays intact): for names and messages.
std::string AsciiLower(std::string_view text);

// Lower-case and '_' → '-', so flag names compare alike however they are spelt.
std::string NormalizeFlagName(std::string_view name);

// 64-bit FNV-1a of the bytes as 16 hex digits: a cheap, stable fingerprint (not for security).
std::string Fnv1a64Hex(std::string_view bytes);

// `text` without leading and trailing ASCII spaces, tabs, CRs and LFs (header values, CSV fields, files).
std::string_view TrimAsciiSpace(std::string_view text);

// "a, b, c".
std::string JoinNames(std::span<const std::string_view> names, std::string_view separator = ", ");

}  // namespace autotuner
