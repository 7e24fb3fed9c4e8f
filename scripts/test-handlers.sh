#!/usr/bin/env bash
# Runs the Python tests: every example's handler (examples/*/handler) and the library's own
# Lambda code (assets/*), with Debian's python3, the interpreter CI installs the test
# dependencies (torch for the inference handler) for. The suites are independent and mostly
# wait on subprocesses and sockets, so they run side by side; each one's output is printed
# whole, in order, with its time.
set -euo pipefail
cd "$(dirname "$0")/.."
python=/usr/bin/python3
[ -x "$python" ] || python=python3
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
dirs=()
for dir in examples/*/handler assets/*; do
  ls "$dir"/test_*.py >/dev/null 2>&1 || continue
  dirs+=("$dir")
done
if [ ${#dirs[@]} -eq 0 ]; then
  echo "no Python tests found" >&2
  exit 1
fi
pids=()
for i in "${!dirs[@]}"; do
  (cd "${dirs[$i]}" && bash "$OLDPWD/scripts/timed.sh" "python ${dirs[$i]}" "$python" -m unittest discover -p 'test_*.py' -v) \
    > "$logs/$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!dirs[@]}"; do
  wait "${pids[$i]}" || failed=1
  echo "== Python tests: ${dirs[$i]}"
  cat "$logs/$i.log"
done
exit "$failed"
