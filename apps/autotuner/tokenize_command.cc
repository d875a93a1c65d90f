// `autotuner tokenize --tokenizer NAME|PATH [--decode] [--add-special-tokens]`: reads one JSON string per
// line on stdin and prints the token ids of each as a JSON array (with --decode, arrays in and strings out),
// for users counting tokens and for tests.

#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "autotuner/core/json.h"
#include "autotuner/core/strings.h"
#include "autotuner/tokenizer/registry.h"
#include "commands.h"

namespace autotuner::app {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  bool decode = false;
  bool add_special_tokens = false;
};

// The ids of a decode input line, or a message saying what is wrong with it.
Result<std::vector<tokenizer::TokenId>> ParseIds(const Json& value) {
  if (!value.is_array()) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "expected a JSON array of token ids, got " + Describe(value));
  }
  std::vector<tokenizer::TokenId> ids;
  ids.reserve(value.size());
  for (const Json& id : value) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() > std::numeric_limits<tokenizer::TokenId>::max()) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "expected token ids (non-negative integers), got " + Describe(id));
    }
    ids.push_back(id.get<tokenizer::TokenId>());
  }
  return ids;
}

// One output line for one input line.
Result<std::string> Process(const tokenizer::Tokenizer& t, const TokenizeOptions& options,
                            const std::string& line) {
  auto parsed = ParseJson(line, "stdin");
  if (!parsed.ok()) {
    const Error& error = parsed.error();
    const std::string& message = error.message;
    const size_t what = message.find("invalid JSON: ");
    return MakeError(ErrorCode::kParse,
                     "invalid JSON at column " + DumpJson(error.details.value("column", Json(0))) + ": " +
                         (what == std::string::npos ? message : message.substr(what + 14)));
  }
  if (options.decode) {
    auto ids = ParseIds(*parsed);
    if (!ids.ok()) return std::move(ids).error();
    auto text = t.Decode(*ids);
    if (!text.ok()) return std::move(text).error();
    return DumpJson(Json(*text));
  }
  if (!parsed->is_string()) {
    return MakeError(ErrorCode::kInvalidArgument, "expected a JSON string, got " + Describe(*parsed));
  }
  return DumpJson(Json(t.Encode(parsed->get<std::string>(), options.add_special_tokens)));
}

int RunTokenize(const TokenizeOptions& options) {
  auto loaded = tokenizer::LoadTokenizer(options.tokenizer);
  if (!loaded.ok()) {
    std::cerr << "autotuner tokenize: " << loaded.error().message << "\n";
    return ExitCodeFor(loaded.error().code);
  }
  const tokenizer::Tokenizer& t = **loaded;
  std::string line;
  for (size_t line_number = 1; std::getline(std::cin, line); ++line_number) {
    auto out = Process(t, options, line);
    if (!out.ok()) {
      std::cout.flush();
      std::cerr << "autotuner tokenize: stdin line " << line_number << ": " << out.error().message << "\n";
      return ExitCodeFor(out.error().code);
    }
    std::cout << *out << '\n';
  }
  return kExitSuccess;
}

}  // namespace

void RegisterTokenizeCommand(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize",
      "Encode text into token ids: one JSON string per line on stdin, one JSON array of ids per line out "
      "(--decode: the reverse)");
  std::vector<std::string_view> names;
  for (const auto& named : tokenizer::NamedTokenizers()) names.push_back(named.name);
  cmd->add_option("--tokenizer", options->tokenizer,
                  "A known tokenizer (" + JoinNames(names) +
                      ") or a path to a tokenizer.json or to a directory holding tokenizer.json or "
                      "encoder.json + vocab.bpe")
      ->required();
  cmd->add_flag("--decode", options->decode, "Read JSON arrays of token ids and print the decoded strings");
  cmd->add_flag(
      "--add-special-tokens", options->add_special_tokens,
      "Encode as a server encodes a prompt: add the tokenizer's template tokens (e.g. BOS) and read "
      "special tokens written in the text as those tokens");
  cmd->callback([options, &context] { context.exit_code = RunTokenize(*options); });
}

}  // namespace autotuner::app
