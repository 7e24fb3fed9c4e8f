"""Tests of the install function on real directories, with pip installing locally built wheels.

Nothing here reaches the internet: packages come from a local wheel directory (pip's
``--no-index --find-links``), model files from an opener that serves bytes from memory, and
CloudFormation's response URL is a server on 127.0.0.1.
"""

import base64
import fcntl
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import installer  # noqa: E402

installer.log = lambda *args: None  # pip's output would bury the test report

SET_A = "a" * 16
SET_B = "b" * 16
SET_C = "c" * 16
STACK = "arn:aws:cloudformation:eu-west-1:123456789012:stack/Ml/1"


def build_wheel(work, name, version, modules):
    """A pure-Python wheel of ``modules`` ({relative path: source}), built offline."""
    source = os.path.join(work, f"src-{name}-{version}")
    for relative, text in modules.items():
        os.makedirs(os.path.dirname(os.path.join(source, relative)), exist_ok=True)
        with open(os.path.join(source, relative), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(source, "setup.py"), "w", encoding="utf-8") as f:
        f.write(f"from setuptools import setup, find_packages\nsetup(name={name!r}, version={version!r}, packages=find_packages())\n")
    wheels = os.path.join(work, f"wheels-{version}")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", wheels, source],
                   check=True, capture_output=True)
    return wheels


def write_wheel(directory, filename, modules):
    """Write a wheel named exactly ``filename`` (as an index publishes it) holding ``modules``; its WHEEL file names the filename's tags."""
    name, version, *tags = filename[:-len(".whl")].split("-")
    info = f"{name}-{version}.dist-info"
    wheel_tags = [f"{python}-{abi}-{platform}" for python in tags[0].split(".") for abi in tags[1].split(".") for platform in tags[2].split(".")]
    files = {**modules,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test_installer\nRoot-Is-Purelib: false\n" + "".join(f"Tag: {t}\n" for t in wheel_tags)}
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    os.makedirs(directory, exist_ok=True)
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
        z.writestr(f"{info}/RECORD", "\n".join(record) + "\n")


def sha256_of_dir_file(directory):
    (wheel,) = os.listdir(directory)
    with open(os.path.join(directory, wheel), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def as_cloudformation_sends(value):
    """``value`` as CloudFormation hands a custom resource its properties: every scalar a string
    (CloudFormation User Guide, custom resource request objects), lists and objects as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [as_cloudformation_sends(v) for v in value]
    if isinstance(value, dict):
        return {k: as_cloudformation_sends(v) for k, v in value.items()}
    return value


class MemoryOpener:
    """Serves URLs from a dict, as urlopen would, and records what was asked."""

    def __init__(self, files):
        self.files = files
        self.asked = []

    def __call__(self, url, timeout):
        self.asked.append(url)
        return io.BytesIO(self.files[url])


#: The warm-up function's name and timeout, as the construct puts them in the install function's environment.
WARM_UP_FUNCTION = "Ml-DepsWarmUp-1A2B3C"
WARM_UP_SECONDS = 10


class ClientError(Exception):
    """What botocore raises for an error the API returns: the code is in ``response['Error']['Code']``."""

    def __init__(self, code, message):
        super().__init__(f"An error occurred ({code}) when calling the Invoke operation: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


class WarmUpLambda:
    """Test double of the Lambda API as the install function calls it (``lambda_factory``): an Invoke of the warm-up
    function runs the warm-up function's real code (``installer.warm_up``) on the same folder with the deployment's
    manifest, as Lambda would run it in the warm-up function; ``outcomes`` replace that in turn (an exception raised by
    the API, or ``(FunctionError, payload)``). It records what was asked and what the set looked like at each Invoke."""

    def __init__(self, root, deployment, *outcomes, states=()):
        self.root = root
        self.manifest = {"setId": deployment["setId"], "warmUpCode": deployment.get("warmUpCode", "")}
        self.outcomes = list(outcomes)
        self.states = list(states)
        self.read_timeouts = []
        self.invocations = []

    def __call__(self, read_timeout):
        self.read_timeouts.append(read_timeout)
        return self

    def get_function_configuration(self, FunctionName):
        return {"State": self.states.pop(0) if self.states else "Active"}

    def invoke(self, FunctionName, InvocationType, Payload):
        set_id = self.manifest["setId"]
        lib = os.path.join(self.root, "sets", set_id + installer.PARTIAL_SUFFIX, "lib")
        self.invocations.append({"FunctionName": FunctionName, "InvocationType": InvocationType, "event": json.loads(Payload),
                                 "partial": os.path.isdir(lib), "complete": installer.is_complete(self.root, set_id),
                                 "compiled": any(name.endswith(".pyc") for _, _, names in os.walk(lib) for name in names)})
        if self.outcomes:
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            function_error, payload = outcome
            return {"StatusCode": 200, "FunctionError": function_error, "Payload": io.BytesIO(json.dumps(payload).encode())}
        status, reason = installer.warm_up(json.loads(Payload), self.root, self.manifest, time.monotonic() + WARM_UP_SECONDS)
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps({"SetId": set_id, "Status": status, "Reason": reason}).encode())}


class WithWheels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="installer-test-")
        cls.wheels_v1 = build_wheel(cls.work, "tinypkg", "1.0", {
            "tinypkg/__init__.py": "VERSION = '1.0'\n", "tinypkg/sub.py": "VERSION = '1.0'\n"})
        cls.wheels_v2 = build_wheel(cls.work, "tinypkg", "2.0", {
            "tinypkg/__init__.py": "VERSION = '2.0'\n", "tinypkg/sub.py": "VERSION = '2.0'\n"})
        cls.hash_v1 = sha256_of_dir_file(cls.wheels_v1)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="efs-mount-")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def deployment(self, set_id, wheels=None, requirements=("tinypkg",), logical="Deps", keep=1, PipOptions=None, WarmUpCode="",
                   ModelFiles=()):
        """What the deployment fixes (the manifest and the environment), as ``installer.load_deployment`` returns it."""
        return {"setId": set_id, "keep": keep, "requirements": list(requirements),
                "pipOptions": PipOptions if PipOptions is not None else ["--no-index", "--find-links", wheels or self.wheels_v1],
                "modelFiles": [{"Sha256": "", "Extract": False, **f} for f in ModelFiles], "warmUpCode": WarmUpCode,
                "warmUp": {"functionName": WARM_UP_FUNCTION, "timeoutSeconds": WARM_UP_SECONDS} if WarmUpCode else None,
                "stackId": STACK, "logicalId": logical, "installer": f"{STACK}/{logical}", "physicalId": f"fs-1:fsap-1:{logical}"}

    def event(self, set_id, request="Create", logical="Deps"):
        """What CloudFormation sends: the set id (and the ids of where it goes, which the installer ignores)."""
        return {"RequestType": request, "StackId": STACK, "RequestId": "r1", "LogicalResourceId": logical,
                "ResourceProperties": {"SetId": set_id, "FileSystemId": "fs-1", "AccessPointId": "fsap-1"}}

    def handle(self, set_id, seconds=120, opener=None, request="Create", logical="Deps", warm_up_outcomes=(), **extra):
        args = {"opener": opener} if opener else {}
        now = time.monotonic()
        deployment = self.deployment(set_id, logical=logical, **extra)
        self.lambda_api = WarmUpLambda(self.root, deployment, *warm_up_outcomes)
        return installer.handle(self.event(set_id, request, logical), self.root, installer.Deadlines(now + seconds, now + seconds + 5),
                                deployment, lambda_factory=self.lambda_api, **args)

    def sets(self):
        return sorted(n for n in os.listdir(os.path.join(self.root, "sets")) if installer.SET_ID.match(n) or n.endswith(".partial"))


class WithoutPip(WithWheels):
    """Tests of the set layout, cleanup and locking: the packages are written directly, not by pip.

    pip's own behaviour (wheels, hashes, failures) is tested with the real pip in ``Installing``
    and ``NoMixedVersions``; here it would only make the suite slower.
    """

    def setUp(self):
        super().setUp()
        self.real_install_packages = installer.install_packages

        def write_package(partial, deployment, deadline):
            if any("no-such-package" in line for line in deployment["requirements"]):
                raise installer.InstallError("No matching distribution found for no-such-package==1.0")
            package = os.path.join(partial, "lib", "tinypkg")
            os.makedirs(package)
            for name in ("__init__.py", "sub.py"):
                with open(os.path.join(package, name), "w", encoding="utf-8") as f:
                    f.write("VERSION = '1.0'\n")

        installer.install_packages = write_package

    def tearDown(self):
        installer.install_packages = self.real_install_packages
        super().tearDown()


class Installing(WithWheels):
    def test_installs_into_the_set_marks_it_complete_and_names_its_paths(self):
        out = os.path.join(self.root, "..", os.path.basename(self.root) + "-warm-up.txt")
        self.addCleanup(lambda: os.path.exists(out) and os.unlink(out))
        status, reason, physical, data = self.handle(SET_A, WarmUpCode=(
            f"import os, tinypkg; assert os.path.isdir(os.environ['TORCH_HOME']); open({out!r}, 'w').write(tinypkg.VERSION)"))
        self.assertEqual(status, "SUCCESS", reason)
        # Stable per installer, not per set: a new set is an Update in place, with no cleanup Delete after it.
        self.assertEqual(physical, "fs-1:fsap-1:Deps")
        self.assertEqual(data, {"SetId": SET_A, "LibPath": f"sets/{SET_A}/lib", "ModelPath": f"sets/{SET_A}/model"})
        self.assertTrue(os.path.isfile(os.path.join(self.root, "sets", SET_A, "lib", "tinypkg", "__init__.py")))
        with open(out, encoding="utf-8") as f:
            self.assertEqual(f.read(), "1.0")  # the warm-up imported from the new set (and wrote outside the mount)
        self.assertTrue(installer.is_complete(self.root, SET_A))
        # compileall (trusted code), not the warm-up, compiled the set's modules.
        self.assertTrue(any(n.endswith(".pyc") for n in os.listdir(os.path.join(self.root, "sets", SET_A, "lib", "tinypkg", "__pycache__"))))

    def test_hash_locked_requirements_install_and_a_wrong_hash_is_refused(self):
        locked = f"tinypkg==1.0 --hash=sha256:{self.hash_v1}"
        status, reason, _, _ = self.handle(SET_A, requirements=[locked], PipOptions=["--no-index", "--find-links", self.wheels_v1, "--require-hashes"])
        self.assertEqual(status, "SUCCESS", reason)
        wrong = f"tinypkg==1.0 --hash=sha256:{'0' * 64}"
        status, reason, _, _ = self.handle(SET_B, requirements=[wrong], PipOptions=["--no-index", "--find-links", self.wheels_v1, "--require-hashes"])
        self.assertEqual(status, "FAILED")
        self.assertIn("THESE PACKAGES DO NOT MATCH THE HASHES", reason)
        self.assertEqual(self.sets(), [SET_A])

    def test_a_failing_install_or_warm_up_fails_the_deployment_and_leaves_no_partial_set(self):
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        status, reason, physical, _ = self.handle(SET_B, WarmUpCode="raise SystemExit('model download refused')", request="Update")
        self.assertEqual(status, "FAILED")
        self.assertIn("model download refused", reason)
        status, reason, _, _ = self.handle(SET_C, requirements=["no-such-package==1.0"])
        self.assertEqual(status, "FAILED")
        self.assertIn("No matching distribution found for no-such-package==1.0", reason)
        self.assertEqual(self.sets(), [SET_A])

    def test_a_bad_set_id_is_refused(self):
        for bad in ("../etc", "ABCDEF0123456789", "", "a" * 65):
            status, reason, _, _ = self.handle(bad)
            self.assertEqual(status, "FAILED")
            self.assertIn("SetId must be 16 to 64 lowercase hex digits", reason)


class SetLifecycle(WithoutPip):
    def test_a_set_without_its_completion_marker_is_not_complete_and_is_rebuilt(self):
        os.makedirs(os.path.join(self.root, "sets", SET_A, "lib"))  # what a killed install could leave
        self.assertFalse(installer.is_complete(self.root, SET_A))
        status, reason, _, _ = self.handle(SET_A)
        self.assertEqual(status, "SUCCESS", reason)
        self.assertIn("installed", reason)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "sets", SET_A, "lib", "tinypkg", "sub.py")))

    def test_the_install_stops_at_its_deadline_and_cleans_up(self):
        started = time.monotonic()
        status, reason, _, _ = self.handle(SET_A, seconds=installer.MARGIN_SECONDS + WARM_UP_SECONDS + 3,
                                           WarmUpCode="import time; time.sleep(60)")
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual(status, "FAILED")
        self.assertIn("did not finish within the warm-up timeout", reason)
        self.assertEqual(self.sets(), [])

    def delete(self, physical="fs-1:fsap-1:Deps", status="DELETE_IN_PROGRESS", logical="Deps"):
        asked = []

        class CloudFormation:
            def describe_stack_resource(self, **kwargs):
                asked.append(kwargs)
                return {"StackResourceDetail": {"ResourceStatus": status, "PhysicalResourceId": physical}}

        now = time.monotonic()
        event = {**self.event(SET_A, request="Delete", logical=logical), "PhysicalResourceId": physical}
        answer = installer.handle(event, self.root, installer.Deadlines(now + 5, now + 6), self.deployment(SET_A, logical=logical),
                                  client_factory=CloudFormation)
        return answer, asked

    def test_a_delete_cloudformation_does_not_confirm_drops_nothing(self):
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        for status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            (answer, _, physical, _), asked = self.delete(status=status)
            self.assertEqual((answer, physical), ("SUCCESS", "fs-1:fsap-1:Deps"))
            self.assertEqual(asked, [{"StackName": STACK, "LogicalResourceId": "Deps"}])
        (answer, _, physical, _), asked = self.delete(physical="fs-1:fsap-OLD:Deps")  # a replaced access point's cleanup Delete
        self.assertEqual((answer, physical, asked), ("SUCCESS", "fs-1:fsap-OLD:Deps", []))
        self.assertEqual(self.sets(), [SET_A])
        self.assertIn(f"{STACK}/Deps", installer.read_history(self.root))

    def test_a_delete_cloudformation_confirms_drops_the_history_and_its_sets_but_not_another_installers(self):
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        self.assertEqual(self.handle(SET_B, request="Update")[0], "SUCCESS")
        self.assertEqual(self.handle(SET_C, logical="Other")[0], "SUCCESS")
        (answer, _, _, _), _ = self.delete()
        self.assertEqual(answer, "SUCCESS")
        self.assertEqual(self.sets(), [SET_C])
        self.assertEqual(list(installer.read_history(self.root)), [f"{STACK}/Other"])



class RollbackAndCleanup(WithoutPip):
    def test_a_rollback_installs_nothing_it_finds_the_previous_set_complete(self):
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        self.assertEqual(self.handle(SET_B, request="Update")[0], "SUCCESS")
        # The rollback's Update carries the old properties; pip would fail if it ran (no such package).
        status, reason, _, _ = self.handle(SET_A, request="Update", requirements=["no-such-package==1.0"])
        self.assertEqual(status, "SUCCESS", reason)
        self.assertIn("was complete already", reason)
        self.assertEqual(self.sets(), [SET_A, SET_B])

    def test_keeps_the_current_and_previous_sets_of_each_installer(self):
        for set_id in (SET_A, SET_B, SET_C):
            self.assertEqual(self.handle(set_id)[0], "SUCCESS")
        self.assertEqual(self.sets(), [SET_B, SET_C])
        history = installer.read_history(self.root)
        self.assertEqual(history, {f"{STACK}/Deps": {"sets": [SET_B, SET_C], "keep": 1}})

    def test_each_installer_keeps_its_own_number_of_sets(self):
        sets = [c * 16 for c in "0123456"]
        for set_id in sets[:4]:
            self.assertEqual(self.handle(set_id, logical="KeepsThree", keep=3)[0], "SUCCESS")
        for set_id in sets[4:]:
            self.assertEqual(self.handle(set_id, logical="KeepsOne", keep=1)[0], "SUCCESS")
        # KeepsOne's installs trim KeepsThree's history with KeepsThree's own count, not its own.
        self.assertEqual(self.sets(), sets[:4] + sets[5:])
        self.assertEqual(installer.read_history(self.root)[f"{STACK}/KeepsThree"], {"sets": sets[:4], "keep": 3})

    def test_a_changed_keep_count_applies_without_a_new_set(self):
        for set_id in (SET_A, SET_B, SET_C):
            self.assertEqual(self.handle(set_id, keep=2)[0], "SUCCESS")
        status, reason, _, _ = self.handle(SET_C, keep=1, request="Update")
        self.assertEqual(status, "SUCCESS", reason)
        self.assertIn("was complete already", reason)
        self.assertEqual(self.sets(), [SET_B, SET_C])

    def test_a_history_of_the_older_form_keeps_every_set_it_names(self):
        os.makedirs(os.path.join(self.root, "sets"))
        with open(os.path.join(self.root, "sets", "history.json"), "w") as f:
            json.dump({f"{STACK}/Old": [SET_A, SET_B, SET_C]}, f)
        for set_id in (SET_A, SET_B, SET_C):
            os.makedirs(os.path.join(self.root, "sets", set_id))
            open(os.path.join(self.root, "sets", set_id, installer.COMPLETE_MARKER), "w").close()
        self.assertEqual(self.handle("d" * 16)[0], "SUCCESS")
        self.assertEqual(self.sets(), [SET_A, SET_B, SET_C, "d" * 16])

    def test_two_installers_on_one_access_point_never_remove_each_others_sets(self):
        other = "d" * 16
        self.assertEqual(self.handle(SET_A, logical="First")[0], "SUCCESS")
        self.assertEqual(self.handle(SET_B, logical="First")[0], "SUCCESS")
        for set_id in (other, SET_C, "e" * 16):
            self.assertEqual(self.handle(set_id, logical="Second")[0], "SUCCESS")
        # First's current and previous stay; Second's oldest went.
        self.assertEqual(self.sets(), [SET_A, SET_B, SET_C, "e" * 16])

    def test_partial_sets_of_failed_installs_are_removed_by_the_next_install(self):
        os.makedirs(os.path.join(self.root, "sets", SET_B + ".partial", "lib"))
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        self.assertEqual(self.sets(), [SET_A])
        self.assertEqual(os.listdir(os.path.join(self.root, "sets", installer.TRASH_DIR)), [])

    def test_a_set_is_renamed_before_it_is_removed_and_an_interrupted_removal_is_finished_later(self):
        for set_id in (SET_A, SET_B):
            self.assertEqual(self.handle(set_id)[0], "SUCCESS")
        real_remove_tree = installer.remove_tree
        installer.remove_tree = lambda path, deadline: False  # the invocation ends before any file is removed
        try:
            self.assertEqual(self.handle(SET_C)[0], "SUCCESS")
        finally:
            installer.remove_tree = real_remove_tree
        # SET_A is no set any more (no directory of its name, so no .complete under it); its files wait in the trash.
        self.assertEqual(self.sets(), [SET_B, SET_C])
        (left,) = os.listdir(os.path.join(self.root, "sets", installer.TRASH_DIR))
        self.assertTrue(left.startswith(SET_A + "."))
        self.assertEqual(self.handle(SET_C, request="Update")[0], "SUCCESS")
        self.assertEqual(os.listdir(os.path.join(self.root, "sets", installer.TRASH_DIR)), [])

    def test_cleanup_stops_at_the_cleanup_deadline(self):
        trash = os.path.join(self.root, "sets", installer.TRASH_DIR, "big")
        os.makedirs(trash)
        for i in range(200):
            open(os.path.join(trash, f"f{i}"), "w").close()
        self.assertEqual(installer.empty_trash(self.root, time.monotonic() - 1), ["big"])
        self.assertEqual(len(os.listdir(trash)), 200)
        self.assertEqual(installer.empty_trash(self.root, time.monotonic() + 30), [])

    def test_the_deadlines_share_the_one_margin_with_the_construct(self):
        with open(os.path.join(os.path.dirname(os.path.abspath(installer.__file__)), "deadline-margin.json")) as f:
            margin = json.load(f)["marginSeconds"]
        self.assertEqual(installer.MARGIN_SECONDS, margin)
        deadlines = installer.deadlines_for(remaining_seconds=620, install_timeout_seconds=600, now=0)
        self.assertEqual(deadlines, installer.Deadlines(work=600, cleanup=620 - margin / 4))
        self.assertEqual(installer.deadlines_for(remaining_seconds=100, install_timeout_seconds=600, now=0).work, 100 - margin)


class TheDeploymentIsTheOnlySourceOfInputs(WithoutPip):
    """The manifest (synthesized JSON, real booleans and numbers) and the environment are the inputs; the event names a set."""

    def write_manifest(self, **overrides):
        manifest = {"setId": SET_A, "keepPreviousSets": 2,
                    "contents": {"requirements": ["tinypkg"], "pipOptions": ["--no-index"], "warmUpCode": "import tinypkg",
                                 "modelFiles": [{"url": "https://example.org/a.zip", "sha256": "", "path": "a", "extract": True},
                                                {"url": "https://example.org/b.pt", "path": "b.pt", "extract": False}]}, **overrides}
        path = os.path.join(self.root, "manifest.json")
        with open(path, "w") as f:
            json.dump(manifest, f)
        return path

    ENVIRONMENT = {"STACK_ID": STACK, "RESOURCE_LOGICAL_ID": "Deps", "FILE_SYSTEM_ID": "fs-1", "ACCESS_POINT_ID": "fsap-1"}

    def test_the_manifest_and_the_environment_are_read(self):
        deployment = installer.load_deployment(self.write_manifest(), self.ENVIRONMENT)
        self.assertEqual((deployment["setId"], deployment["keep"], deployment["installer"], deployment["physicalId"]),
                         (SET_A, 2, f"{STACK}/Deps", "fs-1:fsap-1:Deps"))
        self.assertEqual([f["Extract"] for f in deployment["modelFiles"]], [True, False])
        self.assertEqual(deployment["requirements"], ["tinypkg"])

    def test_a_bad_manifest_is_refused(self):
        for overrides, message in (({"setId": "../etc"}, "SetId must be 16 to 64"), ({"keepPreviousSets": 0}, "keepPreviousSets must be")):
            with self.subTest(overrides=overrides), self.assertRaises(installer.InstallError) as raised:
                installer.load_deployment(self.write_manifest(**overrides), self.ENVIRONMENT)
            self.assertIn(message, str(raised.exception))

    def test_an_event_for_another_set_is_refused_before_anything_is_written(self):
        now = time.monotonic()
        for set_id in (SET_B, None, "../etc"):
            with self.subTest(set_id=set_id):
                event = {**self.event(SET_A), "ResourceProperties": {"SetId": set_id}}
                status, reason, physical, _ = installer.handle(event, self.root, installer.Deadlines(now + 30, now + 31), self.deployment(SET_A))
                self.assertEqual((status, physical), ("FAILED", "fs-1:fsap-1:Deps"))
                self.assertIn(f"refused: this install function installs set {SET_A} only", reason)
        self.assertFalse(os.path.exists(os.path.join(self.root, "sets")))

    def test_every_other_property_of_the_event_is_ignored(self):
        event = self.event(SET_A)
        event["ResourceProperties"].update({"Requirements": ["no-such-package==1.0"], "KeepPreviousSets": "0", "WarmUpCode": "raise SystemExit(1)"})
        now = time.monotonic()
        status, reason, _, _ = installer.handle(event, self.root, installer.Deadlines(now + 30, now + 31), self.deployment(SET_A))
        self.assertEqual(status, "SUCCESS", reason)


class WarmUpInItsOwnFunction(WithoutPip):
    """The warm-up runs in the warm-up function (read-only mount), invoked by the install function through the Lambda API."""

    def test_the_install_invokes_the_warm_up_with_the_set_id_only_after_compileall_and_marks_the_set_complete_after_it(self):
        status, reason, _, _ = self.handle(SET_A, WarmUpCode="import tinypkg.sub; assert tinypkg.sub.VERSION == '1.0'")
        self.assertEqual(status, "SUCCESS", reason)
        (call,) = self.lambda_api.invocations
        self.assertEqual(call, {"FunctionName": WARM_UP_FUNCTION, "InvocationType": "RequestResponse", "event": {"SetId": SET_A},
                                "partial": True, "complete": False, "compiled": True})
        self.assertTrue(installer.is_complete(self.root, SET_A))
        # The Invoke waits until the install's work deadline at most: what is left of the 120 s.
        (read_timeout,) = self.lambda_api.read_timeouts
        self.assertTrue(WARM_UP_SECONDS + installer.MARGIN_SECONDS <= read_timeout <= 120, read_timeout)

    def test_a_failing_warm_up_fails_the_install_with_its_error_and_leaves_no_complete_set(self):
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        status, reason, _, _ = self.handle(SET_B, WarmUpCode="raise SystemExit('x' * 5000 + ' the model does not load')", request="Update")
        self.assertEqual(status, "FAILED")
        self.assertIn(f"Install of set {SET_B} failed: the warm-up failed: the warm-up code exited 1", reason)
        self.assertIn("the model does not load", reason)
        self.assertLess(len(reason), 2 * installer.REASON_TAIL)  # cut as the other reasons are
        self.assertEqual(self.sets(), [SET_A])
        self.assertFalse(installer.is_complete(self.root, SET_B))

    def test_a_warm_up_function_that_does_not_answer_fails_the_install(self):
        outcomes = {
            "ReadTimeoutError": ClientError("ReadTimeoutError", "Read timeout on endpoint URL"),
            "AccessDeniedException": ClientError("AccessDeniedException", "not authorized to perform: lambda:InvokeFunction"),
            "Sandbox.Timedout": ("Unhandled", {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 10.00 seconds"}),
        }
        for name, outcome in outcomes.items():
            with self.subTest(name=name):
                status, reason, _, _ = self.handle(SET_A, WarmUpCode="import tinypkg", warm_up_outcomes=[outcome])
                self.assertEqual(status, "FAILED")
                self.assertIn(name, reason)
                self.assertEqual(self.sets(), [])

    def test_an_inactive_warm_up_function_is_waited_for_then_invoked(self):
        sleeps = []
        real_sleep = installer.sleep
        installer.sleep = sleeps.append
        try:
            deployment = self.deployment(SET_A, WarmUpCode="import tinypkg")
            api = WarmUpLambda(self.root, deployment, ClientError("ResourceNotReadyException", "The function is inactive"),
                               states=["Pending", "Active"])
            now = time.monotonic()
            status, reason, _, _ = installer.handle(self.event(SET_A), self.root, installer.Deadlines(now + 120, now + 125), deployment,
                                                    lambda_factory=api)
        finally:
            installer.sleep = real_sleep
        self.assertEqual(status, "SUCCESS", reason)
        self.assertEqual(len(api.invocations), 2)
        # One wait after the Pending, through the module's sleep (which this test replaced), every ACTIVE_POLL_SECONDS.
        self.assertEqual(sleeps, [installer.ACTIVE_POLL_SECONDS])

    def test_the_packages_stop_early_enough_for_the_warm_up_to_end_before_the_install_does(self):
        seen = []
        installer.install_packages = lambda partial, deployment, deadline: seen.append(deadline) or os.makedirs(os.path.join(partial, "lib", "p"))
        now = time.monotonic()
        deployment = self.deployment(SET_A, WarmUpCode="pass")
        installer.handle(self.event(SET_A), self.root, installer.Deadlines(now + 300, now + 315), deployment,
                         lambda_factory=WarmUpLambda(self.root, deployment))
        # The warm-up function's timeout and one margin (the Invoke, its start) come out of the install's work time.
        self.assertAlmostEqual(seen[0], now + 300 - WARM_UP_SECONDS - installer.MARGIN_SECONDS, places=3)

    def test_warm_up_code_without_a_warm_up_function_fails_the_install(self):
        deployment = {**self.deployment(SET_A, WarmUpCode="import tinypkg"), "warmUp": None}
        now = time.monotonic()
        status, reason, _, _ = installer.handle(self.event(SET_A), self.root, installer.Deadlines(now + 60, now + 65), deployment,
                                                lambda_factory=WarmUpLambda(self.root, deployment))
        self.assertEqual(status, "FAILED")
        self.assertIn("no warm-up function", reason)
        self.assertEqual(self.sets(), [])

    def test_the_warm_up_stops_at_its_own_deadline(self):
        partial = os.path.join(self.root, "sets", SET_A + installer.PARTIAL_SUFFIX)
        os.makedirs(os.path.join(partial, "lib"))
        started = time.monotonic()
        status, reason = installer.warm_up({"SetId": SET_A}, self.root, {"setId": SET_A, "warmUpCode": "import time; time.sleep(60)"},
                                           time.monotonic() + 2)
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(status, "FAILED")
        self.assertIn("did not finish within the warm-up timeout", reason)

    def test_the_warm_up_handler_reads_its_own_manifest_and_the_mount_path(self):
        partial = os.path.join(self.root, "sets", SET_A + installer.PARTIAL_SUFFIX)
        os.makedirs(os.path.join(partial, "lib"))
        manifest = os.path.join(self.root, "manifest.json")
        with open(manifest, "w") as f:
            json.dump({"setId": SET_A, "keepPreviousSets": 1, "contents": {"requirements": [], "pipOptions": [], "modelFiles": [],
                                                                            "warmUpCode": "import os; print('warm', os.environ['TORCH_HOME'])"}}, f)
        saved = (installer.MANIFEST_PATH, dict(os.environ))
        installer.MANIFEST_PATH = manifest
        os.environ["MOUNT_PATH"] = self.root

        class Context:
            def get_remaining_time_in_millis(self):
                return 30_000

        try:
            answer = installer.warm_up_handler({"SetId": SET_A, "WarmUpCode": "raise SystemExit(1)"}, Context())
        finally:
            installer.MANIFEST_PATH = saved[0]
            os.environ.clear()
            os.environ.update(saved[1])
        self.assertEqual(answer["Status"], "SUCCESS", answer)
        self.assertEqual(answer["SetId"], SET_A)


def read_only_run(folder, code):
    """Run ``code`` (Python) in a process that sees ``folder`` through a read-only bind mount, as the warm-up function sees
    the access point (EFS refuses the writes of a client without ClientWrite). Returns the completed process."""
    return subprocess.run(["unshare", "--map-root-user", "--mount", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$1" -c "$2"',
                           folder, sys.executable, code], capture_output=True, text=True, timeout=120,
                          cwd=os.path.dirname(os.path.abspath(installer.__file__)))


def read_only_mounts_work():
    try:
        return read_only_run(tempfile.gettempdir(), "pass").returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@unittest.skipUnless(read_only_mounts_work(), "needs unshare with user and mount namespaces (a read-only bind mount stands for the access point)")
class WarmUpOnAReadOnlyMount(WithWheels):
    """The warm-up function's real handler, run against a read-only view of a folder standing for the access point."""

    def setUp(self):
        super().setUp()
        # A partial set as the install function leaves it for the warm-up: packages, compiled, a model file; a live set beside it.
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        partial = os.path.join(self.root, "sets", SET_B + installer.PARTIAL_SUFFIX)
        shutil.copytree(os.path.join(self.root, "sets", SET_A, "lib"), os.path.join(partial, "lib"))
        os.makedirs(os.path.join(partial, "model"))
        with open(os.path.join(partial, "model", "weights.pt"), "wb") as f:
            f.write(b"w" * 1000)
        self.live = os.path.join(self.root, "sets", SET_A, "lib", "tinypkg", "__init__.py")

    def warm_up_handler(self, code):
        manifest = os.path.join(self.work, f"manifest-{SET_B}.json")
        with open(manifest, "w") as f:
            json.dump({"setId": SET_B, "keepPreviousSets": 1, "contents": {"warmUpCode": code}}, f)
        result = read_only_run(self.root, "\n".join([
            "import json, os, installer",
            "installer.log = lambda *args: None",
            f"installer.MANIFEST_PATH = {manifest!r}",
            f"os.environ['MOUNT_PATH'] = {self.root!r}",
            "class Context:",
            "    def get_remaining_time_in_millis(self): return 60_000",
            f"print(json.dumps(installer.warm_up_handler({{'SetId': {SET_B!r}}}, Context())))",
        ]))
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout.strip().splitlines()[-1])

    def test_the_warm_up_still_loads_the_set_and_its_model_from_a_read_only_mount(self):
        answer = self.warm_up_handler("import os, tinypkg.sub\n"
                                      "assert tinypkg.sub.VERSION == '1.0'\n"
                                      "assert len(open(os.path.join(os.environ['TORCH_HOME'], 'weights.pt'), 'rb').read()) == 1000")
        self.assertEqual(answer["Status"], "SUCCESS", answer)

    def test_every_write_of_the_warm_up_is_refused_in_every_set_native_code_included(self):
        before = snapshot_files(self.root)
        attempts = [f"open({self.live!r}, 'a').write('X = 1')", f"import os; os.remove({self.live!r})",
                    "import os; open(os.path.join(os.environ['TORCH_HOME'], 'm'), 'w')",
                    f"import shutil; shutil.rmtree({os.path.dirname(self.live)!r})",
                    # Native code, which no audit hook sees: libc's open(2) through ctypes.
                    f"import ctypes, os; fd = ctypes.CDLL(None, use_errno=True).open({self.live.encode()!r}, os.O_WRONLY | os.O_APPEND); "
                    "assert fd >= 0, os.strerror(ctypes.get_errno())"]
        for code in attempts:
            with self.subTest(code=code):
                answer = self.warm_up_handler(code)
                self.assertEqual(answer["Status"], "FAILED")
                self.assertRegex(answer["Reason"], "Read-only file system|EROFS")
        self.assertEqual(snapshot_files(self.root), before)


def snapshot_files(root):
    """Every path under ``root`` with its content (directories: None)."""
    state = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            state[os.path.relpath(os.path.join(directory, name), root)] = None
        for name in files:
            with open(os.path.join(directory, name), "rb") as handle:
                state[os.path.relpath(os.path.join(directory, name), root)] = handle.read()
    return state


class OneWriterAtATime(WithoutPip):
    def test_an_install_waits_for_the_lock_and_fails_clearly_when_it_never_comes(self):
        os.makedirs(os.path.join(self.root, "sets"))
        holder = open(os.path.join(self.root, "sets", installer.LOCK_FILE), "a+")
        fcntl.flock(holder, fcntl.LOCK_EX)
        try:
            status, reason, _, _ = self.handle(SET_A, seconds=2)
        finally:
            fcntl.flock(holder, fcntl.LOCK_UN)
            holder.close()
        self.assertEqual(status, "FAILED")
        self.assertIn("another install holds the lock", reason)
        self.assertEqual(self.sets(), [])

    def test_two_concurrent_installs_of_one_set_do_not_destroy_each_other(self):
        results = []
        threads = [threading.Thread(target=lambda: results.append(self.handle(SET_A, WarmUpCode="import time; time.sleep(0.5)")))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(sorted(r[0] for r in results), ["SUCCESS", "SUCCESS"])
        self.assertEqual(sorted("installed" in r[1] and "complete already" not in r[1] for r in results), [False, True])
        self.assertTrue(installer.is_complete(self.root, SET_A))


class NoMixedVersions(WithWheels):
    def test_a_running_process_keeps_importing_from_its_own_set_after_a_new_one_is_installed(self):
        """A function version's PYTHONPATH names its set (sets/<id>/lib), never a link that moves."""
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        lib_a = os.path.join(self.root, "sets", SET_A, "lib")
        process = subprocess.Popen([sys.executable, "-c", (
            "import sys, tinypkg\n"
            "print(tinypkg.VERSION, flush=True)\n"
            "sys.stdin.readline()\n"
            "import tinypkg.sub\n"
            "print(tinypkg.sub.VERSION, flush=True)\n")],
            env={**os.environ, "PYTHONPATH": lib_a}, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.assertEqual(process.stdout.readline().strip(), "1.0")
        self.assertEqual(self.handle(SET_B, wheels=self.wheels_v2, request="Update")[0], "SUCCESS")
        out, _ = process.communicate("go\n", timeout=30)
        self.assertEqual(out.strip(), "1.0")  # the lazy import came from the process's own set


class ModelFiles(WithoutPip):
    CHECKPOINT = b"weights" * 1000

    def test_a_pinned_file_is_verified_and_a_mismatch_is_refused(self):
        digest = hashlib.sha256(self.CHECKPOINT).hexdigest()
        url = "https://example.org/nts_net_cub200.pt"
        files = [{"Url": url, "Sha256": digest, "Path": "hub/checkpoints/nts_net_cub200.pt"}]
        status, reason, _, _ = self.handle(SET_A, opener=MemoryOpener({url: self.CHECKPOINT}), ModelFiles=files)
        self.assertEqual(status, "SUCCESS", reason)
        with open(os.path.join(self.root, "sets", SET_A, "model", "hub", "checkpoints", "nts_net_cub200.pt"), "rb") as f:
            self.assertEqual(f.read(), self.CHECKPOINT)
        tampered = MemoryOpener({url: self.CHECKPOINT + b"!"})
        status, reason, _, _ = self.handle(SET_B, opener=tampered, ModelFiles=files)
        self.assertEqual(status, "FAILED")
        self.assertIn(f"not the pinned {digest}", reason)
        self.assertEqual(self.sets(), [SET_A])

    def test_an_archive_is_extracted_without_its_top_folder_and_may_not_escape(self):
        good = io.BytesIO()
        with zipfile.ZipFile(good, "w") as z:
            z.writestr("ntsnet-cub200-14019cf/hubconf.py", "dependencies = ['torch']\n")
            z.writestr("ntsnet-cub200-14019cf/nts_net/model.py", "X = 1\n")
        url = "https://example.org/archive.zip"
        files = [{"Url": url, "Path": "hub/owner_repo_master", "Extract": True}]
        status, reason, _, _ = self.handle(SET_A, opener=MemoryOpener({url: good.getvalue()}), ModelFiles=files)
        self.assertEqual(status, "SUCCESS", reason)
        self.assertTrue(os.path.isfile(os.path.join(self.root, "sets", SET_A, "model", "hub", "owner_repo_master", "nts_net", "model.py")))
        evil = io.BytesIO()
        with zipfile.ZipFile(evil, "w") as z:
            z.writestr("top/../../../escaped.py", "boom\n")
        status, reason, _, _ = self.handle(SET_B, opener=MemoryOpener({url: evil.getvalue()}), ModelFiles=files)
        self.assertEqual(status, "FAILED")
        self.assertIn("outside its folder", reason)
        self.assertFalse(os.path.exists(os.path.join(self.root, "sets", "escaped.py")))

    def test_a_download_waits_at_most_the_socket_timeout_per_read_not_the_whole_install(self):
        url = "https://example.org/classifier.pt"
        opener = MemoryOpener({url: self.CHECKPOINT})
        timeouts = []
        status, reason, _, _ = self.handle(SET_A, seconds=600, opener=lambda u, timeout: timeouts.append(timeout) or opener(u, timeout),
                                           ModelFiles=[{"Url": url, "Path": "hub/checkpoints/classifier.pt"}])
        self.assertEqual(status, "SUCCESS", reason)
        self.assertEqual(timeouts, [installer.SOCKET_TIMEOUT_SECONDS])
        with open(os.path.join(self.root, "sets", SET_A, "model", "hub", "checkpoints", "classifier.pt"), "rb") as f:
            self.assertEqual(f.read(), self.CHECKPOINT)

    def test_an_archive_larger_than_the_cap_is_refused_whatever_its_headers_say(self):
        work = tempfile.mkdtemp(dir=self.root)
        archive = os.path.join(work, "a.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("top/zeros.bin", b"\0" * 10_000)
        with self.assertRaises(installer.InstallError) as raised:
            installer.extract_archive(archive, os.path.join(work, "out"), max_bytes=1000)
        self.assertIn("more than 1000 bytes", str(raised.exception))
        # A header that under-states the size: the bytes written are counted as well.
        with open(archive, "rb") as f:
            data = bytearray(f.read())
        central = data.rfind(b"PK\x01\x02")
        data[central + 24:central + 28] = (10).to_bytes(4, "little")  # uncompressed size in the central directory
        with open(archive, "wb") as f:
            f.write(data)
        with self.assertRaises(Exception) as raised:
            installer.extract_archive(archive, os.path.join(work, "out2"), max_bytes=1000)
        self.assertIn("1000", str(raised.exception)) if isinstance(raised.exception, installer.InstallError) else None
        self.assertLessEqual(sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(os.path.join(work, "out2")) for f in fs), 1000 + (1 << 20))
        self.assertEqual(installer.MAX_EXTRACTED_BYTES, 4 << 30)

    def test_plain_http_and_paths_outside_the_model_directory_are_refused(self):
        for item, message in (({"Url": "http://example.org/m.pt", "Path": "m.pt"}, "must be https"),
                              ({"Url": "https://example.org/m.pt", "Path": "../../lib/evil.py"}, "must stay inside the model directory")):
            status, reason, _, _ = self.handle(SET_A, opener=MemoryOpener({item["Url"]: b"x"}), ModelFiles=[item])
            self.assertEqual(status, "FAILED")
            self.assertIn(message, reason)


def pip_options(machine):
    """The pip options the construct gives the install function for Python 3.12 on ``machine``, index options aside."""
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in range(17, 35)] + [f"linux_{machine}"]
    return ["--only-binary=:all:", "--implementation", "cp", "--python-version", "3.12",
            *[word for platform in platforms for word in ("--platform", platform)]]


#: Checked against what the construct synthesizes by test/efs-dependency-installer.test.ts.
PIP_OPTIONS = {"x86_64": pip_options("x86_64"), "arm64": pip_options("aarch64")}


class WheelTagsOfTheIndexes(unittest.TestCase):
    """pip, run as the install function runs it, finds the wheels under the names the indexes publish.

    PyTorch's CPU index names torch 2.6.0 and torchvision 0.21.0 for x86_64 ``linux_x86_64``
    (for aarch64, ``manylinux_2_28_aarch64``); PyPI names Pillow's wheels with the compressed
    tag set ``manylinux_2_17_x86_64.manylinux2014_x86_64``. The wheels here are empty stand-ins
    with exactly those names; pip decides on the names' tags.
    """

    REQUIREMENTS = ["torch==2.6.0+cpu", "torchvision==0.21.0+cpu", "Pillow==11.1.0"]
    INDEX = {
        "x86_64": ["torch-2.6.0+cpu-cp312-cp312-linux_x86_64.whl", "torchvision-0.21.0+cpu-cp312-cp312-linux_x86_64.whl",
                   "pillow-11.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"],
        "arm64": ["torch-2.6.0+cpu-cp312-cp312-manylinux_2_28_aarch64.whl", "torchvision-0.21.0+cpu-cp312-cp312-manylinux_2_28_aarch64.whl",
                  "pillow-11.1.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"],
    }

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="wheel-tags-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def install(self, architecture, options):
        index = os.path.join(self.work, "index")
        for filename in self.INDEX[architecture]:
            module = filename.split("-")[0]
            write_wheel(index, filename, {f"{module}/__init__.py": f"WHEEL = {filename!r}\n"})
        partial = tempfile.mkdtemp(dir=self.work)
        os.makedirs(os.path.join(partial, "lib"))
        props = {"requirements": self.REQUIREMENTS, "pipOptions": [*options, "--no-index", "--find-links", index]}
        installer.install_packages(partial, props, time.monotonic() + 120)
        return sorted(n for n in os.listdir(os.path.join(partial, "lib")) if not n.endswith(".dist-info"))

    def test_pytorch_cpu_wheels_tagged_linux_x86_64_and_pypi_manylinux_wheels_resolve_together(self):
        self.assertEqual(self.install("x86_64", PIP_OPTIONS["x86_64"]), ["pillow", "torch", "torchvision"])

    def test_aarch64_wheels_tagged_manylinux_2_28_resolve(self):
        self.assertEqual(self.install("arm64", PIP_OPTIONS["arm64"]), ["pillow", "torch", "torchvision"])

    def test_manylinux_tags_alone_do_not_accept_linux_x86_64(self):
        """The tags the installer offered before: pip does not widen manylinux_* to linux_*."""
        manylinux_only = [word for i, word in enumerate(PIP_OPTIONS["x86_64"])
                          if not word.startswith("linux_") and not (word == "--platform" and PIP_OPTIONS["x86_64"][i + 1].startswith("linux_"))]
        with self.assertRaises(installer.InstallError) as raised:
            self.install("x86_64", manylinux_only)
        self.assertIn("No matching distribution found for torch==2.6.0+cpu", str(raised.exception))


class LambdaEntryPoint(WithoutPip):
    def test_the_handler_returns_its_answer_to_the_dispatcher_and_stops_at_the_install_timeout(self):
        class Context:
            def get_remaining_time_in_millis(self):
                return 120_000

        manifest = os.path.join(self.root, "manifest.json")
        with open(manifest, "w") as f:
            json.dump({"setId": SET_A, "keepPreviousSets": 1, "contents": {
                "requirements": ["tinypkg"], "pipOptions": [], "modelFiles": [], "warmUpCode": ""}}, f)
        saved = (installer.MANIFEST_PATH, dict(os.environ))
        installer.MANIFEST_PATH = manifest
        # A pip that never ends: the install stops it at INSTALL_TIMEOUT_SECONDS.
        installer.install_packages = lambda partial, deployment, deadline: installer.run_until(
            [sys.executable, "-c", "import time; time.sleep(60)"], deadline)
        os.environ.update({"MOUNT_PATH": self.root, "INSTALL_TIMEOUT_SECONDS": "2", "STACK_ID": STACK, "RESOURCE_LOGICAL_ID": "Deps",
                           "FILE_SYSTEM_ID": "fs-1", "ACCESS_POINT_ID": "fsap-1"})
        try:
            started = time.monotonic()
            answer = installer.handler(self.event(SET_A), Context())
            self.assertLess(time.monotonic() - started, 15)
            self.assertEqual(answer["Status"], "FAILED")
            self.assertIn("did not finish within the install timeout", answer["Reason"])
            answer = installer.handler({**self.event(SET_A, request="Delete"), "PhysicalResourceId": "p1"}, Context())
            self.assertEqual(answer, {"Status": "SUCCESS", "Reason": "not this installer's resource: nothing dropped", "PhysicalResourceId": "p1", "Data": {}})
        finally:
            installer.MANIFEST_PATH = saved[0]
            os.environ.clear()
            os.environ.update(saved[1])

    def test_without_a_readable_manifest_every_request_fails_naming_it(self):
        class Context:
            def get_remaining_time_in_millis(self):
                return 60_000

        saved = installer.MANIFEST_PATH
        installer.MANIFEST_PATH = os.path.join(self.root, "missing.json")
        os.environ["MOUNT_PATH"] = self.root
        try:
            answer = installer.handler(self.event(SET_A), Context())
        finally:
            installer.MANIFEST_PATH = saved
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("deployment is unreadable", answer["Reason"])


if __name__ == "__main__":
    unittest.main()
