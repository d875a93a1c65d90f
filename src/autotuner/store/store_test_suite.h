#pragma once

// The store behaviour every implementation must show; instantiated for SQLite (unit) and PostgreSQL
// (integration) with the same tests.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "autotuner/store/store.h"

namespace autotuner::store::testing {

struct StoreFactory {
  std::string name;
  // A store on an empty database.
  std::function<std::unique_ptr<Store>()> fresh;
  // The same database opened again, as a restarted process would.
  std::function<std::unique_ptr<Store>()> reopen;
};

class StoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().fresh();
    ASSERT_NE(store_, nullptr);
  }
  Store& store() { return *store_; }
  std::unique_ptr<Store> store_;
};

inline std::string FactoryName(const ::testing::TestParamInfo<StoreFactory>& info) { return info.param.name; }
inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

}  // namespace autotuner::store::testing
