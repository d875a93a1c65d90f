// Api's experiment routes: a task's experiments, one experiment, the Pareto front, the best configuration.

#include <vector>

#include "autotuner/api/api.h"
#include "autotuner/api/api_internal.h"
#include "autotuner/opt/pareto.h"
#include "autotuner/opt/score.h"
#include "autotuner/runner/baseline.h"
#include "autotuner/runner/launch_command.h"
#include "autotuner/runner/results.h"
#include "autotuner/task/vocabulary.h"

namespace autotuner::api {
namespace {

// The objectives a stored task names (optimization.objective: one name or a list).
std::vector<task::Objective> Objectives(const Json& spec) {
  std::vector<task::Objective> out;
  const Json optimization = spec.value("optimization", Json::object());
  const Json objective = optimization.value("objective", Json(nullptr));
  const Json names = objective.is_array() ? objective : Json::array({objective});
  for (const auto& name : names) {
    if (!name.is_string()) continue;
    if (auto parsed = task::ParseObjective(name.get<std::string>())) out.push_back(*parsed);
  }
  return out;
}

}  // namespace

HttpResponse Api::ListExperiments(const HttpRequest& request, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const std::string status = Query(request, "status").value_or("");
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  const task::Objective objective = runner::PrimaryObjective(task->spec);
  Json items = Json::array();
  for (const auto& e : *experiments)
    if (status.empty() || Name(e.status) == status) items.push_back(runner::ExperimentJson(e, objective));
  return HttpResponse::FromJson({{"items", items}});
}

HttpResponse Api::GetExperiment(const HttpRequest& request, const Params& params) {
  auto id = ParseId(params.at("id"), "experiment id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto logs = QueryFlag(request, "logs");
  if (!logs.ok()) return HttpResponse::FromError(logs.error());
  auto experiment = store_->GetExperiment(*id);
  if (!experiment.ok()) {
    if (experiment.error().code == ErrorCode::kNotFound)
      return HttpResponse::FromError(MakeError(ErrorCode::kNotFound, "no experiment " + std::to_string(*id)));
    return HttpResponse::FromError(experiment.error());
  }
  auto task = store_->GetTask(experiment->task_id);
  const task::Objective objective =
      task.ok() ? runner::PrimaryObjective(task->spec) : task::Objective::kMinimizeLatency;
  return HttpResponse::FromJson(runner::ExperimentJson(*experiment, objective, *logs));
}

HttpResponse Api::CancelExperiment(const HttpRequest&, const Params& params) {
  auto id = ParseId(params.at("id"), "experiment id");
  if (!id.ok()) return HttpResponse::FromError(id.error());
  auto experiment = store_->GetExperiment(*id);
  if (!experiment.ok()) {
    if (experiment.error().code == ErrorCode::kNotFound)
      return HttpResponse::FromError(MakeError(ErrorCode::kNotFound, "no experiment " + std::to_string(*id)));
    return HttpResponse::FromError(experiment.error());
  }
  const std::string label = "experiment " + std::to_string(experiment->number);
  if (!IsActive(experiment->status))
    return HttpResponse::FromError(
        MakeError(ErrorCode::kConflict, label + " is already " + std::string(Name(experiment->status))));
  auto task = store_->GetTask(experiment->task_id);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  // Nobody would act on the request: a study that is not running has no experiment to stop.
  if (!Running(*task))
    return HttpResponse::FromError(MakeError(ErrorCode::kConflict, "task " + task->name + " is not running"));
  // Through the store, so it reaches the study whichever process runs it (serve, or a separate `run`).
  if (Status s = store_->RequestExperimentCancel(*id); !s.ok()) return HttpResponse::FromError(s.error());
  (void)store_->AppendLog(task->id, *id, "warn",
                          "[Experiment " + std::to_string(experiment->number) + "] Cancel requested");
  return HttpResponse::FromJson(runner::ExperimentJson(*experiment, runner::PrimaryObjective(task->spec)),
                                202);
}

HttpResponse Api::Pareto(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  const auto objectives = Objectives(task->spec);
  Json names = Json::array();
  for (auto o : objectives) names.push_back(task::Name(o));
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  std::vector<const store::ExperimentRecord*> candidates;
  std::vector<std::vector<double>> points;
  for (const auto& e : *experiments) {
    if (e.status != ExperimentStatus::kSuccess || e.feasible == false || !e.metrics.is_object()) continue;
    const opt::Metrics metrics = opt::MetricsFromJson(e.metrics);
    std::vector<double> point;
    for (auto o : objectives) {
      auto score = opt::BaseScore(metrics, o);
      if (!score.ok()) break;
      point.push_back(*score);
    }
    if (point.size() != objectives.size() || point.empty()) continue;
    candidates.push_back(&e);
    points.push_back(std::move(point));
  }
  Json items = Json::array();
  const task::Objective primary = runner::PrimaryObjective(task->spec);
  for (size_t i : opt::ParetoFront(points)) items.push_back(runner::ExperimentJson(*candidates[i], primary));
  return HttpResponse::FromJson({{"objectives", names}, {"items", items}});
}

HttpResponse Api::Best(const HttpRequest&, const Params& params) {
  auto task = LoadTask(params);
  if (!task.ok()) return HttpResponse::FromError(task.error());
  if (catalog_ == nullptr)
    return HttpResponse::FromError(MakeError(ErrorCode::kUnavailable, "no runtime catalogue loaded"));
  auto experiments = store_->ListExperiments(task->id);
  if (!experiments.ok()) return HttpResponse::FromError(experiments.error());
  auto best = runner::BestConfigurationJson(*task, *experiments, *catalog_);
  if (!best.ok()) {
    Error error = std::move(best).error();
    // Nothing feasible yet is a missing resource here (the CLI's `best` exits 3 for it).
    if (error.code == ErrorCode::kNoFeasible) error.code = ErrorCode::kNotFound;
    return HttpResponse::FromError(error);
  }
  return HttpResponse::FromJson(*best);
}

}  // namespace autotuner::api
