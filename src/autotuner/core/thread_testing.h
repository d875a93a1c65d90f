#pragma once

// Test helper for the threads tests start: an exception escaping a thread body would std::terminate the whole
// test binary, so the body runs inside a catch-all that records the failure with gtest and then runs
// `on_failure` (what lets the test's main thread go on: stop a study, count a stream as open, ...).

#include <gtest/gtest.h>

#include <exception>
#include <utility>

namespace autotuner::testing {

template <typename Body, typename OnFailure>
void CatchAll(const char* thread, Body&& body, OnFailure&& on_failure) noexcept {
  try {
    std::forward<Body>(body)();
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << thread << " thread: " << e.what();
  } catch (...) {
    ADD_FAILURE() << thread << " thread: an exception that is not a std::exception";
  }
  std::forward<OnFailure>(on_failure)();
}

template <typename Body>
void CatchAll(const char* thread, Body&& body) noexcept {
  CatchAll(thread, std::forward<Body>(body), [] {});
}

}  // namespace autotuner::testing
