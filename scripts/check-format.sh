#!/usr/bin/env bash
# Fails listing every C++ file that clang-format would change.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.h' '*.cc' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "clang-format would change ${#bad[@]} file(s); run: clang-format -i ${bad[*]}"
  exit 1
fi
echo "format ok: ${#files[@]} files"
