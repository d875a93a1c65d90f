#include "autotuner/bench/http_response.h"

#include <cstring>

#include "autotuner/core/strings.h"

namespace autotuner::bench {
namespace {

// The index just past a head's terminating blank line (LF LF or LF CR LF) at or after `from`, or npos.
size_t FindHeadEnd(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size();) {
    const void* hit = std::memchr(s.data() + i, '\n', s.size() - i);
    if (hit == nullptr) return std::string_view::npos;
    i = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
    ++i;
  }
  return std::string_view::npos;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

// True when the comma-separated `list` holds `token` (case-insensitive); `last` asks for the last element.
bool HasToken(std::string_view list, std::string_view token, bool last = false) {
  bool found = false;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const bool match = EqualsNoCase(TrimAsciiSpace(list.substr(0, comma)), token);
    found = last ? match : (found || match);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return found;
}

}  // namespace

void HttpResponseParser::Reset() {
  state_ = State::kHead;
  head_buf_.clear();
  error_.clear();
  status_ = 0;
  keep_alive_ = true;
  remaining_ = 0;
}

void HttpResponseParser::Fail(std::string message) {
  state_ = State::kFailed;
  error_ = std::move(message);
  keep_alive_ = false;
}

size_t HttpResponseParser::FeedHead(std::string_view bytes) {
  if (head_buf_.empty()) {
    const size_t end = FindHeadEnd(bytes, 0);
    if (end != std::string_view::npos) {
      ParseHead(bytes.substr(0, end));
      return end;
    }
    if (bytes.size() > kMaxHeadBytes) {
      Fail("response header over " + std::to_string(kMaxHeadBytes / 1024) + " KiB");
      return bytes.size();
    }
    head_buf_.assign(bytes);
    return bytes.size();
  }
  const size_t old = head_buf_.size();
  const size_t take = std::min(bytes.size(), kMaxHeadBytes + 1 - std::min(old, kMaxHeadBytes + 1));
  head_buf_.append(bytes.substr(0, take));
  const size_t end = FindHeadEnd(head_buf_, old >= 2 ? old - 2 : 0);
  if (end == std::string_view::npos) {
    if (head_buf_.size() > kMaxHeadBytes) {
      Fail("response header over " + std::to_string(kMaxHeadBytes / 1024) + " KiB");
      return bytes.size();
    }
    return take;
  }
  std::string head = std::move(head_buf_);
  head_buf_.clear();
  ParseHead(std::string_view(head).substr(0, end));
  return end - old;
}

bool HttpResponseParser::ParseHead(std::string_view head) {
  std::string_view rest = head;
  auto next_line = [&rest] {
    const size_t lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest.remove_prefix(lf == std::string_view::npos ? rest.size() : lf + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  const std::string_view status_line = next_line();
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      status_line[9] < '1' || status_line[9] > '5' || status_line[10] < '0' || status_line[10] > '9' ||
      status_line[11] < '0' || status_line[11] > '9') {
    Fail("not an HTTP/1.x status line: '" + std::string(status_line.substr(0, 80)) + "'");
    return false;
  }
  status_ = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  keep_alive_ = status_line[7] != '0';
  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = TrimAsciiSpace(line.substr(0, colon));
    const std::string_view value = TrimAsciiSpace(line.substr(colon + 1));
    if (EqualsNoCase(name, "content-length")) {
      if (value.empty() || value.size() > 15 ||
          value.find_first_not_of("0123456789") != std::string_view::npos) {
        Fail("bad Content-Length '" + std::string(value.substr(0, 40)) + "'");
        return false;
      }
      length = 0;
      for (char c : value) length = length * 10 + static_cast<uint64_t>(c - '0');
      has_length = true;
    } else if (EqualsNoCase(name, "transfer-encoding")) {
      chunked = HasToken(value, "chunked", true);
    } else if (EqualsNoCase(name, "connection")) {
      if (HasToken(value, "close")) keep_alive_ = false;
      if (HasToken(value, "keep-alive")) keep_alive_ = true;
    }
  }
  if (status_ < 200) {  // 100 Continue and friends: the real response follows
    Reset();
    return true;
  }
  if (status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked) {
    state_ = State::kChunkSize;
  } else if (has_length) {
    remaining_ = length;
    state_ = length == 0 ? State::kDone : State::kBody;
  } else {
    state_ = State::kUntilClose;
    keep_alive_ = false;
  }
  return true;
}

size_t HttpResponseParser::FeedChunkLine(std::string_view bytes) {
  const void* hit = std::memchr(bytes.data(), '\n', bytes.size());
  if (hit == nullptr) {
    if (head_buf_.size() + bytes.size() > kMaxChunkLineBytes) {
      Fail("chunk-size or trailer line over " + std::to_string(kMaxChunkLineBytes) + " bytes");
      return bytes.size();
    }
    head_buf_.append(bytes);
    return bytes.size();
  }
  const size_t lf = static_cast<size_t>(static_cast<const char*>(hit) - bytes.data());
  std::string_view line = bytes.substr(0, lf);
  if (!head_buf_.empty()) {
    head_buf_.append(line);
    line = head_buf_;
  }
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ChunkLine(line);
  head_buf_.clear();
  return lf + 1;
}

bool HttpResponseParser::ChunkLine(std::string_view line) {
  if (state_ == State::kChunkDataEnd) {
    if (!line.empty()) {
      Fail("chunk data longer than its size");
      return false;
    }
    state_ = State::kChunkSize;
    return true;
  }
  if (state_ == State::kTrailer) {
    if (line.empty()) state_ = State::kDone;
    return true;
  }
  uint64_t size = 0;
  size_t digits = 0;
  for (char c : line) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) break;
    if (++digits > 12) {
      Fail("chunk size too large");
      return false;
    }
    size = size * 16 + static_cast<uint64_t>(v);
  }
  if (digits == 0) {
    Fail("bad chunk-size line '" + std::string(line.substr(0, 40)) + "'");
    return false;
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailer : State::kChunkData;
  return true;
}

void HttpResponseParser::FinishPiece() {
  state_ = state_ == State::kBody ? State::kDone : State::kChunkDataEnd;
}

void HttpResponseParser::OnEof() {
  if (state_ == State::kUntilClose) state_ = State::kDone;
}

}  // namespace autotuner::bench
