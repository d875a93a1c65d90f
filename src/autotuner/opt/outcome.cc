#include "autotuner/opt/outcome.h"

#include <cmath>
#include <utility>

namespace autotuner::opt {

bool SaysSomethingAboutTheConfiguration(InfeasibleReason reason) {
  return reason != InfeasibleReason::kInterrupted && reason != InfeasibleReason::kInternal;
}

Outcome Outcome::Success(double score, std::vector<double> extra_objectives) {
  Outcome o;
  o.objectives_.reserve(extra_objectives.size() + 1);
  o.objectives_.push_back(score);
  o.objectives_.insert(o.objectives_.end(), extra_objectives.begin(), extra_objectives.end());
  return o;
}

Outcome Outcome::Infeasible(InfeasibleReason reason, std::string message) {
  Outcome o;
  o.reason_ = reason;
  o.message_ = std::move(message);
  return o;
}

Json Outcome::ToJson() const {
  if (feasible()) return {{"status", "success"}, {"objectives", objectives_}};
  Json j = {{"status", "infeasible"}, {"reason", Name(*reason_)}};
  if (!message_.empty()) j["message"] = message_;
  return j;
}

Result<Outcome> Outcome::FromJson(const Json& json) {
  const auto invalid = [](const std::string& m) {
    return MakeError(ErrorCode::kValidation, "outcome: " + m);
  };
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return invalid("needs a status");
  }
  const auto status = json["status"].get<std::string>();
  if (status == "success") {
    const auto it = json.find("objectives");
    if (it == json.end() || !it->is_array() || it->empty()) return invalid("needs a list of objectives");
    std::vector<double> values;
    for (const auto& v : *it) {
      if (!v.is_number() || !std::isfinite(v.get<double>()))
        return invalid("objectives must be finite numbers");
      values.push_back(v.get<double>());
    }
    const double primary = values.front();
    values.erase(values.begin());
    return Success(primary, std::move(values));
  }
  if (status == "infeasible") {
    const auto reason = json.contains("reason") && json["reason"].is_string()
                            ? ParseFailureClass(json["reason"].get<std::string>())
                            : std::nullopt;
    if (!reason) return invalid("unknown infeasibility reason");
    return Infeasible(*reason, json.value("message", std::string{}));
  }
  return invalid("unknown status '" + status + "'");
}

}  // namespace autotuner::opt
