#include "autotuner/deploy/docker_deployer.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "autotuner/core/guard.h"
#include "autotuner/core/model_files.h"
#include "autotuner/deploy/http_probe.h"
#include "autotuner/deploy/local_deployer.h"

namespace autotuner::deploy {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kConfigMount = "/autotuner-config";

class DockerDeployment final : public Deployment {
 public:
  DockerDeployment(DockerDeployer* deployer, const DeploySpec& spec, std::string id, int port,
                   std::string scratch)
      : deployer_(deployer),
        ready_path_(spec.runtime->ready_path.empty() ? spec.runtime->health_path : spec.runtime->ready_path),
        log_(spec.on_log_line),
        id_(std::move(id)),
        port_(port),
        base_url_("http://" + deployer->options().host + ":" + std::to_string(port)),
        scratch_(std::move(scratch)) {
    reader_ = std::jthread([this] {
      try {
        const Status followed = deployer_->client().FollowLogs(
            id_, [this](std::string_view l) { log_.Append(l); }, logs_);
        if (!followed.ok()) log_.Append("[autotuner] log stream ended: " + followed.error().message);
      } catch (...) {
        log_.Append("[autotuner] log stream ended by an internal error: " + DescribeCurrentException());
      }
      log_.MarkDone();
    });
  }

  ~DockerDeployment() override { (void)Stop(); }

  std::string base_url() const override { return base_url_; }

  Status WaitReady(Clock::time_point deadline, std::stop_token stop) override {
    const auto& options = deployer_->options();
    ReadinessWait wait{options.probe, base_url_, ready_path_, options.probe_interval,
                       [this](std::chrono::milliseconds timeout) { return Exited(timeout); }};
    return AwaitReady(wait, log_, deadline, stop);
  }

  Status Stop() override {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return {};
    stopped_ = true;
    const auto grace = static_cast<int>(deployer_->options().stop_grace.count());
    Status stopped = deployer_->client().StopContainer(id_, grace);
    logs_.Cancel();
    if (reader_.joinable()) reader_.join();
    Status removed = deployer_->client().RemoveContainer(id_);
    std::error_code ec;
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
    deployer_->ReleasePort(port_);
    if (!stopped.ok()) return stopped;
    return removed;
  }

  std::vector<std::string> LogTail(size_t lines) const override { return log_.Tail(lines); }

 private:
  // How the container ended, checked now and then once per 100 ms until `timeout`.
  std::optional<EngineExit> Exited(std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (true) {
      auto inspected = deployer_->client().InspectContainer(id_);
      if (!inspected.ok()) return EngineExit{"vanished (" + inspected.error().message + ")", 1, false};
      const Json state = inspected->value("State", Json::object());
      if (!state.value("Running", false) && state.value("Status", "") != "created") {
        const int code = state.value("ExitCode", 0);
        return EngineExit{"container exited with status " + std::to_string(code), code,
                          state.value("OOMKilled", false)};
      }
      if (Clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          std::chrono::milliseconds(100),
          std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now())));
    }
  }

  DockerDeployer* deployer_;
  std::string ready_path_;
  EngineLog log_;
  std::string id_;
  int port_;
  std::string base_url_;
  std::string scratch_;
  DockerClient::LogStream logs_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  std::jthread reader_;  // last: it runs on the members above and is joined first
};

}  // namespace

DockerDeployer::DockerDeployer(DockerDeployerOptions options)
    : options_(std::move(options)),
      client_(options_.endpoint.empty() ? DockerClient::FromEnvironment() : DockerClient(options_.endpoint)) {
  if (!options_.probe) {
    options_.probe = [](const std::string& url, const std::string& path) { return HttpGetOk(url, path); };
  }
  if (options_.hf_cache_dir.empty()) options_.hf_cache_dir = DefaultHubCache().string();
  if (options_.scratch_dir.empty()) options_.scratch_dir = fs::temp_directory_path() / "autotuner-docker";
}

std::string DockerDeployer::ContainerName(const DeploySpec& spec, int port) {
  std::string name = "autotuner-" + spec.task_name + "-" + spec.experiment + "-" + std::to_string(port);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '-';
  }
  return name;
}

DockerDeployer::ContainerParts DockerDeployer::Parts(const DeploySpec& spec, int port,
                                                     const std::string& config_dir) const {
  const std::string config_path =
      config_dir.empty() ? "" : std::string(kConfigMount) + "/" + spec.runtime->config_file_flag + ".yaml";
  ContainerParts parts;
  parts.argv = BuildEngineArgv(*spec.runtime, spec.model, spec.served_model_name, spec.plan, options_.host,
                               port, config_path);
  for (const auto& [name, value] : spec.env) parts.env.push_back(name + "=" + value);
  std::error_code ec;
  if (!options_.hf_cache_dir.empty() && fs::is_directory(options_.hf_cache_dir, ec)) {
    parts.binds.push_back(options_.hf_cache_dir + ":/root/.cache/huggingface/hub");
  }
  if (fs::is_directory(spec.model, ec)) parts.binds.push_back(spec.model + ":" + spec.model + ":ro");
  if (!config_dir.empty()) parts.binds.push_back(config_dir + ":" + kConfigMount + ":ro");
  return parts;
}

Json DockerDeployer::ContainerBody(const DeploySpec& spec, int port, const std::string& config_dir) const {
  ContainerParts parts = Parts(spec, port, config_dir);
  Json env = Json::array({"AUTOTUNER_OWNER=" + options_.owner, "AUTOTUNER_EXPERIMENT=" + spec.experiment});
  for (const auto& name : options_.pass_env) {
    if (const char* value = std::getenv(name.c_str()); value != nullptr) env.push_back(name + "=" + value);
  }
  for (const auto& entry : parts.env) env.push_back(entry);
  Json host_config = {{"NetworkMode", "host"}, {"Binds", parts.binds}};
  if (options_.ipc_host) {
    host_config["IpcMode"] = "host";
  } else {
    host_config["ShmSize"] = options_.shm_size_bytes;
  }
  // A simulated engine's GPUs are virtual (the runner passes their count by its gpu_count_flag): asking the
  // daemon for them would fail on a machine without GPUs.
  if (!spec.gpu_ids.empty() && !spec.runtime->VirtualGpus()) {
    Json ids = Json::array();
    for (int id : spec.gpu_ids) ids.push_back(std::to_string(id));
    host_config["DeviceRequests"] =
        Json::array({{{"Driver", "nvidia"}, {"DeviceIDs", ids}, {"Capabilities", Json::array({{"gpu"}})}}});
  }
  return {{"Image", spec.image},
          {"Entrypoint", Json::array({parts.argv.front()})},
          {"Cmd", Json(std::vector<std::string>(parts.argv.begin() + 1, parts.argv.end()))},
          {"Env", env},
          {"Labels",
           {{"autotuner.task", spec.task_name},
            {"autotuner.experiment", spec.experiment},
            {"autotuner.owner", options_.owner}}},
          {"HostConfig", host_config}};
}

std::vector<std::string> DockerDeployer::RunArgv(const DeploySpec& spec, int port,
                                                 const std::string& config_dir) const {
  const ContainerParts parts = Parts(spec, port, config_dir);
  std::vector<std::string> argv = {"docker", "run", "--rm", "--network", "host"};
  if (options_.ipc_host) {
    argv.insert(argv.end(), {"--ipc", "host"});
  } else {
    argv.insert(argv.end(), {"--shm-size", std::to_string(options_.shm_size_bytes)});
  }
  // Any free GPUs of the count the configuration needs (the study's own ids are not the reader's).
  if (!spec.runtime->VirtualGpus() && spec.plan.gpus_needed > 0)
    argv.insert(argv.end(), {"--gpus", std::to_string(spec.plan.gpus_needed)});
  for (const auto& bind : parts.binds) argv.insert(argv.end(), {"-v", bind});
  // Secrets pass by name: docker copies the caller's value, and the line never holds the token.
  for (const auto& name : options_.pass_env) argv.insert(argv.end(), {"-e", name});
  for (const auto& entry : parts.env) {
    const std::string name = entry.substr(0, entry.find('='));
    if (!IsSecretEnvName(name)) {
      argv.insert(argv.end(), {"-e", entry});
    } else if (std::find(options_.pass_env.begin(), options_.pass_env.end(), name) ==
               options_.pass_env.end()) {
      argv.insert(argv.end(), {"-e", name});
    }
  }
  argv.insert(argv.end(), {"--entrypoint", parts.argv.front(), spec.image});
  argv.insert(argv.end(), parts.argv.begin() + 1, parts.argv.end());
  return argv;
}

void DockerDeployer::ReleasePort(int port) {
  std::lock_guard lock(mutex_);
  ports_in_use_.erase(port);
}

Result<std::unique_ptr<Deployment>> DockerDeployer::Deploy(const DeploySpec& spec) {
  if (spec.runtime == nullptr || spec.image.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "docker deploy needs a runtime and an image");
  }
  const auto fail = [](Error error) {
    error.failure = FailureClass::kDeployFailed;
    return error;
  };
  auto exists = client_.ImageExists(spec.image);
  if (!exists.ok()) return fail(std::move(exists).error());
  if (!*exists) {
    if (!options_.pull_missing)
      return fail(MakeError(ErrorCode::kNotFound, "image " + spec.image + " is not present"));
    const Status pulled = client_.PullImage(spec.image, [&](std::string_view progress) {
      if (spec.on_log_line) spec.on_log_line("[pull " + spec.image + "] " + std::string(progress));
    });
    if (!pulled.ok()) return fail(pulled.error());
  }
  int port = 0;
  {
    std::lock_guard lock(mutex_);
    auto found = FindFreePort(options_.host, ports_in_use_);
    if (!found.ok()) return fail(std::move(found).error());
    port = *found;
    ports_in_use_.insert(port);
  }
  std::string scratch;
  if (!spec.plan.config_file.empty() && !spec.runtime->config_file_flag.empty()) {
    scratch = (fs::path(options_.scratch_dir) / ContainerName(spec, port)).string();
    std::error_code ec;
    fs::create_directories(scratch, ec);
    std::ofstream(scratch + "/" + spec.runtime->config_file_flag + ".yaml")
        << DumpJson(spec.plan.config_file, 2);
  }
  const auto undo = [&] {
    ReleasePort(port);
    std::error_code ec;
    if (!scratch.empty()) fs::remove_all(scratch, ec);
  };
  auto id = client_.CreateContainer(ContainerName(spec, port), ContainerBody(spec, port, scratch));
  if (!id.ok()) {
    undo();
    return fail(std::move(id).error());
  }
  if (const Status started = client_.StartContainer(*id); !started.ok()) {
    (void)client_.RemoveContainer(*id);
    undo();
    return fail(started.error());
  }
  return std::unique_ptr<Deployment>(std::make_unique<DockerDeployment>(this, spec, *id, port, scratch));
}

Result<int> DockerDeployer::CleanupOrphans(const std::string& owner) {
  auto containers = client_.ListContainers("autotuner.owner=" + owner);
  if (!containers.ok()) return std::move(containers).error();
  int removed = 0;
  for (const auto& c : *containers) {
    const std::string id = c.value("Id", "");
    if (id.empty()) continue;
    (void)client_.StopContainer(id, static_cast<int>(options_.stop_grace.count()));
    if (client_.RemoveContainer(id).ok()) ++removed;
  }
  return removed;
}

}  // namespace autotuner::deploy
