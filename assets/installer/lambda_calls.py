"""What the dispatcher and the install function share when they invoke another function: standard library only.

The dispatcher (dispatcher.py) invokes the install function, and the install function (installer.py)
invokes the warm-up function, both synchronously through the runtime's boto3 (Lambda API Reference,
Invoke). Both name the error of a failed call the same way (``error_code``), and both wait, once, for a
function Lambda is re-activating (``wait_until_active``). The Lambda client is the caller's: nothing
here imports boto3, so the tests run without it.

This file is part of both functions' code: the install function's per-installer asset lists it
(``INSTALL_FUNCTION_FILES`` in src/efs-dependency-installer.ts) and the dispatcher's asset is this
directory without the install function's own files.
"""

import time


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
    Pending until its network interfaces are recreated (Lambda Developer Guide, "Lambda function states"). Its state is read with GetFunctionConfiguration every ``poll_seconds``, slept with
    ``sleep``, until ``deadline`` (a ``time.monotonic()`` value).
    """
    while time.monotonic() < deadline:
        state = lambda_client.get_function_configuration(FunctionName=function_name).get("State")
        if state == "Active":
            return True
        if state == "Failed":
            return False
        sleep(poll_seconds)
    return False
