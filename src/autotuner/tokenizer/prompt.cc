#include "autotuner/tokenizer/prompt.h"

#include <cctype>
#include <string_view>
#include <tuple>
#include <utility>

namespace autotuner::tokenizer {
namespace {

constexpr std::string_view kWords[] = {
    "the",     "of",        "and",      "to",          "in",        "a",          "is",         "that",
    "for",     "it",        "as",       "was",         "with",      "be",         "by",         "on",
    "not",     "he",        "this",     "are",         "or",        "his",        "from",       "at",
    "which",   "but",       "have",     "an",          "had",       "they",       "you",        "were",
    "their",   "one",       "all",      "we",          "can",       "her",        "has",        "there",
    "been",    "if",        "more",     "when",        "will",      "would",      "who",        "so",
    "no",      "time",      "people",   "year",        "way",       "day",        "man",        "thing",
    "woman",   "life",      "child",    "world",       "school",    "state",      "family",     "student",
    "group",   "country",   "problem",  "hand",        "part",      "place",      "case",       "week",
    "company", "system",    "program",  "question",    "work",      "government", "number",     "night",
    "point",   "home",      "water",    "room",        "mother",    "area",       "money",      "story",
    "fact",    "month",     "lot",      "right",       "study",     "book",       "eye",        "job",
    "word",    "business",  "issue",    "side",        "kind",      "head",       "house",      "service",
    "friend",  "father",    "power",    "hour",        "game",      "line",       "end",        "member",
    "law",     "car",       "city",     "community",   "name",      "president",  "team",       "minute",
    "idea",    "kid",       "body",     "information", "back",      "parent",     "face",       "others",
    "level",   "office",    "door",     "health",      "person",    "art",        "war",        "history",
    "party",   "result",    "change",   "morning",     "reason",    "research",   "girl",       "guy",
    "moment",  "air",       "teacher",  "force",       "education", "good",       "new",        "first",
    "last",    "long",      "great",    "little",      "own",       "other",      "old",        "big",
    "high",    "different", "small",    "large",       "next",      "early",      "young",      "important",
    "few",     "public",    "bad",      "same",        "able",      "say",        "make",       "go",
    "know",    "take",      "see",      "come",        "think",     "look",       "want",       "give",
    "use",     "find",      "tell",     "ask",         "seem",      "feel",       "try",        "leave",
    "call",    "keep",      "let",      "begin",       "help",      "talk",       "turn",       "start",
    "show",    "hear",      "play",     "run",         "move",      "like",       "live",       "believe",
    "bring",   "happen",    "write",    "provide",     "sit",       "stand",      "lose",       "pay",
    "meet",    "include",   "continue", "set",         "learn",     "lead",       "understand", "watch",
    "follow",  "stop",      "create",   "speak",       "read",      "spend",      "grow",       "open",
    "walk",    "win",       "offer",    "remember",    "love",      "consider",   "appear",     "buy",
    "wait",    "serve",     "die",      "send",        "expect",    "build",      "stay",       "fall",
    "quickly", "always",    "never",    "often",       "together",  "however",    "perhaps",    "really",
};

// SplitMix64: a tiny generator whose sequence is the same on every platform (std distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

// One-token words tried when correcting a prompt for a tokenizer that merges across words.
constexpr size_t kMaxFillerWords = 6;

}  // namespace

Result<PromptSynthesizer> PromptSynthesizer::Create(std::shared_ptr<const Tokenizer> tokenizer,
                                                    EncodeOptions options) {
  PromptSynthesizer s(std::move(tokenizer), options);
  s.template_cost_ = s.Count("");
  const EncodeOptions plain;
  // A piece's tokens after a word, not on its own: SentencePiece tokenizers put a '▁' before each text, which
  // would count once per piece.
  const std::string context = "Yes";
  const size_t context_cost = s.tokenizer_->Encode(context, plain).size();
  const auto cost = [&](const std::string& text) {
    const size_t with = s.tokenizer_->Encode(context + text, plain).size();
    return with > context_cost ? with - context_cost : size_t{1};
  };
  s.stop_cost_ = cost(".");
  s.comma_cost_ = cost(",");
  for (const std::string_view w : kWords) {
    Word word;
    word.lower = " " + std::string(w);
    word.first = std::string(w);
    word.first[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word.first[0])));
    word.capital = " " + word.first;
    word.lower_cost = cost(word.lower);
    word.capital_cost = cost(word.capital);
    word.first_cost = s.tokenizer_->Encode(word.first, plain).size();
    if (word.lower_cost == 1 && s.fillers_.size() < kMaxFillerWords) s.fillers_.push_back(word.lower);
    s.words_.push_back(std::move(word));
  }
  if (s.fillers_.empty()) {
    return MakeError(
        ErrorCode::kUnsupported,
        "tokenizer " + s.tokenizer_->name() + " has no one-token English word: cannot size prompts exactly");
  }
  s.fillers_.push_back(".");
  s.fillers_.push_back(",");
  return s;
}

Result<std::string> PromptSynthesizer::Generate(size_t num_tokens, uint64_t seed) const {
  if (num_tokens < template_cost_) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "a prompt of " + std::to_string(num_tokens) + " tokens is shorter than the " +
                         std::to_string(template_cost_) + " special tokens " + tokenizer_->name() + " adds");
  }
  Random random(seed);
  std::string text;
  std::vector<size_t> piece_starts;  // for taking pieces back off the end
  size_t remaining = num_tokens - template_cost_;
  size_t words_in_sentence = 0;
  size_t sentence_length = 6 + random.Below(12);
  const auto append = [&](const std::string& piece, size_t cost) {
    piece_starts.push_back(text.size());
    text += piece;
    remaining -= cost;
  };
  while (remaining > 0) {
    if (words_in_sentence >= sentence_length && stop_cost_ <= remaining) {
      append(".", stop_cost_);
      words_in_sentence = 0;
      sentence_length = 6 + random.Below(12);
      continue;
    }
    if (words_in_sentence >= 3 && words_in_sentence + 2 < sentence_length && random.Below(10) == 0 &&
        comma_cost_ <= remaining) {
      append(",", comma_cost_);
    }
    if (remaining == 0) break;
    // A random word that fits in its spelling here; near the end, the first that fits from a random start.
    const bool at_start = text.empty();
    const bool capital = !at_start && words_in_sentence == 0;
    const auto spelling = [&](const Word& w) -> std::pair<const std::string*, size_t> {
      if (at_start) return {&w.first, w.first_cost};
      if (capital) return {&w.capital, w.capital_cost};
      return {&w.lower, w.lower_cost};
    };
    const size_t start = random.Below(words_.size());
    const std::string* chosen = nullptr;
    size_t chosen_cost = 0;
    for (size_t k = 0; k < words_.size() && chosen == nullptr; ++k) {
      const auto [piece, cost] = spelling(words_[(start + k) % words_.size()]);
      if (cost <= remaining) std::tie(chosen, chosen_cost) = std::pair{piece, cost};
    }
    if (chosen == nullptr) {
      // No capitalised spelling is short enough: a lower-case one-token word always is.
      for (size_t k = 0; k < words_.size() && chosen == nullptr; ++k) {
        const Word& w = words_[(start + k) % words_.size()];
        if (w.lower_cost <= remaining) std::tie(chosen, chosen_cost) = std::pair{&w.lower, w.lower_cost};
      }
    }
    append(*chosen, chosen_cost);
    ++words_in_sentence;
  }

  // The pieces' costs add up exactly when the pre-tokenizer splits between them (GPT-2, Llama-3, GPT-4o
  // regexes). Otherwise walk to the target: drop the last piece while too long; while too short, append the
  // filler that gets closest without passing it, or drop another piece when every filler would.
  size_t count = Count(text);
  const size_t max_steps = 4 * (num_tokens + piece_starts.size()) + 64;
  for (size_t step = 0; count != num_tokens; ++step) {
    const std::string* best = nullptr;
    size_t best_count = count;
    if (count < num_tokens) {
      for (const std::string& filler : fillers_) {
        const size_t c = Count(text + filler);
        if (c <= num_tokens && c > best_count) {
          best = &filler;
          best_count = c;
          if (c == num_tokens) break;
        }
      }
    }
    if (best != nullptr) {
      piece_starts.push_back(text.size());
      text += *best;
      count = best_count;
    } else if (!piece_starts.empty() && step < max_steps) {
      text.resize(piece_starts.back());
      piece_starts.pop_back();
      count = Count(text);
    } else {
      return MakeError(ErrorCode::kInternal, "could not compose a prompt of exactly " +
                                                 std::to_string(num_tokens) + " tokens with " +
                                                 tokenizer_->name());
    }
  }
  return text;
}

}  // namespace autotuner::tokenizer
