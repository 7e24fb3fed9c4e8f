#!/usr/bin/env bash
# Installs what the tests need besides npm's packages, when it is missing: the Debian packages
# of the Python handler tests (python3 for all of them, pip, setuptools and wheel for the
# installer script test, torch, torchvision and Pillow for the inference handler, venv for the
# tools below), and cfn-lint from PyPI in a virtual environment of the repository's
# (.tools/venv; test/service-rules.test.ts runs it over the example templates).
set -euo pipefail
packages=(python3 python3-pip python3-setuptools python3-wheel python3-venv python3-torch python3-torchvision python3-pil)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The cfn-lint release the service-rules test was written against.
CFN_LINT_VERSION=1.51.0
cd "$(dirname "$0")/.."
if ! .tools/venv/bin/cfn-lint --version 2>/dev/null | grep -q " $CFN_LINT_VERSION$"; then
  /usr/bin/python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
