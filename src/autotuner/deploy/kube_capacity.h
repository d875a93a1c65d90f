#pragma once

// What a Kubernetes cluster offers a study: the GPUs of its ready, schedulable nodes (allocatable
// `nvidia.com/gpu`, optionally only nodes matching the task's node selector), less what running pods already
// request where autotuner may list pods cluster-wide, capped by the namespace's ResourceQuota; the GPU type
// from GPU feature discovery's `nvidia.com/gpu.product` label. Read once before a study's first experiment.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/deploy/kube_client.h"

namespace autotuner::deploy {

struct ClusterCapacity {
  int64_t free_gpus = 0;          // GPUs a study may use now: free on counted nodes, within the quota
  int64_t total_gpus = 0;         // allocatable on counted nodes
  int64_t largest_node_gpus = 0;  // allocatable on the counted node with the most: the most one engine gets
  int nodes = 0;                  // counted nodes (ready, schedulable, with GPUs)
  std::string gpu_type;           // the type of data/gpu_types.json when every counted node has the same one
  std::optional<int64_t> quota_left;  // requests.nvidia.com/gpu the namespace's ResourceQuota still allows
  std::vector<std::string> notes;     // nodes left out, what could not be read (the study log)
  // "24 of 32 GPUs free on 4 nodes (H100), at most 8 on one node; quota leaves 16".
  std::string Summary() const;
};

// Lists nodes (labelSelector from `node_selector`), pods cluster-wide (a 403 falls back to allocatable with a
// note) and the ResourceQuotas of `ns` (unreadable: not applied, with a note). An error when nodes cannot be
// listed.
Result<ClusterCapacity> DiscoverClusterCapacity(KubeClient& client, const std::string& ns,
                                                const std::map<std::string, std::string>& node_selector);

// The project's GPU type of a `nvidia.com/gpu.product` label ("NVIDIA-H100-80GB-HBM3" → "H100"), or empty.
std::string GpuTypeOfProductLabel(const std::string& product);

}  // namespace autotuner::deploy
