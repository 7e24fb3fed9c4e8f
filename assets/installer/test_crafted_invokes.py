"""Crafted invokes: what a principal allowed lambda:InvokeFunction on the install function can do.

The install function's inputs are fixed by the deployment (manifest.json in its own code, written
at synth, and its environment). An event carries a set id and CloudFormation's fields; whatever
else it carries is ignored, and a set id other than the manifest's is refused. These tests send
the two attacks of issue 17 to the Lambda entry point, on a folder standing for the access point
that holds a live, complete set, and check that nothing on that folder changed.
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import installer  # noqa: E402

installer.log = lambda *args: None

STACK = "arn:aws:cloudformation:eu-west-1:123456789012:stack/Ml/1"
LIVE = "1" * 16
PREVIOUS = "2" * 16


class Context:
    def get_remaining_time_in_millis(self):
        return 60_000


def snapshot(root):
    """Every path under ``root`` with the sha256 of its content (directories: None)."""
    state = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs:
            state[os.path.relpath(os.path.join(directory, name), root)] = None
        for name in files:
            path = os.path.join(directory, name)
            if name == installer.LOCK_FILE:
                continue
            with open(path, "rb") as handle:
                state[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return state


class CraftedInvokes(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="efs-mount-")
        self.code = tempfile.mkdtemp(prefix="installer-code-")
        # The live set the classifier imports, and the previous one a rollback needs, as a deployment left them.
        for set_id in (PREVIOUS, LIVE):
            lib = os.path.join(self.root, "sets", set_id, "lib", "classifier_dep")
            os.makedirs(lib)
            with open(os.path.join(lib, "__init__.py"), "w") as handle:
                handle.write("SAFE = True\n")
            with open(os.path.join(self.root, "sets", set_id, installer.COMPLETE_MARKER), "w") as handle:
                handle.write("{}")
        with open(os.path.join(self.root, "sets", "history.json"), "w") as handle:
            json.dump({f"{STACK}/Deps": {"sets": [PREVIOUS, LIVE], "keep": 1}}, handle)
        # What the deployment fixed: its manifest (set id LIVE) and its environment.
        manifest = {"setId": LIVE, "keepPreviousSets": 1,
                    "contents": {"requirements": ["classifier_dep"], "pipOptions": ["--no-index"], "modelFiles": [], "warmUpCode": ""}}
        self.manifest = os.path.join(self.code, "manifest.json")
        with open(self.manifest, "w") as handle:
            json.dump(manifest, handle)
        self.saved = (getattr(installer, "MANIFEST_PATH", None), dict(os.environ))
        installer.MANIFEST_PATH = self.manifest
        os.environ.update({"MOUNT_PATH": self.root, "INSTALL_TIMEOUT_SECONDS": "30", "FILE_SYSTEM_ID": "fs-1",
                           "ACCESS_POINT_ID": "fsap-1", "STACK_ID": STACK, "RESOURCE_LOGICAL_ID": "Deps"})
        self.before = snapshot(self.root)

    def tearDown(self):
        installer.MANIFEST_PATH = self.saved[0]
        os.environ.clear()
        os.environ.update(self.saved[1])
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.code, ignore_errors=True)

    def invoke(self, request, set_id, **properties):
        event = {"RequestType": request, "StackId": STACK, "RequestId": "crafted", "LogicalResourceId": "Deps",
                 "ResourceType": "Custom::EfsDependencySet", "ResourceProperties": {"SetId": set_id, **properties}}
        return installer.handler(event, Context())

    def test_code_appended_to_the_live_set_through_the_warm_up_is_refused(self):
        evil = (f"import os; p = os.path.join({self.root!r}, 'sets', {LIVE!r}, 'lib', 'classifier_dep', '__init__.py'); "
                "open(p, 'a').write('SAFE = False  # appended\\n')")
        for set_id in ("f" * 16, LIVE):
            with self.subTest(set_id=set_id):
                answer = self.invoke("Create", set_id, Requirements=["pip"], PipOptions=["--no-index", "--find-links", "/nonexistent"],
                                     WarmUpCode=evil, ModelFiles=[], KeepPreviousSets="1", FileSystemId="fs-1", AccessPointId="fsap-1")
                if set_id != LIVE:
                    self.assertEqual(answer["Status"], "FAILED")
                    self.assertIn("refused", answer["Reason"])
                self.assertEqual(snapshot(self.root), self.before)

    def test_deleting_the_live_set_through_the_keep_count_or_the_installer_key_is_refused(self):
        for i, set_id in enumerate(("c" * 16, "d" * 16, "e" * 16)):
            self.invoke("Update", set_id, Requirements=[], PipOptions=[], WarmUpCode="", ModelFiles=[], KeepPreviousSets="1",
                        FileSystemId="fs-1", AccessPointId="fsap-1")
        # The same set id, with a keep count of 0 and another installer's key, is idempotent: nothing removed.
        self.invoke("Update", LIVE, KeepPreviousSets="0", Requirements=[], PipOptions=[])
        event = {"RequestType": "Delete", "StackId": STACK, "RequestId": "crafted", "LogicalResourceId": "Deps",
                 "PhysicalResourceId": "fs-1:fsap-1:Deps", "ResourceProperties": {"SetId": LIVE}}
        self.assertEqual(installer.handler(event, Context())["Status"], "SUCCESS")
        for path in (os.path.join("sets", LIVE, installer.COMPLETE_MARKER), os.path.join("sets", PREVIOUS, installer.COMPLETE_MARKER)):
            self.assertIn(path, snapshot(self.root))
        self.assertEqual({k: v for k, v in snapshot(self.root).items() if not k.startswith(os.path.join("sets", "history"))},
                         {k: v for k, v in self.before.items() if not k.startswith(os.path.join("sets", "history"))})

    def test_a_crafted_warm_up_invoke_for_another_set_is_refused_and_runs_nothing(self):
        """The warm-up function (the same code, its own manifest) takes a set id from the event and nothing else."""
        ran = os.path.join(self.code, "warm-up-ran")
        with open(self.manifest) as handle:
            manifest = json.load(handle)
        manifest["contents"]["warmUpCode"] = f"open({ran!r}, 'w').close()"
        with open(self.manifest, "w") as handle:
            json.dump(manifest, handle)
        os.makedirs(os.path.join(self.root, "sets", "f" * 16 + installer.PARTIAL_SUFFIX, "lib"))
        self.before = snapshot(self.root)
        evil = (f"import os; p = os.path.join({self.root!r}, 'sets', {LIVE!r}, 'lib', 'classifier_dep', '__init__.py'); "
                "open(p, 'a').write('SAFE = False  # appended\\n')")
        for event in ({"SetId": "f" * 16, "WarmUpCode": evil}, {"SetId": None}, {"SetId": "../etc"}, {}, {"ResourceProperties": {"SetId": LIVE}}):
            with self.subTest(event=event):
                answer = installer.warm_up_handler(event, Context())
                self.assertEqual(answer["Status"], "FAILED")
                self.assertIn(f"refused: this warm-up function warms set {LIVE} only", answer["Reason"])
                self.assertFalse(os.path.exists(ran))
                self.assertEqual(snapshot(self.root), self.before)
        # The manifest's set id with code in the event: the event's code is ignored (and LIVE is complete, not being installed).
        answer = installer.warm_up_handler({"SetId": LIVE, "WarmUpCode": evil}, Context())
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("is not being installed", answer["Reason"])
        self.assertFalse(os.path.exists(ran))
        self.assertEqual(snapshot(self.root), self.before)

    def test_the_same_attacks_through_the_dispatcher_are_refused_by_the_install_function(self):
        import dispatcher  # noqa: PLC0415

        dispatcher.log = lambda *args: None
        event = {"RequestType": "Create", "StackId": STACK, "RequestId": "crafted", "LogicalResourceId": "Deps",
                 "ResourceProperties": {"SetId": "f" * 16, "WarmUpCode": "import os; os.remove('x')", "KeepPreviousSets": "0"}}
        status, reason, _, _ = dispatcher.dispatch(event, lambda e: tuple(installer.handler(e, Context()).values()), lambda: "UPDATE_COMPLETE")
        self.assertEqual(status, "FAILED")
        self.assertIn("refused", reason)
        self.assertEqual(snapshot(self.root), self.before)


if __name__ == "__main__":
    unittest.main()
