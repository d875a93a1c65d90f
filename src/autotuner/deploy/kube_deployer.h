#pragma once

// Experiments on Kubernetes: a plain Deployment + Service (`kubernetes` mode) or an OME InferenceService with
// the tuned engine arguments (`ome` mode). Readiness comes from the objects' status and their pods, which
// also tell an engine that crashed or ran out of memory; engine logs are followed from the pod.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "autotuner/deploy/deployer.h"
#include "autotuner/deploy/kube_client.h"
#include "autotuner/task/task.h"

namespace autotuner::deploy {

struct KubeDeployerOptions {
  enum class Mode { kKubernetes, kOme };
  Mode mode = Mode::kKubernetes;
  std::string owner;             // label autotuner.io/owner
  std::string ns = "autotuner";  // the task's model.namespace
  int port = 8080;               // the engine's port inside the pod
  std::string cluster_domain = "cluster.local";
  std::chrono::milliseconds poll_interval{2000};
  std::string hf_token_secret;                        // Secret (key HF_TOKEN) passed to the engine, if set
  std::optional<task::Storage> storage;               // model weights on a PVC
  std::optional<task::OmeResourceConfig> base_model;  // OME ClusterBaseModel
  std::optional<task::OmeResourceConfig> serving_runtime;  // OME ClusterServingRuntime
  std::map<std::string, std::string> node_selector;        // the task's kubernetes.node_selector
  // How long an engine's pod may stay Pending as unschedulable before the deploy fails (and frees its slot).
  std::chrono::milliseconds unschedulable_timeout{300'000};
  // false: objects for a person to apply (the best configuration, runner/launch_command.h): no owner label
  // and no AUTOTUNER_* environment, so no study's orphan cleanup ever removes them, and credentials in the
  // engine's environment (deploy::IsSecretEnvName) come from the Secret kRenderedCredentialsSecret by name.
  bool bookkeeping = true;
};
inline constexpr const char* kRenderedCredentialsSecret = "engine-credentials";

class KubeDeployer final : public Deployer {
 public:
  KubeDeployer(KubeDeployerOptions options, std::unique_ptr<KubeTransport> transport);

  Result<std::unique_ptr<Deployment>> Deploy(const DeploySpec& spec) override;
  Result<int> CleanupOrphans(const std::string& owner) override;

  // The objects a spec becomes, in creation order (exposed for tests and `--dry-run` style inspection).
  std::vector<Json> Manifests(const DeploySpec& spec) const;
  // OME mode: the ClusterBaseModel / ClusterServingRuntime given in full ({name, spec}, overrides applied),
  // created before the first experiment when missing; presets name existing objects and give none.
  std::vector<Json> ModelManifests(const std::string& task_name) const;
  // A DNS-1123 name for the experiment's objects: "at-<task>-<experiment>" ("at-quickstart-3" for experiment
  // "quickstart/3"), lower-case, at most 52 characters.
  static std::string ObjectName(const DeploySpec& spec);

  KubeClient& client() { return client_; }
  const KubeDeployerOptions& options() const { return options_; }

 private:
  Json Labels(const DeploySpec& spec) const;
  Json EngineContainer(const DeploySpec& spec, bool with_config) const;
  // The engine pod's spec: its container and volumes, on the task's nodes when it names some.
  Json PodSpec(const Json& container, const Json& volumes) const;

  KubeDeployerOptions options_;
  KubeClient client_;
};

// The options a task's fields give (deployment_mode, model.namespace, storage, OME configs).
KubeDeployerOptions KubeDeployerOptionsForTask(const task::Task& task, const std::string& owner);

// The engine image of a task: runtime_image_tag replaces the tag of the runtime's default image
// ("vllm/vllm-openai:latest" + "v0.10.1" → "vllm/vllm-openai:v0.10.1"); a tag that is a whole image reference
// (it has a '/' ) is used as it is.
std::string EngineImage(const std::string& runtime_image, const std::string& runtime_image_tag);

// A label value Kubernetes accepts (at most 63 characters of [A-Za-z0-9._-], alphanumeric at both ends).
std::string LabelValue(std::string_view text);

}  // namespace autotuner::deploy
