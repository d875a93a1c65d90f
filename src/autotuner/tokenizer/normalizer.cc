#include "autotuner/tokenizer/normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <cctype>

#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

using NormalizerKind = NormalizerStep::Kind;

bool IsAscii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

const icu::Normalizer2* UnicodeForm(NormalizerKind kind, UErrorCode& status) {
  switch (kind) {
    case NormalizerKind::kNfc:
      return icu::Normalizer2::getNFCInstance(status);
    case NormalizerKind::kNfd:
      return icu::Normalizer2::getNFDInstance(status);
    case NormalizerKind::kNfkc:
      return icu::Normalizer2::getNFKCInstance(status);
    default:
      return icu::Normalizer2::getNFKDInstance(status);
  }
}

bool Normalize(NormalizerKind kind, std::string_view in, std::string& out) {
  if (IsAscii(in)) return false;  // ASCII is invariant under every form
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* form = UnicodeForm(kind, status);
  const icu::StringPiece piece(in.data(), static_cast<int32_t>(in.size()));
  if (U_FAILURE(status) || form->isNormalizedUTF8(piece, status) || U_FAILURE(status)) return false;
  out.clear();
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(in.size()));
  form->normalizeUTF8(0, piece, sink, nullptr, status);
  return U_SUCCESS(status);
}

bool ReplaceLiteral(std::string_view pattern, std::string_view content, std::string_view in,
                    std::string& out) {
  size_t found = in.find(pattern);
  if (pattern.empty() || found == std::string_view::npos) return false;
  out.clear();
  size_t start = 0;
  for (; found != std::string_view::npos; found = in.find(pattern, start)) {
    out.append(in.substr(start, found - start)).append(content);
    start = found + pattern.size();
  }
  out.append(in.substr(start));
  return true;
}

bool ReplaceRegex(const Pattern& pattern, std::string_view content, std::string_view in, std::string& out) {
  thread_local std::vector<MatchSpan> matches;
  matches.clear();
  pattern.FindAll(in, matches);
  if (matches.empty()) return false;
  out.clear();
  size_t start = 0;
  for (const MatchSpan& m : matches) {
    out.append(in.substr(start, m.begin - start)).append(content);
    start = m.end;
  }
  out.append(in.substr(start));
  return true;
}

bool Strip(bool left, bool right, std::string_view in, std::string& out) {
  size_t begin = 0, end = in.size();
  while (left && begin < end) {
    const Utf8Step step = StepUtf8(in, begin);
    if (!step.valid || !IsUnicodeWhiteSpace(step.code_point)) break;
    begin += step.length;
  }
  while (right && end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(in[start]) & 0xC0) == 0x80) --start;
    const Utf8Step step = StepUtf8(in, start);
    if (!step.valid || !IsUnicodeWhiteSpace(step.code_point)) break;
    end = start;
  }
  if (begin == 0 && end == in.size()) return false;
  out.assign(in.substr(begin, end - begin));
  return true;
}

// Each character on its own, so that no context rule (Greek final sigma) applies, as in Rust.
void AppendLower(char32_t code_point, std::string& out) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point >= 'A' && code_point <= 'Z' ? code_point + 32 : code_point);
    return;
  }
  UChar source[2];
  int32_t source_length = 0;
  U16_APPEND_UNSAFE(source, source_length, code_point);
  UChar lower[8];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t length = u_strToLower(lower, 8, source, source_length, "", &status);
  if (U_FAILURE(status)) {
    AppendCodePoint(code_point, out);
    return;
  }
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U16_NEXT_UNSAFE(lower, i, c);
    AppendCodePoint(static_cast<char32_t>(c), out);
  }
}

bool Lowercase(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const Utf8Step step = StepUtf8(in, i);
    if (step.valid) {
      AppendLower(step.code_point, out);
    } else {
      out.append(in.substr(i, step.length));
    }
    i += step.length;
  }
  return out != in;
}

bool StripAccents(std::string_view in, std::string& out) {
  if (IsAscii(in)) return false;
  out.clear();
  for (size_t i = 0; i < in.size();) {
    const Utf8Step step = StepUtf8(in, i);
    if (!step.valid || (U_GET_GC_MASK(static_cast<UChar32>(step.code_point)) & U_GC_M_MASK) == 0) {
      out.append(in.substr(i, step.length));
    }
    i += step.length;
  }
  return out.size() != in.size();
}

}  // namespace

bool IsUnicodeWhiteSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool IsWordCharacter(char32_t c) {
  if (c < 0x80) return std::isalnum(static_cast<int>(c)) != 0 || c == '_';
  const auto code_point = static_cast<UChar32>(c);
  return u_hasBinaryProperty(code_point, UCHAR_ALPHABETIC) || (U_GET_GC_MASK(code_point) & U_GC_N_MASK) != 0;
}

Result<Normalizer> Normalizer::Create(std::vector<NormalizerStep> steps) {
  Normalizer normalizer;
  for (NormalizerStep& step : steps) {
    Compiled compiled{std::move(step), std::nullopt};
    if (compiled.step.kind == NormalizerKind::kReplace) {
      if (compiled.step.pattern.empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "Replace normalizer with an empty pattern");
      }
      if (compiled.step.regex) {
        auto pattern = Pattern::Compile(compiled.step.pattern);
        if (!pattern.ok()) return std::move(pattern).error();
        compiled.pattern.emplace(std::move(pattern).value());
      }
    }
    normalizer.steps_.push_back(std::move(compiled));
  }
  return normalizer;
}

bool Normalizer::ApplyStep(const Compiled& compiled, std::string_view in, std::string& out) const {
  const NormalizerStep& step = compiled.step;
  switch (step.kind) {
    case NormalizerKind::kNfc:
    case NormalizerKind::kNfd:
    case NormalizerKind::kNfkc:
    case NormalizerKind::kNfkd:
      return Normalize(step.kind, in, out);
    case NormalizerKind::kReplace:
      return compiled.pattern ? ReplaceRegex(*compiled.pattern, step.content, in, out)
                              : ReplaceLiteral(step.pattern, step.content, in, out);
    case NormalizerKind::kPrepend:
      if (in.empty() || step.content.empty()) return false;
      out.assign(step.content).append(in);
      return true;
    case NormalizerKind::kStrip:
      return Strip(step.strip_left, step.strip_right, in, out);
    case NormalizerKind::kLowercase:
      return Lowercase(in, out);
    case NormalizerKind::kStripAccents:
      return StripAccents(in, out);
  }
  return false;
}

std::string_view Normalizer::Apply(std::string_view text, std::string& storage) const {
  std::string next;
  bool changed = false;
  for (const Compiled& step : steps_) {
    if (!ApplyStep(step, changed ? std::string_view(storage) : text, next)) continue;
    storage.swap(next);
    changed = true;
  }
  return changed ? std::string_view(storage) : text;
}

}  // namespace autotuner::tokenizer
