#pragma once

// The server's StudyControl over the runner's StudyManager (the product's; tests use fakes).

#include <cstdint>

#include "autotuner/api/api.h"
#include "autotuner/runner/study.h"

namespace autotuner::api {

class StudyManagerControl final : public StudyControl {
 public:
  explicit StudyManagerControl(runner::StudyManager* manager) : manager_(manager) {}
  Status Start(int64_t task_id) override { return manager_->Start(task_id); }
  Status Cancel(int64_t task_id) override { return manager_->Cancel(task_id); }
  bool IsRunning(int64_t task_id) const override { return manager_->IsRunning(task_id); }

 private:
  runner::StudyManager* manager_;
};

}  // namespace autotuner::api
