#pragma once

// Engines as containers through the Docker Engine API (podman's compatible service works too): host network
// on a free port, GPUs as device requests, shared memory and IPC for the engines' workers, the Hugging Face
// cache and a local model directory mounted, labelled with task, experiment and owner so orphans can be
// found.

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "autotuner/deploy/deployer.h"
#include "autotuner/deploy/docker_client.h"

namespace autotuner::deploy {

struct DockerDeployerOptions {
  std::string owner;               // this autotuner's store instance id: label autotuner.owner
  std::string endpoint;            // empty: DOCKER_HOST, else unix:///var/run/docker.sock
  std::string host = "127.0.0.1";  // engines use the host network and are reached here
                                   // The engines' workers share tensors through /dev/shm: the host's IPC
                                   // namespace by default, else a private
  // /dev/shm of this size (the two cannot be combined).
  bool ipc_host = true;
  int64_t shm_size_bytes = int64_t{16} << 30;
  // The Hub cache, mounted at /root/.cache/huggingface/hub when it exists (default: the model resolver's,
  // core/model_files.h: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).
  std::string hf_cache_dir;
  std::vector<std::string> pass_env = {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"};
  std::string scratch_dir;  // host directory for engine config files (mounted read-only into the container)
  std::chrono::seconds stop_grace{10};
  std::chrono::milliseconds probe_interval{200};
  ReadinessProbe probe;      // default: an HTTP GET
  bool pull_missing = true;  // pull the image (with progress in the engine log) when it is not present
};

class DockerDeployer final : public Deployer {
 public:
  explicit DockerDeployer(DockerDeployerOptions options);

  Result<std::unique_ptr<Deployment>> Deploy(const DeploySpec& spec) override;
  Result<int> CleanupOrphans(const std::string& owner) override;

  // The container-create body for a spec (exposed for tests of what is asked of the daemon).
  Json ContainerBody(const DeploySpec& spec, int port, const std::string& config_dir) const;
  // The same container as a `docker run` line for a person (the best configuration): no labels or
  // AUTOTUNER_* environment, pass_env by name only, `--gpus N` for the plan's GPU count.
  std::vector<std::string> RunArgv(const DeploySpec& spec, int port, const std::string& config_dir) const;
  // "autotuner-<task>-<experiment>-<port>", with characters Docker rejects replaced.
  static std::string ContainerName(const DeploySpec& spec, int port);

  void ReleasePort(int port);
  const DockerClient& client() const { return client_; }
  const DockerDeployerOptions& options() const { return options_; }

 private:
  // What the create body and the run line share: the engine's argv, the spec's environment, the mounts.
  struct ContainerParts {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // NAME=value
    std::vector<std::string> binds;
  };
  ContainerParts Parts(const DeploySpec& spec, int port, const std::string& config_dir) const;

  DockerDeployerOptions options_;
  DockerClient client_;
  std::mutex mutex_;
  std::set<int> ports_in_use_;
};

}  // namespace autotuner::deploy
