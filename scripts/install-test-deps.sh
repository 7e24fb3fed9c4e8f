#!/usr/bin/env bash
# Installs the Debian packages the Python handler tests need, when they are missing:
# python3 for all of them, pip, setuptools and wheel for the installer script test, torch,
# torchvision and Pillow for the inference handler.
set -euo pipefail
packages=(python3 python3-pip python3-setuptools python3-wheel python3-torch python3-torchvision python3-pil)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
