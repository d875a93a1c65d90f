#include "autotuner/sim/prefix_cache.h"

#include <cassert>

namespace autotuner::sim {
namespace {

// SplitMix64 finaliser: cheap, well-mixed chaining of block contents.
uint64_t Mix(uint64_t seed, uint64_t value) {
  uint64_t z = seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

int64_t PrefixCache::Match(std::span<const uint64_t> hashes) const {
  int64_t n = 0;
  for (uint64_t hash : hashes) {
    if (!entries_.contains(hash)) break;
    ++n;
  }
  return n;
}

void PrefixCache::Pin(uint64_t hash, Entry& entry) {
  if (entry.refs++ == 0) evictable_.erase(LruKey{entry.last_use, -entry.depth, hash});
}

void PrefixCache::Unpin(uint64_t hash, Entry& entry, double now) {
  assert(entry.refs > 0);
  entry.last_use = now;
  if (--entry.refs == 0) evictable_.insert(LruKey{entry.last_use, -entry.depth, hash});
}

void PrefixCache::Acquire(std::span<const uint64_t> hashes, int64_t count, double now) {
  for (int64_t i = 0; i < count; ++i) {
    Entry& entry = entries_.at(hashes[static_cast<size_t>(i)]);
    Pin(hashes[static_cast<size_t>(i)], entry);
    entry.last_use = now;
  }
}

bool PrefixCache::Insert(uint64_t hash, int64_t depth, double now) {
  return entries_.try_emplace(hash, Entry{1, now, depth}).second;
}

void PrefixCache::Release(std::span<const uint64_t> hashes, double now) {
  for (uint64_t hash : hashes) Unpin(hash, entries_.at(hash), now);
}

int64_t PrefixCache::Evict(int64_t blocks) {
  int64_t evicted = 0;
  while (evicted < blocks && !evictable_.empty()) {
    const auto it = evictable_.begin();
    entries_.erase(std::get<2>(*it));
    evictable_.erase(it);
    ++evicted;
  }
  return evicted;
}

std::vector<uint64_t> PromptBlockHashes(std::span<const int32_t> token_ids, uint64_t prefix_key,
                                        int64_t shared_tokens, int64_t block_tokens) {
  std::vector<uint64_t> hashes;
  uint64_t chain = 0x5d1e7a11ULL;
  if (!token_ids.empty()) {
    const size_t blocks = token_ids.size() / static_cast<size_t>(block_tokens);
    hashes.reserve(blocks);
    for (size_t b = 0; b < blocks; ++b) {
      for (int64_t i = 0; i < block_tokens; ++i) {
        const size_t index = b * static_cast<size_t>(block_tokens) + static_cast<size_t>(i);
        chain = Mix(chain, static_cast<uint32_t>(token_ids[index]));
      }
      hashes.push_back(chain);
    }
    return hashes;
  }
  if (prefix_key == 0 || shared_tokens <= 0) return hashes;
  const int64_t blocks = shared_tokens / block_tokens;
  hashes.reserve(static_cast<size_t>(blocks));
  chain = Mix(chain, prefix_key);
  for (int64_t b = 0; b < blocks; ++b) {
    chain = Mix(chain, static_cast<uint64_t>(b));
    hashes.push_back(chain);
  }
  return hashes;
}

}  // namespace autotuner::sim
