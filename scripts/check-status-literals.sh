#!/usr/bin/env bash
# Lint (issue 19): statuses and failure classes are the enums of core/vocabulary.h. Their wire strings may
# appear in product sources of src/ and apps/ only at the edges listed in allowed() (the vocabulary itself,
# JSON keys that share a word with a status); any other quoted status literal fails, named file:line. Tests
# and test support are not product files. Words that are also ErrorCode or bench request-error names
# (timeout, internal) are left out: they belong to those vocabularies too.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
words='success|failed|pending|running|cancelled|deploying|benchmarking|completed|pruned|oom|deploy_failed'
words+='|slo_violation|bench_failed|crashed|interrupted'
not_product='(_test\.cc|_testing\.h|_test_suite\.(cc|h)|_test_util\.h|/test_[a-z_]+\.h|_fuzz\.cc)$'

# The literals a file may hold ("*": all), each an edge that is not a status of the study.
allowed() {
  case "$1" in
    src/autotuner/core/vocabulary.cc) echo '*' ;;                            # the wire names themselves
    src/autotuner/core/vocabulary.h) echo 'cancelled' ;;                     # kStopReasonCancelled
    src/autotuner/core/error.cc) echo 'cancelled' ;;                         # ErrorCode::kCancelled's name
    src/autotuner/opt/outcome.cc) echo 'success' ;;                          # checkpoint outcome JSON
    src/autotuner/opt/strategy.cc) echo 'pending' ;;                         # checkpoint key of proposals
    src/autotuner/runner/study_event.cc) echo 'completed running' ;;         # progress event counts
    src/autotuner/api/api_tasks.cc) echo 'running' ;;                        # summary count of active ones
    src/autotuner/api/api_openapi.cc) echo 'success' ;;                      # an OpenAPI description
    src/autotuner/sim/perf_model.cc) echo 'oom' ;;                           # the simulator's detail kind
    apps/autotuner/dry_run.cc) echo 'pruned' ;;                              # dry-run JSON key
    *) echo '' ;;
  esac
}

bad=0
while IFS= read -r f; do
  [[ "$f" =~ $not_product ]] && continue
  ok=" $(allowed "$f") "
  [[ "$ok" == " * " ]] && continue
  # Comments may name statuses: drop `// ...` before matching.
  while IFS=: read -r line literal; do
    word="${literal//\"/}"
    [[ "$ok" == *" $word "* ]] && continue
    echo "$f:$line: status literal $literal: use core/vocabulary.h"
    bad=$((bad + 1))
  done < <(sed -E 's#(^|[[:space:]])//.*$##' "$f" | grep -noE "\"($words)\"" || true)
done < <(find src apps -type f \( -name '*.cc' -o -name '*.h' \) | sort)
if [ "$bad" -gt 0 ]; then
  echo "$bad status literal(s) outside the SQL/JSON edges (scripts/check-status-literals.sh)"
  exit 1
fi
echo "status literals ok"
