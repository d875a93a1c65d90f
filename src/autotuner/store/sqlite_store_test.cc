#include <unistd.h>

#include <filesystem>

#include "autotuner/store/store_test_suite.h"

namespace autotuner::store::testing {
namespace {

// Each test gets its own database file; `reopen` opens the same file again.
std::string CurrentPath() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return (std::filesystem::temp_directory_path() /
          ("autotuner-store-" + std::to_string(::getpid()) + "-" + info->name() + ".db"))
      .string();
}

std::unique_ptr<Store> Open(bool fresh) {
  const std::string path = std::filesystem::path(CurrentPath()).string();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    if (fresh) std::filesystem::remove(path + suffix);
  }
  auto store = OpenStore(path);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreTest,
                         ::testing::Values(StoreFactory{"sqlite", [] { return Open(true); },
                                                        [] { return Open(false); }}),
                         FactoryName);

TEST(SqliteStoreTest, CreatesTheDirectoryAndTwoProcessesShareTheInstanceId) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("autotuner-store-dir-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto a = OpenStore("sqlite:" + (dir / "sub" / "autotuner.db").string());
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = OpenStore((dir / "sub" / "autotuner.db").string());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ((*a)->InstanceId(), (*b)->InstanceId());
  EXPECT_EQ((*a)->Describe(), "sqlite:" + (dir / "sub" / "autotuner.db").string());
  std::filesystem::remove_all(dir);
}

TEST(SqliteStoreTest, UnopenablePathIsAnError) {
  auto store = OpenStore("/proc/autotuner/cannot.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
}

TEST(StoreUrlTest, FlagThenEnvironmentThenHome) {
  EXPECT_EQ(DefaultStoreUrl("postgresql://h/db"), "postgresql://h/db");
  ::setenv("AUTOTUNER_DB", "/tmp/from-env.db", 1);
  EXPECT_EQ(DefaultStoreUrl(""), "/tmp/from-env.db");
  ::unsetenv("AUTOTUNER_DB");
  EXPECT_TRUE(DefaultStoreUrl("").ends_with("/.local/share/autotuner/autotuner.db"));
}

}  // namespace
}  // namespace autotuner::store::testing
