#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace autotuner::bench {

// One dispatched Server-Sent Event. Views are valid only during the callback.
struct SseEvent {
  std::string_view data;   // the event's data lines joined with '\n'
  std::string_view event;  // the `event:` field, empty when absent
};

// Incremental SSE parser (WHATWG event-stream rules) over bytes as they arrive: events split anywhere across
// reads, LF / CRLF / CR line ends, comments, multi-line `data:`, `event:`; `id:` and `retry:` are ignored.
// Zero-copy in the common case: an event whose data line and terminating blank line arrive in one Feed is
// handed out as a view into the caller's bytes; only the parts that span reads are copied (into buffers that
// keep their capacity, so a long stream allocates nothing per event).
// Every buffer is capped (kMaxEventBytes): past the cap the parser fails and ignores the rest of the stream.
class SseParser {
 public:
  static constexpr size_t kMaxEventBytes = 1024 * 1024;

  // Calls on_event(const SseEvent&) for each event completed by `bytes`.
  template <typename OnEvent>
  void Feed(std::string_view bytes, OnEvent&& on_event) {
    if (failed_) return;
    const char* const p = bytes.data();
    const size_t n = bytes.size();
    size_t pos = 0;
    if (skip_lf_ && n > 0) {
      skip_lf_ = false;
      if (p[0] == '\n') pos = 1;
    }
    size_t lf = FindLf(p, pos, n);
    while (pos < n) {
      if (lf < pos) lf = FindLf(p, pos, n);
      size_t end = lf;
      if (const void* cr = std::memchr(p + pos, '\r', lf - pos)) end = static_cast<const char*>(cr) - p;
      if (end == n) {  // an unfinished line: keep it for the next read
        if (!Fits(line_buf_.size() + (n - pos))) return;
        line_buf_.append(p + pos, n - pos);
        break;
      }
      std::string_view line(p + pos, end - pos);
      bool line_in_buf = false;
      if (!line_buf_.empty()) {
        if (!Fits(line_buf_.size() + line.size())) return;
        line_buf_.append(line);
        line = line_buf_;
        line_in_buf = true;
      }
      if (p[end] == '\r') {
        if (end + 1 == n) {
          skip_lf_ = true;
        } else if (p[end + 1] == '\n') {
          ++end;
        }
      }
      pos = end + 1;
      ProcessLine(line, line_in_buf, on_event);
      if (failed_) return;
      line_buf_.clear();
    }
    // Data that points into `bytes` must survive until the blank line of a later read.
    if (has_data_ && !data_in_buf_) {
      data_buf_.assign(data_view_);
      data_view_ = data_buf_;
      data_in_buf_ = true;
    }
  }

  // Forgets any partial event (a new stream starts).
  void Reset();

  // A line or an event's data went over kMaxEventBytes; error() says which.
  bool failed() const { return failed_; }
  const char* error() const { return error_; }

 private:
  static size_t FindLf(const char* p, size_t pos, size_t n) {
    const void* hit = std::memchr(p + pos, '\n', n - pos);
    return hit == nullptr ? n : static_cast<size_t>(static_cast<const char*>(hit) - p);
  }

  template <typename OnEvent>
  void ProcessLine(std::string_view line, bool line_in_buf, OnEvent& on_event) {
    if (line.empty()) {
      if (has_data_) {
        on_event(SseEvent{data_view_, event_});
        has_data_ = false;
        data_in_buf_ = false;
        data_buf_.clear();
      }
      event_.clear();
      return;
    }
    if (line[0] == ':') return;  // comment / keep-alive
    std::string_view field = line;
    std::string_view value;
    if (const size_t colon = line.find(':'); colon != std::string_view::npos) {
      field = line.substr(0, colon);
      value = line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
      AddData(value, line_in_buf);
    } else if (field == "event") {
      event_.assign(value);
    }
  }

  void AddData(std::string_view value, bool value_in_line_buf);
  bool Fits(size_t size, const char* what = "an SSE line over 1 MiB") {
    if (size <= kMaxEventBytes) return true;
    failed_ = true;
    error_ = what;
    return false;
  }

  std::string line_buf_;  // a line split across reads
  std::string data_buf_;  // data that spans reads or lines
  std::string event_;
  std::string_view data_view_;
  bool has_data_ = false;
  bool data_in_buf_ = false;
  bool skip_lf_ = false;  // the last read ended with CR: a leading LF belongs to it
  bool failed_ = false;
  const char* error_ = "";
};

}  // namespace autotuner::bench
