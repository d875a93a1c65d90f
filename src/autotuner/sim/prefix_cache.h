#pragma once

// Prefix cache of one engine replica: SGLang's radix cache, vLLM's automatic prefix caching and
// TensorRT-LLM's KV block reuse, modelled as fixed-size KV blocks keyed by a chained hash (block i's hash
// covers every token before it, so equal hashes mean equal prefixes). Cached blocks live in the KV pool;
// blocks that running requests use are pinned, the others are evicted least-recently-used first (deepest
// first among equals, so a chain is cut from its end).

#include <cstdint>
#include <set>
#include <span>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace autotuner::sim {

class PrefixCache {
 public:
  // How many leading blocks of `hashes` are cached.
  int64_t Match(std::span<const uint64_t> hashes) const;
  // Pins the first `count` blocks (they must be cached) for one user.
  void Acquire(std::span<const uint64_t> hashes, int64_t count, double now);
  // Caches block `hash` at chain position `depth`, pinned by its user; false when it was already cached (the
  // caller then keeps its own copy private and does not pin).
  bool Insert(uint64_t hash, int64_t depth, double now);
  // Unpins blocks acquired or inserted by one user.
  void Release(std::span<const uint64_t> hashes, double now);
  // Evicts up to `blocks` unpinned blocks; returns how many were evicted.
  int64_t Evict(int64_t blocks);

  int64_t Blocks() const { return static_cast<int64_t>(entries_.size()); }
  int64_t EvictableBlocks() const { return static_cast<int64_t>(evictable_.size()); }

 private:
  struct Entry {
    int refs = 0;
    double last_use = 0;
    int64_t depth = 0;
  };
  using LruKey = std::tuple<double, int64_t, uint64_t>;  // (last use, −depth, hash)

  void Pin(uint64_t hash, Entry& entry);
  void Unpin(uint64_t hash, Entry& entry, double now);

  std::unordered_map<uint64_t, Entry> entries_;
  std::set<LruKey> evictable_;
};

// Chained block hashes of a prompt. With `token_ids`, blocks are hashed from the tokens; otherwise the first
// `shared_tokens` tokens are the prefix named by `prefix_key` (requests with equal keys share it) and only
// those blocks are returned (the rest of the prompt is unique and never matches).
std::vector<uint64_t> PromptBlockHashes(std::span<const int32_t> token_ids, uint64_t prefix_key,
                                        int64_t shared_tokens, int64_t block_tokens);

}  // namespace autotuner::sim
