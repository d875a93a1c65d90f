#pragma once

// A fuzz target's body is a plain function, `int Name(const uint8_t* data, size_t size)`. In the fuzz
// preset's binaries (AUTOTUNER_FUZZ_ENTRY defined) it also becomes libFuzzer's entry point; elsewhere it
// stays a function, so the gcc unit tests replay the checked-in corpus through the same code.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace autotuner::fuzz {

// A fuzz target's invariant does not hold: a finding, reported and turned into a crash the fuzzer keeps.
[[noreturn]] inline void InvariantBroken(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

}  // namespace autotuner::fuzz

#ifdef AUTOTUNER_FUZZ_ENTRY
#define AUTOTUNER_FUZZ_TARGET(function) \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return function(data, size); }
#else
#define AUTOTUNER_FUZZ_TARGET(function)
#endif
