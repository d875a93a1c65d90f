#pragma once

// Content-Disposition for downloads named after user data (task and preset names): quotes, CR/LF and
// non-ASCII in a name must not break out of the header or the quoted string.

#include <string>
#include <string_view>

namespace autotuner::api {

// `attachment; filename="<name with anything but [A-Za-z0-9._-] as _>"; filename*=UTF-8''<percent-encoded>`.
std::string AttachmentHeader(std::string_view filename);

}  // namespace autotuner::api
