"""Helpers shared by the MessageWall tests: payload 2.0 events, a fresh mount per test, the local server.

Not a test file (it defines no tests); the tests import it, nothing imports the tests. The CDK
asset leaves it out with the tests (``test_*.py``).
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_server  # noqa: E402
import message_wall  # noqa: E402

# Lambda's limit on a synchronous response payload: "6 MB". Read as decimal megabytes, the
# stricter reading; the service enforces 6 MiB.
RESPONSE_LIMIT = 6_000_000


def event(method, body=None, path="/", base64_encoded=False, stage=None):
    """A payload 2.0 event as API Gateway sends it; ``stage`` None means the ``$default`` stage."""
    e = {"version": "2.0", "rawPath": path, "requestContext": {"http": {"method": method, "path": path}}}
    if stage is not None:
        e["requestContext"]["stage"] = stage
    if body is not None:
        e["body"] = body
        e["isBase64Encoded"] = base64_encoded
    return e


def payload_size(answer):
    """Bytes of the answer as the runtime sends it: the JSON document, non-ASCII escaped (the larger form)."""
    return len(json.dumps(answer, ensure_ascii=True).encode("utf-8"))


def tree(directory):
    """Every file and directory under ``directory``, as relative paths."""
    found = set()
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(root, name), directory))
    return found


class MountedWall(unittest.TestCase):
    """Each test gets a fresh directory as the mount and its own environment."""

    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="message-wall-")
        self.saved_env = dict(os.environ)
        os.environ["MOUNT_PATH"] = self.mount

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved_env)
        shutil.rmtree(self.mount, ignore_errors=True)

    def answer(self, *args, **kwargs):
        return message_wall.handler(event(*args, **kwargs), None)

    def call(self, *args, **kwargs):
        answer = self.answer(*args, **kwargs)
        self.assertIn("text/plain", answer["headers"]["content-type"])
        return answer["statusCode"], answer["body"]

    def wall_bytes(self, name=None):
        path = os.path.join(self.mount, "content") if name is None else os.path.join(self.mount, "walls", name)
        try:
            with open(path, "rb") as wall:
                return wall.read()
        except FileNotFoundError:
            return None


class ServedWall(MountedWall):
    """MountedWall with the real handler served over HTTP by local_server on a free port."""

    def setUp(self):
        super().setUp()
        self.server = local_server.make_server(self.mount, port=0, quiet=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        super().tearDown()

    def request(self, method, data=None, content_type="application/x-www-form-urlencoded", path=""):
        """(status, headers, body text) of one request; curl -d sends application/x-www-form-urlencoded."""
        body = data.encode("utf-8") if isinstance(data, str) else data
        request = urllib.request.Request(self.url + path.lstrip("/"), data=body, method=method)
        if data is not None:
            request.add_header("content-type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8")

    def curl(self, method, data=None, content_type="application/x-www-form-urlencoded", path=""):
        status, _, text = self.request(method, data, content_type, path)
        return status, text
