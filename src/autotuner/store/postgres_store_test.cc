#include <cstdlib>

#include "autotuner/store/postgres_connection.h"
#include "autotuner/store/store_test_suite.h"

namespace autotuner::store::testing {
namespace {

std::string Url() {
  const char* url = std::getenv("AUTOTUNER_TEST_PG_URL");
  return url != nullptr ? url : "postgresql://autotuner@127.0.0.1:55432/autotuner_test";
}

std::unique_ptr<Store> Open(bool fresh) {
  if (fresh) {
    auto admin = OpenPostgres(Url());
    EXPECT_TRUE(admin.ok()) << admin.error().message;
    if (!admin.ok()) return nullptr;
    EXPECT_TRUE((*admin)->ExecScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public;").ok());
  }
  auto store = OpenStore(Url());
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreTest,
                         ::testing::Values(StoreFactory{"postgres", [] { return Open(true); },
                                                        [] { return Open(false); }}),
                         FactoryName);

TEST(PostgresStoreTest, UnreachableServerIsUnavailableAndThePasswordIsHidden) {
  auto store = OpenStore("postgresql://user:secret@127.0.0.1:1/none?connect_timeout=2");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(store.error().message.find("secret"), std::string::npos) << store.error().message;
  EXPECT_NE(store.error().message.find("user:***@"), std::string::npos);
}

}  // namespace
}  // namespace autotuner::store::testing
