#!/usr/bin/env bash
# `npm test`: every check, side by side, each step timed, then the total. On these 2-core
# machines jest keeps one core busy (one worker: a second one only adds start-up costs);
# the type-check (tsc, once for src, tests, examples, benches and scripts), eslint, the
# integration test snapshots (offline) and the Python handler suites share the other.
# Arguments go to jest: `npm test -- test/shared-file-system.test.ts`.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$EPOCHREALTIME
jest_args="$(printf '%q ' "$@")"
status=0
bash scripts/side-by-side.sh "jest=jest --passWithNoTests --ci --maxWorkers=1 $jest_args" \
  'typecheck, eslint, integration snapshots=tsc --noEmit -p tsconfig.dev.json && npx projen eslint && npx projen integ:snapshot' \
  'python=bash scripts/test-handlers.sh' || status=$?
awk -v start="$start" -v end="$EPOCHREALTIME" 'BEGIN { printf "\n[time] npm test: %.1f s\n", end - start }' >&2
exit "$status"
