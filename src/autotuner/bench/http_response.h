#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace autotuner::bench {

// Incremental HTTP/1.1 response parser for the load generator: status line, the headers it needs
// (Content-Length, Transfer-Encoding: chunked, Connection), then the body, de-chunked, handed out as views
// into the caller's bytes (zero copy; the client reads into one buffer per thread, not per stream). Bytes may
// split anywhere. Only a head that spans reads is copied, into a buffer capped at kMaxHeadBytes.
class HttpResponseParser {
 public:
  static constexpr size_t kMaxHeadBytes = 32 * 1024;
  static constexpr size_t kMaxChunkLineBytes = 1024;

  // Forgets the previous response (keep-alive: the next one starts).
  void Reset();

  // Consumes `bytes`, calling on_body(std::string_view) for each piece of body; on_body returns false to
  // stop. Returns how many bytes were consumed: all of them unless the response ended (or on_body stopped)
  // within `bytes`. Check failed() afterwards.
  template <typename OnBody>
  size_t Feed(std::string_view bytes, OnBody&& on_body) {
    size_t pos = 0;
    while (pos < bytes.size() && state_ != State::kDone && state_ != State::kFailed) {
      if (state_ == State::kHead) {
        pos += FeedHead(bytes.substr(pos));
        continue;
      }
      if (state_ == State::kBody || state_ == State::kChunkData) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size() - pos));
        remaining_ -= n;
        const std::string_view piece = bytes.substr(pos, n);
        pos += n;
        if (remaining_ == 0) FinishPiece();
        if (n > 0 && !on_body(piece)) break;
        continue;
      }
      if (state_ == State::kUntilClose) {
        const std::string_view piece = bytes.substr(pos);
        pos = bytes.size();
        if (!on_body(piece)) break;
        continue;
      }
      pos += FeedChunkLine(bytes.substr(pos));
    }
    return pos;
  }

  // The server closed the connection: ends a body delimited by the close; otherwise, unless done, the
  // response is truncated (failed() stays false: the caller reports a reset).
  void OnEof();

  bool head_done() const { return state_ != State::kHead && state_ != State::kFailed; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  const std::string& error() const { return error_; }  // why failed()
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }

 private:
  enum class State {
    kHead,
    kBody,
    kUntilClose,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kDone,
    kFailed
  };

  size_t FeedHead(std::string_view bytes);
  bool ParseHead(std::string_view head);
  size_t FeedChunkLine(std::string_view bytes);
  bool ChunkLine(std::string_view line);
  void FinishPiece();
  void Fail(std::string message);

  State state_ = State::kHead;
  std::string head_buf_;  // a head split across reads; a chunk-size line split across reads
  std::string error_;
  int status_ = 0;
  bool keep_alive_ = true;
  uint64_t remaining_ = 0;  // body or chunk bytes still to come
};

}  // namespace autotuner::bench
