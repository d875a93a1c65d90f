#include "autotuner/api/request_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "autotuner/api/server.h"
#include "autotuner/core/strings.h"

namespace autotuner::api {
namespace {

// "localhost:8080" → "localhost", "[::1]:8080" → "[::1]".
std::string HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    return std::string(close == std::string_view::npos ? host : host.substr(0, close + 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

bool OriginAllowed(const RequestFacts& request, const PolicyOptions& options) {
  if (request.origin.empty()) return true;
  if (!request.host.empty() && request.origin == "http://" + request.host) return true;
  return options.cors_origin == "*" ||
         (!options.cors_origin.empty() && request.origin == options.cors_origin);
}

bool IsJson(std::string_view content_type) {
  std::string media(TrimAsciiSpace(content_type.substr(0, content_type.find(';'))));
  std::transform(media.begin(), media.end(), media.begin(), [](unsigned char c) { return std::tolower(c); });
  return media == "application/json";
}

}  // namespace

bool IsLoopback(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // A dotted IPv4 address in 127.0.0.0/8, not any name that starts with "127." (127.0.0.1.evil.example).
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t end = header.find(';');
    const std::string_view part = TrimAsciiSpace(header.substr(0, end));
    if (part.size() > name.size() && part.starts_with(name) && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    header.remove_prefix(end + 1);
  }
  return "";
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || b.empty()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Credential Authenticate(const RequestFacts& request, const std::string& token) {
  if (!request.authorization.empty()) {
    const std::string_view auth = request.authorization;
    return auth.starts_with("Bearer ") && ConstantTimeEquals(auth.substr(7), token)
               ? Credential::kBearer
               : Credential::kWrongBearer;
  }
  const std::string cookie = CookieValue(request.cookie, kAuthCookie);
  if (cookie.empty()) return Credential::kNone;
  return ConstantTimeEquals(cookie, token) ? Credential::kCookie : Credential::kWrongCookie;
}

bool ChangesState(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

std::optional<Refusal> CheckHost(const RequestFacts& request, const PolicyOptions& options) {
  if (!IsLoopback(options.bind_host) || request.host.empty()) return std::nullopt;
  const std::string name = HostName(request.host);
  if (IsLoopback(name)) return std::nullopt;
  return Refusal{ErrorCode::kPermissionDenied, 403,
                 "Host '" + name +
                     "' is not this server: it listens on loopback only; use http://127.0.0.1 or "
                     "http://localhost"};
}

std::optional<Refusal> CheckApiRequest(const RequestFacts& request, const PolicyOptions& options,
                                       Credential credential, bool is_public) {
  const bool changes = ChangesState(request.method);
  if (changes && !OriginAllowed(request, options)) {
    return Refusal{ErrorCode::kPermissionDenied, 403,
                   "cross-origin request from " + request.origin + " refused"};
  }
  if (!is_public && !options.token.empty()) {
    if (credential != Credential::kBearer && credential != Credential::kCookie) {
      return Refusal{
          ErrorCode::kUnauthenticated, 401,
          credential == Credential::kWrongCookie
              ? "the session cookie is out of date (the server was restarted): log in again or open "
                "the URL it printed"
              : "authentication required: Authorization: Bearer <token> or POST /api/auth/login"};
    }
    // A browser sends the cookie along with any site's request; only an Origin proves it is the UI's own.
    if (credential == Credential::kCookie && changes && request.origin.empty()) {
      return Refusal{ErrorCode::kPermissionDenied, 403,
                     "a request authenticated by cookie that changes state needs an Origin header of this "
                     "server (scripts: use Authorization: Bearer <token>)"};
    }
  }
  if (changes && request.has_body && !IsJson(request.content_type)) {
    return Refusal{ErrorCode::kInvalidArgument, 415,
                   "request bodies must be application/json, not '" + request.content_type + "'"};
  }
  return std::nullopt;
}

}  // namespace autotuner::api
