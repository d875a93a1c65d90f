#include "autotuner/tokenizer/decoder.h"

#include "autotuner/tokenizer/byte_level.h"
#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

using DecoderKind = DecoderStep::Kind;

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  size_t start = 0;
  for (size_t at = text.find(from); !from.empty() && at != std::string_view::npos;
       at = text.find(from, start)) {
    out.append(text.substr(start, at - start)).append(to);
    start = at + from.size();
  }
  out.append(text.substr(start));
  return out;
}

std::optional<uint8_t> FallbackByte(std::string_view token) {
  if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>') return std::nullopt;
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int high = hex(token[3]), low = hex(token[4]);
  if (high < 0 || low < 0) return std::nullopt;
  return static_cast<uint8_t>(high * 16 + low);
}

void ByteFallback(std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  std::string bytes;
  const auto flush = [&] {
    if (bytes.empty()) return;
    if (IsValidUtf8(bytes)) {
      out.push_back(bytes);
    } else {
      for (size_t i = 0; i < bytes.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
    }
    bytes.clear();
  };
  for (std::string& token : tokens) {
    if (const auto byte = FallbackByte(token)) {
      bytes += static_cast<char>(*byte);
      continue;
    }
    flush();
    out.push_back(std::move(token));
  }
  flush();
  tokens = std::move(out);
}

std::string Strip(const std::string& token, std::string_view content, size_t start, size_t stop) {
  size_t begin = 0, end = token.size();
  for (size_t i = 0; i < start && !content.empty() && token.compare(begin, content.size(), content) == 0;
       ++i) {
    begin += content.size();
  }
  for (size_t i = 0; i < stop && !content.empty() && end >= begin + content.size() &&
                     token.compare(end - content.size(), content.size(), content) == 0;
       ++i) {
    end -= content.size();
  }
  return token.substr(begin, end - begin);
}

}  // namespace

Result<Decoder> Decoder::Create(std::vector<DecoderStep> steps, bool byte_level_model) {
  Decoder decoder;
  decoder.byte_level_model_ = byte_level_model;
  for (DecoderStep& step : steps) {
    Compiled compiled{std::move(step), std::nullopt};
    if (compiled.step.kind == DecoderKind::kReplace && compiled.step.regex) {
      auto pattern = Pattern::Compile(compiled.step.pattern);
      if (!pattern.ok()) return std::move(pattern).error();
      compiled.pattern.emplace(std::move(pattern).value());
    }
    decoder.steps_.push_back(std::move(compiled));
  }
  return decoder;
}

void Decoder::Apply(const Compiled& compiled, std::vector<std::string>& tokens) const {
  const DecoderStep& step = compiled.step;
  switch (step.kind) {
    case DecoderKind::kByteLevel: {
      std::string bytes;
      for (const std::string& token : tokens) {
        if (byte_level_model_) {
          bytes += token;
        } else if (const auto raw = ByteLevelToBytes(token)) {
          bytes += *raw;
        } else {
          bytes += token;
        }
      }
      std::string text;
      AppendUtf8Lossy(bytes, text);
      tokens.assign(1, std::move(text));
      return;
    }
    case DecoderKind::kMetaspace:
      for (size_t i = 0; i < tokens.size(); ++i) {
        tokens[i] = ReplaceAll(tokens[i], step.replacement, " ");
        if (i == 0 && step.prepend_scheme != PrependScheme::kNever && tokens[i].starts_with(' ')) {
          tokens[i].erase(0, 1);
        }
      }
      return;
    case DecoderKind::kByteFallback:
      ByteFallback(tokens);
      return;
    case DecoderKind::kFuse: {
      std::string all;
      for (const std::string& token : tokens) all += token;
      tokens.assign(1, std::move(all));
      return;
    }
    case DecoderKind::kStrip:
      for (std::string& token : tokens) token = Strip(token, step.content, step.start, step.stop);
      return;
    case DecoderKind::kReplace:
      for (std::string& token : tokens) {
        if (!compiled.pattern) {
          token = ReplaceAll(token, step.pattern, step.content);
          continue;
        }
        std::vector<MatchSpan> matches;
        std::string valid;
        AppendUtf8Lossy(token, valid);
        compiled.pattern->FindAll(valid, matches);
        std::string out;
        size_t start = 0;
        for (const MatchSpan& m : matches) {
          out.append(valid, start, m.begin - start).append(step.content);
          start = m.end;
        }
        token = out.append(valid, start);
      }
      return;
  }
}

std::string Decoder::Decode(std::vector<std::string> tokens) const {
  std::string joined;
  if (steps_.empty()) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) joined += ' ';
      joined += tokens[i];
    }
  } else {
    for (const Compiled& step : steps_) Apply(step, tokens);
    for (const std::string& token : tokens) joined += token;
  }
  if (IsValidUtf8(joined)) return joined;
  std::string text;
  AppendUtf8Lossy(joined, text);
  return text;
}

}  // namespace autotuner::tokenizer
