"""Tests of the dispatcher, the custom resource's service token, driven by the events CloudFormation sends.

The Lambda and CloudFormation APIs are fakes that answer as the APIs do (errors carry
``response['Error']['Code']`` as botocore's ClientError does); the install function behind the
fake Lambda client is the real installer.py on a local directory; CloudFormation's response URL
is a server on 127.0.0.1 that records what it receives.
"""

import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dispatcher  # noqa: E402
import installer  # noqa: E402
from test_installer import STACK, WithoutPip, as_cloudformation_sends  # noqa: E402

installer.log = dispatcher.log = lambda *args: None


class ClientError(Exception):
    """What botocore raises for an error the API returns: the code is in ``response['Error']['Code']``."""

    def __init__(self, code, message):
        super().__init__(f"An error occurred ({code}) when calling the Invoke operation: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


class Context:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def get_remaining_time_in_millis(self):
        return int((self.end - time.monotonic()) * 1000)


class FakeLambda:
    """``invoke`` answers with ``outcomes`` in turn: a callable (run with the payload), an exception, or (FunctionError, payload)."""

    def __init__(self, *outcomes, states=()):
        self.outcomes = list(outcomes)
        self.states = list(states)
        self.invocations = []

    def invoke(self, **kwargs):
        self.invocations.append(kwargs)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        if isinstance(outcome, tuple):
            function_error, payload = outcome
            return {"StatusCode": 200, "FunctionError": function_error, "Payload": io.BytesIO(json.dumps(payload).encode())}
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(outcome(json.loads(kwargs["Payload"]))).encode())}

    def get_function_configuration(self, FunctionName):  # noqa: N803  (the API's spelling)
        return {"FunctionName": FunctionName, "State": self.states.pop(0)}


class FakeCloudFormation:
    def __init__(self, status):
        self.status = status

    def describe_stacks(self, StackName):  # noqa: N803
        if isinstance(self.status, Exception):
            raise self.status
        return {"Stacks": [{"StackId": StackName, "StackStatus": self.status}]}


class ResponseUrl:
    """CloudFormation's pre-signed response URL: records each PUT body."""

    def __enter__(self):
        received = self.received = []

        class Capture(BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802
                received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Capture)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/response?signature=x"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


MOUNT_ERRORS = ["EFSMountFailureException", "EFSMountConnectivityException", "EFSMountTimeoutException", "EFSIOException"]


class Dispatching(WithoutPip):
    """The install function behind the fake Lambda API is the real one, on ``self.root``."""

    def setUp(self):
        super().setUp()
        os.environ["INSTALL_FUNCTION_NAME"] = "Ml-DepsFunction"
        os.environ["MOUNT_PATH"] = self.root
        self.inputs = {}

    def install_function(self, payload):
        """The real install function, its deployment being the set the event names with ``self.inputs``."""
        set_id = (payload.get("ResourceProperties") or {}).get("SetId")
        now = time.monotonic()
        status, reason, physical, data = installer.handle(payload, self.root, installer.Deadlines(now + 60, now + 61),
                                                          self.deployment(set_id, **self.inputs))
        return {"Status": status, "Reason": reason, "PhysicalResourceId": physical, "Data": data}

    def dispatch(self, event, lambda_client, stack_status="CREATE_IN_PROGRESS"):
        """Run the dispatcher's handler on ``event``; return the answer CloudFormation received, parsed, and its size.

        Its waits are recorded in ``self.sleeps`` instead of slept."""
        self.sleeps = []
        with ResponseUrl() as url:
            event = {**event, "ResponseURL": url.url}
            dispatcher.handler(event, Context(120), clients=lambda read_timeout: (lambda_client, FakeCloudFormation(stack_status)),
                               sleep=self.sleeps.append)
        (body,) = url.received
        return json.loads(body), len(body)

    def test_a_create_runs_the_install_synchronously_and_cloudformation_gets_its_answer(self):
        fake = FakeLambda(self.install_function)
        installer_set = "a" * 16
        answer, _ = self.dispatch(self.event(installer_set), fake)
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        self.assertEqual(answer["PhysicalResourceId"], "fs-1:fsap-1:Deps")
        self.assertEqual(answer["Data"]["LibPath"], f"sets/{installer_set}/lib")
        self.assertEqual({k: answer[k] for k in ("StackId", "RequestId", "LogicalResourceId")}, {"StackId": STACK, "RequestId": "r1", "LogicalResourceId": "Deps"})
        self.assertTrue(installer.is_complete(self.root, installer_set))
        (call,) = fake.invocations
        self.assertEqual((call["FunctionName"], call["InvocationType"]), ("Ml-DepsFunction", "RequestResponse"))
        self.assertNotIn("ResponseURL", json.loads(call["Payload"]))  # only the dispatcher answers CloudFormation

    def test_a_failed_install_fails_the_create_with_the_install_functions_reason(self):
        self.inputs = {"requirements": ["no-such-package==1.0"]}
        answer, _ = self.dispatch(self.event("a" * 16), FakeLambda(self.install_function))
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("No matching distribution found for no-such-package==1.0", answer["Reason"])

    def test_a_mount_failure_fails_a_create_or_an_update_naming_the_error(self):
        for request in ("Create", "Update"):
            for code in MOUNT_ERRORS:
                with self.subTest(request=request, code=code):
                    event = {**self.event("a" * 16, request=request), "PhysicalResourceId": "fs-1:fsap-1:" + "b" * 16}
                    answer, _ = self.dispatch(event, FakeLambda(ClientError(code, "mount failed")), stack_status="UPDATE_IN_PROGRESS")
                    self.assertEqual(answer["Status"], "FAILED")
                    self.assertIn(f"the install function gave no answer: {code}", answer["Reason"])
                    if request == "Update":
                        self.assertEqual(answer["PhysicalResourceId"], "fs-1:fsap-1:" + "b" * 16)  # unchanged: no replacement

    def test_a_timeout_or_a_crash_of_the_install_function_fails_the_create_naming_it(self):
        for function_error, payload in (
                ("Unhandled", {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 880.00 seconds"}),
                ("Unhandled", {"errorType": "Runtime.OutOfMemory", "errorMessage": "Runtime exited with error: signal: killed"})):
            with self.subTest(payload["errorType"]):
                answer, _ = self.dispatch(self.event("a" * 16), FakeLambda((function_error, payload)))
                self.assertEqual(answer["Status"], "FAILED")
                self.assertIn(f"{payload['errorType']}: {payload['errorMessage']}", answer["Reason"])

    def test_a_delete_succeeds_deleting_nothing_when_the_install_function_cannot_run(self):
        """A Create that failed is rolled back with a Delete to the same service token: it must succeed."""
        for error in [ClientError(code, "mount failed") for code in MOUNT_ERRORS] + [ClientError("TooManyRequestsException", "Rate Exceeded."),
                                                                                   TimeoutError("Read timeout on endpoint URL")]:
            with self.subTest(error=error):
                event = {**self.event("a" * 16, request="Delete"), "PhysicalResourceId": "not-installed"}
                answer, _ = self.dispatch(event, FakeLambda(error), stack_status="ROLLBACK_IN_PROGRESS")
                self.assertEqual((answer["Status"], answer["PhysicalResourceId"]), ("SUCCESS", "not-installed"))
                self.assertIn(f"nothing was deleted (the install function gave no answer: {dispatcher.error_code(error)}", answer["Reason"])

    def test_a_delete_cloudformation_cannot_confirm_to_the_install_function_drops_nothing(self):
        self.assertEqual(self.dispatch(self.event("a" * 16), FakeLambda(self.install_function))[0]["Status"], "SUCCESS")
        event = {**self.event("a" * 16, request="Delete"), "PhysicalResourceId": "fs-1:fsap-1:Deps"}
        answer, _ = self.dispatch(event, FakeLambda(self.install_function), stack_status="DELETE_IN_PROGRESS")
        self.assertEqual(answer["Status"], "SUCCESS")
        self.assertIn("nothing dropped: CloudFormation could not confirm the deletion", answer["Reason"])
        self.assertEqual(self.sets(), ["a" * 16])

    def test_the_rollbacks_update_succeeds_when_the_install_function_cannot_run_and_only_then(self):
        """An Update that failed is rolled back with an Update carrying the previous properties: it must succeed too."""
        event = {**self.event("a" * 16, request="Update"), "PhysicalResourceId": "fs-1:fsap-1:" + "a" * 16}
        answer, _ = self.dispatch(event, FakeLambda(ClientError("EFSMountConnectivityException", "no route")), stack_status="UPDATE_ROLLBACK_IN_PROGRESS")
        self.assertEqual((answer["Status"], answer["PhysicalResourceId"]), ("SUCCESS", "fs-1:fsap-1:" + "a" * 16))
        self.assertIn("rollback: the install function gave no answer: EFSMountConnectivityException", answer["Reason"])
        for status in ("UPDATE_IN_PROGRESS", ClientError("AccessDenied", "not authorized to perform: cloudformation:DescribeStacks")):
            with self.subTest(status=status):
                answer, _ = self.dispatch(event, FakeLambda(ClientError("EFSMountConnectivityException", "no route")), stack_status=status)
                self.assertEqual(answer["Status"], "FAILED")

    def test_an_install_function_lambda_made_inactive_is_waited_for_and_invoked_again(self):
        fake = FakeLambda(ClientError("ResourceNotReadyException", "The function is inactive"), self.install_function, states=["Pending", "Pending", "Active"])
        answer, _ = self.dispatch(self.event("a" * 16), fake)
        self.assertEqual(answer["Status"], "SUCCESS", answer["Reason"])
        self.assertEqual(len(fake.invocations), 2)
        self.assertEqual(fake.states, [])
        # One wait after each Pending, every ACTIVE_POLL_SECONDS, through the handler's sleep.
        self.assertEqual(self.sleeps, [dispatcher.ACTIVE_POLL_SECONDS] * 2)

    def test_without_the_sdk_a_create_fails_naming_it_and_a_delete_still_succeeds(self):
        def no_sdk(read_timeout):
            raise ModuleNotFoundError("No module named 'boto3'")

        for request, expected in (("Create", "FAILED"), ("Delete", "SUCCESS")):
            with self.subTest(request), ResponseUrl() as url:
                event = {**self.event("a" * 16, request=request), "PhysicalResourceId": "p1", "ResponseURL": url.url}
                dispatcher.handler(event, Context(60), clients=no_sdk)
                answer = json.loads(url.received[0])
                self.assertEqual(answer["Status"], expected)
                self.assertIn("ModuleNotFoundError: No module named 'boto3'", answer["Reason"])

    def test_an_answer_that_is_not_one_fails_the_create(self):
        answer, _ = self.dispatch(self.event("a" * 16), FakeLambda(lambda payload: {"Status": "MAYBE"}))
        self.assertEqual(answer["Status"], "FAILED")
        self.assertIn("UnreadableAnswer", answer["Reason"])

    def test_the_invoke_waits_longer_than_the_install_function_runs_and_leaves_time_to_answer(self):
        timeouts = []
        with ResponseUrl() as url:
            dispatcher.handler({**self.event("a" * 16), "ResponseURL": url.url}, Context(900),
                               clients=lambda read_timeout: (timeouts.append(read_timeout) or FakeLambda(self.install_function), FakeCloudFormation("")))
        (read_timeout,) = timeouts
        # The construct gives the dispatcher one margin more than the install function; half of it is kept to answer.
        self.assertEqual(dispatcher.MARGIN_SECONDS, installer.MARGIN_SECONDS)
        self.assertAlmostEqual(read_timeout, 900 - dispatcher.MARGIN_SECONDS / 2, delta=1)
        self.assertGreater(read_timeout, 900 - dispatcher.MARGIN_SECONDS)


class ResponseSize(unittest.TestCase):
    """CloudFormation accepts a response body of at most 4096 bytes (CloudFormation User Guide, custom resource response objects)."""

    EVENT = {"StackId": STACK, "RequestId": "8c1b9f5e-7c4f-4bb4-9d52-8a5c3f7e2d10", "LogicalResourceId": "DependenciesInstall0A1B2C3D"}

    def test_a_reason_full_of_multi_byte_characters_is_cut_by_bytes_keeping_its_start_and_end(self):
        pip_output = "Install of set aaaa failed: pip install ... exited 1: " + "É漢😀 " * 2000 + "ERROR: No matching distribution found for torch==2.6.0+cpu"
        body = dispatcher.response_body(self.EVENT, "FAILED", pip_output, "fs-1:fsap-1:" + "a" * 16, {})
        self.assertLessEqual(len(body), dispatcher.MAX_RESPONSE_BYTES)
        self.assertGreater(len(body), dispatcher.MAX_RESPONSE_BYTES - 8)  # cut at the limit, not far below it
        answer = json.loads(body.decode("utf-8"))
        self.assertTrue(answer["Reason"].startswith("Install of set aaaa failed: pip install ... exited 1: É漢😀"))
        self.assertTrue(answer["Reason"].endswith("No matching distribution found for torch==2.6.0+cpu"))
        self.assertEqual(answer["Status"], "FAILED")
        self.assertEqual(answer["LogicalResourceId"], self.EVENT["LogicalResourceId"])

    def test_what_the_installer_cut_by_characters_would_overflow(self):
        """The old cut, 3500 characters, gives a body of several times 4096 bytes with such output."""
        reason = "😀" * 3500
        self.assertGreater(len(json.dumps({"Reason": reason[:3500]}).encode()), dispatcher.MAX_RESPONSE_BYTES)
        self.assertLessEqual(len(dispatcher.response_body(self.EVENT, "FAILED", reason, "p", {})), dispatcher.MAX_RESPONSE_BYTES)

    def test_a_short_reason_and_a_lone_surrogate_are_sent_as_they_are_or_replaced(self):
        self.assertEqual(json.loads(dispatcher.response_body(self.EVENT, "SUCCESS", "set installed", "p", {"SetId": "a"}))["Reason"], "set installed")
        self.assertEqual(json.loads(dispatcher.response_body(self.EVENT, "FAILED", "bad \udcff byte", "p", {}))["Reason"], "bad ? byte")

    def test_the_answer_on_the_response_url_is_at_most_4096_bytes(self):
        received = []
        with ResponseUrl() as url:
            dispatcher.send_response({**self.EVENT, "ResponseURL": url.url}, "FAILED", "ü" * 10000, "p", {})
            received = url.received
        (body,) = received
        self.assertLessEqual(len(body), dispatcher.MAX_RESPONSE_BYTES)


if __name__ == "__main__":
    unittest.main()
