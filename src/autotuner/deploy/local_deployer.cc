#include "autotuner/deploy/local_deployer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "autotuner/core/guard.h"
#include "autotuner/core/json.h"
#include "autotuner/core/process.h"
#include "autotuner/deploy/http_probe.h"

namespace autotuner::deploy {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kOwnerEnv = "AUTOTUNER_OWNER";

std::string SafeFileName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
  }
  return out;
}

// True when /proc/PID/environ holds AUTOTUNER_OWNER=owner: the process is one of ours, not a reused pid.
bool OwnedBy(int pid, const std::string& owner) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  if (!in) return false;
  const std::string wanted = std::string(kOwnerEnv) + "=" + owner;
  std::string entry;
  while (std::getline(in, entry, '\0')) {
    if (entry == wanted) return true;
  }
  return false;
}

// Writes `text` to `path` through a temporary file and a rename, so a crash never leaves half a record.
Status WriteAtomically(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return MakeError(ErrorCode::kIo, "cannot write " + temp);
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot rename " + temp + ": " + ec.message());
  return {};
}

// Processes whose process group is `pgid`, read from /proc (zombies excluded).
std::vector<int> GroupMembers(int pgid) {
  std::vector<int> members;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string text;
    if (!std::getline(in, text)) continue;
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    std::string state, ppid, pgrp;
    if (!(rest >> state >> ppid >> pgrp) || state == "Z") continue;
    if (pgrp == std::to_string(pgid)) members.push_back(std::stoi(name));
  }
  return members;
}

// True when the process `pid` that started at clock tick `start` still runs (not a reused pid).
bool Running(int pid, uint64_t start) { return pid > 0 && ProcessStartTime(pid) == start; }

class LocalDeployment final : public Deployment {
 public:
  LocalDeployment(LocalDeployer* deployer, const LocalDeployerOptions& options, const DeploySpec& spec,
                  Process process, int port, std::string base_url, std::string record_path,
                  std::string scratch)
      : deployer_(deployer),
        options_(options),
        ready_path_(spec.runtime->ready_path.empty() ? spec.runtime->health_path : spec.runtime->ready_path),
        log_(spec.on_log_line),
        process_(std::move(process)),
        port_(port),
        base_url_(std::move(base_url)),
        record_path_(std::move(record_path)),
        scratch_(std::move(scratch)) {
    reader_ = std::jthread([this](std::stop_token stop) {
      try {
        (void)PumpLines(
            process_.output_fd(), [this](std::string_view line) { log_.Append(line); },
            [&stop] { return stop.stop_requested(); }, std::chrono::milliseconds(50));
      } catch (...) {
        log_.Append("[autotuner] engine log reader failed: " + DescribeCurrentException());
      }
      log_.MarkDone();
    });
  }

  ~LocalDeployment() override { (void)Stop(); }

  std::string base_url() const override { return base_url_; }

  Status WaitReady(Clock::time_point deadline, std::stop_token stop) override {
    ReadinessWait wait{options_.probe, base_url_, ready_path_, options_.probe_interval,
                       [this](std::chrono::milliseconds timeout) -> std::optional<EngineExit> {
                         const auto status = process_.Wait(timeout);
                         if (!status) return std::nullopt;
                         return EngineExit{status->Describe(), status->AsShellCode(), false};
                       }};
    return AwaitReady(wait, log_, deadline, stop);
  }

  std::optional<std::string> Exited() override {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return std::nullopt;
    const auto status = process_.Poll();
    if (!status) return std::nullopt;
    return status->Describe();
  }

  Status Stop() override {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return {};
    stopped_ = true;
    process_.Stop(options_.stop_grace);
    reader_.request_stop();
    if (reader_.joinable()) reader_.join();
    std::error_code ec;
    fs::remove(record_path_, ec);
    if (!scratch_.empty()) fs::remove_all(scratch_, ec);
    deployer_->ReleasePort(port_);
    return {};
  }

  std::vector<std::string> LogTail(size_t lines) const override { return log_.Tail(lines); }

 private:
  LocalDeployer* deployer_;
  const LocalDeployerOptions& options_;  // the deployer outlives its deployments
  std::string ready_path_;
  EngineLog log_;
  Process process_;
  int port_;
  std::string base_url_;
  std::string record_path_;
  std::string scratch_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
  std::jthread reader_;  // last: it runs on the members above and is joined first
};

}  // namespace

Result<int> FindFreePort(const std::string& host, const std::set<int>& avoid) {
  for (int attempt = 0; attempt < 64; ++attempt) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return MakeError(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
      return MakeError(ErrorCode::kInvalidArgument, "not an IPv4 address: " + host);
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return MakeError(ErrorCode::kIo, std::string("bind: ") + std::strerror(errno));
    }
    socklen_t len = sizeof(addr);
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    if (!avoid.contains(port)) return port;
  }
  return MakeError(ErrorCode::kResourceExhausted, "no free port found on " + host);
}

std::optional<uint64_t> ProcessStartTime(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return std::stoull(field);
  }
  return std::nullopt;
}

LocalDeployer::LocalDeployer(LocalDeployerOptions options) : options_(std::move(options)) {
  if (!options_.probe)
    options_.probe = [](const std::string& url, const std::string& path) { return HttpGetOk(url, path); };
}

Result<int> LocalDeployer::ReservePort() {
  std::lock_guard lock(mutex_);
  auto port = FindFreePort(options_.host, ports_in_use_);
  if (port.ok()) ports_in_use_.insert(*port);
  return port;
}

void LocalDeployer::ReleasePort(int port) {
  std::lock_guard lock(mutex_);
  ports_in_use_.erase(port);
}

Result<std::unique_ptr<Deployment>> LocalDeployer::Deploy(const DeploySpec& spec) {
  if (spec.runtime == nullptr) return MakeError(ErrorCode::kInvalidArgument, "deploy spec without a runtime");
  std::error_code ec;
  fs::create_directories(options_.state_dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + options_.state_dir + ": " + ec.message());
  auto port = ReservePort();
  if (!port.ok()) return std::move(port).error();

  // Settings the engine reads from a file (TensorRT-LLM's --extra_llm_api_options) go into a scratch
  // directory that lives as long as the deployment. JSON is valid YAML.
  std::string scratch, config_path;
  if (!spec.plan.config_file.empty() && !spec.runtime->config_file_flag.empty()) {
    scratch = (fs::path(options_.state_dir) /
               ("scratch-" + SafeFileName(spec.experiment) + "-" + std::to_string(*port)))
                  .string();
    fs::create_directories(scratch, ec);
    config_path = scratch + "/" + spec.runtime->config_file_flag + ".yaml";
    std::ofstream(config_path) << DumpJson(spec.plan.config_file, 2) << "\n";
  }

  ProcessOptions process;
  process.guard = true;  // the engine and its workers die with this process, even after kill -9
  process.guard_grace = options_.stop_grace;
  process.argv = BuildEngineArgv(*spec.runtime, spec.model, spec.served_model_name, spec.plan, options_.host,
                                 *port, config_path);
  for (const auto& [name, value] : spec.env) process.env[name] = value;
  process.env[kOwnerEnv] = options_.owner;
  process.env["AUTOTUNER_EXPERIMENT"] = spec.experiment;
  if (!spec.gpu_ids.empty()) {
    std::string devices;
    for (int id : spec.gpu_ids) devices += (devices.empty() ? "" : ",") + std::to_string(id);
    process.env["CUDA_VISIBLE_DEVICES"] = devices;
  }
  auto child = Process::Spawn(process);
  if (!child.ok()) {
    ReleasePort(*port);
    if (!scratch.empty()) fs::remove_all(scratch, ec);
    Error error = std::move(child).error();
    error.failure = FailureClass::kDeployFailed;
    return error;
  }

  // The record outlives a crash of this process: CleanupOrphans finds the engine through it.
  const std::string record_path =
      (fs::path(options_.state_dir) / ("engine-" + std::to_string(child->pid()) + ".json")).string();
  const int self = static_cast<int>(::getpid());
  const Json record = {{"owner", options_.owner},
                       {"pid", child->pid()},
                       {"pgid", child->pgid()},
                       {"start_time", ProcessStartTime(child->pid()).value_or(0)},
                       {"holder_pid", self},
                       {"holder_start", ProcessStartTime(self).value_or(0)},
                       {"experiment", spec.experiment},
                       {"port", *port},
                       {"argv", process.argv}};
  if (Status written = WriteAtomically(record_path, DumpJson(record) + "\n"); !written.ok()) {
    ReleasePort(*port);
    return written.error();
  }

  const std::string base_url = "http://" + options_.host + ":" + std::to_string(*port);
  return std::unique_ptr<Deployment>(std::make_unique<LocalDeployment>(
      this, options_, spec, std::move(*child), *port, base_url, record_path, scratch));
}

Result<int> LocalDeployer::CleanupOrphans(const std::string& owner) { return Sweep(&owner); }

int LocalDeployer::SweepDeadHolders() {
  auto removed = Sweep(nullptr);
  return removed.ok() ? *removed : 0;
}

// `owner` set: that owner's engines (resume). Unset: engines whose autotuner process has died, whoever
// owned them (a fresh start after a crash).
Result<int> LocalDeployer::Sweep(const std::string* owner) {
  std::error_code ec;
  if (!fs::is_directory(options_.state_dir, ec)) return 0;
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(options_.state_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("engine-") || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto record = ParseJson(text.str(), entry.path().string());
    if (!record.ok() || !record->is_object()) continue;
    const std::string record_owner = StringField(*record, "owner");
    const int holder = record->value("holder_pid", 0);
    const bool holder_alive = holder > 0 && Running(holder, record->value("holder_start", uint64_t{0}));
    if (owner != nullptr ? record_owner != *owner : holder_alive || holder <= 0) continue;
    if (StopGroup(record->value("pgid", record->value("pid", 0)), record_owner)) ++removed;
    fs::remove(entry.path(), ec);
    const std::string scratch_prefix = "scratch-" + SafeFileName(StringField(*record, "experiment")) + "-" +
                                       std::to_string(record->value("port", 0));
    fs::remove_all(fs::path(options_.state_dir) / scratch_prefix, ec);
  }
  return removed;
}

// Stops what is left of an engine's process group: only processes that carry the owner in their
// environment (a pid or group id may have been reused). The leader need not be alive.
bool LocalDeployer::StopGroup(int pgid, const std::string& owner) const {
  if (pgid <= 0) return false;
  const auto ours = [&] {
    std::vector<int> members;
    for (int pid : GroupMembers(pgid))
      if (OwnedBy(pid, owner)) members.push_back(pid);
    return members;
  };
  std::vector<int> members = ours();
  if (members.empty()) return false;
  for (int pid : members) ::kill(pid, SIGTERM);
  const auto until = Clock::now() + options_.stop_grace;
  while (Clock::now() < until && !(members = ours()).empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (int pid : members) ::kill(pid, SIGKILL);
  return true;
}

}  // namespace autotuner::deploy
