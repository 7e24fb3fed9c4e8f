"""Tests of lambda_calls.py, the Lambda API calls the dispatcher and the install function share.

Their callers' tests drive them through real invocations (test_dispatcher.py: the dispatcher waits for
an install function Lambda is re-activating; test_installer.py: the install function waits for the
warm-up function); these pin what both rely on, against a fake Lambda client.
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lambda_calls  # noqa: E402


class ClientError(Exception):
    """What botocore raises for an error the API returns: the code is in ``response['Error']['Code']``."""

    def __init__(self, code, message):
        super().__init__(f"An error occurred ({code}) when calling the Invoke operation: {message}")
        self.response = {"Error": {"Code": code, "Message": message}}


class States:
    """GetFunctionConfiguration answering ``states`` in turn."""

    def __init__(self, *states):
        self.states = list(states)
        self.asked = []

    def get_function_configuration(self, FunctionName):  # noqa: N803  (the API's spelling)
        self.asked.append(FunctionName)
        return {"FunctionName": FunctionName, "State": self.states.pop(0)}


class ErrorCode(unittest.TestCase):
    def test_the_api_error_code_of_a_client_error(self):
        self.assertEqual(lambda_calls.error_code(ClientError("EFSMountFailureException", "mount failed")), "EFSMountFailureException")

    def test_the_type_of_any_other_error(self):
        self.assertEqual(lambda_calls.error_code(TimeoutError("read timed out")), "TimeoutError")
        no_code = ClientError("x", "y")
        no_code.response = {"Error": {}}
        self.assertEqual(lambda_calls.error_code(no_code), "ClientError")
        no_code.response = "not a dict"
        self.assertEqual(lambda_calls.error_code(no_code), "ClientError")


class WaitUntilActive(unittest.TestCase):
    def test_waits_poll_seconds_between_looks_until_active(self):
        client, sleeps = States("Pending", "Pending", "Active"), []
        self.assertTrue(lambda_calls.wait_until_active(client, "fn", time.monotonic() + 60, 7, sleeps.append))
        self.assertEqual(sleeps, [7, 7])
        self.assertEqual(client.asked, ["fn"] * 3)

    def test_a_failed_function_is_not_waited_for(self):
        client, sleeps = States("Pending", "Failed"), []
        self.assertFalse(lambda_calls.wait_until_active(client, "fn", time.monotonic() + 60, 5, sleeps.append))
        self.assertEqual(sleeps, [5])

    def test_stops_at_the_deadline(self):
        client = States()
        self.assertFalse(lambda_calls.wait_until_active(client, "fn", time.monotonic() - 1, 5, lambda seconds: None))
        self.assertEqual(client.asked, [])


if __name__ == "__main__":
    unittest.main()
