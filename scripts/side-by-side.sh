#!/usr/bin/env bash
# Runs commands at the same time and prints each one's output whole, in the order given, with
# its time: `side-by-side.sh 'NAME=COMMAND' ...`. Fails when any of them fails.
# Used by `npm test`: on a 2-core machine jest keeps one core busy and the other steps
# (type-check, lint, the Python suites) fit beside it.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
pids=()
for i in $(seq 1 $#); do
  spec="${!i}"
  name="${spec%%=*}"
  echo "[start] $name" >&2
  bash "$here/timed.sh" "$name" bash -c "${spec#*=}" > "$logs/$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in $(seq 1 $#); do
  wait "${pids[$((i - 1))]}" || failed=1
  cat "$logs/$i.log"
done
exit "$failed"
