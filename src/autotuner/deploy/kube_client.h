#pragma once

// The Kubernetes REST API: apply, get, list, delete and follow pod logs, over a transport that is HTTPS in
// production and a replay of hand-written exchanges in tests (no cluster is needed to test the deployer).

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"

namespace autotuner::deploy {

struct KubeResponse {
  int status = 0;
  std::string body;
};

class KubeTransport {
 public:
  virtual ~KubeTransport() = default;
  // One request; a transport failure (not an HTTP error status) is an Error.
  virtual Result<KubeResponse> Send(const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& content_type) = 0;
  // Follows a streaming GET (pod logs), handing over each line, until it ends or `cancelled` is set.
  virtual Status Stream(const std::string& path, const std::function<void(std::string_view)>& line,
                        const std::atomic<bool>& cancelled) = 0;
};

// Where the API server is and how to authenticate.
struct KubeConfig {
  std::string server;      // https://10.0.0.1:443
  std::string token;       // bearer token
  std::string ca_file;     // CA bundle; empty: the system's
  std::string ca_data;     // PEM text of the CA (kubeconfig certificate-authority-data, decoded)
  std::string namespace_;  // default namespace
  bool insecure_skip_tls_verify = false;

  // The pod's service account (/var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_HOST/PORT).
  static Result<KubeConfig> InCluster(
      const std::string& secrets_dir = "/var/run/secrets/kubernetes.io/serviceaccount");
  // The current context of a kubeconfig file (token authentication).
  static Result<KubeConfig> FromKubeconfig(const std::string& path);
  // In-cluster when running in a pod, else $KUBECONFIG, else ~/.kube/config.
  static Result<KubeConfig> Discover();
};

std::unique_ptr<KubeTransport> MakeHttpsTransport(const KubeConfig& config);

class KubeClient {
 public:
  explicit KubeClient(std::unique_ptr<KubeTransport> transport) : transport_(std::move(transport)) {}

  // API path of a manifest's collection: /api/v1/namespaces/NS/services,
  // /apis/apps/v1/namespaces/NS/deployments, /apis/ome.io/v1beta1/clusterbasemodels (cluster-scoped kinds
  // have no namespace).
  static std::string CollectionPath(const Json& manifest);
  static std::string ObjectPath(const Json& manifest);

  // Creates the object, or replaces it when it exists.
  Result<Json> Apply(const Json& manifest);
  // Creates the object only when it does not exist; true when it was created.
  Result<bool> CreateIfMissing(const Json& manifest);
  Result<Json> Get(const std::string& path);
  // Items of a collection matching a label selector ("autotuner.io/owner=abc").
  Result<std::vector<Json>> List(const std::string& collection_path, const std::string& label_selector);
  // Deletes (foreground propagation); a missing object is not an error.
  Status Delete(const std::string& path);
  Status FollowLogs(const std::string& ns, const std::string& pod,
                    const std::function<void(std::string_view)>& line, const std::atomic<bool>& cancelled);
  // The pod's log so far (not followed); tail_lines > 0 keeps only the last lines; `previous`: the log of the
  // container before its last restart.
  Result<std::string> ReadLogs(const std::string& ns, const std::string& pod, int tail_lines = 0,
                               bool previous = false);
  // Watches one object of a collection (?watch=true&fieldSelector=metadata.name=NAME), handing over each
  // event's object and type ("ADDED", "MODIFIED", "DELETED"), until the server ends the watch (at most
  // timeout_s later), `cancelled` is set, or `event` returns false.
  Status WatchObject(const std::string& collection_path, const std::string& name, int timeout_s,
                     const std::function<bool(const std::string& type, const Json& object)>& event,
                     std::atomic<bool>& cancelled);

 private:
  Result<Json> Call(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& content_type = "application/json");
  std::unique_ptr<KubeTransport> transport_;
};

}  // namespace autotuner::deploy
