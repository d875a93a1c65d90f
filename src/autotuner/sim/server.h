#pragma once

// The simulator's HTTP server: one engine flavor's OpenAI-compatible API in front of a VirtualEngine that is
// replayed in scaled real time (virtual seconds = wall seconds since ready × time scale). Beast and Asio stay
// in server.cc; callers see this plain interface.

#include <memory>

#include "autotuner/sim/launch_flags.h"
#include "autotuner/sim/virtual_engine.h"
#include "autotuner/tokenizer/tokenizer.h"

namespace autotuner::sim {

// Waits the scaled start-up time, binds host:port, logs "ready" with the bound address once it serves, and
// serves until SIGINT or SIGTERM. Returns the process exit status (0 after a signal; 1 for an injected crash
// or a bind failure).
int Serve(const LaunchOptions& options, VirtualEngine engine,
          std::shared_ptr<const tokenizer::Tokenizer> tokenizer);

}  // namespace autotuner::sim
