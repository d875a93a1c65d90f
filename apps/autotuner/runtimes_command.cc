// `autotuner runtimes [NAME] [--json]`: the engines autotuner can deploy, and one runtime's flags.

#include <iomanip>
#include <iostream>
#include <memory>

#include "autotuner/core/json.h"
#include "autotuner/core/strings.h"
#include "autotuner/task/runtime_catalog.h"
#include "commands.h"

namespace autotuner::app {
namespace {

struct RuntimesOptions {
  std::string name;
  bool json = false;
  bool all_flags = false;
};

Json FlagJson(const task::RuntimeDefinition& runtime, const task::FlagDefinition& f) {
  Json j = {{"flag", runtime.RenderFlag(f.name)}, {"type", task::Name(f.type)}};
  if (!f.aliases.empty()) j["aliases"] = f.aliases;
  if (!f.choices.empty()) j["choices"] = f.choices;
  if (f.type == task::FlagDefinition::Type::kBool) j["negatable"] = f.negatable;
  if (!f.default_text.empty()) j["default"] = f.default_text;
  j["tuned"] = f.tuned;
  if (f.deprecated) j["deprecated"] = true;
  j["help"] = f.help;
  return j;
}

int ListRuntimes(const task::RuntimeCatalog& catalog, bool json) {
  if (json) {
    Json out = Json::array();
    for (const auto& r : catalog.runtimes()) {
      out.push_back({{"name", r.name},
                     {"engine", r.engine},
                     {"simulated", r.simulated},
                     {"description", r.description},
                     {"image", r.image},
                     {"flags", r.flags.size()},
                     {"source", r.source_file}});
    }
    std::cout << DumpJson(out, 2) << "\n";
    return kExitSuccess;
  }
  std::cout << std::left << std::setw(12) << "NAME" << std::setw(8) << "ENGINE" << std::setw(7) << "FLAGS"
            << "DESCRIPTION\n";
  for (const auto& r : catalog.runtimes()) {
    std::cout << std::left << std::setw(12) << r.name << std::setw(8) << r.engine << std::setw(7)
              << r.flags.size() << r.description << "\n";
  }
  std::cout << "\n`autotuner runtimes NAME` lists a runtime's commonly tuned flags (--all for every flag).\n";
  return kExitSuccess;
}

int ShowRuntime(const task::RuntimeCatalog& catalog, const RuntimesOptions& options) {
  const task::RuntimeDefinition* r = catalog.Find(options.name);
  if (r == nullptr) {
    const auto names = catalog.Names();
    std::cerr << "autotuner: unknown runtime '" << options.name << "'" << DidYouMean(options.name, names)
              << " (known: " << JoinNames(names) << ")\n";
    return kExitInvalidInput;
  }
  if (options.json) {
    Json flags = Json::array();
    for (const auto& f : r->flags) {
      if (options.all_flags || f.tuned) flags.push_back(FlagJson(*r, f));
    }
    Json out = {{"name", r->name},        {"engine", r->engine},        {"description", r->description},
                {"image", r->image},      {"command", r->command},      {"health", r->health_path},
                {"ready", r->ready_path}, {"metrics", r->metrics_path}, {"flags", flags}};
    std::cout << DumpJson(out, 2) << "\n";
    return kExitSuccess;
  }
  std::vector<std::string_view> command(r->command.begin(), r->command.end());
  std::cout << r->name << ": " << r->description << "\n  engine " << r->engine << ", image " << r->image
            << ", defined in " << r->source_file << "\n  command: " << JoinNames(command, " ") << "\n\n"
            << (options.all_flags ? "Flags:\n" : "Commonly tuned flags:\n");
  for (const auto& f : r->flags) {
    if (!options.all_flags && !f.tuned) continue;
    std::string type(task::Name(f.type));
    if (!f.choices.empty()) {
      std::vector<std::string_view> choices(f.choices.begin(), f.choices.end());
      type = "{" + JoinNames(choices, ",") + "}";
    }
    std::cout << "  " << std::left << std::setw(36) << r->RenderFlag(f.name) << " " << type
              << (f.default_text.empty() ? "" : " (default " + f.default_text + ")") << "\n      " << f.help
              << "\n";
  }
  return kExitSuccess;
}

}  // namespace

void RegisterRuntimesCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<RuntimesOptions>();
  CLI::App* cmd =
      app.add_subcommand("runtimes", "List the engine runtimes (runtimes/*.yaml and AUTOTUNER_RUNTIMES_DIR)");
  cmd->add_option("NAME", options->name, "Show this runtime's flags");
  cmd->add_flag("--all", options->all_flags, "With NAME: every known flag, not only the commonly tuned ones");
  cmd->add_flag("--json", options->json, "Print JSON");
  cmd->callback([options, &context] {
    auto catalog = task::RuntimeCatalog::LoadDefault();
    if (!catalog.ok()) {
      std::cerr << "autotuner: cannot load runtime definitions: " << catalog.error().message << "\n";
      context.exit_code = ExitCodeFor(catalog.error().code);
      return;
    }
    context.exit_code =
        options->name.empty() ? ListRuntimes(*catalog, options->json) : ShowRuntime(*catalog, *options);
  });
}

}  // namespace autotuner::app
