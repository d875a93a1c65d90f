#pragma once

// Which requests the server lets through before routing (SPEC §6): Host names on a loopback bind, the
// credential a request carries, the Origin a cookie-authenticated or browser request comes from, and the
// media type of bodies. Pure functions of the request's headers, so every rule is testable without HTTP.

#include <optional>
#include <string>
#include <string_view>

#include "autotuner/core/error.h"

namespace autotuner::api {

// What a request says about itself, from its headers (names as HTTP spells them, values verbatim).
struct RequestFacts {
  std::string method;        // GET, POST, ...
  std::string host;          // Host header; empty when absent (HTTP/1.0)
  std::string origin;        // Origin header; empty when absent
  std::string content_type;  // Content-Type header
  std::string authorization;
  std::string cookie;
  bool has_body = false;
};

struct PolicyOptions {
  std::string bind_host;    // the address the server listens on
  std::string token;        // empty: no auth (--no-auth)
  std::string cors_origin;  // an extra allowed origin ("*": any), or empty
};

enum class Credential {
  kNone,         // no Authorization header and no auth cookie
  kBearer,       // the right bearer token
  kCookie,       // the right auth cookie (and no bearer)
  kWrongBearer,  // an Authorization header with anything but the token: counts as a failed login
  kWrongCookie,  // a stale cookie (the token changes at every start): not counted
};

struct Refusal {
  ErrorCode code;  // kUnauthenticated, kPermissionDenied, kInvalidArgument (415 uses kUnsupported)
  int status;
  std::string message;
};

inline constexpr std::string_view kAuthCookie = "autotuner_token";

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(std::string_view header, std::string_view name);

// Compares without an early exit, so response time does not reveal how much of a guessed token matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

Credential Authenticate(const RequestFacts& request, const std::string& token);

// True for methods that change state (anything but GET, HEAD and OPTIONS).
bool ChangesState(std::string_view method);

// A non-loopback Host on a loopback bind (DNS rebinding: a page of evil.example resolving to 127.0.0.1).
std::optional<Refusal> CheckHost(const RequestFacts& request, const PolicyOptions& options);

// Origin, credential and body type of an API request that is not public. `is_public` requests (health)
// skip the credential rule but not the others.
std::optional<Refusal> CheckApiRequest(const RequestFacts& request, const PolicyOptions& options,
                                       Credential credential, bool is_public);

}  // namespace autotuner::api
