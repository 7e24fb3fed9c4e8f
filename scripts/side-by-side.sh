#!/usr/bin/env bash
# Runs commands at the same time: `side-by-side.sh 'NAME=COMMAND' ...`. Fails when any fails.
# Each line a command prints is shown as it comes, after `[NAME]`, so progress is visible
# while the slow steps run; a `[progress]` line every 10 s names the steps still running.
# At the end, each step's time and exit status, then the whole output of every failed step
# again, unprefixed, so that a failure reads in one piece.
# Used by `npm test`: on a 2-core machine jest keeps one core busy and the other steps
# (type-check, lint, the Python suites) fit beside it.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
logs="$(mktemp -d)"
heartbeat=
trap '[ -n "$heartbeat" ] && kill "$heartbeat" 2>/dev/null; rm -rf "$logs"' EXIT
start=$SECONDS
pids=()
names=()
for i in $(seq 1 $#); do
  spec="${!i}"
  name="${spec%%=*}"
  names+=("$name")
  echo "[start] $name" >&2
  # The step's output goes to its log and, line by line with its name, to the terminal.
  ( bash "$here/timed.sh" "$name" bash -c "${spec#*=}" 2>&1; echo $? > "$logs/$i.status" ) \
    | tee "$logs/$i.log" | awk -v prefix="[$name] " '{ print prefix $0; fflush() }' >&2 &
  pids+=($!)
done
(
  while sleep 10; do
    running=()
    for i in $(seq 1 $#); do
      [ -f "$logs/$i.status" ] || running+=("${names[$((i - 1))]}")
    done
    [ ${#running[@]} -gt 0 ] && echo "[progress] $((SECONDS - start)) s: still running: $(IFS=,; echo "${running[*]}" | sed 's/,/, /g')" >&2
  done
) &
heartbeat=$!
failed=()
for i in $(seq 1 $#); do
  wait "${pids[$((i - 1))]}"
  status="$(cat "$logs/$i.status" 2>/dev/null || echo 1)"
  [ "$status" = 0 ] || failed+=("$i")
done
kill "$heartbeat" 2>/dev/null
heartbeat=
for i in "${failed[@]}"; do
  echo "" >&2
  echo "===== ${names[$((i - 1))]} failed: its whole output =====" >&2
  cat "$logs/$i.log" >&2
done
[ ${#failed[@]} -eq 0 ]
