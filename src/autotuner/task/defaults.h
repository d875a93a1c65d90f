#pragma once

#include <span>
#include <string_view>

#include "autotuner/core/json.h"

namespace autotuner::task {

// One default of the task format. `path` uses '.' between keys; "slo.*" stands for every SLO entry.
struct FieldDefault {
  std::string_view path;
  Json value;
  std::string_view description;
};

// The single table of task defaults (SPEC §1): the parser, `validate`, the API and the UI form all read it.
std::span<const FieldDefault> TaskDefaults();

// The default at `path`; an unknown path is a programming error (throws std::logic_error).
const Json& DefaultFor(std::string_view path);

// The defaults as one nested object, for the API and the UI form.
Json TaskDefaultsJson();

}  // namespace autotuner::task
