#pragma once

// Engines as local processes: each in its own process group on a free loopback port, its output captured line
// by line, recorded on disk with its owner so a restarted autotuner can remove what it left behind.

#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "autotuner/deploy/deployer.h"

namespace autotuner::deploy {

struct LocalDeployerOptions {
  std::string owner;      // this autotuner's store instance id; recorded with every engine
  std::string state_dir;  // where engine records live (created when missing)
  std::string host = "127.0.0.1";
  std::chrono::milliseconds stop_grace = std::chrono::seconds(10);  // SIGTERM → grace → SIGKILL
  std::chrono::milliseconds probe_interval = std::chrono::milliseconds(100);
  ReadinessProbe probe;  // default: an HTTP GET (http_probe.h)
};

class LocalDeployer final : public Deployer {
 public:
  explicit LocalDeployer(LocalDeployerOptions options);

  Result<std::unique_ptr<Deployment>> Deploy(const DeploySpec& spec) override;
  Result<int> CleanupOrphans(const std::string& owner) override;
  // Stops the engines of autotuner processes that have died (their records say which), whoever owned them;
  // returns how many. Guards normally take such engines down at once; this covers a killed guard.
  int SweepDeadHolders();

  // Called by deployments when they stop.
  void ReleasePort(int port);

 private:
  Result<int> ReservePort();
  Result<int> Sweep(const std::string* owner);
  bool StopGroup(int pgid, const std::string& owner) const;

  LocalDeployerOptions options_;
  std::mutex mutex_;
  std::set<int> ports_in_use_;
};

// A free TCP port on `host` (the kernel's choice); `avoid` lists ports already handed out.
Result<int> FindFreePort(const std::string& host, const std::set<int>& avoid);

// Start time of a process in clock ticks since boot (/proc/PID/stat field 22), or nothing when it is gone.
std::optional<uint64_t> ProcessStartTime(int pid);

}  // namespace autotuner::deploy
