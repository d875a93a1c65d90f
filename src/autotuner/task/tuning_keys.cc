#include "autotuner/task/tuning_keys.h"

#include <cmath>

namespace autotuner::task {
namespace {

constexpr int64_t kMaxConfirm = 20;
constexpr double kMaxDuration = 30.0 * 24 * 3600;  // 30 days

}  // namespace

void ParseTuningKeys(const Json& optimization, Optimization& o,
                     const std::function<void(std::string_view path, std::string message)>& fail) {
  if (!optimization.is_object()) return;
  if (const auto it = optimization.find("baseline"); it != optimization.end()) {
    if (it->is_boolean()) {
      o.baseline = it->get<bool>();
    } else if (it->is_string() && *it == "auto") {
      o.baseline.reset();
    } else if (it->is_object()) {
      for (const auto& [flag, value] : it->items()) {
        if (!value.is_primitive() || value.is_null()) {
          fail("optimization.baseline." + flag,
               "must be a single value (the flag's setting for the baseline)");
        }
      }
      o.baseline = true;
      o.baseline_parameters = *it;
    } else {
      fail("optimization.baseline", "must be auto, true, false or a mapping {flag: value}");
    }
  }
  if (const auto it = optimization.find("confirm"); it != optimization.end()) {
    if (it->is_string() && *it == "auto") {
      o.confirm.reset();
    } else if (it->is_number_integer() && it->get<int64_t>() >= 0 && it->get<int64_t>() <= kMaxConfirm) {
      o.confirm = it->get<int64_t>();
    } else {
      fail("optimization.confirm",
           "must be auto or a whole number of re-measurements from 0 to " + std::to_string(kMaxConfirm));
    }
  }
  if (const auto it = optimization.find("early_stop"); it != optimization.end()) {
    if (it->is_boolean()) {
      o.early_stop = it->get<bool>();
    } else {
      fail("optimization.early_stop", "must be true or false");
    }
  }
  if (const auto it = optimization.find("max_duration"); it != optimization.end() && !it->is_null()) {
    const double seconds = it->is_number() ? it->get<double>() : NAN;
    if (std::isfinite(seconds) && seconds > 0 && seconds <= kMaxDuration) {
      o.max_duration = seconds;
    } else {
      fail("optimization.max_duration", "must be null or a number of seconds above 0 (at most 30 days)");
    }
  }
}

void TuningKeysToJson(const Optimization& o, Json& optimization) {
  optimization["baseline"] =
      o.baseline ? (*o.baseline && !o.baseline_parameters.empty() ? o.baseline_parameters : Json(*o.baseline))
                 : Json("auto");
  optimization["confirm"] = o.confirm ? Json(*o.confirm) : Json("auto");
  optimization["early_stop"] = o.early_stop;
  optimization["max_duration"] = o.max_duration ? Json(*o.max_duration) : Json(nullptr);
}

}  // namespace autotuner::task
