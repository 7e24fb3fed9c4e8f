#!/usr/bin/env bash
# Runs in the install build, with the access point mounted at $1: install the requirements
# into a new set (unless that set is complete already), run the warm-up commands inside it,
# then switch `current` to it. Any failure stops the script before the switch, so the
# previous set stays current.
#
# Environment: SET_ID, REQUIREMENTS (one per line), PIP_TARGET_ARGS (pip options choosing
# the functions' Python and CPU), WARM_UP (shell commands, optional), KEEP_PREVIOUS (0 or 1).
set -euo pipefail
mount_dir="$1"
here="$(cd "$(dirname "$0")" && pwd)"

partial="$(python3 "$here/efs_sets.py" prepare "$mount_dir" "$SET_ID")"
if [ -z "$partial" ]; then
  echo "set $SET_ID is complete already: switching to it"
else
  printf '%s\n' "$REQUIREMENTS" > "$partial.requirements.txt"
  # PIP_TARGET_ARGS is a list of options: split it on purpose.
  # shellcheck disable=SC2086
  python3 -m pip install --no-cache-dir --disable-pip-version-check --target "$partial/lib" $PIP_TARGET_ARGS -r "$partial.requirements.txt"
  rm -f "$partial.requirements.txt"
  if [ -n "${WARM_UP:-}" ]; then
    PYTHONPATH="$partial/lib" TORCH_HOME="$partial/model" bash -euo pipefail -c "$WARM_UP"
  fi
fi
python3 "$here/efs_sets.py" commit "$mount_dir" "$SET_ID" --keep "${KEEP_PREVIOUS:-1}"
