// Api's live streams (SSE): task events and task / experiment logs, also as JSON pages.

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"

namespace autotuner::api {
namespace {

constexpr int64_t kMaxLogPage = 10000;
// How long a stream waits on the bus before looking at the store again: keeps log streams within 100 ms of a
// line written by another process.
constexpr auto kStreamPoll = std::chrono::milliseconds(100);

// Store ids of a task's experiments → their 1-based numbers: log lines name experiments by number, as the
// runner's `log` events and the `[Experiment N]` prefixes do (docs/api.md).
using ExperimentNumbers = std::map<int64_t, int64_t>;

ExperimentNumbers NumbersOf(store::Store& s, int64_t task_id) {
  ExperimentNumbers numbers;
  auto experiments = s.ListExperiments(task_id);
  if (experiments.ok())
    for (const auto& e : *experiments) numbers[e.id] = e.number;
  return numbers;
}

// A stored line in the event stream's `log` form.
Json LogJson(const store::LogRecord& log, const ExperimentNumbers& numbers) {
  runner::LogLine line;
  line.task_id = log.task_id;
  line.log_id = log.id;
  line.level = log.level;
  line.text = log.line;
  line.at = log.at;
  if (log.experiment_id) {
    auto it = numbers.find(*log.experiment_id);
    line.number = it != numbers.end() ? it->second : *log.experiment_id;
  }
  return runner::DataOf(line);
}

// Where a stream resumes: Last-Event-ID, else ?since=, else the start.
Result<int64_t> ResumePoint(const HttpRequest& request) {
  std::string text = request.Header("last-event-id");
  std::string what = "Last-Event-ID";
  if (text.empty()) {
    text = Query(request, "since").value_or("0");
    what = "since";
  }
  return ParseCount(text, what, 0, INT64_MAX);
}

// `event: resync`: the client must reload what it shows (of `task_id`, or of every task when null).
std::string ResyncFrame(const Json& task_id, const char* reason) {
  return "event: resync\ndata: " + DumpJson(Json{{"task_id", task_id}, {"reason", reason}}) + "\n\n";
}

// ?logs=<task ids>: the tasks whose log lines the all-tasks stream carries (comma-separated, at most 64).
Result<std::vector<int64_t>> LogTasks(const HttpRequest& request) {
  constexpr size_t kMaxLogTasks = 64;
  std::vector<int64_t> ids;
  const std::string text = Query(request, "logs").value_or("");
  size_t begin = 0;
  while (begin < text.size()) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    auto id = ParseCount(text.substr(begin, comma - begin), "logs", 1, INT64_MAX);
    if (!id.ok()) return id.error();
    if (ids.size() == kMaxLogTasks)
      return MakeError(ErrorCode::kInvalidArgument,
                       "logs: at most " + std::to_string(kMaxLogTasks) + " task ids");
    ids.push_back(*id);
    begin = comma + 1;
  }
  return ids;
}

}  // namespace

std::string SseFrame(int64_t id, std::string_view type, const Json& data) {
  std::string frame = "id: " + std::to_string(id) + "\nevent: ";
  frame += type;
  frame += "\ndata: ";
  frame += DumpJson(data);  // one line: compact JSON escapes newlines in strings
  frame += "\n\n";
  return frame;
}

HttpResponse Api::TaskEvents(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  return EventStream(request, task->id, {});
}

HttpResponse Api::AllEvents(const HttpRequest& request, const Params&) {
  auto log_tasks = LogTasks(request);
  if (!log_tasks.ok()) return HttpResponse::FromError(log_tasks.error());
  return EventStream(request, std::nullopt, std::move(*log_tasks));
}

HttpResponse Api::EventStream(const HttpRequest& request, std::optional<int64_t> task_id,
                              std::vector<int64_t> log_tasks) {
  auto since = ResumePoint(request);
  if (!since.ok()) return HttpResponse::FromError(since.error());
  if (events_ == nullptr)
    return HttpResponse::FromError(MakeError(ErrorCode::kUnavailable, "this server has no event stream"));
  struct State {
    runner::EventBus::Subscription subscription;
    std::chrono::steady_clock::time_point last_sent;
    bool told_behind = false;
    std::string first;  // sent before any event
  };
  // Event ids live in this process: a resume point past the last id comes from before the server restarted.
  // Such a client is told to reload, and gets the events from now on.
  const int64_t last_id = events_->last_id();
  const bool restarted = *since > last_id;
  auto state = std::make_shared<State>(State{events_->Subscribe(task_id, restarted ? last_id : *since),
                                             std::chrono::steady_clock::now(), false, ""});
  const Json stream_task = task_id ? Json(*task_id) : Json(nullptr);
  if (restarted) state->first = ResyncFrame(stream_task, "server_restarted");
  // The all-tasks stream carries log lines only of the tasks asked for (a page that shows their log).
  auto wanted = [task_id, log_tasks = std::move(log_tasks)](const runner::Event& e) {
    return task_id.has_value() || !std::holds_alternative<runner::LogLine>(e.event) ||
           std::find(log_tasks.begin(), log_tasks.end(), e.task_id) != log_tasks.end();
  };
  const auto heartbeat = options_.heartbeat_interval;
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.stream = [state, heartbeat, stream_task,
                     wanted](std::stop_token stop) -> std::optional<std::string> {
    if (!state->first.empty()) return std::exchange(state->first, std::string());
    const auto wait = std::min<std::chrono::milliseconds>(heartbeat, std::chrono::milliseconds(1000));
    std::vector<runner::Event> events = state->subscription.Next(wait, stop);
    if (stop.stop_requested()) return std::nullopt;
    std::string out;
    if (state->subscription.fell_behind() && !state->told_behind) {
      // Events this client had not read left the bounded history: say so, so it reloads.
      state->told_behind = true;
      out += ResyncFrame(stream_task, "fell_behind");
    }
    for (const auto& e : events)
      if (wanted(e)) out += SseFrame(e.id, e.type(), e.data());
    const auto now = std::chrono::steady_clock::now();
    if (out.empty() && now - state->last_sent >= heartbeat) out = ": heartbeat\n\n";
    if (!out.empty()) state->last_sent = now;
    return out;
  };
  return response;
}

StreamNext Api::LogStream(int64_t task_id, std::optional<int64_t> experiment_id, int64_t after_id) {
  struct State {
    std::optional<runner::EventBus::Subscription> wakeup;
    ExperimentNumbers numbers;
    int64_t cursor = 0;
    std::chrono::steady_clock::time_point last_sent;
  };
  auto state = std::make_shared<State>();
  state->cursor = after_id;
  state->last_sent = std::chrono::steady_clock::now();
  if (events_ != nullptr) state->wakeup.emplace(events_->Subscribe(task_id, events_->last_id()));
  const auto heartbeat = options_.heartbeat_interval;
  store::Store* s = store_;
  return [state, heartbeat, s, task_id, experiment_id](std::stop_token stop) -> std::optional<std::string> {
    if (stop.stop_requested()) return std::nullopt;
    std::string out;
    auto logs = s->ListLogs(task_id, experiment_id, state->cursor, 500);
    if (logs.ok()) {
      for (const auto& log : *logs) {
        if (log.experiment_id && !state->numbers.count(*log.experiment_id))
          state->numbers = NumbersOf(*s, task_id);  // an experiment created since the last lookup
        out += SseFrame(log.id, "log", LogJson(log, state->numbers));
        state->cursor = log.id;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (!out.empty()) {
      state->last_sent = now;
      return out;
    }
    if (now - state->last_sent >= heartbeat) {
      state->last_sent = now;
      return std::string(": heartbeat\n\n");
    }
    // Nothing new: wait for the study to publish something (or the poll interval for other writers).
    if (state->wakeup) {
      (void)state->wakeup->Next(kStreamPoll, stop);
    } else {
      std::this_thread::sleep_for(kStreamPoll);
    }
    return std::string();
  };
}

HttpResponse Api::TaskLogs(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  auto follow = QueryFlag(request, "follow");
  if (!follow.ok()) return HttpResponse::FromError(follow.error());
  if (*follow) {
    auto since = ResumePoint(request);
    if (!since.ok()) return HttpResponse::FromError(since.error());
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = LogStream(task->id, std::nullopt, *since);
    return response;
  }
  auto after = ParseCount(Query(request, "after").value_or("0"), "after", 0, INT64_MAX);
  if (!after.ok()) return HttpResponse::FromError(after.error());
  auto limit = ParseCount(Query(request, "limit").value_or("1000"), "limit", 1, kMaxLogPage);
  if (!limit.ok()) return HttpResponse::FromError(limit.error());
  auto logs = store_->ListLogs(task->id, std::nullopt, *after, *limit);
  if (!logs.ok()) return HttpResponse::FromError(logs.error());
  const ExperimentNumbers numbers = NumbersOf(*store_, task->id);
  Json items = Json::array();
  for (const auto& log : *logs) items.push_back(LogJson(log, numbers));
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::ExperimentLogs(const HttpRequest& request, const Params& params) {
  auto id = ParseId(params.at("id"), "experiment id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto follow = QueryFlag(request, "follow");
  if (!follow.ok()) return HttpResponse::FromError(follow.error());
  auto experiment = store_->GetExperiment(*id);
  if (!experiment.ok()) {
    if (experiment.error().code == ErrorCode::kNotFound)
      return HttpResponse::FromError(MakeError(ErrorCode::kNotFound, "no experiment " + std::to_string(*id)));
    return HttpResponse::FromError(experiment.error());
  }
  if (*follow) {
    auto since = ResumePoint(request);
    if (!since.ok()) return HttpResponse::FromError(since.error());
    HttpResponse response;
    response.content_type = "text/event-stream";
    response.stream = LogStream(experiment->task_id, experiment->id, *since);
    return response;
  }
  auto after = ParseCount(Query(request, "after").value_or("0"), "after", 0, INT64_MAX);
  if (!after.ok()) return HttpResponse::FromError(after.error());
  auto limit = ParseCount(Query(request, "limit").value_or("1000"), "limit", 1, kMaxLogPage);
  if (!limit.ok()) return HttpResponse::FromError(limit.error());
  auto logs = store_->ListLogs(experiment->task_id, experiment->id, *after, *limit);
  if (!logs.ok()) return HttpResponse::FromError(logs.error());
  const ExperimentNumbers numbers = {{experiment->id, experiment->number}};
  Json items = Json::array();
  for (const auto& log : *logs) items.push_back(LogJson(log, numbers));
  return HttpResponse::FromJson({{"items", items}});
}

}  // namespace autotuner::api
