#pragma once

// For the threads benchmarks start: an exception escaping a thread body would std::terminate the benchmark,
// so the body runs inside a catch-all that reports it on stderr and then runs `on_failure` (what lets the
// main thread go on: count a subscriber as connected, stop the other workers, ...).

#include <cstdio>
#include <utility>

#include "autotuner/core/guard.h"

namespace autotuner::bench_support {

// Returns false when the body threw.
template <typename Body, typename OnFailure>
bool CatchAll(const char* thread, Body&& body, OnFailure&& on_failure) noexcept {
  try {
    std::forward<Body>(body)();
    return true;
  } catch (...) {
    std::fprintf(stderr, "%s thread: %s\n", thread, DescribeCurrentException().c_str());
  }
  std::forward<OnFailure>(on_failure)();
  return false;
}

}  // namespace autotuner::bench_support
