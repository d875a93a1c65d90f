// The web UI's files: precompressed twins chosen by Accept-Encoding and sent as stored, caching headers,
// ETag revalidation, the SPA fallback; once through the real server, byte for byte.

#include "autotuner/api/static_files.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "autotuner/api/api_testing.h"
#include "autotuner/api/server.h"

namespace autotuner::api {
namespace {

namespace fs = std::filesystem;

std::string Header(const StaticFile& file, const std::string& name) {
  for (const auto& [key, value] : file.headers)
    if (key == name) return value;
  return "";
}

class StaticFilesTest : public ApiStoreFixture {
 protected:
  void SetUp() override {
    ApiStoreFixture::SetUp();
    root_ = dir_ / "web";
    fs::create_directories(root_ / "assets");
    Write("index.html", "<html>app</html>");
    Write("index.html.br", kIndexBr);
    Write("index.html.gz", kIndexGz);
    Write("assets/index-3f2a.js", "console.log(1)");
    Write("assets/index-3f2a.js.gz", kScriptGz);
    Write("favicon.svg", "<svg/>");
    root_ = fs::canonical(root_);
  }

  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(root_ / name, std::ios::binary) << bytes;
  }

  StaticFile Get(const std::string& path, const std::string& accept = "", const std::string& etag = "") {
    return ResolveStaticFile(root_, {path, accept, etag});
  }

  // Not real compressed data: what the server sends must be these bytes, not a re-encoding of them.
  const std::string kIndexBr = std::string("BR\0\xff index", 9);
  const std::string kIndexGz = std::string("\x1f\x8bGZ index", 10);
  const std::string kScriptGz = std::string("\x1f\x8bGZ script", 11);
  fs::path root_;
};

TEST_F(StaticFilesTest, AcceptEncodingPrefersBrotliAndHonoursQZero) {
  EXPECT_EQ(AcceptedEncodings("gzip, deflate, br, zstd"), (std::vector<std::string>{"br", "gzip"}));
  EXPECT_EQ(AcceptedEncodings("GZIP;q=0.5"), std::vector<std::string>{"gzip"});
  EXPECT_EQ(AcceptedEncodings("br;q=0, gzip"), std::vector<std::string>{"gzip"});
  EXPECT_EQ(AcceptedEncodings("br;q=0.0"), std::vector<std::string>{});
  EXPECT_EQ(AcceptedEncodings(""), std::vector<std::string>{});
  EXPECT_EQ(AcceptedEncodings("identity"), std::vector<std::string>{});
}

TEST_F(StaticFilesTest, TwinsAreChosenByAcceptEncodingAndSentAsStored) {
  StaticFile index = Get("/", "gzip, br");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.encoding, "br");
  EXPECT_EQ(index.body, kIndexBr);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Header(index, "Vary"), "Accept-Encoding");
  EXPECT_EQ(Get("/index.html", "gzip").body, kIndexGz);
  EXPECT_EQ(Get("/index.html", "gzip").encoding, "gzip");
  const StaticFile plain = Get("/index.html");
  EXPECT_EQ(plain.encoding, "");
  EXPECT_EQ(plain.body, "<html>app</html>");
  EXPECT_EQ(Header(plain, "Vary"), "Accept-Encoding");  // a cache must not hand it to a br client

  const StaticFile script = Get("/assets/index-3f2a.js", "br, gzip");  // no .br twin: the .gz one
  EXPECT_EQ(script.encoding, "gzip");
  EXPECT_EQ(script.body, kScriptGz);
  EXPECT_EQ(script.content_type, "text/javascript");
  const StaticFile icon = Get("/favicon.svg", "br");  // no twin at all
  EXPECT_EQ(icon.encoding, "");
  EXPECT_EQ(icon.body, "<svg/>");
  EXPECT_EQ(Header(icon, "Vary"), "");
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableAndTheAppPageRevalidates) {
  const StaticFile script = Get("/assets/index-3f2a.js");
  EXPECT_EQ(Header(script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(script, "ETag"), "");
  EXPECT_EQ(Header(Get("/favicon.svg"), "Cache-Control"), "");

  const StaticFile index = Get("/", "br");
  EXPECT_EQ(Header(index, "Cache-Control"), "no-cache");
  const std::string etag = Header(index, "ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_NE(etag, Header(Get("/"), "ETag"));  // one ETag per representation
  EXPECT_NE(etag, Header(Get("/", "gzip"), "ETag"));
  const StaticFile again = Get("/", "br", "\"other\", " + etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Header(again, "ETag"), etag);
  EXPECT_EQ(Get("/", "br", "\"other\"").status, 200);

  Write("index.html", "<html>app v2</html>");  // a new build: the old ETag no longer matches
  fs::remove(root_ / "index.html.br");
  fs::remove(root_ / "index.html.gz");
  EXPECT_EQ(Get("/", "", Header(Get("/"), "ETag")).status, 304);
  EXPECT_EQ(Get("/", "", etag).status, 200);
}

TEST_F(StaticFilesTest, ClientRoutesFallBackToTheAppAndNothingLeavesTheRoot) {
  const StaticFile route = Get("/tasks/3/results", "gzip");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.body, kIndexGz);
  EXPECT_EQ(Header(route, "Cache-Control"), "no-cache");
  std::ofstream(dir_ / "secret.txt") << "do not serve";
  for (const std::string path : {"/../secret.txt", "/assets/../../secret.txt"})
    EXPECT_EQ(Get(path).status, 400) << path;
  EXPECT_EQ(Get(std::string("/a\0b", 4)).status, 400);
  fs::create_symlink(dir_ / "secret.txt", root_ / "link.txt");
  EXPECT_EQ(Get("/link.txt").body, "<html>app</html>");  // outside the root: the app, not the file
  fs::remove(root_ / "index.html");
  EXPECT_EQ(Get("/nothing").status, 404);
}

// Through httplib: a content provider, so the library neither compresses the body again nor drops the
// headers; the client is told not to decode, so the bytes compared are the bytes sent.
TEST_F(StaticFilesTest, TheServerSendsTheTwinByteForByte) {
  ServerOptions options;
  options.port = 0;
  options.seed_presets = false;
  options.web_root = root_.string();
  Server server(options, store_.get(), nullptr, nullptr, &catalog_);
  ASSERT_TRUE(server.Start().ok());
  httplib::Client client("127.0.0.1", server.port());
  client.set_decompress(false);
  auto br = client.Get("/", {{"Accept-Encoding", "br"}});
  ASSERT_TRUE(br);
  EXPECT_EQ(br->status, 200);
  EXPECT_EQ(br->body, kIndexBr);
  EXPECT_EQ(br->get_header_value("Content-Encoding"), "br");
  EXPECT_EQ(br->get_header_value("Content-Length"), std::to_string(kIndexBr.size()));
  EXPECT_EQ(br->get_header_value("Cache-Control"), "no-cache");
  auto revalidated =
      client.Get("/", {{"Accept-Encoding", "br"}, {"If-None-Match", br->get_header_value("ETag")}});
  ASSERT_TRUE(revalidated);
  EXPECT_EQ(revalidated->status, 304);
  auto script = client.Get("/assets/index-3f2a.js", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(script);
  EXPECT_EQ(script->body, kScriptGz);
  EXPECT_EQ(script->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(script->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  auto icon = client.Get("/favicon.svg", {{"Accept-Encoding", "gzip"}});  // no twin: sent as is
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->body, "<svg/>");
  EXPECT_EQ(icon->get_header_value("Content-Encoding"), "");
  server.Stop();
}

}  // namespace
}  // namespace autotuner::api
