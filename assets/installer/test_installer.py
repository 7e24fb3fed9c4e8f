"""Tests of the installer's decisions (waiter) and of the set layout on a real directory (efs_sets)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import efs_sets  # noqa: E402
import waiter  # noqa: E402

SET_A = "a" * 16
SET_B = "b" * 16
SET_C = "c" * 16


def build(status, **extra):
    return {"id": "install:1234", "buildStatus": status, "logs": {"deepLink": "https://console.example/logs/1234"}, **extra}


class Decisions(unittest.TestCase):
    def test_in_progress_is_not_complete(self):
        self.assertEqual(waiter.decide(build("IN_PROGRESS")), {"IsComplete": False})

    def test_succeeded_is_complete(self):
        self.assertEqual(waiter.decide(build("SUCCEEDED")), {"IsComplete": True, "Data": {"BuildId": "install:1234"}})

    def test_failed_raises_with_the_phase_the_reason_and_the_log_link(self):
        phases = [{"phaseType": "PROVISIONING", "phaseStatus": "SUCCEEDED"},
                  {"phaseType": "BUILD", "phaseStatus": "FAILED", "contexts": [{"message": "COMMAND_EXECUTION_ERROR: pip exited 1"}]}]
        with self.assertRaises(waiter.InstallFailed) as raised:
            waiter.decide(build("FAILED", phases=phases))
        message = str(raised.exception)
        self.assertIn("ended FAILED in phase BUILD: COMMAND_EXECUTION_ERROR: pip exited 1", message)
        self.assertIn("the previous set stays current", message)
        self.assertIn("Logs: https://console.example/logs/1234", message)

    def test_fault_and_stopped_are_failures(self):
        for status in ("FAULT", "STOPPED"):
            with self.assertRaisesRegex(waiter.InstallFailed, f"ended {status}"):
                waiter.decide(build(status))

    def test_timed_out_raises_with_the_timeout(self):
        with self.assertRaisesRegex(waiter.InstallFailed, "timed out after 60 minutes.*Logs: https://console.example/logs/1234"):
            waiter.decide(build("TIMED_OUT", timeoutInMinutes=60))

    def test_an_unknown_status_is_a_failure_not_a_wait(self):
        with self.assertRaisesRegex(waiter.InstallFailed, "unknown status 'PAUSED'"):
            waiter.decide(build("PAUSED"))


class FakeCodeBuild:
    def __init__(self, builds):
        self.builds = builds
        self.started = []

    def start_build(self, **kwargs):
        self.started.append(kwargs)
        return {"build": {"id": "install:42"}}

    def batch_get_builds(self, ids):
        return {"builds": [b for b in self.builds if b["id"] in ids]}


def event(request, **extra):
    return {"RequestType": request, "ResourceProperties": {"SetId": SET_A, "ProjectName": "install-project"}, **extra}


class Handlers(unittest.TestCase):
    def test_create_and_update_start_a_build_with_the_set_id(self):
        for request in ("Create", "Update"):
            client = FakeCodeBuild([])
            answer = waiter.on_event(event(request, PhysicalResourceId="old"), None, client)
            self.assertEqual(answer, {"PhysicalResourceId": f"efs-dependency-set-{SET_A}", "Data": {"BuildId": "install:42", "SetId": SET_A}})
            self.assertEqual(client.started, [{"projectName": "install-project",
                                               "environmentVariablesOverride": [{"name": "SET_ID", "value": SET_A, "type": "PLAINTEXT"}]}])

    def test_delete_starts_nothing_and_completes_at_once(self):
        client = FakeCodeBuild([])
        self.assertEqual(waiter.on_event(event("Delete", PhysicalResourceId="efs-dependency-set-x"), None, client),
                         {"PhysicalResourceId": "efs-dependency-set-x"})
        self.assertEqual(client.started, [])
        self.assertEqual(waiter.is_complete(event("Delete"), None, client), {"IsComplete": True})

    def test_is_complete_follows_the_build(self):
        running = FakeCodeBuild([build("IN_PROGRESS", id="install:42")])
        self.assertEqual(waiter.is_complete(event("Create", Data={"BuildId": "install:42"}), None, running), {"IsComplete": False})
        done = FakeCodeBuild([build("SUCCEEDED", id="install:42")])
        self.assertEqual(waiter.is_complete(event("Create", Data={"BuildId": "install:42"}), None, done),
                         {"IsComplete": True, "Data": {"BuildId": "install:42", "SetId": SET_A}})

    def test_a_build_codebuild_does_not_know_fails(self):
        with self.assertRaisesRegex(waiter.InstallFailed, "does not know the install build install:7"):
            waiter.is_complete(event("Create", Data={"BuildId": "install:7"}), None, FakeCodeBuild([]))


class Sets(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="efs-sets-")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def install(self, set_id, content):
        partial = efs_sets.prepare(self.root, set_id)
        with open(os.path.join(partial, "lib", "marker.py"), "w", encoding="utf-8") as f:
            f.write(content)
        return partial

    def read_current(self):
        with open(os.path.join(self.root, "current", "lib", "marker.py"), encoding="utf-8") as f:
            return f.read()

    def test_a_set_becomes_current_only_when_committed(self):
        partial = self.install(SET_A, "A")
        self.assertTrue(partial.endswith(f"sets/{SET_A}.partial"))
        self.assertFalse(os.path.lexists(os.path.join(self.root, "current")))
        efs_sets.commit(self.root, SET_A)
        self.assertEqual(self.read_current(), "A")
        self.assertEqual(os.readlink(os.path.join(self.root, "current")), f"sets/{SET_A}")

    def test_a_failed_install_leaves_the_current_set_and_is_cleaned_by_the_next(self):
        self.install(SET_A, "A")
        efs_sets.commit(self.root, SET_A)
        self.install(SET_B, "B-half-written")  # the build fails here: no commit
        self.assertEqual(self.read_current(), "A")
        partial = efs_sets.prepare(self.root, SET_B)  # the next try starts clean
        self.assertEqual(os.listdir(os.path.join(partial, "lib")), [])

    def test_switching_keeps_the_previous_set_and_removes_older_ones(self):
        for set_id, content in ((SET_A, "A"), (SET_B, "B"), (SET_C, "C")):
            self.install(set_id, content)
            efs_sets.commit(self.root, set_id)
        self.assertEqual(self.read_current(), "C")
        self.assertEqual(sorted(os.listdir(os.path.join(self.root, "sets"))), [SET_B, SET_C])
        self.install(SET_A, "A again")
        efs_sets.commit(self.root, SET_A, keep=0)
        self.assertEqual(os.listdir(os.path.join(self.root, "sets")), [SET_A])

    def test_a_complete_set_is_not_installed_again(self):
        self.install(SET_A, "A")
        efs_sets.commit(self.root, SET_A)
        self.install(SET_B, "B")
        efs_sets.commit(self.root, SET_B)
        # A rollback to the inputs of SET_A: nothing to install, only the switch.
        self.assertIsNone(efs_sets.prepare(self.root, SET_A))
        efs_sets.commit(self.root, SET_A)
        self.assertEqual(self.read_current(), "A")

    def test_readers_always_see_a_complete_set_while_the_link_switches(self):
        self.install(SET_A, "A")
        efs_sets.commit(self.root, SET_A)
        self.install(SET_B, "B")
        reader = subprocess.Popen([sys.executable, "-c", (
            "import sys,time\n"
            "seen=set(); end=time.time()+1.5\n"
            "while time.time()<end:\n"
            "    try: seen.add(open(sys.argv[1]).read())\n"
            "    except FileNotFoundError: seen.add('MISSING')\n"
            "print(','.join(sorted(seen)))\n"), os.path.join(self.root, "current", "lib", "marker.py")],
            stdout=subprocess.PIPE, text=True)
        for _ in range(200):
            efs_sets.commit(self.root, SET_B)
            efs_sets.commit(self.root, SET_A)
        out, _ = reader.communicate(timeout=10)
        self.assertNotIn("MISSING", out)
        self.assertTrue(set(out.strip().split(",")) <= {"A", "B"})

    def test_bad_set_ids_are_refused(self):
        for bad in ("../etc", "ABC", "", "a" * 65):
            with self.assertRaisesRegex(ValueError, "set id must be 8 to 64 lowercase hex digits"):
                efs_sets.prepare(self.root, bad)

    def test_the_command_line(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "efs_sets.py")
        prepared = subprocess.run([sys.executable, script, "prepare", self.root, SET_A], capture_output=True, text=True, check=True)
        self.assertTrue(prepared.stdout.strip().endswith(f"{SET_A}.partial"))
        committed = subprocess.run([sys.executable, script, "commit", self.root, SET_A], capture_output=True, text=True, check=True)
        self.assertIn(f"current: sets/{SET_A} (was: none)", committed.stderr)
        again = subprocess.run([sys.executable, script, "prepare", self.root, SET_A], capture_output=True, text=True, check=True)
        self.assertEqual(again.stdout.strip(), "")
        bad = subprocess.run([sys.executable, script, "commit", self.root, SET_B], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no set", bad.stderr)


HERE = os.path.dirname(os.path.abspath(__file__))


class InstallScript(unittest.TestCase):
    """install-set.sh for real: pip installs a small local wheel, the warm-up writes a model."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="install-set-")
        package = os.path.join(cls.work, "tinypkg")
        os.makedirs(package)
        with open(os.path.join(package, "setup.py"), "w", encoding="utf-8") as f:
            f.write("from setuptools import setup\nsetup(name='tinypkg', version='1.0', py_modules=['tinypkg'])\n")
        with open(os.path.join(package, "tinypkg.py"), "w", encoding="utf-8") as f:
            f.write("ANSWER = 42\n")
        cls.wheels = os.path.join(cls.work, "wheels")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", cls.wheels, package],
                       check=True, capture_output=True)
        # The script calls python3: make it this interpreter.
        cls.bin = os.path.join(cls.work, "bin")
        os.makedirs(cls.bin)
        os.symlink(sys.executable, os.path.join(cls.bin, "python3"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="efs-mount-")

    def tearDown(self):
        shutil.rmtree(self.mount, ignore_errors=True)

    def run_install(self, set_id, requirements="tinypkg", warm_up=""):
        env = {**os.environ, "PATH": self.bin + os.pathsep + os.environ["PATH"], "SET_ID": set_id, "REQUIREMENTS": requirements,
               "PIP_TARGET_ARGS": f"--no-index --find-links {self.wheels}", "WARM_UP": warm_up, "KEEP_PREVIOUS": "1"}
        return subprocess.run(["bash", os.path.join(HERE, "install-set.sh"), self.mount], env=env, capture_output=True, text=True)

    def test_installs_warms_up_and_switches(self):
        warm_up = "python3 -c 'import os, tinypkg; open(os.path.join(os.environ[\"TORCH_HOME\"], \"model.txt\"), \"w\").write(str(tinypkg.ANSWER))'"
        result = self.run_install(SET_A, warm_up=warm_up)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.mount, "current", "lib", "tinypkg.py")))
        with open(os.path.join(self.mount, "current", "model", "model.txt"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "42")

    def test_a_failing_warm_up_or_install_leaves_the_previous_set_current(self):
        self.assertEqual(self.run_install(SET_A).returncode, 0)
        failed_warm_up = self.run_install(SET_B, warm_up="echo loading model; exit 3")
        self.assertNotEqual(failed_warm_up.returncode, 0)
        failed_pip = self.run_install(SET_C, requirements="no-such-package==1.0")
        self.assertNotEqual(failed_pip.returncode, 0)
        self.assertEqual(os.readlink(os.path.join(self.mount, "current")), f"sets/{SET_A}")

    def test_a_complete_set_is_switched_to_without_installing(self):
        self.assertEqual(self.run_install(SET_A).returncode, 0)
        self.assertEqual(self.run_install(SET_B).returncode, 0)
        again = self.run_install(SET_A, requirements="no-such-package==1.0")  # would fail if pip ran
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn(f"set {SET_A} is complete already", again.stdout)
        self.assertEqual(os.readlink(os.path.join(self.mount, "current")), f"sets/{SET_A}")


if __name__ == "__main__":
    unittest.main()
