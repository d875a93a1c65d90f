#pragma once

// The REST API of `autotuner serve` (SPEC §6, docs/api.md) as plain request → response code, independent of
// the HTTP library: server.cc adapts cpp-httplib to it, so every route is testable and the library stays in
// one file.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/result.h"
#include "autotuner/deploy/gpu_inventory.h"
#include "autotuner/runner/event_bus.h"
#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"

namespace autotuner::api {

struct HttpRequest {
  std::string method;  // GET, POST, ...
  std::string path;    // decoded, without the query
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-case
  std::string body;
  std::string remote_addr;

  std::string Header(std::string_view name) const;
};

// A live stream (SSE). Called repeatedly on the connection's thread: returns the next text to send (whole SSE
// frames or heartbeat comments), blocking up to about a second; an empty string when nothing is due yet;
// nullopt when the stream is over. Stops early when `stop` is requested (server shutdown).
using StreamNext = std::function<std::optional<std::string>(std::stop_token stop)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  StreamNext stream;  // set: an SSE stream; body is unused

  static HttpResponse FromJson(const Json& value, int status = 200);
  static HttpResponse FromError(const Error& error);
  // The error shape with an HTTP status that has no ErrorCode of its own (405, 413).
  static HttpResponse FromStatus(int status, ErrorCode type, const std::string& message);
};

// How the server starts and stops studies; runner::StudyManager in the product (see study_control.h), fakes
// in tests.
class StudyControl {
 public:
  virtual ~StudyControl() = default;
  virtual Status Start(int64_t task_id) = 0;
  virtual Status Cancel(int64_t task_id) = 0;
  virtual bool IsRunning(int64_t task_id) const = 0;
};

struct ApiOptions {
  std::chrono::milliseconds heartbeat_interval = std::chrono::seconds(10);
  size_t max_json_depth = 64;
  std::string gpu_ids;         // the GPUs studies may use ("0,1"; --gpus); empty: every GPU nvidia-smi shows
  bool auth_required = false;  // reported by /api/system/info
  // /api/gpus: how the inventory is read (unset: nvidia-smi) and how long one answer is reused.
  std::function<deploy::GpuInventory()> gpu_inventory;
  std::chrono::milliseconds gpu_cache_ttl = std::chrono::seconds(5);
};

class Api {
 public:
  // `events` and `studies` may be null: streams then only poll the store, and start / restart answer 503.
  Api(store::Store* store, runner::EventBus* events, StudyControl* studies,
      const task::RuntimeCatalog* catalog, ApiOptions options = {});
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Any `/api/...` request. Never throws; unknown routes are 404, known paths with another method 405.
  HttpResponse Handle(const HttpRequest& request);

  // Whether a path is exempt from authentication (health, login).
  static bool IsPublic(std::string_view method, std::string_view path);

  // The OpenAPI 3 document describing every route.
  Json OpenApi() const;

  // Adds the shipped parameter presets the store does not hold yet.
  Status SeedBuiltinPresets();

  // Computes and caches the summaries of finished tasks, newest first, so the first task lists after start-up
  // are as fast as later ones. Returns early when `stop` is requested.
  void WarmSummaries(std::stop_token stop);

  using Params = std::map<std::string, std::string>;
  using Handler = HttpResponse (Api::*)(const HttpRequest&, const Params&);
  struct Route {
    std::string method;
    std::string pattern;  // "/api/tasks/{id}/events"
    Handler handler;
    std::string summary;
    bool stream = false;
  };

 private:
  Result<Json> ParseBody(const HttpRequest& request) const;
  Result<store::TaskRecord> LoadTask(const Params& params);
  Json TaskJson(const store::TaskRecord& task);
  Json Summary(const store::TaskRecord& task);
  // One task of the list as JSON text (TaskJson), kept for finished tasks (see item_cache_).
  std::string TaskItemText(store::StoredTask row);
  void PublishStatus(const store::TaskRecord& task);
  bool Running(const store::TaskRecord& task) const;
  // A new task with `task`'s spec, named UniqueTaskName(stem + suffix) (duplicate: `_copy`, restart: none),
  // the stem shortened to keep the name within the limit; kValidation when the copy's spec is not valid.
  Result<store::TaskRecord> CopyTask(const store::TaskRecord& task, const std::string& stem,
                                     std::string_view suffix);
  // The base a rerun of `task` is named from: `name` for `name` and for `name-N` when `name` exists.
  std::string RerunBase(const store::TaskRecord& task);
  StreamNext LogStream(int64_t task_id, std::optional<int64_t> experiment_id, int64_t after_id);
  // The SSE stream of one task's events (`task_id`), or of every task's with log lines only of `log_tasks`.
  HttpResponse EventStream(const HttpRequest& request, std::optional<int64_t> task_id,
                           std::vector<int64_t> log_tasks);

  HttpResponse ListTasks(const HttpRequest&, const Params&);
  HttpResponse CreateTask(const HttpRequest&, const Params&);
  HttpResponse GetTask(const HttpRequest&, const Params&);
  HttpResponse GetTaskByName(const HttpRequest&, const Params&);
  HttpResponse ReplaceTask(const HttpRequest&, const Params&);
  HttpResponse PatchTask(const HttpRequest&, const Params&);
  HttpResponse DeleteTask(const HttpRequest&, const Params&);
  HttpResponse StartTask(const HttpRequest&, const Params&);
  HttpResponse CancelTask(const HttpRequest&, const Params&);
  HttpResponse RestartTask(const HttpRequest&, const Params&);
  HttpResponse ClearTask(const HttpRequest&, const Params&);
  HttpResponse DuplicateTask(const HttpRequest&, const Params&);
  HttpResponse ExportTask(const HttpRequest&, const Params&);
  HttpResponse ListExperiments(const HttpRequest&, const Params&);
  HttpResponse GetExperiment(const HttpRequest&, const Params&);
  HttpResponse CancelExperiment(const HttpRequest&, const Params&);
  HttpResponse Pareto(const HttpRequest&, const Params&);
  HttpResponse Best(const HttpRequest&, const Params&);
  HttpResponse ValidateTask(const HttpRequest&, const Params&);
  HttpResponse TaskEvents(const HttpRequest&, const Params&);
  HttpResponse AllEvents(const HttpRequest&, const Params&);
  HttpResponse TaskLogs(const HttpRequest&, const Params&);
  HttpResponse ExperimentLogs(const HttpRequest&, const Params&);
  HttpResponse ListRuntimes(const HttpRequest&, const Params&);
  HttpResponse RuntimeFlags(const HttpRequest&, const Params&);
  HttpResponse QuantizationPresets(const HttpRequest&, const Params&);
  HttpResponse ListPresets(const HttpRequest&, const Params&);
  HttpResponse CreatePreset(const HttpRequest&, const Params&);
  HttpResponse GetPreset(const HttpRequest&, const Params&);
  HttpResponse UpdatePreset(const HttpRequest&, const Params&);
  HttpResponse DeletePreset(const HttpRequest&, const Params&);
  HttpResponse ImportPresets(const HttpRequest&, const Params&);
  HttpResponse ExportPreset(const HttpRequest&, const Params&);
  HttpResponse MergePresets(const HttpRequest&, const Params&);
  HttpResponse SystemInfo(const HttpRequest&, const Params&);
  HttpResponse SystemHealth(const HttpRequest&, const Params&);
  HttpResponse Gpus(const HttpRequest&, const Params&);
  Json GpuInventoryJson();
  HttpResponse OpenApiRoute(const HttpRequest&, const Params&);

  static const std::vector<Route>& Routes();

  store::Store* store_;
  runner::EventBus* events_;
  StudyControl* studies_;
  const task::RuntimeCatalog* catalog_;
  ApiOptions options_;
  double started_at_;

  // Summaries of finished tasks do not change until the task's status does; keyed by id and checked against
  // (status, finished_at) so a restart or clear is never served stale.
  struct CachedSummary {
    TaskStatus status = TaskStatus::kPending;
    double finished_at = 0;
    Json summary;
  };
  std::mutex cache_mutex_;
  std::map<int64_t, CachedSummary> summary_cache_;
  // The list's items of finished tasks as JSON text: a 500-task page is then SQL plus concatenation, not 500
  // parses of stored specs and a 300 KB dump. Checked against a hash of every field the item shows, so an
  // edit by any process is never served stale; the summary part is as current as summary_cache_.
  struct CachedItem {
    size_t fingerprint = 0;
    std::string text;
  };
  std::map<int64_t, CachedItem> item_cache_;

  // /api/gpus: nvidia-smi takes a while and the dashboard polls, so one answer serves gpu_cache_ttl.
  std::mutex gpus_mutex_;
  std::optional<std::chrono::steady_clock::time_point> gpus_at_;
  Json gpus_;
};

// The SSE frame of one event: "id: N\nevent: TYPE\ndata: JSON\n\n".
std::string SseFrame(int64_t id, std::string_view type, const Json& data);

// Deepest nesting of arrays and objects in JSON text (strings skipped), without parsing it.
size_t JsonNestingDepth(std::string_view text);

}  // namespace autotuner::api
