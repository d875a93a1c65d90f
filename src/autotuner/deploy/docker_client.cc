#include "autotuner/deploy/docker_client.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cstdlib>

#include "autotuner/core/guard.h"
#include "autotuner/core/process.h"

namespace autotuner::deploy {
namespace {

constexpr const char* kApi = "/v1.41";

// A fresh connection per call: httplib clients are not shared between threads.
std::unique_ptr<httplib::Client> Connect(const std::string& endpoint) {
  std::unique_ptr<httplib::Client> client;
  if (endpoint.starts_with("unix://")) {
    client = std::make_unique<httplib::Client>(endpoint.substr(7), 80);
    client->set_address_family(AF_UNIX);
    client->set_default_headers({{"Host", "docker"}});
  } else if (endpoint.starts_with("tcp://")) {
    client = std::make_unique<httplib::Client>("http://" + endpoint.substr(6));
  } else {
    client = std::make_unique<httplib::Client>(endpoint);
  }
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(300, 0);
  client->set_write_timeout(30, 0);
  return client;
}

Error ApiError(const std::string& what, const httplib::Result& response) {
  if (!response) {
    return MakeError(ErrorCode::kUnavailable,
                     what + ": cannot reach the Docker API (" + httplib::to_string(response.error()) + ")");
  }
  std::string message = response->body;
  if (auto body = ParseJson(response->body); body.ok()) message = StringField(*body, "message", message);
  const ErrorCode code = response->status == 404   ? ErrorCode::kNotFound
                         : response->status == 409 ? ErrorCode::kConflict
                                                   : ErrorCode::kUnavailable;
  return MakeError(code, what + ": HTTP " + std::to_string(response->status) + ": " + message,
                   {{"status", response->status}});
}

bool Ok(const httplib::Result& r) { return r && r->status >= 200 && r->status < 300; }

std::string Escape(const std::string& s) { return httplib::detail::encode_query_param(s); }

}  // namespace

DockerClient::DockerClient(std::string endpoint) : endpoint_(std::move(endpoint)) {}

DockerClient DockerClient::FromEnvironment() {
  const char* host = std::getenv("DOCKER_HOST");
  return DockerClient(host != nullptr && *host != '\0' ? host : "unix:///var/run/docker.sock");
}

Result<Json> DockerClient::Version() const {
  const auto r = Connect(endpoint_)->Get(std::string(kApi) + "/version");
  if (!Ok(r)) return ApiError("version", r);
  return ParseJson(r->body, "docker version");
}

Result<bool> DockerClient::ImageExists(const std::string& image) const {
  const auto r = Connect(endpoint_)->Get(std::string(kApi) + "/images/" + Escape(image) + "/json");
  if (r && r->status == 404) return false;
  if (!Ok(r)) return ApiError("inspect image " + image, r);
  return true;
}

Result<std::string> DockerClient::ImageDigest(const std::string& image) const {
  const auto r = Connect(endpoint_)->Get(std::string(kApi) + "/images/" + Escape(image) + "/json");
  if (r && r->status == 404) return MakeError(ErrorCode::kNotFound, "no image " + image);
  if (!Ok(r)) return ApiError("inspect image " + image, r);
  auto body = ParseJson(r->body, "inspect image");
  if (!body.ok()) return std::move(body).error();
  const auto digests = body->find("RepoDigests");
  if (digests != body->end() && digests->is_array() && !digests->empty() && digests->front().is_string())
    return digests->front().get<std::string>();
  return StringField(*body, "Id", "");
}

Status DockerClient::PullImage(const std::string& image,
                               const std::function<void(std::string_view)>& progress) const {
  std::string repo = image, tag = "latest";
  if (const size_t colon = image.rfind(':');
      colon != std::string::npos && image.find('/', colon) == std::string::npos) {
    repo = image.substr(0, colon);
    tag = image.substr(colon + 1);
  }
  std::string error;
  LineSplitter lines([&](std::string_view line) {
    auto message = ParseJson(line);
    if (!message.ok() || !message->is_object()) return;
    if (message->contains("error")) error = DumpJson((*message)["error"]);
    std::string text = StringField(*message, "status");
    if (const std::string bar = StringField(*message, "progress"); !bar.empty()) text += " " + bar;
    if (!text.empty() && progress) progress(text);
  });
  auto client = Connect(endpoint_);
  client->set_read_timeout(3600, 0);
  // Pull progress is a stream of JSON objects; read it as it comes.
  httplib::Request request;
  request.method = "POST";
  request.path = std::string(kApi) + "/images/create?fromImage=" + Escape(repo) + "&tag=" + Escape(tag);
  request.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    lines.Feed(std::string_view(data, n));
    return true;
  };
  const auto r = client->send(request);
  lines.Finish();
  if (!Ok(r)) return ApiError("pull " + image, r);
  if (!error.empty()) return MakeError(ErrorCode::kUnavailable, "pull " + image + ": " + error);
  return {};
}

Result<std::string> DockerClient::CreateContainer(const std::string& name, const Json& body) const {
  const auto r = Connect(endpoint_)->Post(std::string(kApi) + "/containers/create?name=" + Escape(name),
                                          DumpJson(body), "application/json");
  if (!Ok(r)) return ApiError("create container " + name, r);
  auto parsed = ParseJson(r->body, "create container");
  if (!parsed.ok()) return std::move(parsed).error();
  return parsed->value("Id", "");
}

Status DockerClient::StartContainer(const std::string& id) const {
  const auto r =
      Connect(endpoint_)->Post(std::string(kApi) + "/containers/" + id + "/start", "", "application/json");
  if (!Ok(r)) return ApiError("start container " + id, r);
  return {};
}

Result<Json> DockerClient::InspectContainer(const std::string& id) const {
  const auto r = Connect(endpoint_)->Get(std::string(kApi) + "/containers/" + id + "/json");
  if (!Ok(r)) return ApiError("inspect container " + id, r);
  return ParseJson(r->body, "inspect container");
}

Status DockerClient::StopContainer(const std::string& id, int grace_seconds) const {
  auto client = Connect(endpoint_);
  client->set_read_timeout(grace_seconds + 30, 0);
  const auto r =
      client->Post(std::string(kApi) + "/containers/" + id + "/stop?t=" + std::to_string(grace_seconds), "",
                   "application/json");
  // 304: already stopped.
  if (r && r->status == 304) return {};
  if (!Ok(r)) return ApiError("stop container " + id, r);
  return {};
}

Status DockerClient::RemoveContainer(const std::string& id) const {
  const auto r = Connect(endpoint_)->Delete(std::string(kApi) + "/containers/" + id + "?force=true&v=true");
  if (r && r->status == 404) return {};
  if (!Ok(r)) return ApiError("remove container " + id, r);
  return {};
}

Result<std::vector<Json>> DockerClient::ListContainers(const std::string& label) const {
  const Json filters = {{"label", Json::array({label})}};
  const auto r = Connect(endpoint_)->Get(std::string(kApi) +
                                         "/containers/json?all=true&filters=" + Escape(DumpJson(filters)));
  if (!Ok(r)) return ApiError("list containers", r);
  auto parsed = ParseJson(r->body, "list containers");
  if (!parsed.ok()) return std::move(parsed).error();
  std::vector<Json> out;
  for (const auto& c : *parsed) out.push_back(c);
  return out;
}

void DockerClient::LogStream::Cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  if (cancel_) cancel_();
}

Status DockerClient::FollowLogs(const std::string& id, const std::function<void(std::string_view)>& sink,
                                LogStream& handle) const {
  auto client = Connect(endpoint_);
  client->set_read_timeout(24 * 3600, 0);  // a quiet engine is not an error; Cancel ends the stream
  httplib::Client* raw = client.get();
  {
    std::lock_guard lock(handle.mutex_);
    if (handle.cancelled_) return {};
    handle.cancel_ = [raw] { raw->stop(); };
  }
  LineSplitter out(sink), err(sink);
  DockerLogDemuxer demux(
      [&](int stream, std::string_view payload) { (stream == 2 ? err : out).Feed(payload); });
  const auto r =
      client->Get(std::string(kApi) + "/containers/" + id + "/logs?follow=true&stdout=true&stderr=true",
                  [&](const char* data, size_t n) {
                    demux.Feed(std::string_view(data, n));
                    return !handle.cancelled_.load();
                  });
  {
    std::lock_guard lock(handle.mutex_);
    handle.cancel_ = nullptr;
  }
  out.Finish();
  err.Finish();
  if (handle.cancelled_) return {};
  if (!Ok(r)) return ApiError("logs of " + id, r);
  return {};
}

void DockerLogDemuxer::Feed(std::string_view bytes) {
  buffer_.append(bytes);
  size_t pos = 0;
  while (buffer_.size() - pos >= 8) {
    const auto* h = reinterpret_cast<const unsigned char*>(buffer_.data() + pos);
    const size_t size = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | size_t{h[7]};
    if (buffer_.size() - pos - 8 < size) break;
    sink_(h[0], std::string_view(buffer_.data() + pos + 8, size));
    pos += 8 + size;
  }
  buffer_.erase(0, pos);
}

}  // namespace autotuner::deploy
