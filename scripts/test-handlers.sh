#!/usr/bin/env bash
# Runs the Python tests: every example's handler (examples/*/handler), the library's own
# Lambda code (assets/*) and the CI check of the Python bindings (scripts/), with Debian's
# python3, the interpreter CI installs the test dependencies (torch for the inference handler)
# for. The suites are independent and mostly wait on subprocesses and sockets, so they run side
# by side (scripts/side-by-side.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
suites=()
for dir in examples/*/handler assets/* scripts; do
  ls "$dir"/test_*.py >/dev/null 2>&1 || continue
  suites+=("python $dir=cd $dir && $python -m unittest discover -p 'test_*.py' -v")
done
if [ ${#suites[@]} -eq 0 ]; then
  echo "no Python tests found" >&2
  exit 1
fi
exec bash scripts/side-by-side.sh "${suites[@]}"
