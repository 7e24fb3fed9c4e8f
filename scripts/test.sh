#!/usr/bin/env bash
# `npm test`: everything, in two rounds of steps that run side by side, each step timed.
#   1. type-check (tsc, once for src, tests, examples, benches and scripts), eslint and the
#      integration test snapshots (offline);
#   2. jest (arguments go to jest: `npm test -- test/shared-file-system.test.ts`) and the
#      Python handler suites.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$EPOCHREALTIME
jest_args="$(printf '%q ' "$@")"
bash scripts/side-by-side.sh 'typecheck=tsc --noEmit -p tsconfig.dev.json' 'eslint=npx projen eslint' 'integ=npx projen integ:snapshot'
bash scripts/side-by-side.sh "jest=jest --passWithNoTests --ci $jest_args" 'python=bash scripts/test-handlers.sh'
awk -v start="$start" -v end="$EPOCHREALTIME" 'BEGIN { printf "\n[time] npm test: %.1f s\n", end - start }' >&2
