"""EfsDependencyInstaller's dispatcher: the custom resource's service token.

CloudFormation invokes this function (asynchronously, Lambda Developer Guide, "Using AWS Lambda
with CloudFormation") with the request and a pre-signed response URL. It mounts nothing, so it
runs even when the file system cannot be mounted. It invokes the install function synchronously
(RequestResponse: Lambda does not retry it, and no event-invoke configuration is involved), and
answers CloudFormation itself:

- Create, Update: the install function's answer; or FAILED naming the error when the install
  function did not answer (mount failures such as EFSMountFailureException, a timeout, ...).
- Delete: SUCCESS, whatever happens. On a Delete that CloudFormation confirms (DescribeStackResource),
  the install function drops the installer's history and removes the sets no installer names any
  more; when it cannot run, the history stays and so do the sets it names (the file system outlives
  the stack): answering SUCCESS then loses nothing but their collection, and a rollback (a Delete
  after a failed Create) never ends in ROLLBACK_FAILED.
- Update while the stack is rolling back (UPDATE_ROLLBACK_IN_PROGRESS): the rollback's Update
  carries the previous inputs, whose set the previous deployment installed and the cleanup
  kept; if the install function cannot confirm it, the answer is SUCCESS with the reason, so
  the rollback completes (UPDATE_ROLLBACK_COMPLETE) instead of ending in
  UPDATE_ROLLBACK_FAILED. That is what an operator would do by hand with
  ContinueUpdateRollback --resources-to-skip; the reason is in the stack's events.

Every answer fits CloudFormation's 4096-byte limit on the response body (CloudFormation User
Guide, "Custom resource response objects"): the reason is cut by bytes, never by characters.
"""

import json
import os
import time
import urllib.request

# Shared with the install function, which invokes the warm-up function as this invokes it (lambda_calls.py).
from lambda_calls import error_code, function_error, invoke_synchronously

HERE = os.path.dirname(os.path.abspath(__file__))
#: The one deadline margin, shared with the construct (which gives this function that much more time than the
#: install function) and the install function.
with open(os.path.join(HERE, "deadline-margin.json")) as _margin:
    MARGIN_SECONDS = float(json.load(_margin)["marginSeconds"])

#: CloudFormation's limit on the whole JSON response body, in bytes.
MAX_RESPONSE_BYTES = 4096
#: Seconds kept back from the invocation's remaining time to answer CloudFormation: half the margin, so
#: that the Invoke still waits half a margin longer than the install function may run.
RESPONSE_SECONDS = MARGIN_SECONDS / 2
#: Seconds to wait between looks at an install function Lambda is re-activating.
ACTIVE_POLL_SECONDS = 5
#: How much of the start of a reason survives a cut (the rest is its end: pip's last lines).
REASON_HEAD_CHARS = 300
CUT = " [...] "

#: Where the answer is logged (the function's log); tests silence it.
log = print


class InvokeFailed(Exception):
    """The install function did not run to an answer; ``name`` is the error code or type."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}" if message else name)
        self.name = name


# ---------------------------------------------------------------- invoking the install function


def invoke_install(lambda_client, function_name, event, deadline, sleep=time.sleep):
    """Invoke the install function synchronously with ``event``; return its (status, reason, physical id, data).

    Raise InvokeFailed when it gives no answer: an error of the Invoke API (the EFS mount errors
    EFSMountFailureException, EFSMountConnectivityException, EFSMountTimeoutException, EFSIOException,
    throttling, ... (Lambda API Reference, Invoke, Errors)), an error of the function (it timed out,
    ran out of memory, raised), or an answer that is not one.
    """
    # The install function answers the dispatcher, not CloudFormation: it never sees the response URL.
    payload = json.dumps({k: v for k, v in event.items() if k != "ResponseURL"}).encode()
    try:
        response, body = invoke_synchronously(lambda: lambda_client, function_name, payload, deadline, ACTIVE_POLL_SECONDS, sleep)
    except Exception as error:  # noqa: BLE001  (every failure is named in the answer)
        raise InvokeFailed(error_code(error), str(error)) from None
    failure = function_error(response, body)
    if failure:
        raise InvokeFailed(*failure)
    try:
        answer = json.loads(body)
        status, reason, physical, data = answer["Status"], answer["Reason"], answer["PhysicalResourceId"], answer["Data"]
        if status not in ("SUCCESS", "FAILED") or not isinstance(reason, str) or not isinstance(physical, str) or not isinstance(data, dict):
            raise ValueError(answer)
    except (ValueError, KeyError, TypeError):
        raise InvokeFailed("UnreadableAnswer", body.decode("utf-8", "replace")[:500]) from None
    return status, reason, physical, data


def stack_status(cloudformation_client, stack_id):
    """The stack's status (CloudFormation API Reference, DescribeStacks), or the error that prevented reading it."""
    try:
        return cloudformation_client.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
    except Exception as error:  # noqa: BLE001
        return f"unknown ({error_code(error)}: {error})"


# ---------------------------------------------------------------- deciding the answer


def dispatch(event, invoke, status_of_stack):
    """The answer to CloudFormation for ``event``: (status, reason, physical id, data). Never raises."""
    request = event.get("RequestType")
    previous = event.get("PhysicalResourceId")
    try:
        status, reason, physical, data = invoke(event)
    except InvokeFailed as failed:
        status, reason, physical, data = "FAILED", f"the install function gave no answer: {failed}", previous or "not-installed", {}
    except Exception as failed:  # noqa: BLE001
        status, reason, physical, data = "FAILED", f"the install function could not be invoked: {error_code(failed)}: {failed}", previous or "not-installed", {}
    if status == "SUCCESS":
        return status, reason, physical, data
    if request == "Delete":
        # Safe: a Delete the install function could not answer leaves the installer's history, and the sets it names,
        # on the file system (which outlives the stack): nothing a function uses is lost.
        return "SUCCESS", f"nothing was deleted ({reason}); the sets stay on the file system, named by this installer's history", previous or "none", {}
    if request == "Update":
        stack = status_of_stack()
        if stack == "UPDATE_ROLLBACK_IN_PROGRESS":
            return ("SUCCESS", f"rollback: {reason}; answered SUCCESS so that the rollback completes: the functions roll back to the "
                    "previous set, which the previous deployment installed and the cleanup keeps (check it if this says otherwise)", previous, {})
        if not stack.startswith("UPDATE_"):
            reason = f"{reason} (stack status: {stack})"
    return "FAILED", reason, physical or previous or "not-installed", {}


# ---------------------------------------------------------------- answering CloudFormation


def response_body(event, status, reason, physical, data):
    """The JSON response, UTF-8, at most MAX_RESPONSE_BYTES: the reason is cut by bytes (its start and its end kept)."""

    def body(text):
        return json.dumps({
            "Status": status,
            "Reason": text,
            "PhysicalResourceId": physical,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data or {},
        }, ensure_ascii=False).encode("utf-8")

    # Lone surrogates cannot be encoded in UTF-8: replace them first.
    reason = reason.encode("utf-8", "replace").decode("utf-8")
    if len(body(reason)) <= MAX_RESPONSE_BYTES:
        return body(reason)

    def cut(kept):
        head = min(REASON_HEAD_CHARS, kept // 2)
        return reason[:head] + CUT + reason[len(reason) - (kept - head):]

    low, high = 0, len(reason)  # the most characters kept such that the body fits: search it
    while low < high:
        middle = (low + high + 1) // 2
        if len(body(cut(middle))) <= MAX_RESPONSE_BYTES:
            low = middle
        else:
            high = middle - 1
    return body(cut(low))


def send_response(event, status, reason, physical, data, opener=urllib.request.urlopen):
    """PUT the answer on the pre-signed response URL (an empty Content-Type, as the URL was signed without one)."""
    body = response_body(event, status, reason, physical, data)
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT",
                                     headers={"Content-Type": "", "Content-Length": str(len(body))})
    with opener(request, timeout=10) as response:
        response.read()


def aws_clients(read_timeout):
    """Lambda and CloudFormation clients of the runtime's boto3 (the Lambda Python runtimes include it:
    Lambda Developer Guide, "Building Lambda functions with Python").

    The Invoke waits up to ``read_timeout`` (botocore's default is 60 s, and it retries a request that
    timed out: AWS Knowledge Center, "lambda-function-retry-timeout-sdk"), and is never retried: a
    retry would start a second install while the first still runs.
    """
    import boto3  # noqa: PLC0415  (imported here so that the tests run without it)
    from botocore.config import Config  # noqa: PLC0415

    invoke_config = Config(connect_timeout=10, read_timeout=read_timeout, retries={"total_max_attempts": 1})
    return boto3.client("lambda", config=invoke_config), boto3.client("cloudformation", config=Config(connect_timeout=10, read_timeout=20))


class Unavailable:
    """Stands for a client that could not be made: every call raises the error that prevented it."""

    def __init__(self, error):
        self.error = error

    def __getattr__(self, name):
        def fail(**kwargs):
            raise self.error
        return fail


def handler(event, context, clients=aws_clients, opener=urllib.request.urlopen, sleep=time.sleep):
    """Lambda entry point: CloudFormation's request in, CloudFormation's answer out on the response URL."""
    remaining = context.get_remaining_time_in_millis() / 1000 - RESPONSE_SECONDS
    deadline = time.monotonic() + remaining
    try:
        lambda_client, cloudformation_client = clients(max(1.0, remaining))
    except Exception as error:  # noqa: BLE001  (no SDK: still answer, so that a rollback's Delete succeeds)
        lambda_client = cloudformation_client = Unavailable(error)
    function_name = os.environ["INSTALL_FUNCTION_NAME"]
    status, reason, physical, data = dispatch(
        event,
        lambda e: invoke_install(lambda_client, function_name, e, deadline, sleep),
        lambda: stack_status(cloudformation_client, event["StackId"]),
    )
    log(json.dumps({"RequestType": event.get("RequestType"), "Status": status, "Reason": reason}))
    send_response(event, status, reason, physical, data, opener)
