"""EfsDependencyInstaller's install function: a CloudFormation custom resource handler.

It runs as a Lambda function that mounts the access point natively (IAM authorization and
TLS, as the file system policy demands), on the same Python runtime and architecture as the
functions that import what it installs. The dispatcher (dispatcher.py), the custom resource's
service token, invokes it synchronously and answers CloudFormation with what it returns, or
with the invocation's error when it could not run (a mount that failed, a timeout).

**The deployment is the only source of inputs.** What to install (requirements, pip options,
model files, warm-up code), the set id and the keep count are in ``manifest.json``, written at
synth into this function's own code (a per-installer asset); who the installer is (stack id,
logical id, file system and access point ids, the warm-up function's name and timeout) is in its
environment. An event carries a set id
and CloudFormation's fields; a set id other than the manifest's is refused, and every other
property is ignored. An invoke can then only re-install exactly what the deployment asked for,
idempotently. A stack rollback restores the previous function code, and so the previous
manifest, before the custom resource's rollback Update carries the old set id back.

Layout on the access point (ROOT is the function's mount path):

    ROOT/sets/<id>/lib/         packages (the functions' PYTHONPATH)
    ROOT/sets/<id>/model/       model files (the functions' TORCH_HOME)
    ROOT/sets/<id>/.complete    written last: only a set with it is complete
    ROOT/sets/<id>.partial/     an install in progress; discarded when it fails, or by the next install
    ROOT/sets/.trash/           sets and partials being deleted: renamed here first, then removed
    ROOT/sets/history.json      per installer (stack + logical id): the set ids it deployed, oldest first, and its keep count
    ROOT/sets/.lock             held (flock) around every install and cleanup

**The warm-up runs where it cannot write.** The warm-up code imports the new set, so it runs the
packages' code: it runs in the warm-up function (``warm_up_handler``, this same code and manifest),
which mounts the access point read-only (its role has ``ClientMount`` without ``ClientWrite``, so
EFS refuses its writes). The install function installs into ``sets/<id>.partial``, compiles it
(``compileall``, trusted code, while it can still write), invokes the warm-up function
synchronously with the set id only, and marks the set complete only when the warm-up succeeded.

Each function version names its set in its environment (``sets/<id>/lib``), so a running
process never imports from another set, and a stack rollback only points the functions back
at a set that is still there: the rollback's Update finds it complete and does nothing else.
A set is removed only when no installer's last ``keep + 1`` deployments (each with its own keep
count) name it; a Delete that CloudFormation confirms drops the installer's history.
"""

import collections
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
import uuid
import zipfile

# Shared with the dispatcher, which invokes this function as this invokes the warm-up function (lambda_calls.py).
from lambda_calls import error_code, function_error, invoke_synchronously

HERE = os.path.dirname(os.path.abspath(__file__))
#: The deployment's inputs, written at synth next to this file (src/efs-dependency-installer.ts).
MANIFEST_PATH = os.path.join(HERE, "manifest.json")
#: The one deadline margin, shared with the construct and the dispatcher.
with open(os.path.join(HERE, "deadline-margin.json")) as _margin:
    MARGIN_SECONDS = float(json.load(_margin)["marginSeconds"])

SET_ID = re.compile(r"\A[0-9a-f]{16,64}\Z")
COMPLETE_MARKER = ".complete"
PARTIAL_SUFFIX = ".partial"
TRASH_DIR = ".trash"
HISTORY_FILE = "history.json"
LOCK_FILE = ".lock"
DOWNLOAD_CHUNK = 1 << 20
#: Per-read socket timeout of a model download (urllib applies it to each blocking read, not the whole download).
SOCKET_TIMEOUT_SECONDS = 30
#: At most this many bytes extracted from one archive (the headers' sizes and the bytes actually written).
MAX_EXTRACTED_BYTES = 4 << 30
#: How many characters of a failing command's output go into the reason (the dispatcher cuts it to CloudFormation's 4096 bytes).
REASON_TAIL = 1500

#: Where the output of pip and the warm-up goes (the function's log); tests silence it.
log = print
#: How the install waits between looks at a warm-up function Lambda is re-activating; tests replace it.
sleep = time.sleep
#: Seconds to wait between those looks.
ACTIVE_POLL_SECONDS = 5

#: ``work``: when installing must stop; ``cleanup``: when cleaning up must stop (the answer is returned after it).
Deadlines = collections.namedtuple("Deadlines", ["work", "cleanup"])


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


# ---------------------------------------------------------------- the deployment: manifest and environment


def load_deployment(manifest_path=None, environ=None):
    """What the deployment fixed: the manifest in this function's code and the ids in its environment."""
    environ = os.environ if environ is None else environ
    with open(manifest_path or MANIFEST_PATH) as handle:
        manifest = json.load(handle)
    check_id(manifest["setId"])
    keep = manifest["keepPreviousSets"]
    if not isinstance(keep, int) or keep < 1:
        raise InstallError(f"manifest keepPreviousSets must be a whole number of at least 1 (got {keep!r})")
    contents = manifest["contents"]
    logical = environ["RESOURCE_LOGICAL_ID"]
    warm_up = None
    if environ.get("WARM_UP_FUNCTION_NAME"):
        warm_up = {"functionName": environ["WARM_UP_FUNCTION_NAME"], "timeoutSeconds": float(environ["WARM_UP_TIMEOUT_SECONDS"])}
    return {
        "setId": manifest["setId"],
        "keep": keep,
        "requirements": list(contents["requirements"]),
        "pipOptions": list(contents["pipOptions"]),
        "modelFiles": [{"Url": f["url"], "Sha256": f.get("sha256", ""), "Path": f["path"], "Extract": bool(f.get("extract", False))}
                       for f in contents.get("modelFiles", [])],
        "warmUpCode": contents.get("warmUpCode", ""),
        "warmUp": warm_up,
        "stackId": environ["STACK_ID"],
        "logicalId": logical,
        "installer": f"{environ['STACK_ID']}/{logical}",
        # Stable per installer (not per set): a new set is an Update in place, so CloudFormation sends no cleanup Delete after it
        # (CloudFormation User Guide, custom resource request types "Update": a new physical id is a replacement).
        "physicalId": f"{environ['FILE_SYSTEM_ID']}:{environ['ACCESS_POINT_ID']}:{logical}",
    }


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


def discard(root, name):
    """Move ``sets/<name>`` into the trash in one rename: no directory named as a set survives half deleted."""
    trash = os.path.join(sets_dir(root), TRASH_DIR)
    os.makedirs(trash, exist_ok=True)
    try:
        os.rename(os.path.join(sets_dir(root), name), os.path.join(trash, f"{name}.{uuid.uuid4().hex[:8]}"))
    except FileNotFoundError:
        pass


def remove_tree(path, deadline):
    """Remove ``path`` bottom-up, stopping at ``deadline``; True when it is gone."""
    for directory, dirs, files in os.walk(path, topdown=False):
        for name in files + dirs:
            if time.monotonic() >= deadline:
                return False
            target = os.path.join(directory, name)
            try:
                if os.path.isdir(target) and not os.path.islink(target):
                    os.rmdir(target)
                else:
                    os.unlink(target)
            except FileNotFoundError:
                pass
    if time.monotonic() >= deadline:
        return False
    with contextlib.suppress(FileNotFoundError):
        os.rmdir(path)
    return True


def empty_trash(root, deadline):
    """Remove what is in the trash (this run's discards and what earlier interrupted deletes left), until ``deadline``.

    Returns what is left for the next run.
    """
    trash = os.path.join(sets_dir(root), TRASH_DIR)
    if not os.path.isdir(trash):
        return []
    left = []
    for name in sorted(os.listdir(trash)):
        if not remove_tree(os.path.join(trash, name), deadline):
            left.append(name)
    return left


def discard_incomplete(root):
    """Discard what failed or interrupted installs left (only the lock holder calls this)."""
    for name in os.listdir(sets_dir(root)):
        if name.endswith(PARTIAL_SUFFIX) or (SET_ID.match(name) and not is_complete(root, name)):
            discard(root, name)


def read_history(root):
    """Per installer, ``{"sets": [...oldest first], "keep": n}``; an entry of the older form (a bare list) keeps all it names."""
    try:
        with open(os.path.join(sets_dir(root), HISTORY_FILE)) as handle:
            history = json.load(handle)
    except FileNotFoundError:
        return {}
    if not isinstance(history, dict):
        raise InstallError(f"{HISTORY_FILE} is not an object; remove it to start a new history")
    return {installer: (entry if isinstance(entry, dict) else {"sets": list(entry), "keep": max(1, len(entry) - 1)})
            for installer, entry in history.items()}


def write_history(root, history):
    """Replace the history file in one rename, so a reader never sees half of it."""
    path = os.path.join(sets_dir(root), HISTORY_FILE)
    with tempfile.NamedTemporaryFile("w", dir=sets_dir(root), delete=False, suffix=".tmp") as handle:
        json.dump(history, handle, indent=1, sort_keys=True)
    os.replace(handle.name, path)


def record_deployment(history, installer, set_id, keep):
    """The history with ``set_id`` moved to the end (most recent) of ``installer``'s sets, and its keep count."""
    deployed = [s for s in history.get(installer, {}).get("sets", []) if s != set_id] + [set_id]
    return {**history, installer: {"sets": deployed, "keep": keep}}


def referenced_sets(history):
    """The sets some installer still names: its current one and its own ``keep`` previous ones."""
    return {s for entry in history.values() for s in entry["sets"][-(entry["keep"] + 1):]}


def collect_garbage(root, history):
    """Discard complete sets no installer references any more; trim each installer's history with its own keep count."""
    kept = referenced_sets(history)
    removed = []
    for name in sorted(os.listdir(sets_dir(root))):
        if SET_ID.match(name) and name not in kept:
            discard(root, name)
            removed.append(name)
    trimmed = {installer: {"sets": entry["sets"][-(entry["keep"] + 1):], "keep": entry["keep"]} for installer, entry in history.items()}
    return trimmed, removed


# ---------------------------------------------------------------- what goes into a set


def run_until(command, deadline, env=None, cwd=None, limit="install timeout", label=None):
    """Run ``command``; kill it (and its children) at ``deadline`` (the end of ``limit``). Raise with the tail of its output when it fails.

    ``label`` names it in the reason (by default its first words)."""
    label = label or f"{' '.join(command[:4])} ..."
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise InstallError(f"no time left to run {label}")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                               start_new_session=True, text=True, errors="replace")
    try:
        output, _ = process.communicate(timeout=remaining)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise InstallError(f"{label} did not finish within the {limit}: {output[-REASON_TAIL:]}") from None
    log(output)
    if process.returncode != 0:
        raise InstallError(f"{label} exited {process.returncode}: {output[-REASON_TAIL:]}")
    return output


def install_packages(partial, deployment, deadline):
    requirements = os.path.join(partial, "requirements.txt")
    with open(requirements, "w") as handle:
        handle.write("\n".join(deployment["requirements"]) + "\n")
    command = [sys.executable, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
               "--target", os.path.join(partial, "lib"), *deployment["pipOptions"], "-r", requirements]
    env = {**os.environ, "HOME": tempfile.gettempdir(), "PIP_CONFIG_FILE": os.devnull}
    run_until(command, deadline, env=env)


def download_verified(url, expected_sha256, destination, deadline, opener=https_opener):
    """Download ``url`` to ``destination`` through a temporary file; refuse it unless its sha256 matches (when given).

    Each socket read waits at most SOCKET_TIMEOUT_SECONDS (urllib's ``timeout`` applies to each blocking
    socket operation: Python documentation, urllib.request.urlopen and socket.settimeout), and the
    download as a whole stops at ``deadline``.
    """
    if not url.startswith("https://"):
        raise InstallError(f"model file URL must be https (got {url!r})")
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=os.path.dirname(destination), delete=False, suffix=".download") as out:
        try:
            with opener(url, timeout=max(1.0, min(SOCKET_TIMEOUT_SECONDS, deadline - time.monotonic()))) as response:
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


def extract_archive(archive, directory, max_bytes=None):
    """Extract a zip's single top-level folder into ``directory`` (as GitHub archives are laid out).

    No path may escape it, and at most ``max_bytes`` (MAX_EXTRACTED_BYTES) are written: the headers'
    sizes are checked first, and the bytes actually written as they are (a header may lie).
    """
    limit = MAX_EXTRACTED_BYTES if max_bytes is None else max_bytes
    name_of = os.path.basename(archive)
    with zipfile.ZipFile(archive) as zipped:
        infos = [i for i in zipped.infolist() if i.filename and not i.filename.endswith("/")]
        tops = {n.split("/", 1)[0] for n in zipped.namelist()}
        if len(tops) != 1:
            raise InstallError(f"{name_of} must hold one top-level folder (got {sorted(tops)[:5]})")
        if sum(i.file_size for i in infos) > limit:
            raise InstallError(f"{name_of} would extract to more than {limit} bytes")
        base = os.path.realpath(directory)
        for info in infos:
            relative = info.filename.split("/", 1)[1] if "/" in info.filename else ""
            target = os.path.realpath(os.path.join(base, relative))
            if not relative or not target.startswith(base + os.sep):
                raise InstallError(f"{name_of} has an entry outside its folder: {info.filename!r}")
        written = 0
        for info in infos:
            target = os.path.realpath(os.path.join(base, info.filename.split("/", 1)[1]))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zipped.open(info) as source, open(target, "wb") as out:
                while True:
                    chunk = source.read(DOWNLOAD_CHUNK)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > limit:
                        raise InstallError(f"{name_of} extracts to more than {limit} bytes")
                    out.write(chunk)


def install_model_files(partial, deployment, deadline, opener=https_opener):
    model = os.path.join(partial, "model")
    for item in deployment.get("modelFiles", []):
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


def compile_set(partial, deadline):
    """Compile the set's modules to .pyc with the standard library's compileall (trusted code), before the warm-up runs."""
    run_until([sys.executable, "-m", "compileall", "-q", os.path.join(partial, "lib")], deadline, cwd=tempfile.gettempdir())


# ---------------------------------------------------------------- the warm-up, in its own function


def lambda_client(read_timeout):
    """A Lambda client of the runtime's boto3 whose Invoke waits up to ``read_timeout`` and is never retried
    (botocore retries a request that timed out by default: a retry would start a second warm-up)."""
    import boto3  # noqa: PLC0415  (imported here so that the tests run without it)
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client("lambda", config=Config(connect_timeout=5, read_timeout=max(1.0, read_timeout), retries={"total_max_attempts": 1}))


def shorten(reason):
    """``reason`` cut to its first 300 characters and its last REASON_TAIL (the dispatcher cuts the whole answer to 4096 bytes)."""
    return reason if len(reason) <= REASON_TAIL + 300 else f"{reason[:300]} [...] {reason[-REASON_TAIL:]}"


def invoke_warm_up(deployment, deadline, lambda_factory):
    """Invoke the warm-up function synchronously with the set id only, waiting for it until ``deadline``; raise
    InstallError with its reason (cut to REASON_TAIL) unless it answers that the warm-up succeeded."""
    function_name = deployment["warmUp"]["functionName"]
    payload = json.dumps({"SetId": deployment["setId"]}).encode()

    def client_for_attempt():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise InstallError("no time left to run the warm-up")
        return lambda_factory(remaining)

    try:
        response, body = invoke_synchronously(client_for_attempt, function_name, payload, deadline, ACTIVE_POLL_SECONDS, sleep)
    except InstallError:
        raise
    except Exception as error:  # noqa: BLE001  (every failure is named in the reason)
        raise InstallError(shorten(f"the warm-up function gave no answer: {error_code(error)}: {error}")) from None
    failure = function_error(response, body)
    if failure:
        raise InstallError(shorten(f"the warm-up function failed: {failure[0]}: {failure[1]}"))
    try:
        answer = json.loads(body)
        status, reason = answer["Status"], str(answer.get("Reason", ""))
    except (ValueError, KeyError, TypeError):
        raise InstallError(f"the warm-up function's answer is unreadable: {body[:300]!r}") from None
    if status != "SUCCESS":
        raise InstallError(shorten(f"the warm-up failed: {reason}"))


def load_warm_up(manifest_path=None):
    """What the warm-up function takes from the deployment: the set id and the warm-up code of its own manifest."""
    with open(manifest_path or MANIFEST_PATH) as handle:
        manifest = json.load(handle)
    check_id(manifest["setId"])
    return {"setId": manifest["setId"], "warmUpCode": manifest["contents"].get("warmUpCode", "")}


def warm_up(event, root, manifest, deadline):
    """Run the deployment's warm-up code from ``sets/<id>.partial`` in a new process, stopped at ``deadline``; (status, reason).

    Only the manifest's set id is accepted, and only its code runs; the event's other fields are ignored. The
    process sees the set on PYTHONPATH and its model directory as TORCH_HOME, through a read-only mount.
    """
    set_id = manifest["setId"]
    named = event.get("SetId") if isinstance(event, dict) else None
    if named != set_id:
        return "FAILED", f"refused: this warm-up function warms set {set_id} only (its deployment's manifest), not {named!r}"
    code = manifest.get("warmUpCode")
    if not code:
        return "FAILED", "refused: the deployment has no warm-up code"
    partial = set_path(root, set_id + PARTIAL_SUFFIX)
    if not os.path.isdir(partial):
        return "FAILED", f"set {set_id} is not being installed (no {set_id}{PARTIAL_SUFFIX}): nothing to warm up"
    env = {**os.environ, "PYTHONPATH": os.path.join(partial, "lib"), "TORCH_HOME": os.path.join(partial, "model"),
           "HOME": tempfile.gettempdir(), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        run_until([sys.executable, "-c", code], deadline, env=env, cwd=tempfile.gettempdir(), limit="warm-up timeout", label="the warm-up code")
    except InstallError as error:
        return "FAILED", str(error)
    return "SUCCESS", f"set {set_id} warmed up"


def warm_up_handler(event, context):
    """The warm-up function's Lambda entry point: the install function invokes it synchronously with ``{"SetId": ...}``.

    It stops the warm-up a quarter margin before its own timeout, to answer.
    """
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - MARGIN_SECONDS / 4
    set_id = None
    try:
        manifest = load_warm_up()
        set_id = manifest["setId"]
    except (OSError, KeyError, ValueError, TypeError, InstallError) as error:
        status, reason = "FAILED", f"the warm-up function's deployment is unreadable: {error}"
    else:
        status, reason = warm_up(event, os.environ["MOUNT_PATH"], manifest, deadline)
    log(json.dumps({"SetId": set_id, "Status": status, "Reason": reason}))
    return {"SetId": set_id, "Status": status, "Reason": reason}


def build_set(root, deployment, deadline, opener=https_opener, lambda_factory=lambda_client):
    """Install into ``<id>.partial``, have the warm-up function warm it up, mark it complete, give it its final name.
    A failure discards the partial set.

    With warm-up code, the packages, downloads and compileall stop the warm-up function's timeout and one margin
    before ``deadline`` (the margin covers the Invoke and the warm-up environment's start), and the warm-up is waited
    for until ``deadline``: its invocation ends within the install's, which keeps its own margin after ``deadline``.
    """
    set_id = deployment["setId"]
    name = set_id + PARTIAL_SUFFIX
    partial = set_path(root, name)
    warm = deployment.get("warmUpCode")
    if warm and not deployment.get("warmUp"):
        raise InstallError("the deployment has warm-up code but no warm-up function (WARM_UP_FUNCTION_NAME is not set)")
    install_until = deadline - (deployment["warmUp"]["timeoutSeconds"] + MARGIN_SECONDS if warm else 0)
    discard(root, name)
    os.makedirs(os.path.join(partial, "lib"))
    os.makedirs(os.path.join(partial, "model"))
    try:
        install_packages(partial, deployment, install_until)
        install_model_files(partial, deployment, install_until, opener)
        compile_set(partial, install_until)
        if warm:
            invoke_warm_up(deployment, deadline, lambda_factory)
        with open(os.path.join(partial, COMPLETE_MARKER), "w") as marker:
            json.dump({"setId": set_id, "requirements": deployment["requirements"], "installedAt": int(time.time())}, marker)
        os.rename(partial, set_path(root, set_id))
    except BaseException:
        discard(root, name)
        raise


def install(root, deployment, deadlines, opener=https_opener, lambda_factory=lambda_client):
    """Make the deployment's set complete (installing it unless it is), record it for its installer, discard unreferenced sets.

    Cleanup (the trash) runs until ``deadlines.cleanup``, never past it; what is left waits for the next run.
    """
    set_id = deployment["setId"]
    check_id(set_id)
    with install_lock(root, deadlines.work):
        try:
            discard_incomplete(root)
            installed = not is_complete(root, set_id)
            if installed:
                build_set(root, deployment, deadlines.work, opener, lambda_factory)
            before = read_history(root)
            history = record_deployment(before, deployment["installer"], set_id, deployment["keep"])
            history, removed = collect_garbage(root, history)
            if history != before:
                write_history(root, history)
        finally:
            left = empty_trash(root, deadlines.cleanup)
    return {"installed": installed, "removed": removed, "left": left}


def forget(root, deployment, deadlines):
    """Drop the installer's history (its resource is deleted) and discard the sets no installer names any more."""
    with install_lock(root, deadlines.work):
        try:
            history = read_history(root)
            history.pop(deployment["installer"], None)
            history, removed = collect_garbage(root, history)
            write_history(root, history)
        finally:
            left = empty_trash(root, deadlines.cleanup)
    return {"removed": removed, "left": left}


# ---------------------------------------------------------------- CloudFormation


def cloudformation_client():
    """The runtime's boto3 (the Lambda Python runtimes include it: Lambda Developer Guide, "Building Lambda functions with Python")."""
    import boto3  # noqa: PLC0415  (imported here so that the tests run without it)
    from botocore.config import Config  # noqa: PLC0415

    return boto3.client("cloudformation", config=Config(connect_timeout=5, read_timeout=10, retries={"total_max_attempts": 2}))


def deletion_confirmed(deployment, client_factory):
    """(True, '') when CloudFormation says this installer's resource is being deleted; else (False, why).

    DescribeStackResource (CloudFormation API Reference) answers the resource's ResourceStatus and
    PhysicalResourceId: a Delete it really sends finds DELETE_IN_PROGRESS under our physical id. A crafted
    Delete finds CREATE_COMPLETE or UPDATE_COMPLETE, and drops nothing.
    """
    try:
        detail = client_factory().describe_stack_resource(StackName=deployment["stackId"], LogicalResourceId=deployment["logicalId"])
        detail = detail["StackResourceDetail"]
    except Exception as error:  # noqa: BLE001
        return False, f"CloudFormation could not confirm the deletion ({type(error).__name__}: {error})"
    status, physical = detail.get("ResourceStatus"), detail.get("PhysicalResourceId")
    if status != "DELETE_IN_PROGRESS" or physical != deployment["physicalId"]:
        return False, f"CloudFormation does not delete this resource (status {status}, physical id {physical})"
    return True, ""


def handle(event, root, deadlines, deployment, opener=https_opener, client_factory=cloudformation_client, lambda_factory=lambda_client):
    """Do what the event asks, with the deployment's inputs only; return (status, reason, physical id, data). Never raises."""
    request = event.get("RequestType")
    raw = event.get("ResourceProperties")
    named = raw.get("SetId") if isinstance(raw, dict) else None
    physical = deployment["physicalId"]
    set_id = deployment["setId"]
    try:
        if request == "Delete":
            if event.get("PhysicalResourceId") != physical:
                return "SUCCESS", "not this installer's resource: nothing dropped", event.get("PhysicalResourceId") or physical, {}
            confirmed, why = deletion_confirmed(deployment, client_factory)
            if not confirmed:
                # SUCCESS: the sets outlive the stack; only the history entry stays, and with it the sets it names.
                return "SUCCESS", f"nothing dropped: {why}", physical, {}
            result = forget(root, deployment, deadlines)
            return "SUCCESS", f"history of {deployment['installer']} dropped; removed {result['removed'] or 'none'}", physical, {}
        if request not in ("Create", "Update"):
            return "FAILED", f"refused: unknown RequestType {request!r}", physical, {}
        if named != set_id:
            return ("FAILED", f"refused: this install function installs set {set_id} only (its deployment's manifest), "
                    f"not {named!r}", physical, {})
        result = install(root, deployment, deadlines, opener, lambda_factory)
    except InstallError as error:
        return "FAILED", f"Install of set {set_id} failed: {error}", physical, {}
    except Exception as error:  # noqa: BLE001  (anything else still gets an answer, never a hung stack)
        return "FAILED", f"Install of set {set_id} failed: {type(error).__name__}: {error}", physical, {}
    reason = (f"set {set_id} {'installed' if result['installed'] else 'was complete already'}; removed {result['removed'] or 'none'}"
              + (f"; left in the trash for the next run: {len(result['left'])}" if result["left"] else ""))
    return "SUCCESS", reason, physical, {"SetId": set_id, "LibPath": f"sets/{set_id}/lib", "ModelPath": f"sets/{set_id}/model"}


def deadlines_for(remaining_seconds, install_timeout_seconds, now=None):
    """Installing stops MARGIN_SECONDS before the invocation ends (or at the install timeout, if sooner); cleaning
    up stops a quarter of the margin before the end, leaving that to return the answer."""
    now = time.monotonic() if now is None else now
    end = now + remaining_seconds
    work = min(now + install_timeout_seconds, end - MARGIN_SECONDS)
    return Deadlines(work=work, cleanup=end - MARGIN_SECONDS / 4)


def handler(event, context):
    """Lambda entry point. The dispatcher invokes it synchronously (RequestResponse) with CloudFormation's
    request, without the response URL, and answers CloudFormation with what this returns."""
    root = os.environ["MOUNT_PATH"]
    remaining = context.get_remaining_time_in_millis() / 1000
    deadlines = deadlines_for(remaining, float(os.environ.get("INSTALL_TIMEOUT_SECONDS", remaining)))
    try:
        deployment = load_deployment()
    except (OSError, KeyError, ValueError, TypeError, InstallError) as error:
        status, reason, physical, data = "FAILED", f"the install function's deployment is unreadable: {error}", "unconfigured", {}
    else:
        status, reason, physical, data = handle(event, root, deadlines, deployment)
    log(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason}))
    return {"Status": status, "Reason": reason, "PhysicalResourceId": physical, "Data": data}
