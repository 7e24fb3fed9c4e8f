#!/usr/bin/env bash
# Runs the construct tests against the oldest aws-cdk-lib the package accepts (the floor of
# `peerDependencies`, see CDK_PEER_FLOOR in .projenrc.ts), so that the range users are told
# is the range that is tested. `npm test` covers the dev version.
#
# Works on a temporary copy of the working tree (tracked and untracked files, not ignored
# ones), so the repository's own node_modules is never touched: `npm ci`, then the floor
# aws-cdk-lib with `--no-save`. cdk-nag 3 and the cfn-guard plugin accept the whole range.
#
# What does not run, and why:
# - test/examples.test.ts: the example apps are apps, written against the aws-cdk-lib they are
#   developed with (message-wall uses Runtime.PYTHON_3_15, which aws-cdk-lib has from 2.276).
# - tests named "snapshot": the snapshots record the template made with the dev aws-cdk-lib,
#   whose newest Python runtime the test functions use (LATEST_PYTHON in test/helpers.ts).
#   The other tests in the same files run.
# - "the examples' callers" (test/latency-budgets.test.ts) builds both example apps: the same
#   reason as test/examples.test.ts.
# The source is type-checked against the floor's declarations too (tsc on tsconfig.json).
#
# Usage: scripts/test-cdk-floor.sh [VERSION]   (default: the floor in package.json)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
floor="${1:-$(node -p "require('$repo/package.json').peerDependencies['aws-cdk-lib'].replace(/^[\\^~>=]+/, '')")}"

work="$(mktemp -d "${TMPDIR:-/tmp}/cdk-floor-XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$work"
cd "$work"

echo "== aws-cdk-lib $floor in $work"
npm ci --no-audit --no-fund --loglevel=error
# aws-cdk-lib's own (not bundled) dependencies are named too, so that npm puts them at the top
# level: left to itself it nests an older @aws-cdk/cloud-assembly-schema inside aws-cdk-lib,
# where npm does not install into a package with bundled dependencies, and
# `require('aws-cdk-lib')` fails.
deps="$(npm view "aws-cdk-lib@$floor" dependencies bundleDependencies --json | node -e "
  const { dependencies, bundleDependencies } = JSON.parse(require('fs').readFileSync(0, 'utf8'));
  console.log(Object.entries(dependencies).filter(([name]) => !bundleDependencies.includes(name))
    .map(([name, range]) => name + '@' + range).join(' '));")"
# shellcheck disable=SC2086 # one word per package
npm install --no-save --no-audit --no-fund --loglevel=error "aws-cdk-lib@$floor" $deps
node -e "require('aws-cdk-lib').App" # loads
installed="$(node -p "require('aws-cdk-lib/package.json').version")"
if [ "$installed" != "$floor" ]; then
  echo "expected aws-cdk-lib $floor, found $installed" >&2
  exit 1
fi

echo "== type-check src/ against aws-cdk-lib $installed"
npx tsc --noEmit -p tsconfig.json

echo "== construct tests against aws-cdk-lib $installed"
npx jest --ci --coverage=false --reporters=default \
  --testPathIgnorePatterns '/node_modules/' '/cdk.out/' 'test/examples\.test\.ts$' \
  --testNamePattern "^(?!.*(\\bsnapshot\\b|the examples' callers))"
echo "aws-cdk-lib $installed: construct tests passed"
