#include "autotuner/deploy/kube_deployer.h"

#include <thread>

#include "autotuner/core/guard.h"
#include "autotuner/core/strings.h"

namespace autotuner::deploy {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kOwnerLabel = "autotuner.io/owner";
constexpr const char* kConfigMount = "/autotuner-config";

// What a pod says about an engine that will not become ready, if anything.
std::optional<EngineExit> PodFailure(const Json& pod) {
  for (const auto& status : pod.value("status", Json::object()).value("containerStatuses", Json::array())) {
    const Json state = status.value("state", Json::object());
    const Json last = status.value("lastState", Json::object());
    for (const Json* s : {&state, &last}) {
      if (s->contains("terminated")) {
        const Json& t = (*s)["terminated"];
        const std::string reason = t.value("reason", "");
        const int code = t.value("exitCode", 0);
        if (reason == "Completed" && code == 0 && s == &last) continue;
        return EngineExit{"container " + reason + " with status " + std::to_string(code), code,
                          reason == "OOMKilled"};
      }
    }
    if (state.contains("waiting")) {
      const std::string reason = state["waiting"].value("reason", "");
      if (reason == "CrashLoopBackOff" || reason == "ImagePullBackOff" || reason == "ErrImagePull" ||
          reason == "CreateContainerConfigError" || reason == "InvalidImageName") {
        return EngineExit{"container " + reason + ": " + state["waiting"].value("message", ""), 1, false};
      }
    }
  }
  return std::nullopt;
}

// The scheduler's message when the pod is Pending because no node can take it (PodScheduled=False,
// reason Unschedulable), or nothing.
std::optional<std::string> UnschedulableMessage(const Json& pod) {
  const Json status = pod.value("status", Json::object());
  if (status.value("phase", "") != "Pending") return std::nullopt;
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == "PodScheduled" && c.value("status", "") == "False" &&
        c.value("reason", "") == "Unschedulable") {
      return c.value("message", "");
    }
  }
  return std::nullopt;
}

std::string StorageMountPath(const task::Storage& storage) {
  return storage.mount_path.empty() ? "/mnt/models" : storage.mount_path;
}

bool ConditionTrue(const Json& object, const std::string& type) {
  for (const auto& c : object.value("status", Json::object()).value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  }
  return false;
}

// Why an InferenceService will not become ready, when OME says it will not (a failed model load or an invalid
// spec; "InProgress" and not-ready conditions during start-up are not failures).
std::optional<std::string> IsvcFailure(const Json& isvc) {
  const Json status = isvc.value("status", Json::object());
  const Json model = status.value("modelStatus", Json::object());
  const std::string transition = model.value("transitionStatus", "");
  const std::string target = model.value("modelRevisionStates", Json::object()).value("targetModelState", "");
  if (transition != "BlockedByFailedLoad" && transition != "InvalidSpec" && target != "FailedToLoad")
    return std::nullopt;
  std::string why = transition.empty() ? target : transition;
  const Json failure = model.value("lastFailureInfo", Json::object());
  std::string reason = failure.value("reason", "");
  std::string message = failure.value("message", "");
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready" && c.value("status", "") == "False") {
      if (reason.empty()) reason = c.value("reason", "");
      if (message.empty()) message = c.value("message", "");
    }
  }
  if (!reason.empty()) why += ", " + reason;
  if (!message.empty()) why += ": " + message;
  return why;
}

class KubeDeployment final : public Deployment {
 public:
  KubeDeployment(KubeDeployer* deployer, const DeploySpec& spec, std::vector<Json> objects,
                 std::string base_url, std::string pod_selector)
      : deployer_(deployer),
        log_(spec.on_log_line),
        objects_(std::move(objects)),
        base_url_(std::move(base_url)),
        pod_selector_(std::move(pod_selector)),
        ns_(deployer->options().ns) {
    reader_ = std::jthread([this](std::stop_token stop) {
      try {
        FollowLogs(stop);
      } catch (...) {
        log_.Append("[autotuner] log stream ended by an internal error: " + DescribeCurrentException());
        log_.MarkDone();
      }
    });
  }

  ~KubeDeployment() override { (void)Stop(); }

  std::string base_url() const override { return base_url_; }

  Status WaitReady(Clock::time_point deadline, std::stop_token stop) override {
    const Json& workload = objects_.back();
    const std::string path = KubeClient::ObjectPath(workload);
    const bool ome = workload.value("kind", "") == "InferenceService";
    while (true) {
      auto live = deployer_->client().Get(path);
      if (live.ok()) {
        const bool ready = ome ? ConditionTrue(*live, "Ready")
                               : (*live).value("status", Json::object()).value("availableReplicas", 0) >= 1;
        if (ready) return {};
        if (auto failure = ome ? IsvcFailure(*live) : std::nullopt) {
          log_.MarkDone();
          return MakeFailure(FailureClass::kDeployFailed, ErrorCode::kUnavailable,
                             "InferenceService failed: " + *failure, {{"log_tail", log_.Tail(30)}});
        }
      }
      if (auto failure = PodsFailure()) {
        log_.MarkDone();
        const std::vector<std::string> tail = FailedPodTail(*failure);
        const FailureClass failure_class =
            failure->exit.oom_killed ? FailureClass::kOom : ClassifyStartupFailure(tail);
        return MakeFailure(failure_class, ErrorCode::kUnavailable,
                           "engine " + failure->exit.description + " during start-up",
                           {{"exit", failure->exit.code}, {"log_tail", tail}});
      }
      if (auto message = UnschedulableTooLong()) {
        log_.MarkDone();
        return MakeFailure(FailureClass::kDeployFailed, ErrorCode::kUnavailable,
                           "unschedulable (" + *message + ")", {{"log_tail", log_.Tail(20)}});
      }
      if (stop.stop_requested())
        return MakeError(ErrorCode::kCancelled, "cancelled while the engine was starting");
      if (Clock::now() >= deadline) {
        return MakeFailure(
            FailureClass::kTimeout, ErrorCode::kTimeout,
            workload.value("kind", "") + " " + workload["metadata"].value("name", "") + " not ready in time",
            {{"log_tail", log_.Tail(20)}});
      }
      std::this_thread::sleep_for(
          std::min<Clock::duration>(deployer_->options().poll_interval, deadline - Clock::now()));
    }
  }

  Status Stop() override {
    std::lock_guard lock(stop_mutex_);
    if (stopped_) return {};
    stopped_ = true;
    Status result;
    // Workload first, then what it used, newest first.
    for (auto it = objects_.rbegin(); it != objects_.rend(); ++it) {
      if (Status deleted = deployer_->client().Delete(KubeClient::ObjectPath(*it));
          !deleted.ok() && result.ok()) {
        result = deleted;
      }
    }
    cancelled_ = true;
    reader_.request_stop();
    if (reader_.joinable()) reader_.join();
    return result;
  }

  std::vector<std::string> LogTail(size_t lines) const override { return log_.Tail(lines); }

 private:
  struct PodExit {
    EngineExit exit;
    std::string pod;
    bool restarted = false;  // the log worth reading is the previous container's
  };

  std::optional<PodExit> PodsFailure() {
    auto pods = deployer_->client().List("/api/v1/namespaces/" + ns_ + "/pods", pod_selector_);
    if (!pods.ok()) return std::nullopt;
    pods_ = std::move(*pods);
    for (const auto& pod : pods_) {
      if (auto failure = PodFailure(pod)) {
        bool restarted = false;
        for (const auto& c : pod.value("status", Json::object()).value("containerStatuses", Json::array()))
          restarted = restarted || c.value("restartCount", 0) > 0 ||
                      c.value("lastState", Json::object()).contains("terminated");
        return PodExit{*failure, pod["metadata"].value("name", ""), restarted};
      }
    }
    return std::nullopt;
  }

  // The scheduler's message once the engine's pod (of the last PodsFailure listing) has been unschedulable
  // for longer than the deployer allows; a pod that gets scheduled starts the clock again.
  std::optional<std::string> UnschedulableTooLong() {
    std::optional<std::string> message;
    for (const auto& pod : pods_) {
      if (!message) message = UnschedulableMessage(pod);
    }
    if (!message) {
      unschedulable_since_.reset();
      return std::nullopt;
    }
    const auto now = Clock::now();
    if (!unschedulable_since_) unschedulable_since_ = now;
    if (now - *unschedulable_since_ < deployer_->options().unschedulable_timeout) return std::nullopt;
    return message;
  }

  // The failed container's last lines, read from the API (the followed log may lag behind, and a restarted
  // container's log is the previous one's); what was followed when the API has none.
  std::vector<std::string> FailedPodTail(const PodExit& failure) {
    auto text = deployer_->client().ReadLogs(ns_, failure.pod, 30, failure.restarted);
    if (!text.ok() || text->empty()) return log_.Tail(30);
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      lines.push_back(text->substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }

  // Waits for the engine's pod, then follows its log until the deployment stops.
  void FollowLogs(std::stop_token stop) {
    while (!stop.stop_requested()) {
      auto pods = deployer_->client().List("/api/v1/namespaces/" + ns_ + "/pods", pod_selector_);
      if (pods.ok() && !pods->empty()) {
        const std::string pod = (*pods)[0]["metadata"].value("name", "");
        (void)deployer_->client().FollowLogs(
            ns_, pod, [this](std::string_view l) { log_.Append(l); }, cancelled_);
        break;
      }
      for (int i = 0; i < 20 && !stop.stop_requested(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    log_.MarkDone();
  }

  KubeDeployer* deployer_;
  EngineLog log_;
  std::vector<Json> pods_;  // the engine's pods as WaitReady last listed them
  std::optional<Clock::time_point> unschedulable_since_;
  std::vector<Json> objects_;  // created objects; the workload is last
  std::string base_url_;
  std::string pod_selector_;
  std::string ns_;
  std::atomic<bool> cancelled_{false};
  std::mutex stop_mutex_;
  bool stopped_ = false;
  std::jthread reader_;  // last: it runs on the members above and is joined first
};

}  // namespace

std::string LabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
  }
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  return out;
}

KubeDeployer::KubeDeployer(KubeDeployerOptions options, std::unique_ptr<KubeTransport> transport)
    : options_(std::move(options)), client_(std::move(transport)) {}

std::string KubeDeployer::ObjectName(const DeploySpec& spec) {
  // The runner's experiment ids repeat the task name ("quickstart/3"): it is said once.
  std::string_view experiment = spec.experiment;
  if (experiment.starts_with(spec.task_name + "/")) experiment.remove_prefix(spec.task_name.size() + 1);
  std::string name = "at-" + AsciiLower(spec.task_name) + "-" + AsciiLower(std::string(experiment));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  // Room for suffixes Kubernetes and OME add ("-engine", pod hashes) within 63 characters.
  if (name.size() > 52)
    name = name.substr(0, 43) + "-" + std::to_string(std::hash<std::string>{}(name) % 100000000);
  while (!name.empty() && name.back() == '-') name.pop_back();
  return name;
}

Json KubeDeployer::Labels(const DeploySpec& spec) const {
  Json labels = {{"autotuner.io/task", LabelValue(spec.task_name)},
                 {"autotuner.io/experiment", LabelValue(ObjectName(spec))}};
  if (options_.bookkeeping) labels[kOwnerLabel] = LabelValue(options_.owner);
  return labels;
}

Json KubeDeployer::EngineContainer(const DeploySpec& spec, bool with_config) const {
  const std::string config_path =
      with_config ? std::string(kConfigMount) + "/" + spec.runtime->config_file_flag + ".yaml" : "";
  // Weights on a PVC are loaded from where it is mounted, not downloaded by name.
  const std::string model = options_.storage ? StorageMountPath(*options_.storage) : spec.model;
  const std::vector<std::string> argv = BuildEngineArgv(*spec.runtime, model, spec.served_model_name,
                                                        spec.plan, "0.0.0.0", options_.port, config_path);
  const std::string ready_path =
      spec.runtime->ready_path.empty() ? spec.runtime->health_path : spec.runtime->ready_path;
  Json env = Json::array();
  if (options_.bookkeeping) {
    env.push_back({{"name", "AUTOTUNER_OWNER"}, {"value", options_.owner}});
    env.push_back({{"name", "AUTOTUNER_EXPERIMENT"}, {"value", spec.experiment}});
  }
  for (const auto& [name, value] : spec.env) {
    if (name == "HF_TOKEN" && !options_.hf_token_secret.empty()) continue;  // from the Secret below
    if (!options_.bookkeeping && IsSecretEnvName(name)) {
      // Objects for a person to apply never hold a credential: it comes from a Secret they create.
      env.push_back(
          {{"name", name},
           {"valueFrom", {{"secretKeyRef", {{"name", kRenderedCredentialsSecret}, {"key", name}}}}}});
      continue;
    }
    env.push_back({{"name", name}, {"value", value}});
  }
  if (!options_.hf_token_secret.empty()) {
    env.push_back(
        {{"name", "HF_TOKEN"},
         {"valueFrom", {{"secretKeyRef", {{"name", options_.hf_token_secret}, {"key", "HF_TOKEN"}}}}}});
  }
  Json mounts = Json::array({{{"name", "dshm"}, {"mountPath", "/dev/shm"}}});
  if (with_config)
    mounts.push_back({{"name", "autotuner-config"}, {"mountPath", kConfigMount}, {"readOnly", true}});
  if (options_.storage) {
    Json m = {
        {"name", "model-weights"}, {"mountPath", StorageMountPath(*options_.storage)}, {"readOnly", true}};
    if (!options_.storage->pvc_subpath.empty()) m["subPath"] = options_.storage->pvc_subpath;
    mounts.push_back(m);
  }
  Json container = {{"name", "engine"},
                    {"image", spec.image},
                    {"command", Json::array({argv.front()})},
                    {"args", Json(std::vector<std::string>(argv.begin() + 1, argv.end()))},
                    {"env", env},
                    {"ports", Json::array({{{"name", "http"}, {"containerPort", options_.port}}})},
                    {"volumeMounts", mounts},
                    {"readinessProbe",
                     {{"httpGet", {{"path", ready_path}, {"port", options_.port}}},
                      {"periodSeconds", 5},
                      {"failureThreshold", 3}}}};
  if (spec.plan.gpus_needed > 0) {
    container["resources"] = {{"limits", {{"nvidia.com/gpu", std::to_string(spec.plan.gpus_needed)}}}};
  }
  return container;
}

Json KubeDeployer::PodSpec(const Json& container, const Json& volumes) const {
  Json spec = {{"containers", Json::array({container})}, {"volumes", volumes}};
  if (!options_.node_selector.empty()) spec["nodeSelector"] = options_.node_selector;
  return spec;
}

std::vector<Json> KubeDeployer::Manifests(const DeploySpec& spec) const {
  const std::string name = ObjectName(spec);
  const Json labels = Labels(spec);
  const Json meta = {{"name", name}, {"namespace", options_.ns}, {"labels", labels}};
  std::vector<Json> objects;
  const bool with_config = !spec.plan.config_file.empty() && !spec.runtime->config_file_flag.empty();
  if (with_config) {
    objects.push_back(
        {{"apiVersion", "v1"},
         {"kind", "ConfigMap"},
         {"metadata", meta},
         {"data", {{spec.runtime->config_file_flag + ".yaml", DumpJson(spec.plan.config_file, 2)}}}});
  }
  Json volumes = Json::array({{{"name", "dshm"}, {"emptyDir", {{"medium", "Memory"}}}}});
  if (with_config) volumes.push_back({{"name", "autotuner-config"}, {"configMap", {{"name", name}}}});
  if (options_.storage) {
    volumes.push_back(
        {{"name", "model-weights"},
         {"persistentVolumeClaim", {{"claimName", options_.storage->pvc_name}, {"readOnly", true}}}});
  }
  const Json container = EngineContainer(spec, with_config);
  if (options_.mode == KubeDeployerOptions::Mode::kKubernetes) {
    objects.push_back(
        {{"apiVersion", "v1"},
         {"kind", "Service"},
         {"metadata", meta},
         {"spec",
          {{"selector", {{"autotuner.io/experiment", labels["autotuner.io/experiment"]}}},
           {"ports", Json::array({{{"name", "http"}, {"port", options_.port}, {"targetPort", "http"}}})}}}});
    objects.push_back(
        {{"apiVersion", "apps/v1"},
         {"kind", "Deployment"},
         {"metadata", meta},
         {"spec",
          {{"replicas", 1},
           {"selector", {{"matchLabels", {{"autotuner.io/experiment", labels["autotuner.io/experiment"]}}}}},
           {"template", {{"metadata", {{"labels", labels}}}, {"spec", PodSpec(container, volumes)}}}}}});
    return objects;
  }
  // OME: the InferenceService names the base model and serving runtime and overrides the engine container
  // with the tuned command line (the original tool left the arguments out).
  const auto name_of = [](const std::optional<task::OmeResourceConfig>& c, const std::string& fallback) {
    if (!c) return fallback;
    return c->name.empty() ? c->preset : c->name;
  };
  Json isvc_spec = {
      {"model", {{"name", name_of(options_.base_model, spec.model)}}},
      {"engine", {{"minReplicas", 1}, {"maxReplicas", 1}, {"runner", container}, {"volumes", volumes}}}};
  if (!options_.node_selector.empty()) isvc_spec["engine"]["nodeSelector"] = options_.node_selector;
  if (options_.serving_runtime || !spec.runtime->name.empty()) {
    isvc_spec["runtime"] = {{"name", name_of(options_.serving_runtime, spec.runtime->name)}};
  }
  objects.push_back({{"apiVersion", "ome.io/v1beta1"},
                     {"kind", "InferenceService"},
                     {"metadata", meta},
                     {"spec", isvc_spec}});
  return objects;
}

std::vector<Json> KubeDeployer::ModelManifests(const std::string& task_name) const {
  std::vector<Json> out;
  if (options_.mode != KubeDeployerOptions::Mode::kOme) return out;
  for (const auto& [kind, config] : {std::pair{"ClusterBaseModel", &options_.base_model},
                                     std::pair{"ClusterServingRuntime", &options_.serving_runtime}}) {
    if (!*config || (*config)->name.empty() || (*config)->spec.empty()) continue;
    Json labels = (*config)->labels.empty() ? Json::object() : (*config)->labels;
    labels["autotuner.io/created-by-task"] = LabelValue(task_name);
    Json object_spec = (*config)->spec;
    object_spec.merge_patch((*config)->overrides);
    out.push_back(
        {{"apiVersion", "ome.io/v1beta1"},
         {"kind", kind},
         {"metadata",
          {{"name", (*config)->name},
           {"labels", labels},
           {"annotations", (*config)->annotations.empty() ? Json::object() : (*config)->annotations}}},
         {"spec", object_spec}});
  }
  return out;
}

KubeDeployerOptions KubeDeployerOptionsForTask(const task::Task& task, const std::string& owner) {
  KubeDeployerOptions options;
  options.mode = task.deployment_mode == task::DeploymentMode::kOme ? KubeDeployerOptions::Mode::kOme
                                                                    : KubeDeployerOptions::Mode::kKubernetes;
  options.owner = owner;
  if (!task.model.ns.empty()) options.ns = task.model.ns;
  if (options.mode == KubeDeployerOptions::Mode::kOme) options.storage = task.storage;  // SPEC §1: OME only
  options.base_model = task.clusterbasemodel_config;
  options.serving_runtime = task.clusterservingruntime_config;
  options.node_selector = task.kubernetes.node_selector;
  options.unschedulable_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(task.kubernetes.unschedulable_timeout * 1000));
  return options;
}

std::string EngineImage(const std::string& runtime_image, const std::string& runtime_image_tag) {
  if (runtime_image_tag.empty()) return runtime_image;
  if (runtime_image_tag.find('/') != std::string::npos) return runtime_image_tag;
  std::string repository = runtime_image.substr(0, runtime_image.find('@'));
  const size_t colon = repository.rfind(':');
  if (colon != std::string::npos && repository.find('/', colon) == std::string::npos)
    repository.resize(colon);
  return repository + ":" + runtime_image_tag;
}

Result<std::unique_ptr<Deployment>> KubeDeployer::Deploy(const DeploySpec& spec) {
  if (spec.runtime == nullptr || spec.image.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "kubernetes deploy needs a runtime and an image");
  }
  const auto fail = [](Error error) {
    error.failure = FailureClass::kDeployFailed;
    return error;
  };
  // OME models and runtimes given in full are created when missing and marked as created by this task.
  for (const Json& manifest : ModelManifests(spec.task_name)) {
    auto created = client_.CreateIfMissing(manifest);
    if (!created.ok()) return fail(std::move(created).error());
    if (*created && spec.on_log_line) {
      spec.on_log_line("[autotuner] created " + manifest.value("kind", "") + " " +
                       manifest["metadata"].value("name", ""));
    }
  }
  std::vector<Json> objects = Manifests(spec);
  std::vector<Json> created;
  for (const auto& object : objects) {
    auto applied = client_.Apply(object);
    if (!applied.ok()) {
      for (auto it = created.rbegin(); it != created.rend(); ++it)
        (void)client_.Delete(KubeClient::ObjectPath(*it));
      return fail(std::move(applied).error());
    }
    created.push_back(object);
  }
  const std::string name = ObjectName(spec);
  const std::string base_url = "http://" + name + "." + options_.ns + ".svc." + options_.cluster_domain +
                               ":" + std::to_string(options_.port);
  const std::string selector = options_.mode == KubeDeployerOptions::Mode::kOme
                                   ? "ome.io/inferenceservice=" + name
                                   : "autotuner.io/experiment=" + LabelValue(name);
  return std::unique_ptr<Deployment>(
      std::make_unique<KubeDeployment>(this, spec, std::move(created), base_url, selector));
}

Result<int> KubeDeployer::CleanupOrphans(const std::string& owner) {
  const std::string selector = std::string(kOwnerLabel) + "=" + LabelValue(owner);
  const std::string ns = options_.ns;
  int removed = 0;
  for (const std::string& collection :
       {"/apis/ome.io/v1beta1/namespaces/" + ns + "/inferenceservices",
        "/apis/batch/v1/namespaces/" + ns + "/jobs", "/apis/apps/v1/namespaces/" + ns + "/deployments",
        "/api/v1/namespaces/" + ns + "/services", "/api/v1/namespaces/" + ns + "/configmaps"}) {
    auto items = client_.List(collection, selector);
    if (!items.ok()) {
      // A cluster without OME has no inferenceservices collection.
      if (items.error().code == ErrorCode::kNotFound) continue;
      return std::move(items).error();
    }
    for (const auto& item : *items) {
      const std::string path = collection + "/" + item["metadata"].value("name", "");
      if (Status deleted = client_.Delete(path); !deleted.ok()) return std::move(deleted).error();
      ++removed;
    }
  }
  return removed;
}

}  // namespace autotuner::deploy
