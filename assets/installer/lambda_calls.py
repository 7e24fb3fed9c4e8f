"""What the dispatcher and the install function share when they invoke another function: standard library only.

The dispatcher (dispatcher.py) invokes the install function, and the install function (installer.py)
invokes the warm-up function, both synchronously through the runtime's boto3 (Lambda API Reference,
Invoke), with ``invoke_synchronously``: it waits, once, for a function Lambda is re-activating. Both
name the error of a failed call the same way (``error_code``) and read a function's error the same way
(``function_error``). The Lambda client is the caller's: nothing here imports boto3, so the tests run
without it.

This file is part of both functions' code: the install function's per-installer asset lists it
(``INSTALL_FUNCTION_FILES`` in src/efs-dependency-installer.ts) and the dispatcher's asset is this
directory without the install function's own files.
"""

import json
import time

#: The Invoke errors of a function Lambda is re-activating (Lambda API Reference, Invoke, Errors; Lambda
#: Developer Guide, "Lambda function states"): worth one more try once it is Active.
NOT_READY_ERRORS = ("ResourceNotReadyException", "ResourceConflictException")


def error_code(error):
    """The AWS error code of a botocore ClientError (``response['Error']['Code']``), else the exception's type."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        if code:
            return code
    return type(error).__name__


def wait_until_active(lambda_client, function_name, deadline, poll_seconds, sleep=time.sleep):
    """Wait for Lambda to re-activate the function (Pending -> Active); False at the deadline or when it fails.

    A VPC function idle for long enough becomes Inactive; the next invocation fails and Lambda sets it
    Pending until its network interfaces are recreated (Lambda Developer Guide, "Lambda function states").
    Its state is read with GetFunctionConfiguration every ``poll_seconds``, slept with ``sleep``, until
    ``deadline`` (a ``time.monotonic()`` value).
    """
    while time.monotonic() < deadline:
        state = lambda_client.get_function_configuration(FunctionName=function_name).get("State")
        if state == "Active":
            return True
        if state == "Failed":
            return False
        sleep(poll_seconds)
    return False


def invoke_synchronously(client_for_attempt, function_name, payload, deadline, poll_seconds, sleep=time.sleep):
    """Invoke ``function_name`` with ``payload`` (RequestResponse) and return ``(response, body)``.

    ``client_for_attempt()`` gives the Lambda client of each attempt (a caller may size its read timeout to
    the time left, or refuse to start one). When Lambda answers that the function is being re-activated
    (``NOT_READY_ERRORS``), wait until it is Active (``wait_until_active``) and invoke once more; any other
    error, or the second attempt's, is raised as it came.
    """

    def invoke(client):
        response = client.invoke(FunctionName=function_name, InvocationType="RequestResponse", Payload=payload)
        return response, response["Payload"].read()

    client = client_for_attempt()
    try:
        return invoke(client)
    except Exception as error:
        if error_code(error) not in NOT_READY_ERRORS or not wait_until_active(client, function_name, deadline, poll_seconds, sleep):
            raise
    return invoke(client_for_attempt())


def function_error(response, body):
    """``(name, message)`` of the error the invoked function ended with, or None when it answered.

    Lambda sets ``FunctionError`` and returns the error as the payload, ``{"errorType": ..., "errorMessage":
    ...}`` for a handler that raised (Lambda API Reference, Invoke, Response Syntax); a payload that is not
    that JSON (the runtime stopped) is given as text.
    """
    if not response.get("FunctionError"):
        return None
    try:
        detail = json.loads(body)
        return detail.get("errorType") or response["FunctionError"], detail.get("errorMessage", "")
    except (ValueError, AttributeError):
        return response["FunctionError"], body.decode("utf-8", "replace")
