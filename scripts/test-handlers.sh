#!/usr/bin/env bash
# Runs the Python tests: every example's handler (examples/*/handler) and the library's own
# Lambda and build code (assets/*), with Debian's python3, the interpreter CI installs the
# test dependencies (torch for the inference handler) for.
set -euo pipefail
cd "$(dirname "$0")/.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
found=0
for dir in examples/*/handler assets/*; do
  ls "$dir"/test_*.py >/dev/null 2>&1 || continue
  found=1
  echo "== Python tests: $dir"
  (cd "$dir" && "$python" -m unittest discover -p 'test_*.py' -v)
done
if [ "$found" = 0 ]; then
  echo "no Python tests found" >&2
  exit 1
fi
