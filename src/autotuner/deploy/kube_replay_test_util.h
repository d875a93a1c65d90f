#pragma once

// Test helper: a KubeTransport that answers from hand-written Kubernetes API exchanges, no cluster involved.
// Requests are answered from per-route queues of canned responses (the last one repeats); streams (followed
// logs, watches) from queues of canned lines. Every request is recorded.

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "autotuner/deploy/kube_client.h"

namespace autotuner::deploy::replay {

class ReplayTransport final : public KubeTransport {
 public:
  struct Request {
    std::string method, path, body;
  };

  // A response to METHOD PATH; PATH matches exactly, or without its query when no exact route exists.
  void On(const std::string& method, const std::string& path, int status, const std::string& body) {
    std::lock_guard lock(mutex_);
    routes_[method + " " + path].push_back({status, body});
  }
  // The lines one stream of PATH (matched like On) hands over before it ends.
  void OnStream(const std::string& path, std::vector<std::string> lines) {
    std::lock_guard lock(mutex_);
    streams_[path].push_back(std::move(lines));
  }
  std::vector<Request> Requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Paths of the requests with this method ("STREAM" for streams), in order.
  std::vector<std::string> Lines(const std::string& method) {
    std::vector<std::string> out;
    for (const auto& r : Requests()) {
      if (r.method == method) out.push_back(r.path);
    }
    return out;
  }
  Json BodyOf(const std::string& method, const std::string& path) {
    for (const auto& r : Requests()) {
      if (r.method == method && r.path == path) return Json::parse(r.body);
    }
    return nullptr;
  }

  Result<KubeResponse> Send(const std::string& method, const std::string& path, const std::string& body,
                            const std::string&) override {
    std::lock_guard lock(mutex_);
    requests_.push_back({method, path, body});
    for (const std::string& key : {method + " " + path, method + " " + path.substr(0, path.find('?'))}) {
      auto it = routes_.find(key);
      if (it == routes_.end()) continue;
      KubeResponse r = it->second.front();
      if (it->second.size() > 1) it->second.pop_front();
      return r;
    }
    return KubeResponse{404,
                        R"({"kind":"Status","message":"not found in replay: )" + method + " " + path + "\"}"};
  }

  // Without a route, a followed log hands over two uvicorn lines and any other stream ends at once.
  Status Stream(const std::string& path, const std::function<void(std::string_view)>& line,
                const std::atomic<bool>& cancelled) override {
    std::vector<std::string> lines;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({"STREAM", path, ""});
      bool routed = false;
      for (const std::string& key : {path, path.substr(0, path.find('?'))}) {
        auto it = streams_.find(key);
        if (it == streams_.end()) continue;
        lines = it->second.front();
        if (it->second.size() > 1) it->second.pop_front();
        routed = true;
        break;
      }
      if (!routed && path.ends_with("/log?follow=true"))
        lines = {"INFO: Started server process", "INFO: Uvicorn running on http://0.0.0.0:8080"};
    }
    for (const auto& l : lines) {
      if (cancelled) break;
      line(l);
    }
    return {};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::deque<KubeResponse>> routes_;
  std::map<std::string, std::deque<std::vector<std::string>>> streams_;
  std::vector<Request> requests_;
};

}  // namespace autotuner::deploy::replay
