#include "autotuner/core/log.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace autotuner {
namespace {

constexpr const char* kPattern = "[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v";

class CallbackSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CallbackSink(LogLineSink sink) : sink_(std::move(sink)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    std::string_view line(formatted.data(), formatted.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    try {
      sink_(msg.level, line);
    } catch (...) {
      // A failing consumer must not take logging (or the thread) down with it.
    }
  }
  void flush_() override {}

 private:
  LogLineSink sink_;
};

}  // namespace

void InitLogging(spdlog::level::level_enum level) {
  auto logger = spdlog::stderr_color_mt("autotuner");
  logger->set_pattern(kPattern);
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

std::shared_ptr<spdlog::logger> MakeTaskLogger(std::string name, LogLineSink sink) {
  std::vector<spdlog::sink_ptr> sinks = spdlog::default_logger()->sinks();
  auto callback = std::make_shared<CallbackSink>(std::move(sink));
  callback->set_pattern(kPattern);
  sinks.push_back(callback);
  auto logger = std::make_shared<spdlog::logger>(std::move(name), sinks.begin(), sinks.end());
  logger->set_level(spdlog::default_logger()->level());
  return logger;
}

}  // namespace autotuner
