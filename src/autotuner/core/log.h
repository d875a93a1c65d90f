#pragma once

#include <spdlog/spdlog.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace autotuner {

// Configures the process-wide default logger: stderr, "[time] [level] message".
void InitLogging(spdlog::level::level_enum level = spdlog::level::info);

// Receives every formatted line a task logger writes (without the trailing newline), so a task's log can be
// stored and streamed. Called on the logging thread: keep it short and never throw.
using LogLineSink = std::function<void(spdlog::level::level_enum level, std::string_view line)>;

// A logger that writes to the default logger's sinks and also hands each line to `sink`.
std::shared_ptr<spdlog::logger> MakeTaskLogger(std::string name, LogLineSink sink);

}  // namespace autotuner
