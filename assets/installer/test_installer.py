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

    def props(self, set_id, wheels=None, requirements=("tinypkg",), **extra):
        return {"SetId": set_id, "FileSystemId": "fs-1", "AccessPointId": "fsap-1", "KeepPreviousSets": "1",
                "Requirements": list(requirements),
                "PipOptions": ["--no-index", "--find-links", wheels or self.wheels_v1], **extra}

    def event(self, set_id, request="Create", logical="Deps", **extra):
        return {"RequestType": request, "StackId": STACK, "RequestId": "r1", "LogicalResourceId": logical,
                "ResponseURL": "http://127.0.0.1:1/unused", "ResourceProperties": as_cloudformation_sends(self.props(set_id, **extra))}

    def handle(self, set_id, seconds=120, opener=None, **extra):
        args = {"opener": opener} if opener else {}
        return installer.handle(self.event(set_id, **extra), self.root, time.monotonic() + seconds, **args)

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

        def write_package(partial, props, deadline):
            if any("no-such-package" in line for line in props["Requirements"]):
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
        status, reason, physical, data = self.handle(SET_A, WarmUpCode=(
            "import os, tinypkg; open(os.path.join(os.environ['TORCH_HOME'], 'model.txt'), 'w').write(tinypkg.VERSION)"))
        self.assertEqual(status, "SUCCESS", reason)
        self.assertEqual(physical, f"fs-1:fsap-1:{SET_A}")
        self.assertEqual(data, {"SetId": SET_A, "LibPath": f"sets/{SET_A}/lib", "ModelPath": f"sets/{SET_A}/model"})
        self.assertTrue(os.path.isfile(os.path.join(self.root, "sets", SET_A, "lib", "tinypkg", "__init__.py")))
        with open(os.path.join(self.root, "sets", SET_A, "model", "model.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "1.0")
        self.assertTrue(installer.is_complete(self.root, SET_A))

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
        status, reason, _, _ = self.handle(SET_A, seconds=3, WarmUpCode="import time; time.sleep(60)")
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(status, "FAILED")
        self.assertIn("did not finish within the install timeout", reason)
        self.assertEqual(self.sets(), [])

    def test_delete_touches_nothing(self):
        self.assertEqual(self.handle(SET_A)[0], "SUCCESS")
        status, _, physical, _ = installer.handle({**self.event(SET_A, request="Delete"), "PhysicalResourceId": "keep-me"}, self.root, time.monotonic() + 5)
        self.assertEqual((status, physical), ("SUCCESS", "keep-me"))
        self.assertEqual(self.sets(), [SET_A])



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
        self.assertEqual(history, {f"{STACK}/Deps": [SET_B, SET_C]})

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


class PropertiesAsCloudFormationSendsThem(WithoutPip):
    """Every property arrives as a string: each is read from its string form, strictly, or the install fails saying which."""

    def test_they_are_read_from_their_string_form(self):
        props = installer.parse_properties(as_cloudformation_sends(self.props(
            SET_A, KeepPreviousSets=3, ModelFiles=[{"Url": "https://example.org/a.zip", "Sha256": "", "Path": "a", "Extract": True},
                                                  {"Url": "https://example.org/b.pt", "Sha256": "", "Path": "b.pt", "Extract": False}])))
        self.assertEqual(props["KeepPreviousSets"], 3)
        self.assertEqual([f["Extract"] for f in props["ModelFiles"]], [True, False])
        self.assertEqual(props["Requirements"], ["tinypkg"])

    def test_anything_else_fails_the_install_naming_the_property_and_the_value(self):
        model = {"Url": "https://example.org/m.pt", "Sha256": "", "Path": "m.pt"}
        cases = [
            ({"KeepPreviousSets": "one"}, "KeepPreviousSets must be a whole number written in digits (got 'one')"),
            ({"KeepPreviousSets": "-1"}, "KeepPreviousSets must be a whole number written in digits (got '-1')"),
            ({"KeepPreviousSets": "1.0"}, "KeepPreviousSets must be a whole number written in digits (got '1.0')"),
            ({"KeepPreviousSets": "0"}, "KeepPreviousSets must be at least 1 (got 0)"),
            ({"ModelFiles": [{**model, "Extract": "yes"}]}, "ModelFiles[0].Extract must be 'true' or 'false' (got 'yes')"),
            ({"ModelFiles": [{**model, "Extract": "True"}]}, "ModelFiles[0].Extract must be 'true' or 'false' (got 'True')"),
            ({"ModelFiles": [{**model, "Extract": ""}]}, "ModelFiles[0].Extract must be 'true' or 'false' (got '')"),
            ({"ModelFiles": "[]"}, "ModelFiles must be a list (got '[]')"),
            ({"ModelFiles": ["https://example.org/m.pt"]}, "ModelFiles[0] must be an object (got 'https://example.org/m.pt')"),
            ({"ModelFiles": [{"Path": "m.pt"}]}, "ModelFiles[0].Url must be a string (got None)"),
            ({"Requirements": "tinypkg"}, "Requirements must be a list (got 'tinypkg')"),
            ({"PipOptions": [["--no-index"]]}, "PipOptions[0] must be a string (got ['--no-index'])"),
        ]
        for extra, message in cases:
            with self.subTest(extra=extra):
                event = self.event(SET_A)
                event["ResourceProperties"].update(extra)
                status, reason, _, _ = installer.handle(event, self.root, time.monotonic() + 30)
                self.assertEqual(status, "FAILED")
                self.assertIn(message, reason)
        self.assertFalse(os.path.exists(os.path.join(self.root, "sets")))  # refused before anything was written

    def test_a_delete_reads_no_property(self):
        event = {**self.event(SET_A, request="Delete"), "PhysicalResourceId": "p1"}
        event["ResourceProperties"]["KeepPreviousSets"] = "many"
        self.assertEqual(installer.handle(event, self.root, time.monotonic() + 5)[0], "SUCCESS")


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

    def test_extract_false_arrives_as_the_string_false_and_the_file_is_kept_as_it_is(self):
        url = "https://example.org/classifier.pt"
        files = [{"Url": url, "Path": "hub/checkpoints/classifier.pt", "Extract": False}]
        self.assertEqual(self.event(SET_A, ModelFiles=files)["ResourceProperties"]["ModelFiles"][0]["Extract"], "false")
        status, reason, _, _ = self.handle(SET_A, opener=MemoryOpener({url: self.CHECKPOINT}), ModelFiles=files)
        self.assertEqual(status, "SUCCESS", reason)
        with open(os.path.join(self.root, "sets", SET_A, "model", "hub", "checkpoints", "classifier.pt"), "rb") as f:
            self.assertEqual(f.read(), self.CHECKPOINT)

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
        props = {"Requirements": self.REQUIREMENTS, "PipOptions": [*options, "--no-index", "--find-links", index]}
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

        os.environ["MOUNT_PATH"] = self.root
        os.environ["INSTALL_TIMEOUT_SECONDS"] = "2"
        try:
            started = time.monotonic()
            answer = installer.handler(self.event(SET_A, WarmUpCode="import time; time.sleep(60)"), Context())
        finally:
            del os.environ["INSTALL_TIMEOUT_SECONDS"]
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("did not finish within the install timeout", answer["Reason"])
        answer = installer.handler({**self.event(SET_A, request="Delete"), "PhysicalResourceId": "p1"}, Context())
        self.assertEqual(answer, {"Status": "SUCCESS", "Reason": "nothing to delete", "PhysicalResourceId": "p1", "Data": {}})


if __name__ == "__main__":
    unittest.main()
