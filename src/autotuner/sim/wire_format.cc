#include "autotuner/sim/wire_format.h"

#include "autotuner/core/json.h"
#include "autotuner/sim/flavor.h"

namespace autotuner::sim {
namespace {

std::string SseFrame(const Json& json) { return "data: " + json.dump() + "\n\n"; }

const char* ObjectName(Endpoint endpoint, bool stream) {
  if (endpoint == Endpoint::kCompletions) return "text_completion";
  return stream ? "chat.completion.chunk" : "chat.completion";
}

Json Head(Endpoint endpoint, const ResponseIds& ids, int64_t created, bool stream) {
  return Json{
      {"id", ids.id}, {"object", ObjectName(endpoint, stream)}, {"created", created}, {"model", ids.model}};
}

Json UsageJson(const WireTraits& wire, Endpoint endpoint, const Usage& usage, bool stream) {
  Json out{{"prompt_tokens", usage.prompt_tokens},
           {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
           {"completion_tokens", usage.completion_tokens}};
  if (wire.sglang_shapes) {
    if (!(stream && endpoint == Endpoint::kCompletions)) out["prompt_tokens_details"] = nullptr;
    out["reasoning_tokens"] = 0;
  } else if (!stream) {
    out["prompt_tokens_details"] = nullptr;
    if (wire.vllm_fields) out["completion_tokens_details"] = nullptr;
  }
  return out;
}

}  // namespace

std::string WireFormat::ResponseId(Endpoint endpoint, const std::string& hex) const {
  if (flavor_->wire.sglang_shapes) return hex;
  return (endpoint == Endpoint::kChat ? "chatcmpl-" : "cmpl-") + hex;
}

std::string WireFormat::RoleEvent(Endpoint endpoint, const ResponseIds& ids, int64_t now) const {
  if (endpoint != Endpoint::kChat) return "";
  Json chunk = Head(endpoint, ids, flavor_->wire.sglang_shapes ? now : ids.created, true);
  if (flavor_->wire.sglang_shapes) {
    chunk["choices"] =
        Json::array({Json{{"index", 0},
                          {"delta", {{"reasoning_content", nullptr}, {"role", "assistant"}, {"content", ""}}},
                          {"logprobs", nullptr},
                          {"finish_reason", nullptr},
                          {"matched_stop", nullptr}}});
    return SseFrame(chunk);
  }
  chunk["choices"] = Json::array({Json{{"index", 0},
                                       {"delta", {{"role", "assistant"}, {"content", ""}}},
                                       {"logprobs", nullptr},
                                       {"finish_reason", nullptr}}});
  if (flavor_->wire.vllm_fields) {
    chunk["prompt_token_ids"] = nullptr;
    chunk["prompt_text"] = nullptr;
  }
  if (flavor_->wire.null_usage_on_chunks) chunk["usage"] = nullptr;
  return SseFrame(chunk);
}

std::string WireFormat::TokenEvent(Endpoint endpoint, const ResponseIds& ids, const std::string& text,
                                   bool last, int64_t now) const {
  const bool sglang = flavor_->wire.sglang_shapes;
  // SGLang chat sends the finish reason in a chunk of its own, after the last text.
  const bool finish_here = last && !(sglang && endpoint == Endpoint::kChat);
  const Json finish = finish_here ? Json("length") : Json(nullptr);
  Json chunk = Head(endpoint, ids, sglang && endpoint == Endpoint::kChat ? now : ids.created, true);
  Json choice{{"index", 0}};
  if (endpoint == Endpoint::kCompletions) {
    choice["text"] = text;
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish;
    if (sglang) {
      choice["matched_stop"] = nullptr;
    } else {
      choice["stop_reason"] = nullptr;
      if (flavor_->wire.vllm_fields) {
        choice["prompt_token_ids"] = nullptr;
        choice["token_ids"] = nullptr;
      }
    }
  } else {
    choice["delta"] =
        sglang ? Json{{"reasoning_content", nullptr}, {"content", text}} : Json{{"content", text}};
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = finish;
    if (sglang) {
      choice["matched_stop"] = nullptr;
    } else {
      if (finish_here) choice["stop_reason"] = nullptr;
      if (flavor_->wire.vllm_fields) choice["token_ids"] = nullptr;
    }
  }
  chunk["choices"] = Json::array({choice});
  if (flavor_->wire.null_usage_on_chunks || (sglang && endpoint == Endpoint::kCompletions)) {
    chunk["usage"] = nullptr;
  }
  return SseFrame(chunk);
}

std::string WireFormat::FinishEvent(Endpoint endpoint, const ResponseIds& ids, int64_t now) const {
  if (!flavor_->wire.sglang_shapes || endpoint != Endpoint::kChat) return "";
  Json chunk = Head(endpoint, ids, now, true);
  chunk["choices"] = Json::array({Json{{"index", 0},
                                       {"delta", {{"reasoning_content", nullptr}}},
                                       {"logprobs", nullptr},
                                       {"finish_reason", "length"},
                                       {"matched_stop", nullptr}}});
  return SseFrame(chunk);
}

std::string WireFormat::UsageEvent(Endpoint endpoint, const ResponseIds& ids, const Usage& usage,
                                   int64_t now) const {
  Json chunk = Head(endpoint, ids,
                    flavor_->wire.sglang_shapes && endpoint == Endpoint::kChat ? now : ids.created, true);
  chunk["choices"] = Json::array();
  chunk["usage"] = UsageJson(flavor_->wire, endpoint, usage, true);
  return SseFrame(chunk);
}

std::string WireFormat::StreamErrorEvent(const std::string& message, const std::string& type,
                                         int code) const {
  // Python's json.dumps: ", " and ": " separators, ASCII only.
  const std::string quoted = Json(message).dump(-1, ' ', true);
  std::string body = "{\"error\": {";
  if (flavor_->wire.sglang_shapes) body += "\"object\": \"error\", ";
  body += "\"message\": " + quoted + ", \"type\": " + Json(type).dump() +
          ", \"param\": null, \"code\": " + std::to_string(code) + "}}";
  return "data: " + body + "\n\n";
}

std::string WireFormat::CompletionBody(Endpoint endpoint, const ResponseIds& ids, const std::string& text,
                                       const Usage& usage) const {
  const bool sglang = flavor_->wire.sglang_shapes;
  Json body = Head(endpoint, ids, ids.created, false);
  Json choice{{"index", 0}};
  if (endpoint == Endpoint::kCompletions) {
    choice["text"] = text;
  } else if (sglang) {
    choice["message"] = {
        {"role", "assistant"}, {"content", text}, {"reasoning_content", nullptr}, {"tool_calls", nullptr}};
  } else {
    choice["message"] = {{"role", "assistant"},    {"content", text},  {"refusal", nullptr},
                         {"annotations", nullptr}, {"audio", nullptr}, {"function_call", nullptr},
                         {"reasoning", nullptr}};
  }
  choice["logprobs"] = nullptr;
  choice["finish_reason"] = "length";
  if (sglang) {
    choice["matched_stop"] = nullptr;
    body["choices"] = Json::array({choice});
    body["usage"] = UsageJson(flavor_->wire, endpoint, usage, false);
    body["metadata"] = {{"weight_version", "default"}};
    return body.dump();
  }
  choice["stop_reason"] = nullptr;
  if (flavor_->wire.vllm_fields) {
    choice["token_ids"] = nullptr;
    if (endpoint == Endpoint::kCompletions) {
      choice["prompt_logprobs"] = nullptr;
      choice["prompt_token_ids"] = nullptr;
    }
    choice["routed_experts"] = nullptr;
  }
  body["choices"] = Json::array({choice});
  body["service_tier"] = nullptr;
  body["system_fingerprint"] = nullptr;
  body["usage"] = UsageJson(flavor_->wire, endpoint, usage, false);
  if (flavor_->wire.vllm_fields) {
    if (endpoint == Endpoint::kChat) {
      body["prompt_logprobs"] = nullptr;
      body["prompt_token_ids"] = nullptr;
      body["prompt_text"] = nullptr;
    }
    body["kv_transfer_params"] = nullptr;
    body["ec_transfer_params"] = nullptr;
    body["metrics"] = nullptr;
  }
  return body.dump();
}

std::string WireFormat::ContextLengthError(int64_t prompt_tokens, int64_t max_tokens,
                                           int64_t context_length) const {
  if (flavor_->wire.sglang_shapes) {
    std::string message;
    if (prompt_tokens >= context_length) {
      message = "The input (" + std::to_string(prompt_tokens) +
                " tokens) is longer than the model's context length (" + std::to_string(context_length) +
                " tokens).";
    } else {
      message = "Requested token count exceeds the model's maximum context length of " +
                std::to_string(context_length) + " tokens. You requested a total of " +
                std::to_string(prompt_tokens + max_tokens) + " tokens: " + std::to_string(prompt_tokens) +
                " tokens from the input messages and " + std::to_string(max_tokens) +
                " tokens for the completion. Please reduce the number of tokens in the input messages or the "
                "completion to fit within the limit.";
    }
    return ErrorBody(message, "BadRequestError", 400);
  }
  const std::string message =
      "You passed " + std::to_string(prompt_tokens) + " input tokens and requested " +
      std::to_string(max_tokens) + " output tokens. However, the model's context length is only " +
      std::to_string(context_length) + " tokens, resulting in a maximum input length of " +
      std::to_string(context_length - max_tokens) +
      " tokens. Please reduce the length of the input prompt. (parameter=input_tokens, value=" +
      std::to_string(prompt_tokens) + ")";
  return ErrorBody(message, "BadRequestError", 400, "input_tokens");
}

std::string WireFormat::ErrorBody(const std::string& message, const std::string& type, int code,
                                  const std::string& param) const {
  const Json param_json = param.empty() ? Json(nullptr) : Json(param);
  if (flavor_->wire.sglang_shapes) {
    return Json{
        {"object", "error"}, {"message", message}, {"type", type}, {"param", param_json}, {"code", code}}
        .dump();
  }
  return Json{{"error", {{"message", message}, {"type", type}, {"param", param_json}, {"code", code}}}}
      .dump();
}

std::string WireFormat::EmbeddingBody(const ResponseIds& ids, const std::vector<std::vector<float>>& vectors,
                                      int64_t prompt_tokens) const {
  Json data = Json::array();
  Json usage{{"prompt_tokens", prompt_tokens},
             {"total_tokens", prompt_tokens},
             {"completion_tokens", 0},
             {"prompt_tokens_details", nullptr}};
  if (flavor_->wire.sglang_shapes) {
    for (size_t i = 0; i < vectors.size(); ++i) {
      data.push_back(Json{{"embedding", vectors[i]}, {"index", i}, {"object", "embedding"}});
    }
    usage["reasoning_tokens"] = 0;
    return Json{{"data", data}, {"model", ids.model}, {"object", "list"}, {"usage", usage}}.dump();
  }
  for (size_t i = 0; i < vectors.size(); ++i) {
    data.push_back(Json{{"index", i}, {"object", "embedding"}, {"embedding", vectors[i]}});
  }
  Json body{
      {"id", ids.id}, {"object", "list"}, {"created", ids.created}, {"model", ids.model}, {"data", data}};
  body["usage"] = usage;
  return body.dump();
}

std::string WireFormat::ModelsBody(const std::string& model, const std::string& root, int64_t max_model_len,
                                   int64_t created) const {
  Json card{{"id", model},
            {"object", "model"},
            {"created", created},
            {"owned_by", flavor_->wire.owned_by},
            {"root", root},
            {"parent", nullptr},
            {"max_model_len", max_model_len}};
  if (flavor_->wire.vllm_fields) {
    card["permission"] = Json::array({Json{{"id", "modelperm-00000000000000000000000000000000"},
                                           {"object", "model_permission"},
                                           {"created", created},
                                           {"allow_create_engine", false},
                                           {"allow_sampling", true},
                                           {"allow_logprobs", true},
                                           {"allow_search_indices", false},
                                           {"allow_view", true},
                                           {"allow_fine_tuning", false},
                                           {"organization", "*"},
                                           {"group", nullptr},
                                           {"is_blocking", false}}});
  }
  return Json{{"object", "list"}, {"data", Json::array({card})}}.dump();
}

}  // namespace autotuner::sim
