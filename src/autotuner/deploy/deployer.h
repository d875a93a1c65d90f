#pragma once

// Where experiments run (ARCHITECTURE.md): a Deployer turns a launch plan into a running engine and cleans up
// what a crashed autotuner left behind; a Deployment is one running engine.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/result.h"
#include "autotuner/deploy/engine_log.h"
#include "autotuner/deploy/mapping.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::deploy {

struct DeploySpec {
  std::string task_name;
  std::string experiment;    // stable id used in names, labels and records, e.g. "quickstart/3"
  std::string image;         // container image:tag (docker, kubernetes); unused locally
  std::vector<int> gpu_ids;  // the GPUs this experiment holds (CUDA_VISIBLE_DEVICES / device requests)
  const task::RuntimeDefinition* runtime = nullptr;
  std::string model;              // model.id_or_path
  std::string served_model_name;  // benchmark.model_name
  LaunchPlan plan;
  // Set in the engine's environment, whatever the deployer: the task's `env`, and HF_HUB_OFFLINE=1 when the
  // model comes from the Hub cache (an engine never downloads during a study).
  std::map<std::string, std::string> env;
  // Receives every engine log line as it is written; called from the deployment's own thread.
  std::function<void(std::string_view line)> on_log_line;
};

class Deployment {
 public:
  virtual ~Deployment() = default;
  // Base URL of the engine's HTTP API, e.g. http://127.0.0.1:39123.
  virtual std::string base_url() const = 0;
  // Blocks until the engine answers its readiness endpoint. Fails at once when the engine exits
  // (kUnavailable, Error::failure oom or deploy_failed, details exit and log_tail), at the deadline
  // (kTimeout) or on stop (kCancelled).
  virtual Status WaitReady(std::chrono::steady_clock::time_point deadline, std::stop_token stop) = 0;
  // How the engine ended when it exited by itself (crash), or nothing while it runs or when the deployer
  // cannot tell.
  virtual std::optional<std::string> Exited() { return std::nullopt; }
  // Stops the engine and everything it started; idempotent.
  virtual Status Stop() = 0;
  // The last `lines` lines the engine wrote.
  virtual std::vector<std::string> LogTail(size_t lines) const = 0;
};

class Deployer {
 public:
  virtual ~Deployer() = default;
  virtual Result<std::unique_ptr<Deployment>> Deploy(const DeploySpec& spec) = 0;
  // Removes engines recorded with this owner that are still running (left by a crashed autotuner), and only
  // those. Returns how many were removed.
  virtual Result<int> CleanupOrphans(const std::string& owner) = 0;
};

}  // namespace autotuner::deploy
