#pragma once

// Test fixture of the API's tests: a scratch directory with a SQLite store and the shipped runtimes. Test
// classes derive from it, call its SetUp first and its TearDown last (after stopping what uses the store).

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "autotuner/store/store.h"
#include "autotuner/task/runtime_catalog.h"
#include "autotuner/task/runtime_catalog_testing.h"

namespace autotuner::api {

class ApiStoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("autotuner_api_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    auto opened = store::OpenStore((dir_ / "api.db").string());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    catalog_ = autotuner::testing::ShippedRuntimes();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static inline std::atomic<int> counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  task::RuntimeCatalog catalog_;
};

}  // namespace autotuner::api
