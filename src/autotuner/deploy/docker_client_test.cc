#include "autotuner/deploy/docker_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace autotuner::deploy {
namespace {

std::string Frame(int stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

TEST(DockerLogDemuxerTest, SplitsFramesAcrossArbitraryReads) {
  std::vector<std::pair<int, std::string>> got;
  DockerLogDemuxer demux([&](int stream, std::string_view payload) { got.emplace_back(stream, payload); });
  const std::string bytes =
      Frame(1, "hello\n") + Frame(2, "oops: out of memory\n") + Frame(1, std::string(300, 'x'));
  // Feed one byte at a time: headers and payloads split anywhere.
  for (char c : bytes) demux.Feed(std::string_view(&c, 1));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], std::make_pair(1, std::string("hello\n")));
  EXPECT_EQ(got[1].first, 2);
  EXPECT_EQ(got[1].second, "oops: out of memory\n");
  EXPECT_EQ(got[2].second.size(), 300u);
}

TEST(DockerClientTest, UnreachableDaemonIsUnavailable) {
  DockerClient client("unix:///nonexistent/docker.sock");
  auto version = client.Version();
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(version.error().message.find("cannot reach the Docker API"), std::string::npos);
}

}  // namespace
}  // namespace autotuner::deploy
