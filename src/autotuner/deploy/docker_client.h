#pragma once

// A small client of the Docker Engine API (also served by podman's compatible service), over its unix socket
// or TCP. Only what the Docker deployer needs.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::deploy {

class DockerClient {
 public:
  // `endpoint`: "unix:///var/run/docker.sock", "tcp://host:2375" or "http://host:2375".
  explicit DockerClient(std::string endpoint);
  // DOCKER_HOST when set, else the default socket.
  static DockerClient FromEnvironment();

  const std::string& endpoint() const { return endpoint_; }

  Result<Json> Version() const;
  Result<bool> ImageExists(const std::string& image) const;
  // The image's registry digest ("repo@sha256:..."), else its local id ("sha256:..."); kNotFound when absent.
  Result<std::string> ImageDigest(const std::string& image) const;
  // Pulls `image` ("repo:tag"), reporting each progress message.
  Status PullImage(const std::string& image, const std::function<void(std::string_view)>& progress) const;
  // Creates a container; returns its id.
  Result<std::string> CreateContainer(const std::string& name, const Json& body) const;
  Status StartContainer(const std::string& id) const;
  Result<Json> InspectContainer(const std::string& id) const;
  Status StopContainer(const std::string& id, int grace_seconds) const;
  Status RemoveContainer(const std::string& id) const;
  // Containers (running or not) carrying label `key=value`.
  Result<std::vector<Json>> ListContainers(const std::string& label) const;

  // Follows a container's stdout and stderr, demultiplexed into lines, until the container stops or
  // `Cancel()` is called on `handle`.
  class LogStream {
   public:
    void Cancel();

   private:
    friend class DockerClient;
    // Set and cleared by the following thread, called by a cancelling one: under the mutex, so Cancel never
    // reaches a client that FollowLogs has already destroyed.
    std::mutex mutex_;
    std::function<void()> cancel_;
    std::atomic<bool> cancelled_{false};
  };
  Status FollowLogs(const std::string& id, const std::function<void(std::string_view line)>& sink,
                    LogStream& handle) const;

 private:
  std::string endpoint_;
};

// Splits Docker's multiplexed log stream (8-byte headers: stream, 0, 0, 0, big-endian size) into payload
// pieces.
class DockerLogDemuxer {
 public:
  using Sink = std::function<void(int stream, std::string_view payload)>;
  explicit DockerLogDemuxer(Sink sink) : sink_(std::move(sink)) {}
  void Feed(std::string_view bytes);

 private:
  Sink sink_;
  std::string buffer_;
};

}  // namespace autotuner::deploy
