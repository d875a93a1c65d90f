#pragma once

// The bytes each engine sends on its OpenAI-compatible routes (../shared/engines/openai-protocol.md): SSE
// chunks, non-streaming bodies, usage objects, error bodies and /v1/models. TensorRT-LLM's trtllm-serve
// follows vLLM's classic shapes (every declared field present, `"usage":null` on token chunks).

#include <cstdint>
#include <string>
#include <vector>

#include "autotuner/sim/engine_config.h"

namespace autotuner::sim {

enum class Endpoint { kCompletions, kChat };

// What identifies one response: the same in every chunk except SGLang's chat `created` (recomputed).
struct ResponseIds {
  std::string id;  // with the flavor's prefix
  int64_t created = 0;
  std::string model;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
};

class WireFormat {
 public:
  explicit WireFormat(Flavor flavor) : flavor_(flavor) {}

  // "cmpl-<hex>"/"chatcmpl-<hex>" (vLLM, TensorRT-LLM) or the bare hex (SGLang).
  std::string ResponseId(Endpoint endpoint, const std::string& hex) const;

  // SSE events, each "data: <json>\n\n". Empty strings where the flavor sends no such event.
  std::string RoleEvent(Endpoint endpoint, const ResponseIds& ids, int64_t now) const;
  // One token's text; `last` carries finish_reason "length" where the flavor puts it on the last delta.
  std::string TokenEvent(Endpoint endpoint, const ResponseIds& ids, const std::string& text, bool last,
                         int64_t now) const;
  // SGLang's separate finish chunk after the last chat delta.
  std::string FinishEvent(Endpoint endpoint, const ResponseIds& ids, int64_t now) const;
  std::string UsageEvent(Endpoint endpoint, const ResponseIds& ids, const Usage& usage, int64_t now) const;
  static std::string DoneEvent() { return "data: [DONE]\n\n"; }
  // The spaced `json.dumps` event both engines send when an error happens after the stream started.
  std::string StreamErrorEvent(const std::string& message, const std::string& type, int code) const;

  std::string CompletionBody(Endpoint endpoint, const ResponseIds& ids, const std::string& text,
                             const Usage& usage) const;
  // The 400 for a prompt over the context length, in the engine's words.
  std::string ContextLengthError(int64_t prompt_tokens, int64_t max_tokens, int64_t context_length) const;
  // An error body of this flavor's shape.
  std::string ErrorBody(const std::string& message, const std::string& type, int code,
                        const std::string& param = "") const;
  // /v1/embeddings: one vector per input, `prompt_tokens` summed over the inputs.
  std::string EmbeddingBody(const ResponseIds& ids, const std::vector<std::vector<float>>& vectors,
                            int64_t prompt_tokens) const;
  std::string ModelsBody(const std::string& model, const std::string& root, int64_t max_model_len,
                         int64_t created) const;

 private:
  Flavor flavor_;
};

}  // namespace autotuner::sim
