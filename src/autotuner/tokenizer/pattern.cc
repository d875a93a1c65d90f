#include "autotuner/tokenizer/pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cctype>
#include <cstdio>

#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

struct CodePointRange {
  char32_t first;
  char32_t last;
};
constexpr CodePointRange kWhiteSpaceRanges[] = {
    {0x09, 0x0D},     {0x20, 0x20},     {0xA0, 0xA0},     {0x1680, 0x1680}, {0x2000, 0x200A},
    {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}};

// The members of a PCRE2 character class holding kWhiteSpaceRanges.
const std::string& WhiteSpaceClassMembers() {
  static const std::string members = [] {
    std::string out;
    const auto hex = [](char32_t c) {
      char buffer[16];
      std::snprintf(buffer, sizeof(buffer), "\\x{%X}", static_cast<unsigned>(c));
      return std::string(buffer);
    };
    for (const auto& range : kWhiteSpaceRanges) {
      out += hex(range.first);
      if (range.last != range.first) out += "-" + hex(range.last);
    }
    return out;
  }();
  return members;
}

Error Unsupported(std::string_view hf_regex, std::string_view what) {
  return MakeError(ErrorCode::kUnsupported,
                   "unsupported pre-tokenizer regex " + std::string(hf_regex) + ": " + std::string(what));
}

bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Length of the escape sequence starting at the backslash at p[i]: \p{..}, \x{..} and \xHH keep their
// argument together so that no letter inside them is case-folded.
size_t EscapeLength(std::string_view p, size_t i) {
  if (i + 1 >= p.size()) return 1;
  const char c = p[i + 1];
  if ((c == 'p' || c == 'P' || c == 'x') && i + 2 < p.size() && p[i + 2] == '{') {
    const size_t close = p.find('}', i + 3);
    return close == std::string_view::npos ? p.size() - i : close - i + 1;
  }
  if (c == 'x') return std::min<size_t>(4, p.size() - i);
  if (c == 'p' || c == 'P') return std::min<size_t>(3, p.size() - i);
  return 1 + StepUtf8(p, i + 1).length;
}

}  // namespace

bool IsEcmaScriptWhiteSpace(char32_t code_point) {
  for (const auto& range : kWhiteSpaceRanges) {
    if (code_point >= range.first && code_point <= range.last) return true;
  }
  return false;
}

Result<std::string> TranslatePattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() * 2);
  bool in_class = false;
  std::vector<bool> groups;  // per open group: whether it is a (?i:...) group
  int caseless_depth = 0;
  for (size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\\') {
      const size_t length = EscapeLength(p, i);
      const char e = i + 1 < p.size() ? p[i + 1] : '\0';
      if (e == 's') {
        out += in_class ? WhiteSpaceClassMembers() : "[" + WhiteSpaceClassMembers() + "]";
      } else if (e == 'S') {
        if (in_class) return Unsupported(p, "\\S inside a character class");
        out += "[^" + WhiteSpaceClassMembers() + "]";
      } else {
        out.append(p.substr(i, length));
      }
      i += length;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      if (caseless_depth > 0 && IsAsciiLetter(c)) return Unsupported(p, "a character class inside (?i:...)");
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      // A ']' right after '[' or '[^' is a literal member, not the end of the class.
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];
      continue;
    }
    if (c == '(') {
      const bool caseless = p.substr(i, 4) == "(?i:";
      groups.push_back(caseless);
      if (caseless) {
        ++caseless_depth;
        out += "(?:";
        i += 4;
      } else {
        out += c;
        ++i;
      }
      continue;
    }
    if (c == ')') {
      if (!groups.empty()) {
        if (groups.back()) --caseless_depth;
        groups.pop_back();
      }
      out += c;
      ++i;
      continue;
    }
    if (caseless_depth > 0 && IsAsciiLetter(c)) {
      const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += {'[', lower, upper, ']'};
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

struct Pattern::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

Pattern::Pattern(std::unique_ptr<Code> code) : code_(std::move(code)) {}
Pattern::Pattern(Pattern&&) noexcept = default;
Pattern& Pattern::operator=(Pattern&&) noexcept = default;
Pattern::~Pattern() = default;

Result<Pattern> Pattern::CompilePcre2(const std::string& pcre2_pattern, std::string_view shown) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pcre2_pattern.data()), pcre2_pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof(message));
    return MakeError(ErrorCode::kInvalidArgument, "bad pre-tokenizer regex " + std::string(shown) + ": " +
                                                      reinterpret_cast<const char*>(message) + " (offset " +
                                                      std::to_string(error_offset) + ")");
  }
  auto compiled = std::make_unique<Code>();
  compiled->code = code;
  // JIT is an optimisation only: where it is unavailable the interpreter gives the same matches.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return Pattern(std::move(compiled));
}

Result<Pattern> Pattern::Compile(std::string_view hf_regex) {
  auto translated = TranslatePattern(hf_regex);
  if (!translated.ok()) return std::move(translated).error();
  return CompilePcre2(*translated, hf_regex);
}

Result<Pattern> Pattern::Literal(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c))) escaped += '\\';
    escaped += c;
  }
  return CompilePcre2(escaped, text);
}

void Pattern::FindAll(std::string_view text, std::vector<MatchSpan>& out) const {
  const std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t offset = 0;
  while (offset <= text.size()) {
    const int rc =
        pcre2_match(code_->code, subject, text.size(), offset, PCRE2_NO_UTF_CHECK, data.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      // A resource limit (never seen with tokenizer patterns): the rest becomes one match so no text is lost.
      out.push_back({offset, text.size()});
      break;
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    const size_t begin = ovector[0], end = ovector[1];
    if (end > begin) {
      out.push_back({begin, end});
      offset = end;
    } else {
      if (begin >= text.size()) break;
      offset = begin + StepUtf8(text, begin).length;
    }
  }
}

}  // namespace autotuner::tokenizer
