#include "autotuner/core/error.h"

namespace autotuner {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kValidation:
      return "validation_error";
    case ErrorCode::kParse:
      return "parse_error";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kHasExperiments:
      return "has_experiments";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kNoFeasible:
      return "no_feasible_configuration";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kIo:
      return "io_error";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kValidation:
    case ErrorCode::kParse:
    case ErrorCode::kUnsupported:
      return kExitInvalidInput;
    case ErrorCode::kNoFeasible:
      return kExitNoFeasible;
    case ErrorCode::kCancelled:
      return kExitInterrupted;
    default:
      return kExitRuntimeError;
  }
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kParse:
      return 400;
    case ErrorCode::kValidation:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kConflict:
    case ErrorCode::kHasExperiments:
      return 409;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kCancelled:
      return 409;
    case ErrorCode::kNoFeasible:
      return 409;
    case ErrorCode::kUnsupported:
      return 422;
    case ErrorCode::kIo:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

nlohmann::ordered_json Error::ToJson() const {
  nlohmann::ordered_json body;
  body["error"]["code"] = HttpStatusFor(code);
  body["error"]["type"] = ErrorCodeName(code);
  body["error"]["message"] = message;
  body["error"]["details"] = details;
  if (failure && details.is_object()) body["error"]["details"]["error_class"] = Name(*failure);
  return body;
}

}  // namespace autotuner
