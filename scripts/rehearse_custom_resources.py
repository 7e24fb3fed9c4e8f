"""Deploy rehearsal, offline: drive custom resource handlers with the requests CloudFormation sends.

test/deploy-rehearsal.test.ts synthesizes the example stacks, builds a plan (the functions behind
each custom resource's ServiceToken, the CloudFormation scenarios, the local mirror of the package
index and model hosts) and runs this script on it:

    /usr/bin/python3 scripts/rehearse_custom_resources.py PLAN.json REPORT.json

What it models, and where AWS documents it:

- The request objects: CloudFormation User Guide, "Custom resource request objects" (crpg-ref-requests)
  and the request types Create, Update, Delete (crpg-ref-requesttypes-create, -update, -delete):
  RequestType, ResponseURL (a pre-signed URL), StackId, RequestId, ResourceType, LogicalResourceId,
  ResourceProperties (every scalar a string, ServiceToken included), and for Update and Delete
  PhysicalResourceId; for Update, OldResourceProperties. The plan carries the properties already
  stringified; this script adds the ResponseURL and the physical id CloudFormation would send.
- The response: "Custom resource response objects" (crpg-ref-responses): one PUT of a JSON body of
  at most 4096 bytes to the ResponseURL with Status, PhysicalResourceId, StackId, RequestId,
  LogicalResourceId (Reason when FAILED, optional Data). The ResponseURL here is an http server on
  127.0.0.1 that records every PUT; the test asserts on them.
- Physical ids: an Update that answers a different PhysicalResourceId is a replacement, and
  CloudFormation then sends a Delete of the old id in the cleanup phase (crpg-ref-requesttypes-update,
  -delete). A rollback of an update sends an Update with the old properties back (OldResourceProperties
  the new ones); a failed Create is rolled back with a Delete of the id the FAILED answer named
  ("DeletionPolicy attribute"; "Stack failure options").
- How Lambda runs a handler: Lambda Developer Guide, "Define Lambda function handler in Python" and
  "Using the Lambda context object in Python" (function_name, memory_limit_in_mb, aws_request_id,
  get_remaining_time_in_millis, ...), "Using Lambda environment variables" (the reserved variables).
  Each invocation is a separate Python process (Debian's /usr/bin/python3), with the function's code
  (its synthesized asset directory) first on sys.path, its environment from the template, and the
  EFS mount path replaced by a local folder that stands for the access point. It is killed at the
  function's Timeout. A function whose role may mount but not write (``ClientMount`` without
  ``ClientWrite``: EFS gives such a client read-only access, EFS User Guide, "Using IAM to control
  access to file systems") sees that folder through a read-only bind mount, in a mount namespace of
  its own (``unshare --map-root-user --mount``): every write below it fails, as on EFS.
- CloudFormation invokes the ServiceToken function asynchronously (Lambda Developer Guide, "Using AWS
  Lambda with AWS CloudFormation"): its return value goes nowhere; only the PUT counts.
- When the ServiceToken function calls other functions through the Lambda API (a dispatcher, and the
  install function calling the warm-up function), its boto3 is replaced by a test double of the Lambda API (and of CloudFormation's DescribeStacks) that
  runs the called function's real handler locally in its own process, with the payload Lambda
  would pass (Lambda API Reference, "Invoke": RequestResponse answers Payload, FunctionError
  "Unhandled" with errorType/errorMessage when the function raised or timed out). The called
  function gets the same test double (CloudFormation's DescribeStackResource answers the resource's
  status as CloudFormation would during the step: DELETE_IN_PROGRESS during a Delete, with the
  physical id CloudFormation holds).
- A function's code is part of a deployment: a step may deploy new code for a function before its
  request is sent (a new manifest.json beside the synthesized code of the install function), as
  CloudFormation updates a function before the custom resource that depends on it, in an update and
  in its rollback. Every https URL in such a manifest is rewritten to the mirror, as in properties.

Nothing here talks to AWS. The package index and the model hosts are served by an https server on
127.0.0.1 with a self-signed certificate made for the run (pip trusts it through PIP_CERT, urllib
through SSL_CERT_FILE); every https URL in the properties is rewritten to it, keeping host and path
(https://HOST/PATH -> https://127.0.0.1:PORT/HOST/PATH), and the report lists each rewrite.
"""

import base64
import hashlib
import html
import http.server
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import zipfile

HERE = os.path.abspath(__file__)
ACCOUNT = "123456789012"
REGION = "eu-west-1"


# ---------------------------------------------------------------- the child: one Lambda invocation


class Context:
    """The Lambda context object (Lambda Developer Guide, "Using the Lambda context object in Python")."""

    def __init__(self, function, request_id):
        self._deadline = time.monotonic() + function["timeout"]
        self.function_name = function["name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = function["arn"]
        self.memory_limit_in_mb = str(function.get("memorySize", 128))
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function['name']}"
        self.log_stream_name = f"2026/01/01/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def child_main(spec_path):
    """Run one handler: the spec names the function, the event and where to write the result."""
    with open(spec_path) as handle:
        spec = json.load(handle)
    function = spec["function"]
    # As Lambda's runtime: the function's code first on sys.path, and not this harness's own directory (scripts/), which
    # Python put there for this script; a module the function's code lacks is then missing here too.
    harness = os.path.realpath(os.path.dirname(HERE))
    sys.path[:] = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != harness]
    sys.path.insert(0, function["assetDir"])
    if spec.get("fakeSdk"):
        sys.path.insert(1, spec["fakeSdk"]["dir"])
        import boto3  # noqa: PLC0415  (the test double written by write_fake_sdk)
        boto3.rehearsal_configure(spec["fakeSdk"])
    module_name, function_name = function["handler"].rsplit(".", 1)
    result = {}
    try:
        module = __import__(module_name)
        handler = getattr(module, function_name)
        value = handler(json.loads(json.dumps(spec["event"])), Context(function, spec["requestId"]))
        try:
            result = {"ok": True, "value": json.loads(json.dumps(value))}
        except (TypeError, ValueError) as error:
            result = {"ok": False, "errorType": "Runtime.MarshalError", "errorMessage": f"Unable to marshal response: {error}"}
    except Exception as error:  # noqa: BLE001  (Lambda reports it as a function error)
        result = {"ok": False, "errorType": type(error).__name__, "errorMessage": str(error),
                  "stackTrace": traceback.format_exc().splitlines()[-10:]}
    with open(spec["resultPath"], "w") as handle:
        json.dump(result, handle)


# ---------------------------------------------------------------- running an invocation in its own process


def function_environment(function, mount_folders, extra):
    """The environment Lambda gives the function: reserved variables, the template's, the mount path replaced."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function['runtime']}",
        "AWS_LAMBDA_FUNCTION_NAME": function["name"],
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.get("memorySize", 128)),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function['name']}",
        "LAMBDA_TASK_ROOT": function["assetDir"],
        **extra,
    }
    replaced = []
    mount = function.get("mountPath")
    for name, value in function.get("environment", {}).items():
        if mount and (value == mount or value.startswith(mount + "/")):
            value = mount_folders[function["accessPoint"]] + value[len(mount):]
            replaced.append(name)
        env[name] = value
    return env, replaced


def run_function(function, event, work, mount_folders, extra_env, fake_sdk=None):
    """Invoke ``function`` with ``event`` in a new process; return what happened (result, seconds, timed out, log)."""
    run_id = uuid.uuid4().hex[:12]
    spec_path = os.path.join(work, "invocations", f"{run_id}.json")
    result_path = os.path.join(work, "invocations", f"{run_id}.result.json")
    log_path = os.path.join(work, "invocations", f"{run_id}.log")
    os.makedirs(os.path.dirname(spec_path), exist_ok=True)
    env, replaced = function_environment(function, mount_folders, extra_env)
    spec = {"function": function, "event": event, "requestId": str(uuid.uuid4()), "resultPath": result_path}
    if fake_sdk:
        spec["fakeSdk"] = fake_sdk
    with open(spec_path, "w") as handle:
        json.dump(spec, handle)
    started = time.monotonic()
    timed_out = False
    command = [sys.executable, HERE, "--invoke", spec_path]
    read_only = bool(function.get("readOnlyMount") and function.get("accessPoint"))
    if read_only:
        # The folder standing for the access point, read-only for this process and its children only.
        command = ["unshare", "--map-root-user", "--mount", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"',
                   mount_folders[function["accessPoint"]], *command]
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=function["assetDir"], start_new_session=True)
        try:
            process.wait(timeout=function["timeout"])
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
            timed_out = True
    seconds = time.monotonic() - started
    with open(log_path, errors="replace") as handle:
        output = handle.read()
    result = None
    if os.path.exists(result_path):
        with open(result_path) as handle:
            result = json.load(handle)
    return {"function": function["name"], "result": result, "seconds": round(seconds, 3), "timeout": function["timeout"],
            "timedOut": timed_out, "exitCode": process.returncode, "log": output[-3000:], "mountVariables": replaced, "readOnlyMount": read_only}


# ---------------------------------------------------------------- the test double of the AWS SDK (Lambda API only)


FAKE_BOTO3 = r'''
"""Test double of boto3 for the deploy rehearsal: the Lambda API's Invoke runs the named function's
real handler locally (scripts/rehearse_custom_resources.py), DescribeStacks answers the stack
status of the rehearsed step. Nothing else exists."""
import io
import json
import subprocess
import sys
import time

from botocore.exceptions import ClientError, ReadTimeoutError

_CONFIG = {}


def rehearsal_configure(config):
    _CONFIG.update(config)


def _record(entry):
    with open(_CONFIG["callLog"], "a") as handle:
        handle.write(json.dumps(entry) + "\n")


class _Body:
    def __init__(self, data):
        self._stream = io.BytesIO(data)

    def read(self, *args):
        return self._stream.read(*args)


class _Lambda:
    def __init__(self, config):
        self._config = config

    def _function(self, name):
        for function in _CONFIG["functions"].values():
            if name in (function["name"], function["arn"]):
                return function
        raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": f"Function not found: {name}"}}, "Invoke")

    def get_function_configuration(self, FunctionName):
        self._function(FunctionName)
        return {"State": "Active", "FunctionName": FunctionName}

    def invoke(self, FunctionName, InvocationType="RequestResponse", Payload=b"", **kwargs):
        function = self._function(FunctionName)
        if InvocationType != "RequestResponse":
            raise NotImplementedError(f"the rehearsal models RequestResponse only (got {InvocationType})")
        payload = Payload.encode() if isinstance(Payload, str) else bytes(Payload)
        event = json.loads(payload)
        if _CONFIG.get("invokeError"):
            # The Invoke API's own error (Lambda API Reference, Invoke, Errors), such as EFSMountFailureException: the function never ran.
            code = _CONFIG["invokeError"]
            _record({"api": "Lambda.Invoke", "FunctionName": FunctionName, "InvocationType": InvocationType, "event": event,
                     "readTimeout": self._config.get("read_timeout"), "retries": self._config.get("retries"), "error": code})
            raise ClientError({"Error": {"Code": code, "Message": f"rehearsal: the Lambda API answers {code}"},
                               "ResponseMetadata": {"HTTPStatusCode": 403}}, "Invoke")
        started = time.monotonic()
        run = subprocess.run([sys.executable, _CONFIG["harness"], "--invoke-from-sdk", json.dumps(
            {"function": function["logicalId"], "event": event, "plan": _CONFIG["plan"], "fakeSdk": _CONFIG})],
            capture_output=True, text=True)
        outcome = json.loads(run.stdout.strip().splitlines()[-1])
        seconds = time.monotonic() - started
        _record({"api": "Lambda.Invoke", "FunctionName": FunctionName, "InvocationType": InvocationType, "event": event,
                 "readTimeout": self._config.get("read_timeout"), "retries": self._config.get("retries"), "outcome": outcome})
        read_timeout = self._config.get("read_timeout")
        if read_timeout is not None and seconds > read_timeout:
            raise ReadTimeoutError(endpoint_url="https://lambda.eu-west-1.amazonaws.com")
        result = outcome["result"]
        if outcome["timedOut"]:
            body = {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {function['timeout']:.2f} seconds"}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST", "Payload": _Body(json.dumps(body).encode())}
        if result is None or not result["ok"]:
            body = {"errorType": (result or {}).get("errorType", "Runtime.ExitError"),
                    "errorMessage": (result or {}).get("errorMessage", "the runtime exited without an answer")}
            return {"StatusCode": 200, "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST", "Payload": _Body(json.dumps(body).encode())}
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": _Body(json.dumps(result["value"]).encode())}


class _CloudFormation:
    def describe_stacks(self, StackName):
        _record({"api": "CloudFormation.DescribeStacks", "StackName": StackName, "answer": _CONFIG["stackStatus"]})
        return {"Stacks": [{"StackId": StackName, "StackStatus": _CONFIG["stackStatus"]}]}

    def describe_stack_resource(self, StackName, LogicalResourceId):
        detail = {"StackId": StackName, "LogicalResourceId": LogicalResourceId, "ResourceStatus": _CONFIG["resourceStatus"],
                  "PhysicalResourceId": _CONFIG.get("physicalId")}
        _record({"api": "CloudFormation.DescribeStackResource", "StackName": StackName, "LogicalResourceId": LogicalResourceId, "answer": detail})
        return {"StackResourceDetail": detail}


def client(service, config=None, **kwargs):
    settings = dict(getattr(config, "settings", {}) or {})
    if service == "lambda":
        return _Lambda(settings)
    if service == "cloudformation":
        return _CloudFormation()
    raise NotImplementedError(f"the rehearsal's boto3 has no {service} client")
'''

FAKE_BOTOCORE_CONFIG = '''
class Config:
    def __init__(self, **settings):
        self.settings = settings
'''

FAKE_BOTOCORE_EXCEPTIONS = '''
class ClientError(Exception):
    def __init__(self, error_response, operation_name):
        super().__init__(f"An error occurred ({error_response['Error']['Code']}) when calling the {operation_name} operation: "
                         f"{error_response['Error'].get('Message', '')}")
        self.response = error_response
        self.operation_name = operation_name


class ReadTimeoutError(Exception):
    def __init__(self, endpoint_url=""):
        super().__init__(f'Read timeout on endpoint URL: "{endpoint_url}"')
'''


def write_fake_sdk(directory):
    os.makedirs(os.path.join(directory, "boto3"), exist_ok=True)
    os.makedirs(os.path.join(directory, "botocore"), exist_ok=True)
    files = {"boto3/__init__.py": FAKE_BOTO3, "botocore/__init__.py": "", "botocore/config.py": FAKE_BOTOCORE_CONFIG,
             "botocore/exceptions.py": FAKE_BOTOCORE_EXCEPTIONS}
    for relative, text in files.items():
        with open(os.path.join(directory, relative), "w") as handle:
            handle.write(text)


def invoke_from_sdk(argument):
    """Called by the fake Lambda client: run a function of the plan for a synchronous Invoke; print the outcome."""
    request = json.loads(argument)
    with open(request["plan"]) as handle:
        plan = json.load(handle)
    state_path = os.path.join(plan["work"], "state.json")
    with open(state_path) as handle:
        state = json.load(handle)
    function = deployed(plan["functions"][request["function"]], state)
    outcome = run_function(function, request["event"], plan["work"], state["mountFolders"], state["extraEnv"], request.get("fakeSdk"))
    print(json.dumps(outcome))


def deployed(function, state):
    """``function`` with the code the last deployment gave it (its synthesized code unless a step deployed other code)."""
    return {**function, "assetDir": state.get("assetDirs", {}).get(function["logicalId"], function["assetDir"])}


# ---------------------------------------------------------------- the servers: the response URL, the https mirror


class ResponseRecorder(http.server.BaseHTTPRequestHandler):
    """The pre-signed response URL: records each PUT (path, headers, body)."""

    records = []

    def do_PUT(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        ResponseRecorder.records.append({"path": self.path, "contentType": self.headers.get("Content-Type"),
                                         "contentLength": length, "body": body.decode("utf-8", "replace"), "bytes": len(body)})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Mirror(http.server.BaseHTTPRequestHandler):
    """https://127.0.0.1:PORT/HOST/PATH serves what the plan puts at HOST/PATH: PEP 503 simple pages, files, redirects."""

    root = None
    redirects = {}
    requests = []

    def do_GET(self):  # noqa: N802
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
        Mirror.requests.append(path)
        if path in Mirror.redirects:
            self.send_response(302)
            self.send_header("Location", f"https://{self.headers['Host']}/{Mirror.redirects[path]}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        local = os.path.join(Mirror.root, path)
        if os.path.isdir(local) and os.path.isfile(os.path.join(local, "index.html")):
            local = os.path.join(local, "index.html")
        if not os.path.isfile(local) or not os.path.realpath(local).startswith(os.path.realpath(Mirror.root) + os.sep):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(local, "rb") as handle:
            data = handle.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if local.endswith(".html") else "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve(handler, tls=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def self_signed_certificate(directory):
    """A certificate for 127.0.0.1 (subjectAltName IP), made for this run with openssl."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


# ---------------------------------------------------------------- the mirror's content


def wheel_bytes(filename, modules, requires=()):
    """A valid wheel named ``filename`` (as the index publishes it) holding ``modules``; WHEEL lists the filename's tags."""
    name, version, *tags = filename[:-len(".whl")].split("-")
    info = f"{name}-{version}.dist-info"
    wheel_tags = [f"{p}-{a}-{plat}" for p in tags[0].split(".") for a in tags[1].split(".") for plat in tags[2].split(".")]
    files = {**modules,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: rehearse_custom_resources\nRoot-Is-Purelib: false\n"
             + "".join(f"Tag: {t}\n" for t in wheel_tags)}
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
            archive.writestr(path, data)
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return buffer.getvalue()


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return buffer.getvalue()


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def build_mirror(root, mirror):
    """Write the plan's simple indexes (PEP 503 pages with sha256 fragments), files and archives under ``root``."""
    hashes = {}
    for index, wheels in mirror.get("simpleIndexes", {}).items():
        projects = {}
        for wheel in wheels:
            data = wheel_bytes(wheel["filename"], wheel.get("modules", {}), wheel.get("requires", []))
            os.makedirs(os.path.join(root, index), exist_ok=True)
            with open(os.path.join(root, index, wheel["filename"]), "wb") as handle:
                handle.write(data)
            digest = hashlib.sha256(data).hexdigest()
            hashes[wheel["filename"]] = digest
            projects.setdefault(normalize(wheel["filename"].split("-")[0]), []).append((wheel["filename"], digest))
        for project, files in projects.items():
            os.makedirs(os.path.join(root, index, project), exist_ok=True)
            links = "".join(f'<a href="../{urllib.parse.quote(f)}#sha256={d}">{html.escape(f)}</a><br/>\n' for f, d in files)
            with open(os.path.join(root, index, project, "index.html"), "w") as handle:
                handle.write(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
    for path, content in mirror.get("files", {}).items():
        data = zip_bytes(content["zip"]) if "zip" in content else content["text"].encode()
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "wb") as handle:
            handle.write(data)
        hashes[path] = hashlib.sha256(data).hexdigest()
    return hashes


def rewrite_urls(value, base, rewrites):
    """Every https URL in the properties, to the mirror (host and path kept); each rewrite is recorded."""
    if isinstance(value, list):
        return [rewrite_urls(v, base, rewrites) for v in value]
    if isinstance(value, dict):
        return {k: rewrite_urls(v, base, rewrites) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("https://"):
        local = f"{base}/{value[len('https://'):]}"
        rewrites[value] = local
        return local
    return value


def substitute(value, substitutions):
    """The plan's named substitutions (hash placeholders the mirror defines): {{sha256:PATH}}."""
    if isinstance(value, list):
        return [substitute(v, substitutions) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, substitutions) for k, v in value.items()}
    if isinstance(value, str):
        return re.sub(r"\{\{sha256:([^}]+)\}\}", lambda m: substitutions[m.group(1)], value)
    return value


# ---------------------------------------------------------------- CloudFormation, as far as a custom resource sees it


def list_sets(folder):
    sets = os.path.join(folder, "sets")
    if not os.path.isdir(sets):
        return {"complete": [], "other": []}
    names = sorted(os.listdir(sets))
    complete = [n for n in names if os.path.isfile(os.path.join(sets, n, ".complete"))]
    return {"complete": complete, "other": [n for n in names if n not in complete]}


class CloudFormation:
    """Sends one custom resource the requests CloudFormation sends it, in a scenario's order, and records the answers."""

    def __init__(self, plan, plan_path, state, response_base, mirror_base, hashes):
        self.plan = plan
        self.plan_path = plan_path
        self.state = state
        self.response_base = response_base
        self.mirror_base = mirror_base
        self.hashes = hashes

    def send(self, resource, scenario, step, request_type, properties, stack_status, physical=None, old_properties=None, invoke_error=None):
        request_id = str(uuid.uuid4())
        event = {
            "RequestType": request_type,
            "ServiceToken": properties["ServiceToken"],
            "ResponseURL": f"{self.response_base}/cloudformation-custom-resource-response-{REGION}/{urllib.parse.quote(scenario['stackId'], safe='')}"
                           f"%7C{resource['logicalId']}%7C{request_id}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature={'0' * 64}",
            "StackId": scenario["stackId"],
            "RequestId": request_id,
            "ResourceType": resource["resourceType"],
            "LogicalResourceId": resource["logicalId"],
            "ResourceProperties": properties,
        }
        if physical is not None:
            event["PhysicalResourceId"] = physical
        if old_properties is not None:
            event["OldResourceProperties"] = old_properties
        function = self.plan["functions"][resource["serviceTokenFunction"]]
        before = len(ResponseRecorder.records)
        fetched = len(Mirror.requests)
        fake_sdk = None
        if function.get("callsLambda"):
            calls = os.path.join(self.plan["work"], "calls", f"{request_id}.jsonl")
            os.makedirs(os.path.dirname(calls), exist_ok=True)
            open(calls, "w").close()
            # The functions of the same stack (two stacks of the plan may have functions of the same name).
            stack = function["logicalId"].rsplit(":", 1)[0]
            same_stack = {k: f for k, f in self.plan["functions"].items() if k.rsplit(":", 1)[0] == stack}
            fake_sdk = {"dir": os.path.join(self.plan["work"], "fake-sdk"), "functions": same_stack, "stackStatus": stack_status,
                        "callLog": calls, "harness": HERE, "plan": self.plan_path, "invokeError": invoke_error,
                        # What DescribeStackResource answers during this request (CloudFormation API Reference, StackResourceDetail).
                        "resourceStatus": f"{request_type.upper()}_IN_PROGRESS", "physicalId": physical}
        invocation = run_function(deployed(function, self.state), event, self.plan["work"], self.state["mountFolders"], self.state["extraEnv"], fake_sdk)
        time.sleep(0.05)
        puts = [r for r in ResponseRecorder.records[before:] if request_id in r["path"]]
        calls_made = []
        if fake_sdk:
            with open(fake_sdk["callLog"]) as handle:
                calls_made = [json.loads(line) for line in handle if line.strip()]
        answer = None
        if len(puts) == 1:
            try:
                answer = json.loads(puts[0]["body"])
            except ValueError:
                answer = None
        record = {"step": step, "stackStatus": stack_status, "invokeError": invoke_error, "event": event, "invocation": invocation, "puts": puts, "answer": answer,
                  "sdkCalls": calls_made, "mirrorRequests": Mirror.requests[fetched:], "setsAfter": list_sets(self.folder)}
        return record

    def deploy_code(self, code, rewrites):
        """Deploy new code for functions (CloudFormation updates them before the custom resource that depends on them):
        the synthesized code with the step's manifest.json, its https URLs rewritten to the mirror."""
        for key, manifest in code.items():
            target = os.path.join(self.plan["work"], "code", uuid.uuid4().hex[:12])
            shutil.copytree(self.plan["functions"][key]["assetDir"], target)
            with open(os.path.join(target, "manifest.json"), "w") as handle:
                json.dump(rewrite_urls(substitute(manifest, self.hashes), self.mirror_base, rewrites), handle)
            self.state.setdefault("assetDirs", {})[key] = target
        with open(os.path.join(self.plan["work"], "state.json"), "w") as handle:
            json.dump(self.state, handle)

    def run(self, resource, scenario):
        """Play ``scenario``: deployments in order, each a Create/Update/Delete with CloudFormation's state between them."""
        # The scenario's own folder stands for the access point, for every function of the plan that mounts one.
        self.folder = os.path.join(self.plan["work"], "access-points", re.sub(r"[^A-Za-z0-9_.-]+", "_", scenario["accessPoint"]))
        os.makedirs(self.folder, exist_ok=True)
        self.state["mountFolders"] = {f["accessPoint"]: self.folder for f in self.plan["functions"].values() if f.get("accessPoint")}
        self.state["assetDirs"] = {}  # every scenario starts from the synthesized code
        with open(os.path.join(self.plan["work"], "state.json"), "w") as handle:
            json.dump(self.state, handle)
        rewrites = {}
        steps = []
        physical = None
        properties = None
        for deployment in scenario["deployments"]:
            kind = deployment["kind"]
            if deployment.get("code"):
                self.deploy_code(deployment["code"], rewrites)
            new = rewrite_urls(substitute(deployment.get("properties"), self.hashes), self.mirror_base, rewrites) \
                if deployment.get("properties") is not None else None
            if kind == "create":
                record = self.send(resource, scenario, deployment["name"], "Create", new, deployment["stackStatus"],
                                   invoke_error=deployment.get("invokeError"))
                steps.append(record)
                answer = record["answer"] or {}
                physical = answer.get("PhysicalResourceId")
                properties = new
                if answer.get("Status") != "SUCCESS":
                    # The stack rolls back: a Delete of whatever physical id the FAILED answer named.
                    steps.append(self.send(resource, scenario, f"{deployment['name']}: rollback Delete", "Delete", properties,
                                           "ROLLBACK_IN_PROGRESS", physical=physical, invoke_error=deployment.get("invokeError")))
                    physical = None
            elif kind == "update":
                record = self.send(resource, scenario, deployment["name"], "Update", new, deployment["stackStatus"], physical=physical,
                                   old_properties=properties, invoke_error=deployment.get("invokeError"))
                steps.append(record)
                answer = record["answer"] or {}
                if answer.get("Status") == "SUCCESS":
                    replaced = answer.get("PhysicalResourceId") != physical
                    if replaced and deployment.get("cleanupStatus"):
                        # A new physical id is a replacement: CloudFormation deletes the old one once the stack is updated.
                        steps.append(self.send(resource, scenario, f"{deployment['name']}: cleanup Delete of the replaced id", "Delete", properties,
                                               deployment["cleanupStatus"], physical=physical))
                    physical = answer.get("PhysicalResourceId")
                    properties = new
            elif kind == "delete":
                steps.append(self.send(resource, scenario, deployment["name"], "Delete", properties, deployment["stackStatus"], physical=physical,
                                       invoke_error=deployment.get("invokeError")))
                physical = None
        return {"resource": resource["label"], "scenario": scenario["name"], "steps": steps, "rewrites": rewrites}


def main(plan_path, report_path):
    with open(plan_path) as handle:
        plan = json.load(handle)
    work = plan["work"]
    os.makedirs(work, exist_ok=True)
    write_fake_sdk(os.path.join(work, "fake-sdk"))
    cert, key = self_signed_certificate(work)
    mirror_root = os.path.join(work, "mirror")
    hashes = build_mirror(mirror_root, plan["mirror"])
    Mirror.root = mirror_root
    Mirror.redirects = plan["mirror"].get("redirects", {})
    mirror = serve(Mirror, tls=(cert, key))
    recorder = serve(ResponseRecorder)
    mirror_base = f"https://127.0.0.1:{mirror.server_address[1]}"
    response_base = f"http://127.0.0.1:{recorder.server_address[1]}"
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    state = {
        # Per scenario, a local folder stands for the access point the functions mount (CloudFormation.run sets it).
        "mountFolders": {},
        # Trust the mirror's certificate (pip: PIP_CERT; urllib: SSL_CERT_FILE); /tmp of the function.
        "extraEnv": {"PIP_CERT": cert, "SSL_CERT_FILE": cert, "TMPDIR": tmp},
    }
    cloudformation = CloudFormation(plan, plan_path, state, response_base, mirror_base, hashes)
    started = time.monotonic()
    results = []
    for resource in plan["resources"]:
        for scenario in resource["scenarios"]:
            results.append(cloudformation.run(resource, scenario))
    report = {"results": results, "mirrorRequests": Mirror.requests, "mirrorHashes": hashes, "mirrorBase": mirror_base,
              "substitutedEnvironment": sorted(state["extraEnv"]), "seconds": round(time.monotonic() - started, 3),
              "python": sys.version}
    with open(report_path, "w") as handle:
        json.dump(report, handle, indent=1)
    mirror.shutdown()
    recorder.shutdown()


if __name__ == "__main__":
    if sys.argv[1] == "--invoke":
        child_main(sys.argv[2])
    elif sys.argv[1] == "--invoke-from-sdk":
        invoke_from_sdk(sys.argv[2])
    else:
        main(sys.argv[1], sys.argv[2])
