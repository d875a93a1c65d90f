#include "autotuner/api/ui_access.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

TEST(UiAccessTest, TokensAreLongAndDifferEveryTime) {
  auto a = GenerateToken();
  auto b = GenerateToken();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*a, *b);
}

TEST(UiAccessTest, TokenFileIsOnlyReadableByItsUserAndRemovedAfter) {
  const fs::path dir = fs::temp_directory_path() / ("autotuner_ui_access_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const char* saved = std::getenv("XDG_RUNTIME_DIR");
  const std::string previous = saved != nullptr ? saved : "";
  ::setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
  std::string path;
  {
    auto written = WriteTokenFile(8123, "abc");
    ASSERT_TRUE(written.ok()) << written.error().message;
    path = *written;
    EXPECT_EQ(path, (dir / "autotuner" / "serve-8123.token").string());
    TokenFile file(path);
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat((dir / "autotuner").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    std::ifstream in(path);
    std::string token;
    in >> token;
    EXPECT_EQ(token, "abc");
  }
  EXPECT_FALSE(fs::exists(path));
  if (saved != nullptr) {
    ::setenv("XDG_RUNTIME_DIR", previous.c_str(), 1);
  } else {
    ::unsetenv("XDG_RUNTIME_DIR");
  }
  fs::remove_all(dir);
}

TEST(UiAccessTest, UrlCarriesTheTokenBeforeTheFragment) {
  EXPECT_EQ(UiUrl("http://127.0.0.1:8080", "T", "/tasks/3"), "http://127.0.0.1:8080/?token=T#/tasks/3");
  EXPECT_EQ(UiUrl("http://127.0.0.1:8080", "", "/tasks/3"), "http://127.0.0.1:8080/#/tasks/3");
}

}  // namespace
}  // namespace autotuner::api
