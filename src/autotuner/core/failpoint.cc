#include "autotuner/core/failpoint.h"

#include <cstdlib>
#include <string>

namespace autotuner {

bool Failpoint(std::string_view name) {
  const char* env = std::getenv("AUTOTUNER_FAILPOINT");
  if (env == nullptr || *env == '\0') return false;
  std::string_view list = env;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    const size_t eq = item.find('=');
    if (item.substr(0, eq) == name) {
      if (eq != std::string_view::npos && item.substr(eq + 1) == "exit") std::_Exit(137);
      return true;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace autotuner
