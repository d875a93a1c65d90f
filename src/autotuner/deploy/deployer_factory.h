#pragma once

#include <functional>
#include <memory>
#include <string>

#include "autotuner/core/result.h"
#include "autotuner/deploy/deployer.h"
#include "autotuner/task/task.h"

namespace autotuner::deploy {

// The deployer for a task's deployment_mode; `owner` labels every engine it starts (orphan cleanup).
using DeployerFactory =
    std::function<Result<std::unique_ptr<Deployer>>(const task::Task& task, const std::string& owner)>;

// The default deployers: local / docker / kubernetes / ome, with engine records under `state_dir`.
DeployerFactory DefaultDeployerFactory(const std::string& state_dir);

}  // namespace autotuner::deploy
