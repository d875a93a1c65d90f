// libFuzzer target: any bytes as an engine's HTTP response to a streaming request, cut into reads at
// points the input chooses. The HTTP parser, the SSE parser and the chunk parser never crash, never read
// past what they were given, and hand out no more body than arrived; error and response bodies parse to a
// result or an error, never an exception.
#include <string_view>

#include "autotuner/bench/http_response.h"
#include "autotuner/bench/openai_chunk.h"
#include "autotuner/bench/sse_parser.h"
#include "autotuner/core/fuzz_entry.h"
#include "autotuner/core/json.h"

namespace autotuner::fuzz {

int EngineStream(const uint8_t* data, size_t size) {
  namespace bench = autotuner::bench;
  if (size < 1) return 0;
  // The first byte picks the read size (1..256 bytes), so splits land everywhere.
  const size_t read_size = size_t{data[0]} + 1;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  bench::HttpResponseParser http;
  bench::SseParser sse;
  bench::ChunkParser chunks;
  bench::ChunkInfo info;
  size_t body_bytes = 0;
  size_t pos = 0;
  while (pos < bytes.size() && !http.done() && !http.failed()) {
    const std::string_view piece = bytes.substr(pos, read_size);
    const size_t used = http.Feed(piece, [&](std::string_view body) {
      body_bytes += body.size();
      sse.Feed(body, [&](const bench::SseEvent& event) {
        if (event.data.size() > bench::SseParser::kMaxEventBytes) InvariantBroken("SSE events are capped");
        info = {};
        if (chunks.Parse(event.data, info).ok() && SanitizeUtf8(info.error_message) != info.error_message) {
          InvariantBroken("error events' messages are valid UTF-8");
        }
      });
      return true;
    });
    if (used > piece.size()) InvariantBroken("the HTTP parser consumes at most what it was given");
    if (used < piece.size() && !http.done() && !http.failed())
      InvariantBroken("bytes are left only at the end");
    pos += used;
  }
  if (!http.done() && !http.failed()) http.OnEof();
  if (body_bytes > bytes.size()) InvariantBroken("no more body than arrived");
  if (http.head_done() && (http.status() < 100 || http.status() > 999))
    InvariantBroken("status codes have 3 digits");

  // The message is stored and served as JSON: it must be valid UTF-8 (else serialising it throws).
  const auto error = bench::ParseErrorBody(bytes);
  if (SanitizeUtf8(error.message) != error.message) InvariantBroken("error messages are valid UTF-8");
  (void)bench::ParseResponseBody(bytes);
  return 0;
}

}  // namespace autotuner::fuzz

AUTOTUNER_FUZZ_TARGET(autotuner::fuzz::EngineStream)
