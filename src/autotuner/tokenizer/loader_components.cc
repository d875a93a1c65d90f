// Normalizers, pre-tokenizers and decoders of a tokenizer.json.

#include <string>

#include "autotuner/tokenizer/json_reader.h"

namespace autotuner::tokenizer::internal {
namespace {

// Character classes of Rust's regex crate and char methods, which the built-in components use.
constexpr std::string_view kWhiteSpaceClass =
    R"(\x{9}-\x{D}\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
constexpr std::string_view kWordClass = R"(\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D})";
constexpr std::string_view kPunctuationClass = R"(\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E})";

PreTokenizerStep SplitStep(std::string pattern, SplitBehavior behavior, bool invert = false) {
  PreTokenizerStep step;
  step.split = {std::move(pattern), false, true, behavior, invert};
  return step;
}

Result<SplitBehavior> ParseBehavior(const Reader& reader, std::string_view name, std::string_view path) {
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  return reader.Unsupported(path, "unknown split behavior " + std::string(name));
}

// Metaspace's scheme: prepend_scheme, else the older add_prefix_space (true: always).
Result<PrependScheme> ParsePrependScheme(const Reader& reader, element component, const std::string& path) {
  if (const auto scheme = Reader::Member(component, "prepend_scheme")) {
    std::string_view name;
    TOKENIZER_ASSIGN_OR_RETURN(name, reader.String(*scheme, path + ".prepend_scheme"));
    if (name == "always") return PrependScheme::kAlways;
    if (name == "first") return PrependScheme::kFirst;
    if (name == "never") return PrependScheme::kNever;
    return reader.Unsupported(path + ".prepend_scheme", "unknown prepend scheme " + std::string(name));
  }
  bool add_prefix_space = true;
  TOKENIZER_ASSIGN_OR_RETURN(add_prefix_space, reader.BoolMember(component, "add_prefix_space", true, path));
  return add_prefix_space ? PrependScheme::kAlways : PrependScheme::kNever;
}

Result<std::string> Replacement(const Reader& reader, element component, const std::string& path) {
  std::string_view replacement = "\xE2\x96\x81";
  if (const auto value = Reader::Member(component, "replacement")) {
    TOKENIZER_ASSIGN_OR_RETURN(replacement, reader.String(*value, path + ".replacement"));
  }
  if (replacement.empty()) return reader.Invalid(path + ".replacement", "must not be empty");
  return std::string(replacement);
}

// The list member `key` of a Sequence, each item handed to `parse` with its path.
template <typename Parse>
Status ForEachItem(const Reader& reader, element component, std::string_view key, const std::string& path,
                   Parse&& parse) {
  array list;
  if (component[key].get_array().get(list) != simdjson::SUCCESS) {
    return reader.Invalid(path, "Sequence needs a list '" + std::string(key) + "'");
  }
  size_t i = 0;
  for (const element item : list) {
    if (Status s = parse(item, path + "." + std::string(key) + "[" + std::to_string(i++) + "]"); !s.ok()) {
      return s;
    }
  }
  return {};
}

Result<size_t> Count(const Reader& reader, element component, std::string_view key, const std::string& path) {
  const auto value = Reader::Member(component, key);
  if (!value) return size_t{0};
  int64_t n = 0;
  if (value->get_int64().get(n) != simdjson::SUCCESS || n < 0 || n > 1'000'000) {
    return reader.Invalid(path + "." + std::string(key), "expected a count");
  }
  return static_cast<size_t>(n);
}

}  // namespace

Result<std::string> TypeOf(const Reader& reader, element component, std::string_view path) {
  const auto type = reader.StringMember(component, "type", path);
  if (!type.ok()) return type.error();
  return std::string(*type);
}

Result<PatternSpec> ParsePattern(const Reader& reader, element owner, const std::string& path) {
  const auto pattern = Reader::Member(owner, "pattern");
  if (!pattern) return reader.Invalid(path, "needs a 'pattern'");
  std::string_view text;
  if (const auto regex = Reader::Member(*pattern, "Regex")) {
    TOKENIZER_ASSIGN_OR_RETURN(text, reader.String(*regex, path + ".pattern.Regex"));
    return PatternSpec{std::string(text), true};
  }
  if (const auto literal = Reader::Member(*pattern, "String")) {
    TOKENIZER_ASSIGN_OR_RETURN(text, reader.String(*literal, path + ".pattern.String"));
    if (text.empty()) return reader.Invalid(path + ".pattern.String", "must not be empty");
    return PatternSpec{std::string(text), false};
  }
  return reader.Invalid(path + ".pattern", "expected {\"Regex\": ...} or {\"String\": ...}");
}

Status ParseNormalizer(const Reader& reader, element component, const std::string& path,
                       std::vector<NormalizerStep>& out) {
  using Kind = NormalizerStep::Kind;
  std::string type;
  TOKENIZER_ASSIGN_OR_RETURN(type, TypeOf(reader, component, path));
  if (type == "Sequence") {
    return ForEachItem(reader, component, "normalizers", path, [&](element item, const std::string& p) {
      return ParseNormalizer(reader, item, p, out);
    });
  }
  NormalizerStep step;
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    step.kind = type == "NFC"    ? Kind::kNfc
                : type == "NFD"  ? Kind::kNfd
                : type == "NFKC" ? Kind::kNfkc
                                 : Kind::kNfkd;
  } else if (type == "Replace") {
    step.kind = Kind::kReplace;
    PatternSpec pattern;
    TOKENIZER_ASSIGN_OR_RETURN(pattern, ParsePattern(reader, component, path));
    step.pattern = std::move(pattern.text);
    step.regex = pattern.regex;
    std::string_view content;
    TOKENIZER_ASSIGN_OR_RETURN(content, reader.StringMember(component, "content", path));
    step.content = content;
  } else if (type == "Prepend") {
    step.kind = Kind::kPrepend;
    std::string_view prepend;
    TOKENIZER_ASSIGN_OR_RETURN(prepend, reader.StringMember(component, "prepend", path));
    step.content = prepend;
  } else if (type == "Strip") {
    step.kind = Kind::kStrip;
    TOKENIZER_ASSIGN_OR_RETURN(step.strip_left, reader.BoolMember(component, "strip_left", true, path));
    TOKENIZER_ASSIGN_OR_RETURN(step.strip_right, reader.BoolMember(component, "strip_right", true, path));
  } else if (type == "Lowercase") {
    step.kind = Kind::kLowercase;
  } else if (type == "StripAccents") {
    step.kind = Kind::kStripAccents;
  } else {
    return reader.Unsupported(path, "normalizer " + type + " is not supported");
  }
  out.push_back(std::move(step));
  return {};
}

Status ParsePreTokenizer(const Reader& reader, element component, const std::string& path,
                         std::vector<PreTokenizerStep>& out, bool& byte_level_seen) {
  using Kind = PreTokenizerStep::Kind;
  std::string type;
  TOKENIZER_ASSIGN_OR_RETURN(type, TypeOf(reader, component, path));
  if (byte_level_seen) return reader.Unsupported(path, type + " after the ByteLevel pre-tokenizer");
  const std::string space(kWhiteSpaceClass), word(kWordClass), punctuation(kPunctuationClass);
  if (type == "Sequence") {
    return ForEachItem(reader, component, "pretokenizers", path, [&](element item, const std::string& p) {
      return ParsePreTokenizer(reader, item, p, out, byte_level_seen);
    });
  }
  if (type == "Split") {
    PreTokenizerStep step;
    PatternSpec pattern;
    TOKENIZER_ASSIGN_OR_RETURN(pattern, ParsePattern(reader, component, path));
    step.split.pattern = std::move(pattern.text);
    step.split.literal = !pattern.regex;
    std::string_view behavior;
    TOKENIZER_ASSIGN_OR_RETURN(behavior, reader.StringMember(component, "behavior", path));
    TOKENIZER_ASSIGN_OR_RETURN(step.split.behavior, ParseBehavior(reader, behavior, path + ".behavior"));
    TOKENIZER_ASSIGN_OR_RETURN(step.split.invert, reader.BoolMember(component, "invert", false, path));
    out.push_back(std::move(step));
  } else if (type == "Metaspace") {
    PreTokenizerStep step;
    step.kind = Kind::kMetaspace;
    TOKENIZER_ASSIGN_OR_RETURN(step.replacement, Replacement(reader, component, path));
    TOKENIZER_ASSIGN_OR_RETURN(step.prepend_scheme, ParsePrependScheme(reader, component, path));
    TOKENIZER_ASSIGN_OR_RETURN(step.metaspace_split, reader.BoolMember(component, "split", true, path));
    out.push_back(std::move(step));
  } else if (type == "ByteLevel") {
    PreTokenizerStep step;
    step.kind = Kind::kByteLevel;
    TOKENIZER_ASSIGN_OR_RETURN(step.add_prefix_space,
                               reader.BoolMember(component, "add_prefix_space", true, path));
    TOKENIZER_ASSIGN_OR_RETURN(step.use_regex, reader.BoolMember(component, "use_regex", true, path));
    byte_level_seen = true;
    out.push_back(std::move(step));
  } else if (type == "Digits") {
    bool individual = false;
    TOKENIZER_ASSIGN_OR_RETURN(individual, reader.BoolMember(component, "individual_digits", false, path));
    out.push_back(SplitStep("[0-9]", individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous));
  } else if (type == "Punctuation") {
    SplitBehavior behavior = SplitBehavior::kIsolated;
    if (const auto value = Reader::Member(component, "behavior")) {
      std::string_view name;
      TOKENIZER_ASSIGN_OR_RETURN(name, reader.String(*value, path + ".behavior"));
      TOKENIZER_ASSIGN_OR_RETURN(behavior, ParseBehavior(reader, name, path + ".behavior"));
    }
    out.push_back(SplitStep("[" + punctuation + "]", behavior));
  } else if (type == "Whitespace") {
    out.push_back(SplitStep("[" + word + "]+|[^" + word + space + "]+", SplitBehavior::kRemoved, true));
  } else if (type == "WhitespaceSplit") {
    out.push_back(SplitStep("[" + space + "]+", SplitBehavior::kRemoved));
  } else if (type == "BertPreTokenizer") {
    out.push_back(SplitStep("[" + space + "]+", SplitBehavior::kRemoved));
    out.push_back(SplitStep("[" + punctuation + "]", SplitBehavior::kIsolated));
  } else if (type == "CharDelimiterSplit") {
    std::string_view delimiter;
    TOKENIZER_ASSIGN_OR_RETURN(delimiter, reader.StringMember(component, "delimiter", path));
    if (delimiter.empty()) return reader.Invalid(path + ".delimiter", "must not be empty");
    PreTokenizerStep step;
    step.split = {std::string(delimiter), true, false, SplitBehavior::kRemoved, false};
    out.push_back(std::move(step));
  } else {
    return reader.Unsupported(path, "pre-tokenizer " + type + " is not supported");
  }
  return {};
}

Status ParseDecoder(const Reader& reader, element component, const std::string& path,
                    std::vector<DecoderStep>& out) {
  using Kind = DecoderStep::Kind;
  std::string type;
  TOKENIZER_ASSIGN_OR_RETURN(type, TypeOf(reader, component, path));
  if (type == "Sequence") {
    return ForEachItem(reader, component, "decoders", path, [&](element item, const std::string& p) {
      return ParseDecoder(reader, item, p, out);
    });
  }
  DecoderStep step;
  if (type == "ByteLevel") {
    step.kind = Kind::kByteLevel;
  } else if (type == "Metaspace") {
    step.kind = Kind::kMetaspace;
    TOKENIZER_ASSIGN_OR_RETURN(step.replacement, Replacement(reader, component, path));
    TOKENIZER_ASSIGN_OR_RETURN(step.prepend_scheme, ParsePrependScheme(reader, component, path));
  } else if (type == "ByteFallback") {
    step.kind = Kind::kByteFallback;
  } else if (type == "Fuse") {
    step.kind = Kind::kFuse;
  } else if (type == "Strip") {
    step.kind = Kind::kStrip;
    std::string_view content;
    TOKENIZER_ASSIGN_OR_RETURN(content, reader.StringMember(component, "content", path));
    step.content = content;
    TOKENIZER_ASSIGN_OR_RETURN(step.start, Count(reader, component, "start", path));
    TOKENIZER_ASSIGN_OR_RETURN(step.stop, Count(reader, component, "stop", path));
  } else if (type == "Replace") {
    step.kind = Kind::kReplace;
    PatternSpec pattern;
    TOKENIZER_ASSIGN_OR_RETURN(pattern, ParsePattern(reader, component, path));
    step.pattern = std::move(pattern.text);
    step.regex = pattern.regex;
    std::string_view content;
    TOKENIZER_ASSIGN_OR_RETURN(content, reader.StringMember(component, "content", path));
    step.content = content;
  } else {
    return reader.Unsupported(path, "decoder " + type + " is not supported");
  }
  out.push_back(std::move(step));
  return {};
}

}  // namespace autotuner::tokenizer::internal
