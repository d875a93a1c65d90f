#include "autotuner/bench/openai_chunk.h"

#include <simdjson.h>

#include <cstring>
#include <memory>

namespace autotuner::bench {
namespace {

namespace od = simdjson::ondemand;

bool NonEmptyString(od::value value) {
  std::string_view s;
  return value.get_string().get(s) == simdjson::SUCCESS && !s.empty();
}

// One element of `choices`: text (completions) or delta.{content,reasoning_content,reasoning} (chat).
simdjson::error_code ScanChoice(od::object choice, ChunkInfo& out) {
  for (auto field : choice) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    od::value value;
    if (auto error = field.value().get(value)) return error;
    if (key == "text") {
      out.has_content = out.has_content || NonEmptyString(value);
    } else if (key == "delta" || key == "message") {
      od::object delta;
      if (value.get_object().get(delta) != simdjson::SUCCESS) continue;
      for (auto part : delta) {
        std::string_view part_key;
        if (auto error = part.unescaped_key().get(part_key)) return error;
        if (part_key == "content" || part_key == "reasoning_content" || part_key == "reasoning") {
          od::value part_value;
          if (auto error = part.value().get(part_value)) return error;
          out.has_content = out.has_content || NonEmptyString(part_value);
        }
      }
    } else if (key == "finish_reason") {
      bool is_null = true;
      if (auto error = value.is_null().get(is_null)) return error;
      out.finished = out.finished || !is_null;
    }
  }
  return simdjson::SUCCESS;
}

simdjson::error_code ScanUsage(od::value value, ChunkInfo& out) {
  od::object usage;
  if (value.get_object().get(usage) != simdjson::SUCCESS) return simdjson::SUCCESS;  // "usage": null
  for (auto field : usage) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return error;
    int64_t n = 0;
    if (key == "prompt_tokens") {
      if (field.value().get_int64().get(n) == simdjson::SUCCESS) out.prompt_tokens = n;
    } else if (key == "completion_tokens") {
      if (field.value().get_int64().get(n) == simdjson::SUCCESS) out.completion_tokens = n;
    }
  }
  return simdjson::SUCCESS;
}

ErrorBody ErrorFromJson(const Json& object) {
  ErrorBody body;
  const Json& e = object.contains("error") && object["error"].is_object() ? object["error"] : object;
  if (e.contains("message") && e["message"].is_string()) body.message = e["message"].get<std::string>();
  if (e.contains("type") && e["type"].is_string()) body.type = e["type"].get<std::string>();
  if (e.contains("code") && e["code"].is_number_integer()) body.code = e["code"].get<int>();
  if (e.contains("code") && e["code"].is_string()) {
    // SGLang's HTTPException path sends the status as a string.
    const std::string code = e["code"].get<std::string>();
    if (!code.empty() && code.find_first_not_of("0123456789") == std::string::npos && code.size() < 4) {
      body.code = std::stoi(code);
    }
  }
  return body;
}

}  // namespace

struct ChunkParser::Impl {
  od::parser parser;
  std::string padded;  // data + SIMDJSON_PADDING bytes
};

ChunkParser::ChunkParser() : impl_(std::make_unique<Impl>()) {}
ChunkParser::~ChunkParser() = default;
ChunkParser::ChunkParser(ChunkParser&&) noexcept = default;
ChunkParser& ChunkParser::operator=(ChunkParser&&) noexcept = default;

Status ChunkParser::Parse(std::string_view data, ChunkInfo& out) {
  out = ChunkInfo{};
  std::string& padded = impl_->padded;
  if (padded.size() < data.size() + simdjson::SIMDJSON_PADDING)
    padded.resize(data.size() + simdjson::SIMDJSON_PADDING);
  // An empty event's view may be null, which memcpy must never get (found by engine_stream_fuzz).
  if (!data.empty()) std::memcpy(padded.data(), data.data(), data.size());
  od::document doc;
  auto fail = [&](simdjson::error_code error) {
    return MakeError(ErrorCode::kParse,
                     std::string("invalid stream chunk: ") + simdjson::error_message(error));
  };
  if (auto error = impl_->parser.iterate(padded.data(), data.size(), padded.size()).get(doc))
    return fail(error);
  od::object object;
  if (auto error = doc.get_object().get(object)) return fail(error);
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return fail(error);
    od::value value;
    if (auto error = field.value().get(value)) return fail(error);
    if (key == "choices") {
      od::array choices;
      if (value.get_array().get(choices) != simdjson::SUCCESS) continue;
      for (auto element : choices) {
        od::object choice;
        if (auto error = element.get_object().get(choice)) return fail(error);
        if (auto error = ScanChoice(choice, out)) return fail(error);
      }
    } else if (key == "usage") {
      if (auto error = ScanUsage(value, out)) return fail(error);
    } else if (key == "error") {
      // Rare: parse the error fully with the slow parser for its message and code.
      out.is_error = true;
      const ErrorBody body = ParseErrorBody(data);
      out.error_code = body.code;
      out.error_message = body.message.empty() ? body.type : body.message;
      return {};
    }
  }
  return {};
}

ErrorBody ParseErrorBody(std::string_view body) {
  auto parsed = ParseJson(body, "error body");
  if (parsed.ok() && parsed->is_object()) {
    ErrorBody error = ErrorFromJson(*parsed);
    if (!error.message.empty() || error.code != 0) return error;
  }
  ErrorBody error;
  error.message = SanitizeUtf8(body.substr(0, 200));
  return error;
}

Result<ResponseUsage> ParseResponseBody(std::string_view body) {
  auto parsed = ParseJson(body, "response body");
  if (!parsed.ok()) return std::move(parsed).error();
  const Json& json = *parsed;
  if (!json.is_object()) return MakeError(ErrorCode::kParse, "response body is not a JSON object");
  ResponseUsage usage;
  if (json.contains("usage") && json["usage"].is_object()) {
    const Json& u = json["usage"];
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer()) {
      usage.prompt_tokens = u["prompt_tokens"].get<int64_t>();
    }
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer()) {
      usage.completion_tokens = u["completion_tokens"].get<int64_t>();
    }
  }
  if (json.contains("choices") && json["choices"].is_array()) {
    for (const Json& choice : json["choices"]) {
      auto non_empty = [](const Json& o, const char* key) {
        return o.is_object() && o.contains(key) && o[key].is_string() && !o[key].get<std::string>().empty();
      };
      if (non_empty(choice, "text") ||
          (choice.contains("message") && non_empty(choice["message"], "content"))) {
        usage.has_content = true;
      }
    }
  }
  if (json.contains("data") && json["data"].is_array() && !json["data"].empty()) usage.has_content = true;
  return usage;
}

}  // namespace autotuner::bench
