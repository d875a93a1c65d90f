#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::bench {

// What the load generator needs from one streamed OpenAI-compatible chunk (completions or chat, vLLM or
// SGLang shapes; openai-protocol.md).
struct ChunkInfo {
  bool has_content = false;    // some choice carries non-empty text / delta content / reasoning
  bool finished = false;       // some choice has a finish_reason
  int64_t prompt_tokens = -1;  // from `usage` when present, else -1
  int64_t completion_tokens = -1;
  bool is_error = false;  // an `{"error": …}` event sent after the stream started
  int error_code = 0;     // its `code` when numeric
  std::string error_message;
};

// Parses chunks with simdjson On-Demand. One per stream owner (not thread-safe); the padded copy buffer keeps
// its capacity, so steady-state parsing allocates nothing.
class ChunkParser {
 public:
  ChunkParser();
  ~ChunkParser();
  ChunkParser(ChunkParser&&) noexcept;
  ChunkParser& operator=(ChunkParser&&) noexcept;

  // kParse when `data` is not a JSON object.
  Status Parse(std::string_view data, ChunkInfo& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An HTTP error body of either engine: nested `{"error": {message, type, code}}` or flat
// `{"object": "error", message, type, code}`. Unknown bodies give their (cut) text as the message.
struct ErrorBody {
  std::string message;
  std::string type;
  int code = 0;
};
ErrorBody ParseErrorBody(std::string_view body);

// Token counts and content of a non-streaming completions / chat / embeddings response.
struct ResponseUsage {
  int64_t prompt_tokens = -1;
  int64_t completion_tokens = -1;
  bool has_content = false;
};
Result<ResponseUsage> ParseResponseBody(std::string_view body);

}  // namespace autotuner::bench
