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


class StreamingBody:
    """The streaming body boto3 returns as ``response['Payload']``."""

    def __init__(self, data):
        self.data = data

    def read(self):
        return self.data


class Invokes(States):
    """Invoke raising each of ``errors`` in turn (None: answer ``{"ok": true}``), GetFunctionConfiguration ``states``."""

    def __init__(self, errors, *states):
        super().__init__(*states)
        self.errors = list(errors)
        self.invoked = []

    def invoke(self, FunctionName, InvocationType, Payload):  # noqa: N803  (the API's spelling)
        self.invoked.append((FunctionName, InvocationType, Payload))
        error = self.errors.pop(0)
        if error:
            raise error
        return {"StatusCode": 200, "Payload": StreamingBody(b'{"ok": true}')}


class InvokeSynchronously(unittest.TestCase):
    def invoke(self, client, clients=None):
        def client_for_attempt():
            if clients is not None:
                clients.append(client)
            return client

        return lambda_calls.invoke_synchronously(client_for_attempt, "fn", b"{}", time.monotonic() + 60, 5, lambda seconds: None)

    def test_one_request_response_invoke_when_it_answers(self):
        client = Invokes([None])
        response, body = self.invoke(client)
        self.assertEqual((response["StatusCode"], body), (200, b'{"ok": true}'))
        self.assertEqual(client.invoked, [("fn", "RequestResponse", b"{}")])

    def test_a_function_being_reactivated_is_waited_for_and_invoked_once_more_with_a_new_client(self):
        client, clients = Invokes([ClientError("ResourceNotReadyException", "Pending"), None], "Pending", "Active"), []
        self.assertEqual(self.invoke(client, clients)[1], b'{"ok": true}')
        self.assertEqual(len(client.invoked), 2)
        self.assertEqual(len(clients), 2)
        self.assertEqual(client.asked, ["fn", "fn"])

    def test_any_other_error_is_raised_at_once_and_a_second_not_ready_after_the_wait_too(self):
        client = Invokes([ClientError("EFSMountFailureException", "mount failed")])
        with self.assertRaises(ClientError):
            self.invoke(client)
        self.assertEqual(len(client.invoked), 1)
        twice = Invokes([ClientError("ResourceConflictException", "Pending"), ClientError("ResourceConflictException", "Pending")], "Active")
        with self.assertRaises(ClientError):
            self.invoke(twice)
        self.assertEqual(len(twice.invoked), 2)

    def test_a_function_that_failed_to_reactivate_is_not_invoked_again(self):
        client = Invokes([ClientError("ResourceNotReadyException", "Pending")], "Failed")
        with self.assertRaises(ClientError):
            self.invoke(client)
        self.assertEqual(len(client.invoked), 1)


class FunctionError(unittest.TestCase):
    def test_none_when_the_function_answered(self):
        self.assertIsNone(lambda_calls.function_error({"StatusCode": 200}, b'{"Status": "SUCCESS"}'))

    def test_the_error_type_and_message_a_handler_raised(self):
        body = b'{"errorType": "InstallError", "errorMessage": "pip failed", "stackTrace": []}'
        self.assertEqual(lambda_calls.function_error({"FunctionError": "Unhandled"}, body), ("InstallError", "pip failed"))

    def test_the_function_error_and_the_text_of_a_payload_that_is_no_error_object(self):
        self.assertEqual(lambda_calls.function_error({"FunctionError": "Unhandled"}, b"Runtime exited"), ("Unhandled", "Runtime exited"))
        self.assertEqual(lambda_calls.function_error({"FunctionError": "Unhandled"}, b"[1]"), ("Unhandled", "[1]"))
        self.assertEqual(lambda_calls.function_error({"FunctionError": "Unhandled"}, b'{"errorMessage": "x"}'), ("Unhandled", "x"))


if __name__ == "__main__":
    unittest.main()
