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

// Upgrades lose nothing: testdata/schema_v1.db was made with the schema of commit ac935cf (the first
// release's; testdata/schema_v1.sql is its text). Every later schema must open and migrate it in place.
TEST(SqliteStoreTest, ADatabaseOfTheFirstReleaseOpensAndMigrates) {
  const auto path =
      std::filesystem::temp_directory_path() / ("autotuner-store-v1-" + std::to_string(::getpid()) + ".db");
  std::filesystem::copy_file(std::string(AUTOTUNER_SOURCE_DIR) + "/src/autotuner/store/testdata/schema_v1.db",
                             path, std::filesystem::copy_options::overwrite_existing);
  {
    auto store = OpenStore(path.string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    Store& s = **store;
    EXPECT_EQ(s.InstanceId(), "f1x7u7e0000000a1");
    auto task = s.GetTaskByName("fixture-quickstart");
    ASSERT_TRUE(task.ok()) << task.error().message;
    EXPECT_EQ(task->status, TaskStatus::kCompleted);
    EXPECT_EQ(task->spec["optimization"]["max_iterations"], 2);
    auto experiments = s.ListExperiments(task->id);
    ASSERT_TRUE(experiments.ok());
    ASSERT_EQ(experiments->size(), 2u);
    EXPECT_EQ((*experiments)[0].score, 0.5);
    EXPECT_EQ((*experiments)[1].error_class, FailureClass::kOom);
    EXPECT_EQ((*experiments)[1].transitions.size(), 2u);
    EXPECT_EQ(s.ListLogs(task->id, std::nullopt, 0, 10)->size(), 2u);
    EXPECT_TRUE(s.LoadCheckpoint(task->id)->has_value());
    EXPECT_EQ(s.ListPresets()->size(), 1u);
    // What later schemas added works on the old rows.
    auto running = s.GetTaskByName("fixture-running");
    ASSERT_TRUE(running.ok());
    EXPECT_FALSE(*s.CancelRequested(running->id));
    ASSERT_TRUE(s.RequestCancel(running->id).ok());
    EXPECT_TRUE(*s.CancelRequested(running->id));
    EXPECT_TRUE(s.CreateExperiment(running->id, 1, Json::object()).ok());
    EXPECT_TRUE(task->provenance.is_null());
    ASSERT_TRUE(s.SetTaskProvenance(task->id, {{"autotuner_version", "x"}}).ok());
    EXPECT_EQ(s.GetTask(task->id)->provenance["autotuner_version"], "x");
  }
  auto reopened = OpenStore(path.string());  // already migrated: opens as is
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_EQ((*reopened)->ListExperiments((*reopened)->GetTaskByName("fixture-running")->id)->size(), 1u);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
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
