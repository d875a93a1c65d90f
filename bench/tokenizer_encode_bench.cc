// Encoding speed of the exact tokenizers on English text, one thread (byte-level and SentencePiece-style).
// The text is the licence texts every Debian system ships (/usr/share/common-licenses, ~290 KB of English
// prose).
//   build/release/bin/tokenizer_encode_bench
// MB_per_s is 10^6 bytes of input per second.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "autotuner/tokenizer/prompt.h"
#include "autotuner/tokenizer/registry.h"

namespace {

using autotuner::tokenizer::LoadTokenizer;
using autotuner::tokenizer::PromptSynthesizer;
using autotuner::tokenizer::Tokenizer;

const std::string& EnglishText() {
  static const std::string text = [] {
    std::string all;
    const std::filesystem::path dir = "/usr/share/common-licenses";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (!entry.is_regular_file() || entry.is_symlink()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream content;
      content << in.rdbuf();
      all += content.str();
    }
    if (all.empty()) {
      std::cerr << "no English text in " << dir << "\n";
      std::exit(1);
    }
    return all;
  }();
  return text;
}

std::shared_ptr<const Tokenizer> Load(const std::string& name) {
  auto tokenizer = LoadTokenizer(name);
  if (!tokenizer.ok()) {
    std::cerr << tokenizer.error().message << "\n";
    std::exit(1);
  }
  return *tokenizer;
}

std::shared_ptr<const Tokenizer> Shared(const std::string& name) {
  static std::map<std::string, std::shared_ptr<const Tokenizer>> loaded;
  auto& slot = loaded[name];
  if (!slot) slot = Load(name);
  return slot;
}

void ReportThroughput(benchmark::State& state, size_t tokens) {
  const double bytes = static_cast<double>(EnglishText().size()) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["MB_per_s"] = benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsRate);
  state.counters["tokens_per_s"] = benchmark::Counter(
      static_cast<double>(tokens) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Steady state: the word cache holds the text's words after the first pass.
void BM_Encode(benchmark::State& state, const std::string& name) {
  const auto tokenizer = Shared(name);
  const std::string& text = EnglishText();
  size_t tokens = tokenizer->Encode(text).size();
  for (auto _ : state) {
    auto ids = tokenizer->Encode(text);
    benchmark::DoNotOptimize(ids.data());
    tokens = ids.size();
  }
  ReportThroughput(state, tokens);
}
BENCHMARK_CAPTURE(BM_Encode, gpt2, std::string("gpt2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, llama3, std::string("llama3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, gpt4o, std::string("gpt4o"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, qwen2_5, std::string("qwen2_5"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, deepseek_v3, std::string("deepseek_v3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, gptoss, std::string("gptoss"))->Unit(benchmark::kMillisecond);
// SentencePiece-style: a whole line is one BPE word (no pre-tokenizer split), so nothing is cached.
BENCHMARK_CAPTURE(BM_Encode, llama2, std::string("llama2"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, gemma3, std::string("gemma3"))->Unit(benchmark::kMillisecond);

// First pass over the text with an empty word cache (a fresh tokenizer each iteration; loading is not timed).
void BM_EncodeColdCache(benchmark::State& state, const std::string& name) {
  const std::string& text = EnglishText();
  size_t tokens = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto tokenizer = Load(name);
    state.ResumeTiming();
    auto ids = tokenizer->Encode(text);
    benchmark::DoNotOptimize(ids.data());
    tokens = ids.size();
    state.PauseTiming();
    tokenizer.reset();
    state.ResumeTiming();
  }
  ReportThroughput(state, tokens);
}
BENCHMARK_CAPTURE(BM_EncodeColdCache, llama3, std::string("llama3"))
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

// The load generator's cost per prompt: compose a 2048-token prompt and re-encode it to check its length.
void BM_Prompt2048(benchmark::State& state) {
  auto synthesizer = PromptSynthesizer::Create(Shared("llama3"));
  if (!synthesizer.ok()) {
    state.SkipWithError(synthesizer.error().message.c_str());
    return;
  }
  uint64_t seed = 0;
  for (auto _ : state) {
    auto prompt = synthesizer->Generate(2048, ++seed);
    benchmark::DoNotOptimize(prompt);
  }
}
BENCHMARK(BM_Prompt2048)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
