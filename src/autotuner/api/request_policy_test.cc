#include "autotuner/api/request_policy.h"

#include <gtest/gtest.h>

namespace autotuner::api {
namespace {

RequestFacts Post(std::string origin, std::string content_type = "application/json") {
  RequestFacts r;
  r.method = "POST";
  r.host = "127.0.0.1:8080";
  r.origin = std::move(origin);
  r.content_type = std::move(content_type);
  r.has_body = true;
  return r;
}

const PolicyOptions kAuth{"127.0.0.1", "T0k3n", ""};
const PolicyOptions kNoAuth{"127.0.0.1", "", ""};

TEST(RequestPolicyTest, CredentialsFromBearerOrCookie) {
  RequestFacts r;
  EXPECT_EQ(Authenticate(r, "T0k3n"), Credential::kNone);
  r.cookie = "theme=dark; autotuner_token=T0k3n";
  EXPECT_EQ(Authenticate(r, "T0k3n"), Credential::kCookie);
  r.cookie = "autotuner_token=old";
  EXPECT_EQ(Authenticate(r, "T0k3n"), Credential::kWrongCookie);
  r.authorization = "Bearer T0k3n";
  EXPECT_EQ(Authenticate(r, "T0k3n"), Credential::kBearer);
  r.authorization = "Bearer T0k3";
  EXPECT_EQ(Authenticate(r, "T0k3n"), Credential::kWrongBearer);
  r.authorization = "Basic T0k3n";
  EXPECT_EQ(Authenticate(r, "T0k3n"), Credential::kWrongBearer);
  EXPECT_EQ(CookieValue("a=1;autotuner_token=x ; b=2", "autotuner_token"), "x");
  EXPECT_EQ(CookieValue("autotuner_tokenx=1", "autotuner_token"), "");
}

// A page of another site can make the browser POST with the cookie and `text/plain` (no preflight).
TEST(RequestPolicyTest, CrossSiteRequestsAreRefused) {
  const auto refused =
      CheckApiRequest(Post("http://evil.example", "text/plain"), kAuth, Credential::kCookie, false);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(refused->message.find("evil.example"), std::string::npos);
  // Also without auth (--no-auth): the Origin rule is what stops other sites then.
  EXPECT_EQ(CheckApiRequest(Post("http://evil.example"), kNoAuth, Credential::kNone, false)->status, 403);
  EXPECT_FALSE(CheckApiRequest(Post("http://127.0.0.1:8080"), kAuth, Credential::kCookie, false));
  EXPECT_FALSE(CheckApiRequest(Post(""), kAuth, Credential::kBearer, false));  // a script with the token
  // The cookie alone, without an Origin, does not change state.
  EXPECT_EQ(CheckApiRequest(Post(""), kAuth, Credential::kCookie, false)->status, 403);
  // Reading is fine with the cookie alone (EventSource, page loads).
  RequestFacts get;
  get.method = "GET";
  get.host = "127.0.0.1:8080";
  EXPECT_FALSE(CheckApiRequest(get, kAuth, Credential::kCookie, false));
  // A configured CORS origin is allowed.
  const PolicyOptions cors{"127.0.0.1", "T0k3n", "http://ui.example"};
  EXPECT_FALSE(CheckApiRequest(Post("http://ui.example"), cors, Credential::kBearer, false));
}

TEST(RequestPolicyTest, CredentialsAreRequiredUnlessPublicOrNoAuth) {
  EXPECT_EQ(CheckApiRequest(Post(""), kAuth, Credential::kNone, false)->status, 401);
  EXPECT_EQ(CheckApiRequest(Post(""), kAuth, Credential::kWrongBearer, false)->status, 401);
  const auto stale = CheckApiRequest(Post(""), kAuth, Credential::kWrongCookie, false);
  EXPECT_NE(stale->message.find("out of date"), std::string::npos);
  EXPECT_FALSE(CheckApiRequest(Post(""), kAuth, Credential::kNone, true));  // login
  EXPECT_FALSE(CheckApiRequest(Post(""), kNoAuth, Credential::kNone, false));
}

TEST(RequestPolicyTest, BodiesMustBeJson) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""}) {
    const auto refused = CheckApiRequest(Post("", type), kAuth, Credential::kBearer, false);
    ASSERT_TRUE(refused) << type;
    EXPECT_EQ(refused->status, 415) << type;
  }
  EXPECT_FALSE(
      CheckApiRequest(Post("", "Application/JSON; charset=utf-8"), kAuth, Credential::kBearer, false));
  RequestFacts empty = Post("", "");
  empty.has_body = false;  // POST /start without a body
  EXPECT_FALSE(CheckApiRequest(empty, kAuth, Credential::kBearer, false));
}

// DNS rebinding: evil.example resolves to 127.0.0.1, and the browser sends Host: evil.example.
TEST(RequestPolicyTest, LoopbackBindsAnswerOnlyLoopbackHostNames) {
  RequestFacts r;
  r.method = "GET";
  for (const char* host : {"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "localhost", ""}) {
    r.host = host;
    EXPECT_FALSE(CheckHost(r, kAuth)) << host;
  }
  for (const char* host : {"evil.example:8080", "evil.example", "127.0.0.1.evil.example", "10.0.0.5:8080"}) {
    r.host = host;
    const auto refused = CheckHost(r, kAuth);
    ASSERT_TRUE(refused) << host;
    EXPECT_EQ(refused->status, 403);
  }
  r.host = "gpu-box.example:8080";
  EXPECT_FALSE(CheckHost(r, PolicyOptions{"0.0.0.0", "T0k3n", ""}));
}

}  // namespace
}  // namespace autotuner::api
