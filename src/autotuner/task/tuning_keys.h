#pragma once

// optimization.baseline / confirm / early_stop / max_duration (SPEC §1): how much to trust a study's answer.

#include <functional>
#include <string>
#include <string_view>

#include "autotuner/core/json.h"
#include "autotuner/task/task.h"

namespace autotuner::task {

// Reads the four keys of the `optimization` mapping into `o` (absent keys keep their defaults); every problem
// is reported through `fail(path, message)`, naming the key and what was expected.
void ParseTuningKeys(const Json& optimization, Optimization& o,
                     const std::function<void(std::string_view path, std::string message)>& fail);

// The keys as a normalised task shows them: auto stays "auto" (a runtime-independent spec), the rest as set.
void TuningKeysToJson(const Optimization& o, Json& optimization);

}  // namespace autotuner::task
