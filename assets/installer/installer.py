"""EfsDependencyInstaller's install function: a CloudFormation custom resource handler.

It runs as a Lambda function that mounts the access point natively (IAM authorization and
TLS, as the file system policy demands), on the same Python runtime and architecture as the
functions that import what it installs. The dispatcher (dispatcher.py), the custom resource's
service token, invokes it synchronously and answers CloudFormation with what it returns, or
with the invocation's error when it could not run (a mount that failed, a timeout).

Layout on the access point (ROOT is the function's mount path):

    ROOT/sets/<id>/lib/         packages (the functions' PYTHONPATH)
    ROOT/sets/<id>/model/       model files (the functions' TORCH_HOME)
    ROOT/sets/<id>/.complete    written last: only a set with it is complete
    ROOT/sets/<id>.partial/     an install in progress; removed when it fails, or by the next install
    ROOT/sets/history.json      per installer (stack + logical id), the set ids it deployed, oldest first
    ROOT/sets/.lock             held (flock) around every install and cleanup

Each function version names its set in its environment (``sets/<id>/lib``), so a running
process never imports from another set, and a stack rollback only points the functions back
at a set that is still there: the rollback's Update finds it complete and does nothing else.
Sets are removed only when no installer's last ``keep + 1`` deployments name them.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

SET_ID = re.compile(r"\A[0-9a-f]{16,64}\Z")
COMPLETE_MARKER = ".complete"
PARTIAL_SUFFIX = ".partial"
HISTORY_FILE = "history.json"
LOCK_FILE = ".lock"
#: Seconds kept back from the invocation's remaining time at the least, to remove a failed partial set and return.
CLEANUP_SECONDS = 20
DOWNLOAD_CHUNK = 1 << 20
#: How many characters of a failing command's output go into the reason (the dispatcher cuts it to CloudFormation's 4096 bytes).
REASON_TAIL = 1500


#: Where the output of pip and the warm-up goes (the function's log); tests silence it.
log = print


class InstallError(Exception):
    """The install failed; the message becomes the stack event's reason."""


class HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects (GitHub release assets redirect to their storage) only to https URLs."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.startswith("https://"):
            raise InstallError(f"{req.full_url} redirects to {newurl!r}, which is not https")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def https_opener(url, timeout):
    return urllib.request.build_opener(HttpsOnlyRedirects).open(url, timeout=timeout)


# ---------------------------------------------------------------- the properties, as CloudFormation sends them


# CloudFormation hands a custom resource every property value as a string: `false` arrives as
# "false" (truthy in Python), `1` as "1" (CloudFormation User Guide, "Custom resource request
# objects": ResourceProperties). Each property is read from its string form, strictly, and
# anything else fails the install naming the property and the value.

DIGITS = re.compile(r"\A[0-9]+\Z")


def parse_string(value, name):
    if not isinstance(value, str):
        raise InstallError(f"{name} must be a string (got {value!r})")
    return value


def parse_boolean(value, name):
    if value not in ("true", "false"):
        raise InstallError(f"{name} must be 'true' or 'false' (got {value!r})")
    return value == "true"


def parse_integer(value, name):
    if not isinstance(value, str) or not DIGITS.match(value):
        raise InstallError(f"{name} must be a whole number written in digits (got {value!r})")
    return int(value)


def parse_list(value, name, parse_item):
    if not isinstance(value, list):
        raise InstallError(f"{name} must be a list (got {value!r})")
    return [parse_item(item, f"{name}[{i}]") for i, item in enumerate(value)]


def parse_model_file(value, name):
    if not isinstance(value, dict):
        raise InstallError(f"{name} must be an object (got {value!r})")
    return {
        "Url": parse_string(value.get("Url"), f"{name}.Url"),
        "Sha256": parse_string(value.get("Sha256", ""), f"{name}.Sha256"),
        "Path": parse_string(value.get("Path"), f"{name}.Path"),
        "Extract": parse_boolean(value.get("Extract", "false"), f"{name}.Extract"),
    }


def parse_properties(raw):
    """The install's inputs, typed, from the ResourceProperties of a Create or Update; raise InstallError naming what is wrong."""
    if not isinstance(raw, dict):
        raise InstallError(f"ResourceProperties must be an object (got {raw!r})")
    props = {
        "SetId": parse_string(raw.get("SetId"), "SetId"),
        "FileSystemId": parse_string(raw.get("FileSystemId"), "FileSystemId"),
        "AccessPointId": parse_string(raw.get("AccessPointId"), "AccessPointId"),
        "Requirements": parse_list(raw.get("Requirements"), "Requirements", parse_string),
        "PipOptions": parse_list(raw.get("PipOptions"), "PipOptions", parse_string),
        "ModelFiles": parse_list(raw.get("ModelFiles", []), "ModelFiles", parse_model_file),
        "WarmUpCode": parse_string(raw.get("WarmUpCode", ""), "WarmUpCode"),
        "KeepPreviousSets": parse_integer(raw.get("KeepPreviousSets", "1"), "KeepPreviousSets"),
    }
    check_id(props["SetId"])
    if props["KeepPreviousSets"] < 1:
        raise InstallError(f"KeepPreviousSets must be at least 1 (got {props['KeepPreviousSets']}): the previous set serves a rollback")
    return props


# ---------------------------------------------------------------- the set layout


def check_id(set_id):
    if not isinstance(set_id, str) or not SET_ID.match(set_id):
        raise InstallError(f"SetId must be 16 to 64 lowercase hex digits (got {set_id!r})")


def sets_dir(root):
    return os.path.join(root, "sets")


def set_path(root, set_id):
    return os.path.join(sets_dir(root), set_id)


def is_complete(root, set_id):
    return os.path.isfile(os.path.join(set_path(root, set_id), COMPLETE_MARKER))


@contextlib.contextmanager
def install_lock(root, deadline):
    """Hold the access point's install lock (NFSv4 locks through EFS) until the block ends, or fail at the deadline."""
    os.makedirs(sets_dir(root), exist_ok=True)
    with open(os.path.join(sets_dir(root), LOCK_FILE), "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise InstallError("another install holds the lock on this access point; try the deployment again when it ends") from None
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_partials(root):
    """Remove what failed or interrupted installs left (only the lock holder calls this)."""
    for name in os.listdir(sets_dir(root)):
        path = os.path.join(sets_dir(root), name)
        if name.endswith(PARTIAL_SUFFIX) or (SET_ID.match(name) and not is_complete(root, name)):
            shutil.rmtree(path, ignore_errors=True)


def read_history(root):
    try:
        with open(os.path.join(sets_dir(root), HISTORY_FILE)) as handle:
            history = json.load(handle)
    except FileNotFoundError:
        return {}
    if not isinstance(history, dict):
        raise InstallError(f"{HISTORY_FILE} is not an object; remove it to start a new history")
    return history


def write_history(root, history):
    """Replace the history file in one rename, so a reader never sees half of it."""
    path = os.path.join(sets_dir(root), HISTORY_FILE)
    with tempfile.NamedTemporaryFile("w", dir=sets_dir(root), delete=False, suffix=".tmp") as handle:
        json.dump(history, handle, indent=1, sort_keys=True)
    os.replace(handle.name, path)


def record_deployment(history, installer, set_id):
    """The installer's list with ``set_id`` moved to the end (most recent)."""
    deployed = [s for s in history.get(installer, []) if s != set_id] + [set_id]
    return {**history, installer: deployed}


def referenced_sets(history, keep):
    """The sets some installer still names: its current one and its ``keep`` previous ones."""
    return {s for deployed in history.values() for s in deployed[-(keep + 1):]}


def collect_garbage(root, history, keep):
    """Remove complete sets no installer references any more; trim the history to what is kept."""
    kept = referenced_sets(history, keep)
    removed = []
    for name in sorted(os.listdir(sets_dir(root))):
        if SET_ID.match(name) and name not in kept:
            shutil.rmtree(os.path.join(sets_dir(root), name), ignore_errors=True)
            removed.append(name)
    return {installer: deployed[-(keep + 1):] for installer, deployed in history.items()}, removed


# ---------------------------------------------------------------- what goes into a set


def run_until(command, deadline, env=None, cwd=None):
    """Run ``command``; kill it (and its children) at ``deadline``. Raise with the tail of its output when it fails."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise InstallError(f"no time left to run {command[0]}")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                               start_new_session=True, text=True, errors="replace")
    try:
        output, _ = process.communicate(timeout=remaining)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise InstallError(f"{' '.join(command[:4])} ... did not finish within the install timeout: {output[-REASON_TAIL:]}") from None
    log(output)
    if process.returncode != 0:
        raise InstallError(f"{' '.join(command[:4])} ... exited {process.returncode}: {output[-REASON_TAIL:]}")
    return output


def install_packages(partial, props, deadline):
    requirements = os.path.join(partial, "requirements.txt")
    with open(requirements, "w") as handle:
        handle.write("\n".join(props["Requirements"]) + "\n")
    command = [sys.executable, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
               "--target", os.path.join(partial, "lib"), *props["PipOptions"], "-r", requirements]
    env = {**os.environ, "HOME": tempfile.gettempdir(), "PIP_CONFIG_FILE": os.devnull}
    run_until(command, deadline, env=env)


def download_verified(url, expected_sha256, destination, deadline, opener=https_opener):
    """Download ``url`` to ``destination`` through a temporary file; refuse it unless its sha256 matches (when given)."""
    if not url.startswith("https://"):
        raise InstallError(f"model file URL must be https (got {url!r})")
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(destination), delete=False, suffix=".download") as out:
        try:
            with opener(url, timeout=max(1.0, deadline - time.monotonic())) as response:
                while True:
                    if time.monotonic() >= deadline:
                        raise InstallError(f"downloading {url} did not finish within the install timeout")
                    chunk = response.read(DOWNLOAD_CHUNK)
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            os.unlink(out.name)
            raise
    actual = digest.hexdigest()
    if expected_sha256 and actual != expected_sha256.lower():
        os.unlink(out.name)
        raise InstallError(f"{url} has sha256 {actual}, not the pinned {expected_sha256}")
    os.replace(out.name, destination)
    return actual


def extract_archive(archive, directory):
    """Extract a zip's single top-level folder into ``directory`` (as GitHub archives are laid out); no path may escape it."""
    with zipfile.ZipFile(archive) as zipped:
        names = [n for n in zipped.namelist() if n and not n.endswith("/")]
        tops = {n.split("/", 1)[0] for n in zipped.namelist()}
        if len(tops) != 1:
            raise InstallError(f"{os.path.basename(archive)} must hold one top-level folder (got {sorted(tops)[:5]})")
        base = os.path.realpath(directory)
        for name in names:
            relative = name.split("/", 1)[1] if "/" in name else ""
            target = os.path.realpath(os.path.join(base, relative))
            if not relative or not target.startswith(base + os.sep):
                raise InstallError(f"{os.path.basename(archive)} has an entry outside its folder: {name!r}")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zipped.open(name) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)


def install_model_files(partial, props, deadline, opener=https_opener):
    model = os.path.join(partial, "model")
    for item in props.get("ModelFiles", []):
        destination = os.path.join(model, item["Path"])
        inside = os.path.realpath(destination)
        if os.path.commonpath([inside, os.path.realpath(model)]) != os.path.realpath(model) or inside == os.path.realpath(model):
            raise InstallError(f"model file path must stay inside the model directory (got {item['Path']!r})")
        if item["Extract"]:
            archive = destination + ".zip"
            download_verified(item["Url"], item.get("Sha256"), archive, deadline, opener)
            extract_archive(archive, destination)
            os.unlink(archive)
        else:
            download_verified(item["Url"], item.get("Sha256"), destination, deadline, opener)


def run_warm_up(partial, props, deadline):
    code = props.get("WarmUpCode")
    if not code:
        return
    env = {**os.environ, "PYTHONPATH": os.path.join(partial, "lib"), "TORCH_HOME": os.path.join(partial, "model"),
           "HOME": tempfile.gettempdir()}
    run_until([sys.executable, "-c", code], deadline, env=env, cwd=tempfile.gettempdir())


def build_set(root, set_id, props, deadline, opener=https_opener):
    """Install into ``<id>.partial``, mark it complete, give it its final name. A failure removes the partial set."""
    partial = set_path(root, set_id) + PARTIAL_SUFFIX
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(os.path.join(partial, "lib"))
    os.makedirs(os.path.join(partial, "model"))
    try:
        install_packages(partial, props, deadline)
        install_model_files(partial, props, deadline, opener)
        run_warm_up(partial, props, deadline)
        with open(os.path.join(partial, COMPLETE_MARKER), "w") as marker:
            json.dump({"setId": set_id, "requirements": props["Requirements"], "installedAt": int(time.time())}, marker)
        os.rename(partial, set_path(root, set_id))
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def install(root, installer, props, deadline, opener=https_opener):
    """Make set ``SetId`` complete (installing it unless it is), record it for ``installer``, remove unreferenced sets.

    ``props`` are typed, as ``parse_properties`` returns them.
    """
    set_id = props["SetId"]
    check_id(set_id)
    keep = props["KeepPreviousSets"]
    with install_lock(root, deadline):
        remove_partials(root)
        installed = not is_complete(root, set_id)
        if installed:
            build_set(root, set_id, props, deadline, opener)
        history = record_deployment(read_history(root), installer, set_id)
        history, removed = collect_garbage(root, history, keep)
        write_history(root, history)
    return {"installed": installed, "removed": removed}


# ---------------------------------------------------------------- CloudFormation


def physical_id(props):
    return f"{props['FileSystemId']}:{props['AccessPointId']}:{props['SetId']}"


def handle(event, root, deadline, opener=https_opener):
    """Do what the event asks; return (status, reason, physical id, data). Never raises."""
    raw = event.get("ResourceProperties", {})
    request = event.get("RequestType")
    if request == "Delete":
        # The sets stay on the file system, which outlives the stack; the next install's cleanup removes what nobody references.
        return "SUCCESS", "nothing to delete", event.get("PhysicalResourceId", "none"), {}
    named = raw.get("SetId") if isinstance(raw, dict) else None
    try:
        props = parse_properties(raw)
        installer = f"{event['StackId']}/{event['LogicalResourceId']}"
        result = install(root, installer, props, deadline, opener)
    except InstallError as error:
        return "FAILED", f"Install of set {named} failed: {error}", event.get("PhysicalResourceId", "failed"), {}
    except Exception as error:  # noqa: BLE001  (anything else still gets an answer, never a hung stack)
        return "FAILED", f"Install of set {named} failed: {type(error).__name__}: {error}", event.get("PhysicalResourceId", "failed"), {}
    set_id = props["SetId"]
    reason = f"set {set_id} {'installed' if result['installed'] else 'was complete already'}; removed {result['removed'] or 'none'}"
    return "SUCCESS", reason, physical_id(props), {"SetId": set_id, "LibPath": f"sets/{set_id}/lib", "ModelPath": f"sets/{set_id}/model"}


def handler(event, context):
    """Lambda entry point. The dispatcher invokes it synchronously (RequestResponse) with CloudFormation's
    request, without the response URL, and answers CloudFormation with what this returns."""
    root = os.environ["MOUNT_PATH"]
    remaining = context.get_remaining_time_in_millis() / 1000
    # The install's own timeout; the function runs CLEANUP_SECONDS longer to remove a failed partial set and return.
    seconds = min(float(os.environ.get("INSTALL_TIMEOUT_SECONDS", remaining)), remaining - CLEANUP_SECONDS)
    status, reason, physical, data = handle(event, root, time.monotonic() + seconds)
    log(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason}))
    return {"Status": status, "Reason": reason, "PhysicalResourceId": physical, "Data": data}
