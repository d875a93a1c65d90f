#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {

Utf8Step StepUtf8(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return {1, true, lead};
  size_t length = 0;
  char32_t code_point = 0;
  unsigned char lo = 0x80,
                hi = 0xBF;  // allowed range of the second byte (no overlongs, surrogates, > U+10FFFF)
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return {1, false, 0};
  }
  size_t k = 1;
  for (; k < length && i + k < text.size(); ++k) {
    const unsigned char c = byte(i + k);
    if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) break;
    code_point = (code_point << 6) | (c & 0x3F);
  }
  if (k < length) return {k, false, 0};
  return {length, true, code_point};
}

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    // ASCII runs dominate real text; skip them without the full decoder.
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = StepUtf8(text, i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

void AppendUtf8Lossy(std::string_view bytes, std::string& out) {
  size_t run_start = 0;  // start of the pending run of valid bytes, appended in one go
  for (size_t i = 0; i < bytes.size();) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = StepUtf8(bytes, i);
    if (!step.valid) {
      out.append(bytes.substr(run_start, i - run_start));
      out += "\xEF\xBF\xBD";
      run_start = i + step.length;
    }
    i += step.length;
  }
  out.append(bytes.substr(run_start));
}

void AppendCodePoint(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace autotuner::tokenizer
