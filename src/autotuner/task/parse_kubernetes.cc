// Parser: the `kubernetes:` block (SPEC §1): where engines may be scheduled, where the benchmark runs, how
// long a pod may stay unschedulable, and whether engines may span nodes.

#include <array>

#include "autotuner/task/defaults.h"
#include "autotuner/task/parse_internal.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::task::internal {
namespace {

constexpr std::array<std::string_view, 5> kKubernetesKeys = {"node_selector", "bench", "bench_image",
                                                             "unschedulable_timeout", "multi_node"};

bool LabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

bool LabelAlnum(char c) { return LabelChar(c) && c != '-' && c != '_' && c != '.'; }

// A label name or value: at most 63 of [A-Za-z0-9-_.], beginning and ending alphanumeric (a value may be
// empty).
bool ValidLabelPart(std::string_view s, bool may_be_empty) {
  if (s.empty()) return may_be_empty;
  if (s.size() > 63 || !LabelAlnum(s.front()) || !LabelAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), LabelChar);
}

// "prefix/name" (prefix: a DNS subdomain) or "name".
bool ValidLabelKey(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return ValidLabelPart(key, false);
  const std::string_view prefix = key.substr(0, slash);
  const bool prefix_ok =
      !prefix.empty() && prefix.size() <= 253 && LabelAlnum(prefix.front()) && LabelAlnum(prefix.back()) &&
      std::all_of(prefix.begin(), prefix.end(), [](char c) { return LabelChar(c) && c != '_'; });
  return prefix_ok && ValidLabelPart(key.substr(slash + 1), false);
}

KubernetesOptions::Bench BenchOf(std::string_view name) {
  const auto at = std::find(kKubernetesBench.begin(), kKubernetesBench.end(), name);
  return static_cast<KubernetesOptions::Bench>(at - kKubernetesBench.begin());
}

}  // namespace

void Parser::ParseKubernetes(const Json& doc, Task& task) {
  KubernetesOptions& k = task.kubernetes;
  k.bench = BenchOf(DefaultFor("kubernetes.bench").get<std::string>());
  k.unschedulable_timeout = DefaultFor("kubernetes.unschedulable_timeout").get<double>();
  k.multi_node = DefaultFor("kubernetes.multi_node").get<bool>();
  const Json* block = Object(doc, "kubernetes", "kubernetes");
  if (block == nullptr) return;
  const KubernetesOptions defaults = k;
  const bool cluster = IsCluster(task.deployment_mode);
  if (!cluster) Warn("kubernetes", "only used when deployment_mode is kubernetes or ome; ignored");
  CheckKeys(*block, "kubernetes", kKubernetesKeys);
  if (const Json* selector = Object(*block, "node_selector", "kubernetes.node_selector")) {
    for (const auto& [key, value] : selector->items()) {
      const std::string path = JoinPath("kubernetes.node_selector", key);
      if (!ValidLabelKey(key)) {
        Fail(path, "'" + key +
                       "' is not a Kubernetes label key ([prefix/]name, name at most 63 of A-Z a-z 0-9 "
                       "- _ ., beginning and ending alphanumeric)");
      } else if (!value.is_string()) {
        Fail(path, "must be a string, got " + Describe(value) + "; quote it (\"" + DumpJson(value) + "\")");
      } else if (!ValidLabelPart(value.get<std::string>(), true)) {
        Fail(path, "'" + value.get<std::string>() +
                       "' is not a Kubernetes label value (at most 63 of A-Z a-z 0-9 - _ ., beginning and "
                       "ending alphanumeric)");
      } else {
        k.node_selector[key] = value.get<std::string>();
      }
    }
  }
  if (auto bench = Choice(*block, "bench", "kubernetes.bench", kKubernetesBench)) k.bench = BenchOf(*bench);
  if (auto image = String(*block, "bench_image", "kubernetes.bench_image")) {
    if (image->empty() || image->find_first_of(" \t\n") != std::string::npos) {
      Fail("kubernetes.bench_image", "must be an image reference without spaces, got '" + *image + "'");
    } else {
      k.bench_image = *image;
    }
  }
  if (auto timeout = Number(*block, "unschedulable_timeout", "kubernetes.unschedulable_timeout",
                            /*positive=*/true, limits::kMaxSeconds)) {
    k.unschedulable_timeout = *timeout;
  }
  if (auto multi = Bool(*block, "multi_node", "kubernetes.multi_node")) k.multi_node = *multi;
  // Checked either way, kept only where it applies (so the normalised task, which leaves it out,
  // round-trips).
  if (!cluster) k = defaults;
}

}  // namespace autotuner::task::internal
