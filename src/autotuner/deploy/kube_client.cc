#include "autotuner/deploy/kube_client.h"

#include <httplib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autotuner/core/guard.h"
#include "autotuner/core/process.h"
#include "autotuner/core/strings.h"
#include "autotuner/task/document.h"

namespace autotuner::deploy {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Base64Decode(std::string_view in) {
  static const std::string kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int value = 0, bits = -8;
  for (char c : in) {
    const size_t pos = kChars.find(c);
    if (pos == std::string::npos) continue;  // padding and line breaks
    value = (value << 6) + static_cast<int>(pos);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

class HttpsTransport final : public KubeTransport {
 public:
  explicit HttpsTransport(KubeConfig config) : config_(std::move(config)) {
    if (!config_.ca_data.empty() && config_.ca_file.empty()) {
      // httplib takes a CA bundle by path: keep the kubeconfig's inline CA in a private file.
      ca_temp_ = (std::filesystem::temp_directory_path() /
                  ("autotuner-kube-ca-" + std::to_string(::getpid()) + ".pem"))
                     .string();
      std::ofstream(ca_temp_) << config_.ca_data;
      config_.ca_file = ca_temp_;
    }
  }
  ~HttpsTransport() override {
    if (!ca_temp_.empty()) std::filesystem::remove(ca_temp_);
  }

  Result<KubeResponse> Send(const std::string& method, const std::string& path, const std::string& body,
                            const std::string& content_type) override {
    auto client = Connect();
    httplib::Request request;
    request.method = method;
    request.path = path;
    request.body = body;
    if (!body.empty()) request.headers.emplace("Content-Type", content_type);
    const auto r = client->send(request);
    if (!r) {
      return MakeError(ErrorCode::kUnavailable, "cannot reach the Kubernetes API at " + config_.server +
                                                    ": " + httplib::to_string(r.error()));
    }
    return KubeResponse{r->status, r->body};
  }

  Status Stream(const std::string& path, const std::function<void(std::string_view)>& line,
                const std::atomic<bool>& cancelled) override {
    auto client = Connect();
    client->set_read_timeout(24 * 3600, 0);
    LineSplitter lines(line);
    const auto r = client->Get(path, [&](const char* data, size_t n) {
      lines.Feed(std::string_view(data, n));
      return !cancelled.load();
    });
    lines.Finish();
    if (!r && !cancelled)
      return MakeError(ErrorCode::kUnavailable, "log stream: " + httplib::to_string(r.error()));
    return {};
  }

 private:
  std::unique_ptr<httplib::Client> Connect() const {
    auto client = std::make_unique<httplib::Client>(config_.server);
    client->set_bearer_token_auth(config_.token);
    client->set_connection_timeout(10, 0);
    client->set_read_timeout(60, 0);
    if (!config_.ca_file.empty()) client->set_ca_cert_path(config_.ca_file.c_str());
    client->enable_server_certificate_verification(!config_.insecure_skip_tls_verify);
    return client;
  }

  KubeConfig config_;
  std::string ca_temp_;
};

// Kind → (API group/version prefix, plural, namespaced).
struct KindInfo {
  std::string plural;
  bool namespaced;
};

KindInfo Info(const std::string& kind) {
  if (kind == "Service") return {"services", true};
  if (kind == "Pod") return {"pods", true};
  if (kind == "Deployment") return {"deployments", true};
  if (kind == "Job") return {"jobs", true};
  if (kind == "InferenceService") return {"inferenceservices", true};
  if (kind == "ClusterBaseModel") return {"clusterbasemodels", false};
  if (kind == "ClusterServingRuntime") return {"clusterservingruntimes", false};
  std::string plural = kind;
  for (char& c : plural) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return {plural + "s", true};
}

Error ApiError(const std::string& what, const KubeResponse& r) {
  std::string message = r.body;
  if (auto body = ParseJson(r.body); body.ok()) message = StringField(*body, "message", message);
  const ErrorCode code = r.status == 404   ? ErrorCode::kNotFound
                         : r.status == 409 ? ErrorCode::kAlreadyExists
                         : r.status == 401 ? ErrorCode::kUnauthenticated
                         : r.status == 403 ? ErrorCode::kPermissionDenied
                         : r.status == 422 ? ErrorCode::kInvalidArgument
                                           : ErrorCode::kUnavailable;
  return MakeError(code, what + ": HTTP " + std::to_string(r.status) + ": " + message,
                   {{"status", r.status}});
}

}  // namespace

Result<KubeConfig> KubeConfig::InCluster(const std::string& secrets_dir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || !std::filesystem::exists(secrets_dir + "/token")) {
    return MakeError(ErrorCode::kNotFound, "not running in a Kubernetes pod");
  }
  KubeConfig c;
  const std::string h = host;
  c.server =
      "https://" + (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + (port ? port : "443");
  c.token = std::string(TrimAsciiSpace(ReadFile(secrets_dir + "/token")));
  c.ca_file = secrets_dir + "/ca.crt";
  c.namespace_ = std::string(TrimAsciiSpace(ReadFile(secrets_dir + "/namespace")));
  if (c.namespace_.empty()) c.namespace_ = "default";
  return c;
}

Result<KubeConfig> KubeConfig::FromKubeconfig(const std::string& path) {
  auto doc = task::LoadDocumentFile(path);
  if (!doc.ok()) return std::move(doc).error();
  const Json& k = doc->value;
  const std::string context_name = k.value("current-context", "");
  const auto find_named = [&](const char* list, const std::string& name) -> Json {
    for (const auto& item : k.value(list, Json::array())) {
      if (item.value("name", "") == name) return item;
    }
    return Json::object();
  };
  const Json context = find_named("contexts", context_name).value("context", Json::object());
  if (context.empty())
    return MakeError(ErrorCode::kInvalidArgument, path + ": no context '" + context_name + "'");
  const Json cluster = find_named("clusters", context.value("cluster", "")).value("cluster", Json::object());
  const Json user = find_named("users", context.value("user", "")).value("user", Json::object());
  KubeConfig c;
  c.server = cluster.value("server", "");
  if (c.server.empty())
    return MakeError(ErrorCode::kInvalidArgument, path + ": the current cluster has no server");
  c.ca_file = cluster.value("certificate-authority", "");
  if (cluster.contains("certificate-authority-data")) {
    c.ca_data = Base64Decode(cluster["certificate-authority-data"].get<std::string>());
  }
  c.insecure_skip_tls_verify = cluster.value("insecure-skip-tls-verify", false);
  c.token = user.value("token", "");
  if (c.token.empty() && user.contains("tokenFile"))
    c.token = std::string(TrimAsciiSpace(ReadFile(user["tokenFile"].get<std::string>())));
  if (c.token.empty()) {
    return MakeError(ErrorCode::kUnsupported,
                     path + ": user '" + context.value("user", "") +
                         "' has no token; autotuner supports token authentication only");
  }
  c.namespace_ = context.value("namespace", "default");
  return c;
}

Result<KubeConfig> KubeConfig::Discover() {
  if (auto in_cluster = InCluster(); in_cluster.ok()) return in_cluster;
  const char* env = std::getenv("KUBECONFIG");
  const char* home = std::getenv("HOME");
  std::string path = env != nullptr && *env != '\0'
                         ? std::string(env).substr(0, std::string(env).find(':'))
                         : std::string(home != nullptr ? home : "") + "/.kube/config";
  return FromKubeconfig(path);
}

std::unique_ptr<KubeTransport> MakeHttpsTransport(const KubeConfig& config) {
  return std::make_unique<HttpsTransport>(config);
}

std::string KubeClient::CollectionPath(const Json& manifest) {
  const std::string api_version = manifest.value("apiVersion", "v1");
  const KindInfo info = Info(manifest.value("kind", ""));
  std::string path =
      api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
  if (info.namespaced) path += "/namespaces/" + manifest["metadata"].value("namespace", "default");
  return path + "/" + info.plural;
}

std::string KubeClient::ObjectPath(const Json& manifest) {
  return CollectionPath(manifest) + "/" + manifest["metadata"].value("name", "");
}

Result<Json> KubeClient::Call(const std::string& method, const std::string& path, const std::string& body,
                              const std::string& content_type) {
  auto response = transport_->Send(method, path, body, content_type);
  if (!response.ok()) return std::move(response).error();
  if (response->status < 200 || response->status >= 300) return ApiError(method + " " + path, *response);
  if (response->body.empty()) return Json::object();
  return ParseJson(response->body, method + " " + path);
}

Result<Json> KubeClient::Apply(const Json& manifest) {
  auto created = Call("POST", CollectionPath(manifest), DumpJson(manifest));
  if (created.ok() || created.error().code != ErrorCode::kAlreadyExists) return created;
  // Exists: replace it, carrying the live resourceVersion as the API requires.
  auto live = Get(ObjectPath(manifest));
  if (!live.ok()) return live;
  Json replacement = manifest;
  replacement["metadata"]["resourceVersion"] = (*live)["metadata"].value("resourceVersion", "");
  return Call("PUT", ObjectPath(manifest), DumpJson(replacement));
}

Result<bool> KubeClient::CreateIfMissing(const Json& manifest) {
  auto created = Call("POST", CollectionPath(manifest), DumpJson(manifest));
  if (created.ok()) return true;
  if (created.error().code == ErrorCode::kAlreadyExists) return false;
  return std::move(created).error();
}

Result<Json> KubeClient::Get(const std::string& path) { return Call("GET", path); }

Result<std::vector<Json>> KubeClient::List(const std::string& collection_path,
                                           const std::string& label_selector) {
  auto list =
      Call("GET", collection_path + "?labelSelector=" + httplib::detail::encode_query_param(label_selector));
  if (!list.ok()) return std::move(list).error();
  std::vector<Json> items;
  for (const auto& item : list->value("items", Json::array())) items.push_back(item);
  return items;
}

Status KubeClient::Delete(const std::string& path) {
  auto deleted = Call("DELETE", path, R"({"propagationPolicy":"Foreground"})");
  if (!deleted.ok() && deleted.error().code != ErrorCode::kNotFound) return std::move(deleted).error();
  return {};
}

Status KubeClient::FollowLogs(const std::string& ns, const std::string& pod,
                              const std::function<void(std::string_view)>& line,
                              const std::atomic<bool>& cancelled) {
  return transport_->Stream("/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?follow=true", line,
                            cancelled);
}

Result<std::string> KubeClient::ReadLogs(const std::string& ns, const std::string& pod, int tail_lines,
                                         bool previous) {
  std::string path = "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log";
  std::string query;
  if (tail_lines > 0) query += "&tailLines=" + std::to_string(tail_lines);
  if (previous) query += "&previous=true";
  if (!query.empty()) path += "?" + query.substr(1);
  auto response = transport_->Send("GET", path, "", "");
  if (!response.ok()) return std::move(response).error();
  if (response->status < 200 || response->status >= 300) return ApiError("GET " + path, *response);
  return std::move(response->body);
}

Status KubeClient::WatchObject(const std::string& collection_path, const std::string& name, int timeout_s,
                               const std::function<bool(const std::string& type, const Json& object)>& event,
                               std::atomic<bool>& cancelled) {
  const std::string path = collection_path + "?watch=true&fieldSelector=" +
                           httplib::detail::encode_query_param("metadata.name=" + name) +
                           "&timeoutSeconds=" + std::to_string(std::max(1, timeout_s));
  return transport_->Stream(
      path,
      [&](std::string_view line) {
        if (cancelled || line.empty()) return;
        auto parsed = ParseJson(line, "watch event");
        if (!parsed.ok() || !parsed->is_object()) return;
        const std::string type = parsed->value("type", "");
        if (type == "ERROR") {  // e.g. 410 Gone: the caller starts a new watch
          cancelled = true;
          return;
        }
        if (!event(type, parsed->value("object", Json::object()))) cancelled = true;
      },
      cancelled);
}

}  // namespace autotuner::deploy
