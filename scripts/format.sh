#!/usr/bin/env bash
# Formats the C++ files given (default: every tracked or new *.cc / *.h) with the repository's .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc')
fi
for f in "${files[@]}"; do
  case "$f" in *.cc | *.h) [ -f "$f" ] && clang-format -i "$f" ;; esac
done
