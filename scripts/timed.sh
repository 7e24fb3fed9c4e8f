#!/usr/bin/env bash
# Runs a step of `npm test` and prints how long it took: `timed.sh NAME COMMAND...`.
# The time goes to stderr after the step's own output; a failing step still reports it.
set -uo pipefail
name="$1"
shift
start=$EPOCHREALTIME
"$@"
status=$?
awk -v name="$name" -v start="$start" -v end="$EPOCHREALTIME" -v status="$status" \
  'BEGIN { printf "\n[time] %s: %.1f s (exit %d)\n", name, end - start, status }' >&2
exit "$status"
