#include "autotuner/bench/sse_parser.h"

namespace autotuner::bench {

void SseParser::Reset() {
  line_buf_.clear();
  data_buf_.clear();
  event_.clear();
  data_view_ = {};
  has_data_ = false;
  data_in_buf_ = false;
  skip_lf_ = false;
  failed_ = false;
  error_ = "";
}

void SseParser::AddData(std::string_view value, bool value_in_line_buf) {
  if (!has_data_) {
    has_data_ = true;
    if (!value_in_line_buf) {
      data_view_ = value;
      data_in_buf_ = false;
      return;
    }
    data_buf_.assign(value);  // line_buf_ is reused for the next line
  } else {
    if (!Fits(data_view_.size() + 1 + value.size(), "an SSE event's data over 1 MiB")) return;
    if (!data_in_buf_) data_buf_.assign(data_view_);
    data_buf_ += '\n';
    data_buf_.append(value);
  }
  data_view_ = data_buf_;
  data_in_buf_ = true;
}

}  // namespace autotuner::bench
