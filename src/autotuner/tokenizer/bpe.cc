#include "autotuner/tokenizer/bpe.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "autotuner/tokenizer/utf8.h"

namespace autotuner::tokenizer {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Open-addressing map from a (left, right) token pair to its merge, hashed as one 64-bit key: the merge
// lookup is the inner loop of BPE.
class MergeTable {
 public:
  struct Merge {
    uint32_t rank = 0;
    TokenId result = -1;
  };

  explicit MergeTable(size_t count) {
    const size_t capacity = std::bit_ceil(std::max<size_t>(16, count * 2));
    shift_ = 64 - std::countr_zero(capacity);
    slots_.assign(capacity, Slot{kEmpty, {}});
  }

  // Keeps the first (highest-priority) merge of a pair.
  void Insert(TokenId left, TokenId right, Merge merge) {
    const uint64_t key = Key(left, right);
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return;
      if (slots_[i].key == kEmpty) {
        slots_[i] = {key, merge};
        return;
      }
    }
  }

  const Merge* Find(TokenId left, TokenId right) const {
    const uint64_t key = Key(left, right);
    for (size_t i = Home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].merge;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are non-negative, so no real pair has this key
  struct Slot {
    uint64_t key;
    Merge merge;
  };
  static uint64_t Key(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  size_t Home(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }

  std::vector<Slot> slots_;
  int shift_ = 0;
};

// Token bytes → id, open addressing over ids: a vocabulary of 10^5 tokens is looked up ~10^6 times while
// loading, where node-based maps spend their time in cache misses. Keys live in the caller's bytes_of.
class TokenIndex {
 public:
  explicit TokenIndex(size_t count) : slots_(std::bit_ceil(std::max<size_t>(16, count * 2)), Slot{0, -1}) {}

  // False when the same bytes are already there.
  bool Insert(std::string_view key, TokenId id, const std::vector<std::string>& bytes_of) {
    const uint32_t hash = Hash(key);
    for (size_t i = hash & Mask();; i = (i + 1) & Mask()) {
      if (slots_[i].id < 0) {
        slots_[i] = {hash, id};
        return true;
      }
      if (slots_[i].hash == hash && bytes_of[slots_[i].id] == key) return false;
    }
  }

  std::optional<TokenId> Find(std::string_view key, const std::vector<std::string>& bytes_of) const {
    const uint32_t hash = Hash(key);
    for (size_t i = hash & Mask();; i = (i + 1) & Mask()) {
      if (slots_[i].id < 0) return std::nullopt;
      if (slots_[i].hash == hash && bytes_of[slots_[i].id] == key) return slots_[i].id;
    }
  }

 private:
  struct Slot {
    uint32_t hash;
    TokenId id;  // -1: empty
  };
  static uint32_t Hash(std::string_view key) {
    return static_cast<uint32_t>(std::hash<std::string_view>{}(key));
  }
  size_t Mask() const { return slots_.size() - 1; }

  std::vector<Slot> slots_;
};

constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // '▁'

// Words longer than this are merged every time: long runs (whitespace, digits) rarely repeat exactly.
constexpr size_t kMaxCachedWordBytes = 128;
// The cache starts over when full, so memory stays bounded on endless distinct input.
constexpr size_t kMaxCachedWords = size_t{1} << 17;

}  // namespace

bool TokenIdInRange(TokenId max_id, size_t token_count) {
  return max_id <= kMaxTokenId && static_cast<size_t>(max_id) < std::max<size_t>(2 * token_count, 1024);
}

struct BpeModel::Tables {
  std::vector<std::string> bytes_of;  // by id; empty for ids that are not tokens
  std::vector<bool> is_token;
  TokenIndex index{0};
  std::array<TokenId, 256> byte_ids{};      // byte_level: the token of each byte
  std::vector<TokenId> char_ids;            // !byte_level: the token of each BMP character, -1 where none
  std::array<TokenId, 256> fallback_ids{};  // !byte_level: the <0xXX> tokens, -1 where none
  TokenId unk_id = -1;
  // !byte_level: no token has a '▁' right after another character, so no merge crosses the start of a
  // "▁word" and a long word (a SentencePiece line) can be merged piece by piece, through the cache.
  bool split_at_metaspace = false;
  MergeTable merges{0};
  BpeOptions options;
  size_t size = 0;

  std::optional<TokenId> Find(std::string_view bytes) const { return index.Find(bytes, bytes_of); }
};

struct BpeModel::WordCache {
  std::shared_mutex mutex;
  std::unordered_map<std::string, std::vector<TokenId>, StringHash, std::equal_to<>> words;
};

// Fills the tables that turn a word into its first symbols: bytes, or characters with their fallbacks.
Status BpeModel::IndexAlphabet(Tables& tables) {
  if (tables.options.byte_level) {
    for (int b = 0; b < 256; ++b) {
      const char byte = static_cast<char>(b);
      const auto id = tables.Find(std::string_view(&byte, 1));
      if (!id) {
        return MakeError(ErrorCode::kUnsupported,
                         "not a byte-level vocabulary: byte " + std::to_string(b) + " has no token");
      }
      tables.byte_ids[b] = *id;
    }
    return {};
  }
  tables.char_ids.assign(0x10000, -1);
  tables.split_at_metaspace = true;
  for (size_t id = 0; id < tables.bytes_of.size(); ++id) {
    const std::string& token = tables.bytes_of[id];
    if (!tables.is_token[id] || token.empty()) continue;
    for (size_t at = token.find(kMetaspace, 1); at != std::string::npos;
         at = token.find(kMetaspace, at + 1)) {
      if (at < kMetaspace.size() ||
          token.compare(at - kMetaspace.size(), kMetaspace.size(), kMetaspace) != 0) {
        tables.split_at_metaspace = false;
      }
    }
    const Utf8Step step = StepUtf8(token, 0);
    if (step.valid && step.length == token.size() && step.code_point < 0x10000) {
      tables.char_ids[step.code_point] = static_cast<TokenId>(id);
    }
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tables.fallback_ids[b] = tables.Find(name).value_or(-1);
  }
  if (tables.options.unk_token) {
    const auto unk = tables.Find(*tables.options.unk_token);
    if (!unk) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "unk_token '" + *tables.options.unk_token + "' is not in the vocabulary");
    }
    tables.unk_id = *unk;
  }
  return {};
}

BpeModel::BpeModel(std::unique_ptr<Tables> tables)
    : tables_(std::move(tables)), cache_(std::make_unique<WordCache>()) {}
BpeModel::BpeModel(BpeModel&&) noexcept = default;
BpeModel& BpeModel::operator=(BpeModel&&) noexcept = default;
BpeModel::~BpeModel() = default;

Result<BpeModel> BpeModel::Create(std::vector<std::pair<std::string, TokenId>> vocab,
                                  const std::vector<std::pair<std::string, std::string>>& merges,
                                  const BpeOptions& options) {
  auto tables = std::make_unique<Tables>();
  tables->options = options;
  TokenId max_id = -1;
  for (const auto& [bytes, id] : vocab) {
    if (id < 0) return MakeError(ErrorCode::kInvalidArgument, "negative token id " + std::to_string(id));
    max_id = std::max(max_id, id);
  }
  if (max_id >= 0 && !TokenIdInRange(max_id, vocab.size())) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "token id " + std::to_string(max_id) + " is out of range for a vocabulary of " +
                         std::to_string(vocab.size()) + " tokens (ids must be below " +
                         std::to_string(kMaxTokenId + 1) + " and twice the number of tokens)");
  }
  tables->bytes_of.resize(static_cast<size_t>(max_id + 1));
  tables->is_token.resize(static_cast<size_t>(max_id + 1));
  tables->index = TokenIndex(vocab.size());
  for (auto& [bytes, id] : vocab) {
    if (tables->is_token[id]) {
      return MakeError(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) + " is used twice");
    }
    tables->is_token[id] = true;
    tables->bytes_of[id] = std::move(bytes);
    if (!tables->index.Insert(tables->bytes_of[id], id, tables->bytes_of)) {
      return MakeError(ErrorCode::kInvalidArgument,
                       "token id " + std::to_string(id) + " repeats another token");
    }
  }
  tables->size = vocab.size();
  if (Status status = IndexAlphabet(*tables); !status.ok()) return std::move(status).error();
  tables->merges = MergeTable(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    joined.assign(left).append(right);
    const auto l = tables->Find(left), r = tables->Find(right), merged = tables->Find(joined);
    if (!l || !r || !merged) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "merge " + std::to_string(rank) + " joins or makes a token that is not in the vocabulary");
    }
    tables->merges.Insert(*l, *r, {static_cast<uint32_t>(rank), *merged});
  }
  return BpeModel(std::move(tables));
}

namespace {

// A long word of a SentencePiece vocabulary cut where no merge can cross (Tables::split_at_metaspace), each
// piece encoded (and cached) on its own; false when it has no such cut.
bool EncodeCutAtMetaspace(const BpeModel& model, std::string_view word, std::vector<TokenId>& out) {
  // Cut before each '▁' that follows another character; false when there is no such place.
  size_t start = 0;
  for (size_t at = word.find(kMetaspace, 1); at != std::string_view::npos;
       at = word.find(kMetaspace, at + kMetaspace.size())) {
    if (at >= kMetaspace.size() && word.compare(at - kMetaspace.size(), kMetaspace.size(), kMetaspace) == 0) {
      continue;
    }
    model.EncodeWord(word.substr(start, at - start), out);
    start = at;
  }
  if (start == 0) return false;
  model.EncodeWord(word.substr(start), out);
  return true;
}

}  // namespace

void BpeModel::InitialSymbols(std::string_view word, std::vector<TokenId>& out) const {
  const Tables& t = *tables_;
  if (t.options.byte_level) {
    for (const char c : word) out.push_back(t.byte_ids[static_cast<uint8_t>(c)]);
    return;
  }
  bool previous_unknown = false;
  for (size_t i = 0; i < word.size();) {
    const Utf8Step step = StepUtf8(word, i);
    const std::string_view character = word.substr(i, step.length);
    i += step.length;
    TokenId id = -1;
    if (step.valid && step.code_point < 0x10000) {
      id = t.char_ids[step.code_point];
    } else if (const auto found = t.Find(character)) {
      id = *found;
    }
    if (id >= 0) {
      out.push_back(id);
      previous_unknown = false;
      continue;
    }
    if (t.options.byte_fallback && std::all_of(character.begin(), character.end(), [&](char c) {
          return t.fallback_ids[static_cast<uint8_t>(c)] >= 0;
        })) {
      for (const char c : character) out.push_back(t.fallback_ids[static_cast<uint8_t>(c)]);
      previous_unknown = false;
      continue;
    }
    // Without an unk token an unknown character has no id and is dropped.
    if (t.unk_id >= 0 && !(t.options.fuse_unk && previous_unknown)) out.push_back(t.unk_id);
    previous_unknown = true;
  }
}

void BpeModel::EncodeWord(std::string_view word, std::vector<TokenId>& out) const {
  if (word.size() == 1 && tables_->options.byte_level) {
    out.push_back(tables_->byte_ids[static_cast<uint8_t>(word[0])]);
    return;
  }
  if (tables_->options.ignore_merges) {
    if (const auto id = tables_->Find(word)) {
      out.push_back(*id);
      return;
    }
  }
  if (word.size() > kMaxCachedWordBytes) {
    if (tables_->split_at_metaspace && EncodeCutAtMetaspace(*this, word, out)) return;
    Merge(word, out);
    return;
  }
  {
    std::shared_lock lock(cache_->mutex);
    if (const auto it = cache_->words.find(word); it != cache_->words.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = out.size();
  Merge(word, out);
  std::unique_lock lock(cache_->mutex);
  if (cache_->words.size() >= kMaxCachedWords) cache_->words.clear();
  cache_->words.emplace(std::string(word), std::vector<TokenId>(out.begin() + first, out.end()));
}

void BpeModel::Merge(std::string_view word, std::vector<TokenId>& out) const {
  // Symbols form a linked list over the word's bytes; candidate merges sit in a min-heap ordered by rank,
  // then position, which is the order the reference implementations apply them in. A merge invalidates the
  // candidates around it lazily: a popped candidate whose pair no longer matches the list is skipped.
  struct Symbol {
    TokenId id;
    int32_t prev;
    int32_t next;
    bool alive;
  };
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    TokenId left;
    TokenId right;
    TokenId result;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap;
  thread_local std::vector<TokenId> initial;
  initial.clear();
  InitialSymbols(word, initial);
  const auto n = static_cast<int32_t>(initial.size());
  if (n == 0) return;
  symbols.clear();
  heap.clear();
  for (int32_t i = 0; i < n; ++i) symbols.push_back({initial[i], i - 1, i + 1 < n ? i + 1 : -1, true});
  const auto consider = [&](int32_t pos) {
    const int32_t next = symbols[pos].next;
    if (next < 0) return;
    if (const MergeTable::Merge* m = tables_->merges.Find(symbols[pos].id, symbols[next].id)) {
      heap.push_back({m->rank, pos, symbols[pos].id, symbols[next].id, m->result});
      std::push_heap(heap.begin(), heap.end(), std::greater<>{});
    }
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& left = symbols[c.pos];
    if (!left.alive || left.id != c.left || left.next < 0 || symbols[left.next].id != c.right) continue;
    Symbol& right = symbols[left.next];
    left.id = c.result;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = c.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(c.pos);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

std::optional<TokenId> BpeModel::Find(std::string_view bytes) const { return tables_->Find(bytes); }

const std::string* BpeModel::Bytes(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= tables_->is_token.size() || !tables_->is_token[id]) return nullptr;
  return &tables_->bytes_of[id];
}

size_t BpeModel::size() const { return tables_->size; }

bool BpeModel::byte_level() const { return tables_->options.byte_level; }

}  // namespace autotuner::tokenizer
