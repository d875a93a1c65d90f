#pragma once

// Tables shipped as data (data/*.json: tokenizer families, GPU types): found in $AUTOTUNER_DATA_DIR when set,
// else in the source tree's data/ (compiled in, so built binaries and tests find it wherever they run).

#include <filesystem>
#include <string_view>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner {

std::filesystem::path DataDir();

// Reads and parses DataDir()/name, or `file` when given (at most 1 MiB). kNotFound / kParse / kValidation.
Result<Json> ReadDataJson(std::string_view name, const std::filesystem::path& file = {});

}  // namespace autotuner
