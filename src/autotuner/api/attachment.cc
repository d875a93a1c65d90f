#include "autotuner/api/attachment.h"

#include <cctype>

namespace autotuner::api {
namespace {

bool IsPlain(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; }

}  // namespace

std::string AttachmentHeader(std::string_view filename) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string plain;
  std::string encoded;
  for (const char ch : filename) {
    const auto c = static_cast<unsigned char>(ch);
    plain += IsPlain(c) ? ch : '_';
    if (IsPlain(c)) {
      encoded += ch;
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 15];
    }
  }
  return "attachment; filename=\"" + plain + "\"; filename*=UTF-8''" + encoded;
}

}  // namespace autotuner::api
