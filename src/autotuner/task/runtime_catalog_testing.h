#pragma once

// Test helper: the shipped runtime definitions (runtimes/*.yaml), loaded once per test binary.

#include <stdexcept>

#include "autotuner/task/runtime_catalog.h"

namespace autotuner::testing {

inline const task::RuntimeCatalog& ShippedRuntimes() {
  static const task::RuntimeCatalog catalog = [] {
    auto loaded = task::RuntimeCatalog::LoadDefault();
    if (!loaded.ok()) throw std::runtime_error("runtimes/*.yaml: " + loaded.error().message);
    return std::move(*loaded);
  }();
  return catalog;
}

}  // namespace autotuner::testing

namespace autotuner {
// The name the area tests use for it.
inline const task::RuntimeCatalog& Catalog() { return testing::ShippedRuntimes(); }
}  // namespace autotuner
