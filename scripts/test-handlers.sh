#!/usr/bin/env bash
# Runs the Python tests of every example's handler (examples/*/handler/test_*.py) with
# Debian's python3, the interpreter CI installs the handler test dependencies for.
set -euo pipefail
cd "$(dirname "$0")/.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
found=0
for dir in examples/*/handler; do
  ls "$dir"/test_*.py >/dev/null 2>&1 || continue
  found=1
  echo "== handler tests: $dir"
  (cd "$dir" && "$python" -m unittest discover -p 'test_*.py' -v)
done
[ "$found" = 1 ] || echo "no handler tests found"
