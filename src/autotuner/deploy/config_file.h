#pragma once

// A user's own engine config file merged with the settings the mapping derived. TensorRT-LLM takes the
// KV-cache dtype and FP8 quantization only from the YAML file of --extra_llm_api_options; a task that also
// passes its own file there (parameters: {extra_llm_api_options: [my.yaml]}) would otherwise get two such
// flags, and the engine reads only the last one. So the user's file is read and merged under the derived
// settings' file, the user's keys winning, and the plan passes the one merged file.

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::deploy {

// `base` with `over` laid on top: objects merge key by key at every depth, anything else in `over` replaces
// what `base` has (null included).
Json MergeConfig(Json base, const Json& over);

// When the plan derived config-file settings and also carries the runtime's config-file flag with the
// user's file, reads that file (YAML or JSON, a mapping), merges it over the derived settings and drops the
// flag from the plan's arguments, noting the merge (and each derived setting the file overrides) in
// plan.notes. Nothing to merge: the plan is left as it is. A file that does not load is a kInvalidArgument
// error naming it.
Status MergeUserConfigFile(const task::RuntimeDefinition& runtime, LaunchPlan& plan);

}  // namespace autotuner::deploy
