#include "autotuner/deploy/kube_capacity.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "autotuner/core/gpu_types.h"

namespace autotuner::deploy {
namespace {

constexpr const char* kGpuResource = "nvidia.com/gpu";
constexpr const char* kQuotaKey = "requests.nvidia.com/gpu";
// Pods that hold their requests: neither finished nor failed (fieldSelector, URL-encoded).
constexpr const char* kLivePods =
    "/api/v1/pods?fieldSelector=status.phase%21%3DSucceeded%2Cstatus.phase%21%3DFailed";

// A whole-number quantity ("8"; GPUs have no other form), else 0.
int64_t CountOf(const Json& quantity) {
  if (quantity.is_number_integer()) return std::max<int64_t>(quantity.get<int64_t>(), 0);
  if (!quantity.is_string()) return 0;
  const std::string text = quantity.get<std::string>();
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value > 0 ? value : 0;
}

int64_t GpuCountIn(const Json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return 0;
  return CountOf(object[key]);
}

// Why a node cannot take engines now, or empty.
std::string NodeLeftOutBecause(const Json& node) {
  if (node.value("spec", Json::object()).value("unschedulable", false)) return "cordoned";
  for (const auto& c : node.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready" && c.value("status", "") != "True") return "not Ready";
  }
  return "";
}

// The GPUs a pod requests (per container, a request or else its limit, which extended resources default it
// to); init containers run before the others, so the larger of the two counts.
int64_t PodGpus(const Json& pod) {
  const Json spec = pod.value("spec", Json::object());
  auto of = [](const Json& container) {
    const Json resources = container.value("resources", Json::object());
    const int64_t requested = GpuCountIn(resources.value("requests", Json::object()), kGpuResource);
    return requested > 0 ? requested : GpuCountIn(resources.value("limits", Json::object()), kGpuResource);
  };
  int64_t sum = 0;
  for (const auto& c : spec.value("containers", Json::array())) sum += of(c);
  int64_t init = 0;
  for (const auto& c : spec.value("initContainers", Json::array())) init = std::max(init, of(c));
  return std::max(sum, init);
}

// GPUs requested on each node by pods already placed there; nothing when pods cannot be listed.
std::optional<std::map<std::string, int64_t>> RequestedByNode(KubeClient& client, ClusterCapacity& out) {
  auto pods = client.Get(kLivePods);
  if (!pods.ok()) {
    out.notes.push_back("pods cannot be listed cluster-wide (" + pods.error().message +
                        "): counting allocatable GPUs, busy ones included");
    return std::nullopt;
  }
  std::map<std::string, int64_t> used;
  for (const auto& pod : pods->value("items", Json::array())) {
    const std::string node = pod.value("spec", Json::object()).value("nodeName", "");
    if (!node.empty()) used[node] += PodGpus(pod);
  }
  return used;
}

// The least requests.nvidia.com/gpu that any ResourceQuota of the namespace still allows.
void ApplyQuota(KubeClient& client, const std::string& ns, ClusterCapacity& out) {
  auto quotas = client.Get("/api/v1/namespaces/" + ns + "/resourcequotas");
  if (!quotas.ok()) {
    out.notes.push_back("ResourceQuotas of " + ns + " cannot be read (" + quotas.error().message +
                        "): not applied");
    return;
  }
  for (const auto& quota : quotas->value("items", Json::array())) {
    const Json hard = quota.value("spec", Json::object()).value("hard", Json::object());
    if (!hard.contains(kQuotaKey)) continue;
    const Json used = quota.value("status", Json::object()).value("used", Json::object());
    const int64_t left = std::max<int64_t>(GpuCountIn(hard, kQuotaKey) - GpuCountIn(used, kQuotaKey), 0);
    out.quota_left = std::min(out.quota_left.value_or(left), left);
  }
  if (out.quota_left) out.free_gpus = std::min(out.free_gpus, *out.quota_left);
}

std::string SelectorText(const std::map<std::string, std::string>& node_selector) {
  std::string out;
  for (const auto& [key, value] : node_selector) out += (out.empty() ? "" : ",") + key + "=" + value;
  return out;
}

}  // namespace

std::string GpuTypeOfProductLabel(const std::string& product) {
  // GPU feature discovery writes the nvidia-smi name with '-' for spaces ("NVIDIA-RTX-6000-Ada-Generation").
  std::string name = product;
  std::replace(name.begin(), name.end(), '-', ' ');
  return GpuTypeOf(name);
}

std::string ClusterCapacity::Summary() const {
  std::string out = std::to_string(free_gpus) + " of " + std::to_string(total_gpus) + " GPUs free on " +
                    std::to_string(nodes) + " node" + (nodes == 1 ? "" : "s") +
                    (gpu_type.empty() ? "" : " (" + gpu_type + ")") + ", at most " +
                    std::to_string(largest_node_gpus) + " on one node";
  if (quota_left) out += "; quota leaves " + std::to_string(*quota_left);
  return out;
}

Result<ClusterCapacity> DiscoverClusterCapacity(KubeClient& client, const std::string& ns,
                                                const std::map<std::string, std::string>& node_selector) {
  const std::string selector = SelectorText(node_selector);
  auto nodes = client.List("/api/v1/nodes", selector);
  if (!nodes.ok()) return std::move(nodes).error();
  ClusterCapacity out;
  std::map<std::string, int64_t> allocatable;  // counted nodes
  std::set<std::string> types;
  for (const auto& node : *nodes) {
    const Json metadata = node.value("metadata", Json::object());
    const std::string name = metadata.value("name", "");
    const int64_t gpus =
        GpuCountIn(node.value("status", Json::object()).value("allocatable", Json::object()), kGpuResource);
    if (gpus == 0) continue;
    if (const std::string why = NodeLeftOutBecause(node); !why.empty()) {
      out.notes.push_back("node " + name + " left out: " + why);
      continue;
    }
    allocatable[name] = gpus;
    const Json labels = metadata.value("labels", Json::object());
    types.insert(GpuTypeOfProductLabel(labels.value("nvidia.com/gpu.product", "")));
  }
  if (allocatable.empty()) {
    std::string why;
    for (const auto& note : out.notes) why += "; " + note;
    return MakeError(ErrorCode::kUnavailable,
                     "no ready, schedulable node with nvidia.com/gpu" +
                         (selector.empty() ? std::string() : " matches the node selector " + selector) + why);
  }
  if (types.size() == 1) out.gpu_type = *types.begin();
  const auto requested = RequestedByNode(client, out);
  for (const auto& [name, gpus] : allocatable) {
    ++out.nodes;
    out.total_gpus += gpus;
    out.largest_node_gpus = std::max(out.largest_node_gpus, gpus);
    const int64_t used = requested && requested->contains(name) ? requested->at(name) : 0;
    out.free_gpus += std::max<int64_t>(gpus - used, 0);
  }
  ApplyQuota(client, ns, out);
  return out;
}

}  // namespace autotuner::deploy
