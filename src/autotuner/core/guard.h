#pragma once

// Helpers for code that handles what it did not expect: thread bodies and data from outside.

#include <string>
#include <string_view>

#include "autotuner/core/json.h"

namespace autotuner {

// Inside a `catch (...)` block: the exception's what() (or "unknown exception"), for the internal-error
// message a thread body records when it catches what it did not expect.
std::string DescribeCurrentException();

// object[key] when object is a mapping holding a string there, else `fallback`. Never throws, unlike
// Json::value(), which throws type_error for a field of another type (outside data: engines, Docker, K8s).
std::string StringField(const Json& object, std::string_view key, std::string fallback = "");

}  // namespace autotuner
