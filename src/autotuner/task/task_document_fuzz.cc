// libFuzzer target: any bytes as a task file (JSON or YAML). Parsing never throws or crashes, a task is set
// exactly when there are no errors, every diagnostic formats against the source, and a valid task's
// normalised JSON is a valid task that normalises to itself (what `validate` prints can be run).
#include <string_view>

#include "autotuner/core/fuzz_entry.h"
#include "autotuner/task/document.h"
#include "autotuner/task/parse.h"
#include "autotuner/task/runtime_catalog.h"

namespace {

using autotuner::task::RuntimeCatalog;

const RuntimeCatalog* Catalog() {
  static const auto catalog = RuntimeCatalog::LoadDefault();
  if (!catalog.ok()) {
    std::fprintf(stderr, "runtime catalog: %s\n", catalog.error().message.c_str());
    std::abort();
  }
  return &*catalog;
}

}  // namespace

namespace autotuner::fuzz {

int TaskDocument(const uint8_t* data, size_t size) {
  namespace task = autotuner::task;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto document = task::ParseDocument(text, "<fuzz>");
  if (!document.ok()) return 0;
  const auto result = task::ParseTask(*document, Catalog());
  if (result.ok() != result.task.has_value())
    InvariantBroken("a task is set exactly when there are no errors");
  for (const auto& diagnostic : result.errors) {
    if (diagnostic.message.empty()) InvariantBroken("every error says what is wrong");
    (void)task::FormatDiagnostic(diagnostic, text);
  }
  if (!result.task) return 0;
  const auto normalised = task::TaskToJson(*result.task);
  const auto again = task::ParseTask(normalised, Catalog());
  if (!again.ok()) InvariantBroken("a normalised task parses again");
  if (task::TaskToJson(*again.task) != normalised)
    InvariantBroken("normalising a normalised task changes nothing");
  return 0;
}

}  // namespace autotuner::fuzz

AUTOTUNER_FUZZ_TARGET(autotuner::fuzz::TaskDocument)
