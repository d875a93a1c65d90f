#include "autotuner/deploy/deployer_factory.h"

#include <chrono>

#include "autotuner/deploy/docker_deployer.h"
#include "autotuner/deploy/kube_client.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/deploy/local_deployer.h"

namespace autotuner::deploy {

DeployerFactory DefaultDeployerFactory(const std::string& state_dir) {
  return [state_dir](const task::Task& task, const std::string& owner) -> Result<std::unique_ptr<Deployer>> {
    switch (task.deployment_mode) {
      case task::DeploymentMode::kLocal: {
        LocalDeployerOptions options;
        options.owner = owner;
        options.state_dir = state_dir + "/engines";
        options.stop_grace = std::chrono::seconds(3);
        return std::unique_ptr<Deployer>(std::make_unique<LocalDeployer>(options));
      }
      case task::DeploymentMode::kDocker: {
        DockerDeployerOptions options;
        options.owner = owner;
        options.scratch_dir = state_dir + "/docker";
        return std::unique_ptr<Deployer>(std::make_unique<DockerDeployer>(options));
      }
      case task::DeploymentMode::kKubernetes:
      case task::DeploymentMode::kOme: {
        auto config = KubeConfig::Discover();
        if (!config.ok()) return std::move(config).error();
        return std::unique_ptr<Deployer>(std::make_unique<KubeDeployer>(
            KubeDeployerOptionsForTask(task, owner), MakeHttpsTransport(*config)));
      }
    }
    return MakeError(ErrorCode::kUnsupported, "unknown deployment mode");
  };
}

}  // namespace autotuner::deploy
