#include "autotuner/runner/preflight.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <set>

#include "autotuner/bench/dataset_cache.h"
#include "autotuner/bench/traffic.h"
#include "autotuner/deploy/docker_client.h"
#include "autotuner/deploy/gpu_pool.h"
#include "autotuner/deploy/kube_client.h"
#include "autotuner/deploy/kube_deployer.h"
#include "autotuner/runner/study.h"
#include "autotuner/task/defaults.h"
#include "autotuner/task/search_space.h"
#include "autotuner/tokenizer/model_tokenizer.h"
#include "autotuner/tokenizer/registry.h"

namespace autotuner::runner {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxGridForGpuCount = 4096;

bool OnPath(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path == nullptr ? "" : path;
  while (true) {
    const size_t colon = dirs.find(':');
    const std::string dir(dirs.substr(0, colon));
    if (!dir.empty() && ::access((dir + "/" + program).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) return false;
    dirs.remove_prefix(colon + 1);
  }
}

PreflightCheck Ok(std::string name, std::string message) {
  return {std::move(name), true, false, false, std::move(message)};
}
PreflightCheck Warn(std::string name, std::string message) {
  return {std::move(name), true, false, true, std::move(message)};
}
PreflightCheck InputError(std::string name, std::string message) {
  return {std::move(name), false, true, false, std::move(message)};
}
PreflightCheck EnvError(std::string name, std::string message) {
  return {std::move(name), false, false, false, std::move(message)};
}

// Every assignment of the finite dimensions (continuous ones at their low end), up to `cap`.
std::vector<Json> FiniteGrid(const task::SearchSpace& space, size_t cap) {
  std::vector<Json> grid = {Json::object()};
  for (const auto& dim : space.dimensions) {
    std::vector<Json> values = dim.values;
    if (values.empty()) {
      values.push_back(dim.kind == task::Parameter::Kind::kInteger ? Json(static_cast<int64_t>(dim.low))
                                                                   : Json(dim.low));
    }
    std::vector<Json> next;
    for (const auto& partial : grid) {
      for (const auto& value : values) {
        if (next.size() >= cap) break;
        Json a = partial;
        a[dim.name] = value;
        next.push_back(std::move(a));
      }
    }
    grid = std::move(next);
  }
  return grid;
}

void CheckModelAndTokenizer(const task::Task& task, const task::RuntimeDefinition& runtime,
                            const PreflightProbes& probes, PreflightReport& report) {
  const ModelLocations where = TaskModelLocations(task, runtime);
  const std::string& id = task.model.id_or_path;
  if (IsCluster(task.deployment_mode)) {
    report.checks.push_back(Ok("model", "'" + id + "' comes from the cluster's storage (not checked here)"));
  } else if (auto files = ResolveModelFiles(id, where); files.ok()) {
    report.checks.push_back(
        Ok("model", files->path.string() + " (" + std::string(Name(files->source)) + ")"));
    report.model = *files;
  } else if (runtime.simulated && probes.simulator_knows_model && probes.simulator_knows_model(id)) {
    report.checks.push_back(
        Ok("model", "'" + id + "' has no files here; the simulator uses its built-in profile"));
  } else if (runtime.simulated && !probes.simulator_knows_model) {
    report.checks.push_back(Warn("model", "'" + id + "' has no files here; the simulator must know it"));
  } else {
    report.checks.push_back(InputError("model", files.error().message));
  }
  auto source = ResolveTaskTokenizer(task, runtime);
  if (!source.ok()) {
    report.checks.push_back(InputError("tokenizer", source.error().message));
    return;
  }
  auto loaded = tokenizer::LoadTokenizer(source->name_or_path);
  if (!loaded.ok()) {
    report.checks.push_back(InputError("tokenizer", "cannot load " + source->name_or_path + ": " +
                                                        loaded.error().message +
                                                        "\nfix: set benchmark.model_tokenizer to a shipped "
                                                        "tokenizer (benchmark.model_tokenizer: gpt2)"));
    return;
  }
  report.tokenizer = source->name_or_path;
  report.tokenizer_note = source->note;
  report.checks.push_back(
      Ok("tokenizer", source->name_or_path + (source->note.empty() ? "" : " — " + source->note)));
}

// benchmark.dataset / dataset_url: the prompts load (a dataset_url from the local cache).
void CheckDataset(const task::Task& task, PreflightReport& report) {
  const task::Benchmark& b = task.benchmark;
  if (!b.dataset && b.dataset_url.empty()) return;
  std::filesystem::path path;
  const std::string column = b.dataset
                                 ? b.dataset->prompt_column
                                 : task::DefaultFor("benchmark.dataset.prompt_column").get<std::string>();
  if (b.dataset) {
    path = b.dataset->path;
  } else {
    auto cached = bench::ResolveDatasetUrl(b.dataset_url);
    if (!cached.ok()) {
      report.checks.push_back(InputError("dataset", cached.error().message));
      return;
    }
    path = *cached;
  }
  auto prompts = bench::LoadDatasetPrompts(path, column);
  if (!prompts.ok()) {
    report.checks.push_back(InputError("dataset", prompts.error().message));
    return;
  }
  report.checks.push_back(Ok("dataset", path.string() + ": " + std::to_string(prompts->size()) + " prompts"));
}

void CheckLauncher(const task::Task& task, const task::RuntimeDefinition& runtime,
                   const PreflightProbes& probes, PreflightReport& report) {
  switch (task.deployment_mode) {
    case task::DeploymentMode::kLocal: {
      const std::string program = runtime.command.empty() ? "" : runtime.command.front();
      if (!probes.on_path(program)) {
        report.checks.push_back(
            EnvError("launcher", "'" + program + "' (the " + runtime.name +
                                     " runtime's command) is not on PATH: install the engine, "
                                     "or run in a shell where it is on PATH"));
      } else if (!runtime.launcher_probe.empty()) {
        std::string shown;
        for (const auto& a : runtime.launcher_probe) shown += (shown.empty() ? "" : " ") + a;
        if (auto probed = probes.run_probe(runtime.launcher_probe); !probed.ok()) {
          report.checks.push_back(
              EnvError("launcher", "`" + shown + "` failed: " + probed.error().message + "\nfix: install " +
                                       runtime.engine + " for this python3, or use deployment_mode: docker"));
        } else {
          report.checks.push_back(Ok("launcher", "`" + shown + "` works"));
        }
      } else {
        report.checks.push_back(Ok("launcher", program + " is on PATH"));
      }
      return;
    }
    case task::DeploymentMode::kDocker: {
      if (auto reachable = probes.docker_reachable(); !reachable.ok()) {
        report.checks.push_back(
            EnvError("docker", "cannot reach the Docker API: " + reachable.error().message +
                                   "\nfix: start the Docker daemon, or set DOCKER_HOST"));
        return;
      }
      const std::string image = deploy::EngineImage(runtime.image, task.runtime_image_tag);
      auto present = probes.docker_image_present(image);
      if (present.ok() && *present) {
        report.checks.push_back(Ok("docker", "image " + image + " is present"));
      } else {
        report.checks.push_back(
            Warn("docker", "image " + image + " is not present: the first experiment pulls it"));
      }
      return;
    }
    case task::DeploymentMode::kKubernetes:
    case task::DeploymentMode::kOme: {
      if (auto reachable = probes.cluster_reachable(task); !reachable.ok()) {
        report.checks.push_back(EnvError("cluster", reachable.error().message));
      } else {
        report.checks.push_back(Ok("cluster", "cluster configuration found"));
      }
      return;
    }
  }
}

Result<deploy::ClusterCapacity> ClusterCapacityOf(const task::Task& task, const PreflightProbes& probes) {
  if (!probes.cluster_capacity) return MakeError(ErrorCode::kUnavailable, "not probed");
  return probes.cluster_capacity(task);
}

// The pool a task without known GPUs gets: hardware.num_gpus, at least one.
int64_t HardwareGpus(const task::Task& task) {
  return task.hardware ? std::max<int64_t>(task.hardware->num_gpus, 1) : 1;
}

std::string CapacityUnknown(const Error& error, int64_t pool) {
  return "cluster capacity unknown (" + error.message + "): a pool of " + std::to_string(pool) +
         " GPU(s) from hardware.num_gpus, scheduled by the cluster";
}

// What the cluster offers against what the smallest candidate needs (which must fit one node unless
// kubernetes.multi_node).
void CheckClusterGpus(const task::Task& task, const task::RuntimeDefinition& runtime,
                      const PreflightProbes& probes, PreflightReport& report) {
  auto capacity = ClusterCapacityOf(task, probes);
  if (!capacity.ok()) {
    report.checks.push_back(Warn("gpus", CapacityUnknown(capacity.error(), HardwareGpus(task))));
    return;
  }
  for (const auto& note : capacity->notes) report.checks.push_back(Warn("gpus", note));
  const int64_t needed = MinGpusNeeded(task, runtime);
  const std::string offers = "the cluster offers " + capacity->Summary();
  if (const std::string beyond = BeyondOneNodeReason(task, needed, capacity->largest_node_gpus);
      !beyond.empty()) {
    report.checks.push_back(EnvError("gpus", offers + "; the smallest candidate " + beyond));
  } else if (capacity->free_gpus < needed) {
    report.checks.push_back(
        EnvError("gpus", offers + ", but the smallest candidate needs " + std::to_string(needed) +
                             "\nfix: free GPUs in the cluster, widen kubernetes.node_selector, "
                             "or search smaller parallelism"));
  } else {
    report.checks.push_back(Ok("gpus", offers + "; the smallest candidate needs " + std::to_string(needed)));
  }
}

void CheckGpus(const task::Task& task, const task::RuntimeDefinition& runtime, const PreflightProbes& probes,
               const PreflightOptions& options, PreflightReport& report) {
  if (IsCluster(task.deployment_mode)) {
    CheckClusterGpus(task, runtime, probes, report);
    return;
  }
  if (runtime.VirtualGpus()) {
    report.checks.push_back(Ok("gpus", "simulated GPUs"));
    return;
  }
  auto selected = SelectGpus(probes, options.gpu_ids);
  if (!selected.ok()) {
    report.checks.push_back(EnvError("gpus", selected.error().message + " (" + runtime.name +
                                                 " needs NVIDIA GPUs; a simulated runtime such as sim-" +
                                                 runtime.engine + " runs without)"));
    return;
  }
  report.gpus = std::move(*selected);
  for (const auto& line : report.gpus.left_out) report.checks.push_back(Warn("gpus", line));
  const int64_t needed = MinGpusNeeded(task, runtime);
  const std::string have = std::to_string(report.gpus.ids.size()) + " free GPU(s)" +
                           (report.gpus.type.empty() ? "" : " (" + report.gpus.type + ")");
  if (static_cast<int64_t>(report.gpus.ids.size()) < needed) {
    report.checks.push_back(EnvError("gpus", have + ", but the smallest candidate needs " +
                                                 std::to_string(needed) +
                                                 "\nfix: free GPUs, pick them with --gpus, or search smaller "
                                                 "parallelism"));
  } else {
    report.checks.push_back(Ok("gpus", have + "; the smallest candidate needs " + std::to_string(needed)));
  }
}

void CheckDisk(const PreflightProbes& probes, const PreflightOptions& options, PreflightReport& report) {
  if (options.state_dir.empty()) return;
  fs::path dir = options.state_dir;
  std::error_code ec;
  while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.parent_path()) dir = dir.parent_path();
  const auto free_bytes = probes.free_disk_bytes(dir);
  if (!free_bytes) return;
  const std::string gib = std::to_string(*free_bytes >> 30) + " GiB free in " + dir.string();
  if (*free_bytes < options.min_free_disk_bytes) {
    report.checks.push_back(EnvError("disk", gib + ": engines' logs and state need at least " +
                                                 std::to_string(options.min_free_disk_bytes >> 20) + " MiB"));
  } else {
    report.checks.push_back(Ok("disk", gib));
  }
}

// Cluster modes: virtual ids for the cluster's free GPUs (the cluster places each engine), the GPU type
// pruning uses, and the largest node; today's hardware.num_gpus pool when the capacity cannot be read.
Status SizeClusterPool(const task::Task& task, const PreflightProbes& probes, int64_t fallback,
                       StudyResources& resources) {
  auto capacity = ClusterCapacityOf(task, probes);
  int64_t pool = fallback;
  if (!capacity.ok()) {
    resources.warnings.push_back(CapacityUnknown(capacity.error(), fallback));
  } else if (capacity->free_gpus == 0) {
    return MakeError(ErrorCode::kUnavailable, "no free GPU in the cluster: " + capacity->Summary());
  } else {
    pool = capacity->free_gpus;
    resources.gpu_type = capacity->gpu_type;
    resources.max_engine_gpus = capacity->largest_node_gpus;
    resources.notes.push_back("Cluster: " + capacity->Summary());
    resources.notes.insert(resources.notes.end(), capacity->notes.begin(), capacity->notes.end());
  }
  for (int64_t i = 0; i < pool; ++i) resources.gpu_ids.push_back(static_cast<int>(i));
  return {};
}

}  // namespace

Json PreflightCheck::ToJson() const {
  return {{"name", name}, {"ok", ok}, {"warning", warning}, {"message", message}};
}

PreflightProbes PreflightProbes::Default() {
  PreflightProbes probes;
  probes.on_path = OnPath;
  probes.run_probe = [](const std::vector<std::string>& argv) -> Status {
    auto output = deploy::RunCommandOutput(argv);
    if (!output.ok()) return std::move(output).error();
    return {};
  };
  probes.docker_reachable = []() -> Status {
    auto version = deploy::DockerClient::FromEnvironment().Version();
    if (!version.ok()) return std::move(version).error();
    return {};
  };
  probes.docker_image_present = [](const std::string& image) {
    return deploy::DockerClient::FromEnvironment().ImageExists(image);
  };
  probes.command_output = [](const std::vector<std::string>& argv) { return deploy::RunCommandOutput(argv); };
  probes.docker_image_digest = [](const std::string& image) {
    return deploy::DockerClient::FromEnvironment().ImageDigest(image);
  };
  probes.cluster_reachable = [](const task::Task&) -> Status {
    auto config = deploy::KubeConfig::Discover();
    if (!config.ok()) return std::move(config).error();
    return {};
  };
  probes.cluster_capacity = [](const task::Task& task) -> Result<deploy::ClusterCapacity> {
    auto config = deploy::KubeConfig::Discover();
    if (!config.ok()) return std::move(config).error();
    deploy::KubeClient client(deploy::MakeHttpsTransport(*config));
    return deploy::DiscoverClusterCapacity(client, task.model.ns, task.kubernetes.node_selector);
  };
  probes.gpu_inventory = [] { return deploy::QueryGpuInventory(); };
  probes.is_our_process = deploy::IsAutotunerProcess;
  probes.free_disk_bytes = [](const fs::path& dir) -> std::optional<uint64_t> {
    std::error_code ec;
    const auto space = fs::space(dir, ec);
    if (ec) return std::nullopt;
    return static_cast<uint64_t>(space.available);
  };
  return probes;
}

bool PreflightReport::ok() const {
  return std::all_of(checks.begin(), checks.end(), [](const PreflightCheck& c) { return c.ok; });
}

Error PreflightReport::ToError() const {
  Json errors = Json::array();
  Json all = Json::array();
  std::string message;
  bool input = false;
  for (const auto& check : checks) {
    all.push_back(check.ToJson());
    if (check.ok) continue;
    input = input || check.input;
    message += (message.empty() ? "" : "\n") + check.name + ": " + check.message;
    if (check.input) errors.push_back({{"field", check.name}, {"message", check.message}});
  }
  message = "preflight failed (nothing was run):\n" + message;
  if (input) return MakeError(ErrorCode::kValidation, message, {{"errors", errors}, {"checks", all}});
  return MakeError(ErrorCode::kUnavailable, message, {{"checks", all}});
}

std::string PreflightReport::Summary() const {
  std::string out;
  for (const auto& check : checks) {
    out += std::string(check.ok ? (check.warning ? "  ! " : "  ✓ ") : "  ✗ ") + check.name + ": " +
           check.message + "\n";
  }
  return out;
}

Result<tokenizer::TokenizerSource> ResolveTaskTokenizer(const task::Task& task,
                                                        const task::RuntimeDefinition& runtime) {
  return tokenizer::ResolveTokenizerSource(task.benchmark.model_tokenizer, task.model.id_or_path,
                                           TaskModelLocations(task, runtime),
                                           runtime.simulated ? "gpt2" : "");
}

Result<GpuSelection> SelectGpus(const PreflightProbes& probes, const std::string& gpu_ids) {
  GpuSelection selection;
  selection.inventory = probes.gpu_inventory();
  if (!selection.inventory.queried) {
    return MakeError(ErrorCode::kUnavailable, "no GPUs: " + selection.inventory.error);
  }
  std::vector<int> only;
  if (!gpu_ids.empty()) only = deploy::DiscoverGpus(gpu_ids, 0);
  const auto availability = deploy::CheckGpus(selection.inventory, probes.is_our_process, only);
  for (const auto& busy : availability.busy) {
    selection.left_out.push_back("GPU " + std::to_string(busy.index) + " left out: " + busy.reason);
  }
  selection.ids = availability.free;
  std::set<std::string> types;
  for (const auto& gpu : selection.inventory.gpus) {
    if (std::find(selection.ids.begin(), selection.ids.end(), gpu.index) == selection.ids.end()) continue;
    types.insert(gpu.type);
    const int cap = gpu.ComputeCapability();
    if (cap > 0 && (selection.compute_capability == 0 || cap < selection.compute_capability)) {
      selection.compute_capability = cap;
    }
  }
  if (types.size() == 1) selection.type = *types.begin();
  return selection;
}

EngineModel ResolveEngineModel(const task::Task& task, const task::RuntimeDefinition& runtime) {
  EngineModel out;
  out.model = task.model.id_or_path;
  if (IsCluster(task.deployment_mode)) return out;
  if (auto files = ResolveModelFiles(task.model.id_or_path, TaskModelLocations(task, runtime)); files.ok()) {
    if (files->source == ModelFiles::Source::kModelDir) out.model = files->path.string();
    if (files->source == ModelFiles::Source::kHubCache) out.env["HF_HUB_OFFLINE"] = "1";
    out.note = "Model files: " + files->path.string() + " (" + std::string(Name(files->source)) + ")";
  }
  return out;
}

Result<StudyResources> ResolveStudyResources(const task::Task& task, const task::RuntimeDefinition& runtime,
                                             const PreflightProbes& probes, const std::string& gpu_ids) {
  StudyResources resources;
  auto source = ResolveTaskTokenizer(task, runtime);
  if (!source.ok()) return std::move(source).error();
  resources.tokenizer = source->name_or_path;
  if (!source->note.empty()) resources.notes.push_back(source->note);
  EngineModel model = ResolveEngineModel(task, runtime);
  resources.engine_model = std::move(model.model);
  resources.engine_env = std::move(model.env);
  if (!model.note.empty()) resources.notes.push_back(std::move(model.note));
  const int64_t hw_gpus = HardwareGpus(task);
  if (IsCluster(task.deployment_mode) && gpu_ids.empty()) {
    Status sized = SizeClusterPool(task, probes, hw_gpus, resources);
    if (!sized.ok()) return std::move(sized).error();
    return resources;
  }
  if (runtime.VirtualGpus() || IsCluster(task.deployment_mode)) {
    if (!gpu_ids.empty()) {
      resources.gpu_ids = deploy::DiscoverGpus(gpu_ids, 0);
    } else {
      for (int i = 0; i < hw_gpus; ++i) resources.gpu_ids.push_back(i);
    }
    return resources;
  }
  auto selected = SelectGpus(probes, gpu_ids);
  if (!selected.ok()) return std::move(selected).error();
  if (selected->ids.empty()) {
    std::string why;
    for (const auto& line : selected->left_out) why += "\n  " + line;
    return MakeError(ErrorCode::kUnavailable, "no free GPU for " + runtime.name + why);
  }
  resources.gpu_ids = selected->ids;
  resources.gpu_type = selected->type;
  resources.real_gpus = true;
  resources.inventory = std::move(selected->inventory);
  resources.notes.insert(resources.notes.end(), selected->left_out.begin(), selected->left_out.end());
  return resources;
}

Status WaitUntilGpusFree(const std::vector<int>& ids, const PreflightProbes& probes,
                         std::chrono::milliseconds max_wait, std::stop_token stop) {
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  while (true) {
    const auto availability = deploy::CheckGpus(probes.gpu_inventory(), probes.is_our_process, ids);
    if (availability.busy.empty() && availability.free.size() == ids.size()) return {};
    std::string why;
    for (const auto& busy : availability.busy) {
      why += (why.empty() ? "" : "; ") + ("GPU " + std::to_string(busy.index) + ": " + busy.reason);
    }
    if (why.empty()) why = "nvidia-smi no longer lists every GPU of this experiment";
    if (std::chrono::steady_clock::now() >= deadline) {
      return MakeError(ErrorCode::kUnavailable, "the experiment's GPUs are in use by others (" + why + ")",
                       {{"error_class", "environment"}});
    }
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, stop, std::chrono::seconds(2), [] { return false; });
    if (stop.stop_requested())
      return MakeError(ErrorCode::kCancelled, "cancelled while waiting for the GPUs");
  }
}

std::string TaskRevision(const task::Task& task) {
  for (const auto& p : task.parameters) {
    if (p.name == "revision" && p.kind == task::Parameter::Kind::kCategorical && p.values.size() == 1 &&
        p.values.front().is_string()) {
      return p.values.front().get<std::string>();
    }
  }
  return "";
}

ModelLocations TaskModelLocations(const task::Task& task, const task::RuntimeDefinition& runtime) {
  return ModelLocations::FromEnvironment(runtime.model_dir, TaskRevision(task));
}

int64_t MinGpusNeeded(const task::Task& task, const task::RuntimeDefinition& runtime) {
  std::optional<int64_t> fewest;
  for (const auto& assignment : FiniteGrid(task::BuildSearchSpace(task), kMaxGridForGpuCount)) {
    const auto mapped = MapTaskCandidate(task, runtime, assignment, std::nullopt);
    if (mapped.pruned()) continue;
    fewest = std::min(fewest.value_or(mapped.plan->gpus_needed), mapped.plan->gpus_needed);
  }
  return std::max<int64_t>(fewest.value_or(1), 1);
}

std::string BeyondOneNodeReason(const task::Task& task, int64_t gpus_needed, int64_t max_engine_gpus) {
  if (!IsCluster(task.deployment_mode) || task.kubernetes.multi_node || max_engine_gpus <= 0 ||
      gpus_needed <= max_engine_gpus) {
    return "";
  }
  return "needs " + std::to_string(gpus_needed) + " GPUs, but the largest node of the cluster has " +
         std::to_string(max_engine_gpus) + " (set kubernetes.multi_node to span nodes)";
}

PreflightReport RunPreflight(const task::Task& task, const task::RuntimeDefinition& runtime,
                             const PreflightProbes& probes, const PreflightOptions& options) {
  PreflightReport report;
  CheckModelAndTokenizer(task, runtime, probes, report);
  CheckDataset(task, report);
  CheckLauncher(task, runtime, probes, report);
  CheckGpus(task, runtime, probes, options, report);
  CheckDisk(probes, options, report);
  return report;
}

}  // namespace autotuner::runner
