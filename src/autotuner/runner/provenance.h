#pragma once

// Where a study's numbers come from (issue 16): the autotuner version, a hash of the task as stored, the GPUs
// the study was given (nvidia-smi's snapshot), driver and CUDA versions, and the engine's version or image
// digest where the runtime can report it. Stored with the task when a study starts (store::TaskRecord::
// provenance), shown by `autotuner experiments` and GET /api/tasks/{id}.

#include <string>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/runner/preflight.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/task.h"

namespace autotuner::runner {

// "fnv1a64:<16 hex digits>" of the task's canonical JSON text: equal tasks hash alike (an identity for
// comparing studies, not a security measure).
std::string TaskHash(const Json& spec);

// {autotuner_version, task_hash, runtime, simulated, deployment_mode, gpu_type, gpus: [{index, uuid, name,
// type, compute_cap, memory_total_mib}], driver_version, cuda_version, engine: {image, image_digest,
// version}} (null where unknown). `spec` is the stored task; the engine's version comes from the runtime's
// version_probe (local) or the image digest (docker), both through `probes`.
Json StudyProvenance(const Json& spec, const task::Task& task, const task::RuntimeDefinition& runtime,
                     const StudyResources& resources, const PreflightProbes& probes);

// "autotuner 0.4.0 · task fnv1a64:… · 2x NVIDIA H100 80GB HBM3 · driver 550.54 · CUDA 12.4 · engine 0.5.2":
// one line for the CLI, with what is known.
std::string ProvenanceLine(const Json& provenance);

}  // namespace autotuner::runner
