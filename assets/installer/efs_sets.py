"""Dependency sets on an EFS access point: install into a new directory, switch atomically.

Runs inside the install build, with the access point mounted at ROOT:

    ROOT/sets/<id>.partial/   an install in progress (or a failed one, removed by the next)
    ROOT/sets/<id>/           a complete set: lib/ (PYTHONPATH) and model/ (TORCH_HOME)
    ROOT/current -> sets/<id> the set functions use, switched with one rename

Functions read ROOT/current/lib and ROOT/current/model. They never see a half-written set: a
set gets its final name only once complete, and ``current`` moves to it in one atomic
rename. A failed install leaves ``current`` where it was.

    python3 efs_sets.py prepare ROOT ID   -> prints the directory to install into, or nothing if ID is complete
    python3 efs_sets.py commit ROOT ID [--keep N]
"""

import argparse
import os
import re
import shutil
import sys

SET_ID = re.compile(r"^[0-9a-f]{8,64}$")


def sets_dir(root):
    return os.path.join(root, "sets")


def check_id(set_id):
    if not SET_ID.match(set_id):
        raise ValueError(f"set id must be 8 to 64 lowercase hex digits (got {set_id!r})")


def current_set(root):
    """The id ``current`` points to, or None."""
    try:
        return os.path.basename(os.readlink(os.path.join(root, "current")))
    except FileNotFoundError:
        return None


def prepare(root, set_id):
    """Return a fresh ``.partial`` directory for ``set_id``, or None when that set is already complete."""
    check_id(set_id)
    final = os.path.join(sets_dir(root), set_id)
    if os.path.isdir(final):
        return None
    partial = final + ".partial"
    shutil.rmtree(partial, ignore_errors=True)  # what a failed or interrupted install left
    os.makedirs(os.path.join(partial, "lib"))
    os.makedirs(os.path.join(partial, "model"))
    return partial


def commit(root, set_id, keep=1):
    """Give the partial set its final name, point ``current`` at it, remove older sets but ``keep``."""
    check_id(set_id)
    final = os.path.join(sets_dir(root), set_id)
    partial = final + ".partial"
    if os.path.isdir(partial):
        os.rename(partial, final)
    if not os.path.isdir(final):
        raise FileNotFoundError(f"no set {set_id} to switch to in {sets_dir(root)}")
    previous = current_set(root)
    link = os.path.join(root, "current")
    staging = link + ".new"
    if os.path.lexists(staging):
        os.remove(staging)
    os.symlink(os.path.join("sets", set_id), staging)
    os.replace(staging, link)  # atomic: readers see the old set or the new one
    remove_old_sets(root, set_id, previous, keep)
    return previous


def remove_old_sets(root, current, previous, keep):
    """Remove complete sets other than ``current`` and, when ``keep`` >= 1, ``previous``.

    The previous set stays by default: environments that started on it may still import
    lazily from it until they are recycled.
    """
    kept = {current} | ({previous} if previous and keep >= 1 else set())
    for name in os.listdir(sets_dir(root)):
        if name not in kept and SET_ID.match(name):
            shutil.rmtree(os.path.join(sets_dir(root), name), ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["prepare", "commit"])
    parser.add_argument("root")
    parser.add_argument("set_id")
    parser.add_argument("--keep", type=int, default=1, help="older sets to keep besides the current one (0 or 1)")
    args = parser.parse_args(argv)
    try:
        if args.command == "prepare":
            partial = prepare(args.root, args.set_id)
            print(partial or "")
        else:
            previous = commit(args.root, args.set_id, args.keep)
            print(f"current: sets/{args.set_id} (was: {previous or 'none'})", file=sys.stderr)
    except (ValueError, OSError) as error:
        print(f"efs_sets: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
