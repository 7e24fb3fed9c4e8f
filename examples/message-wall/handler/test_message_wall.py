"""Tests of the MessageWall handler on a real local directory: real files, locks and processes."""

import base64
import json
import multiprocessing
import os
import random
import re
import shutil
import string
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_server  # noqa: E402
import message_wall  # noqa: E402


def event(method, body=None, path="/", base64_encoded=False):
    e = {"version": "2.0", "rawPath": path, "requestContext": {"http": {"method": method, "path": path}}}
    if body is not None:
        e["body"] = body
        e["isBase64Encoded"] = base64_encoded
    return e


class MountedWall(unittest.TestCase):
    """Each test gets a fresh directory as the mount."""

    def setUp(self):
        self.mount = tempfile.mkdtemp(prefix="message-wall-")
        self.saved_env = dict(os.environ)
        os.environ["MOUNT_PATH"] = self.mount

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved_env)
        shutil.rmtree(self.mount, ignore_errors=True)

    def call(self, *args, **kwargs):
        answer = message_wall.handler(event(*args, **kwargs), None)
        self.assertIn("text/plain", answer["headers"]["content-type"])
        return answer["statusCode"], answer["body"]


class ReferenceTranscript(MountedWall):
    def test_the_published_transcript(self):
        self.assertEqual(self.call("GET"), (200, "No message yet."))
        self.assertEqual(self.call("POST", "Hello from EFS!"), (200, "Hello from EFS!\n"))
        self.assertEqual(self.call("POST", "Hello again :)"), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.call("GET"), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.call("DELETE"), (200, "Messages deleted."))
        self.assertEqual(self.call("GET"), (200, "No message yet."))

    def test_messages_are_in_the_content_file_of_the_mount(self):
        self.call("POST", "one")
        with open(os.path.join(self.mount, "content"), encoding="utf-8") as f:
            self.assertEqual(f.read(), "one\n")
        self.call("DELETE")
        self.assertFalse(os.path.exists(os.path.join(self.mount, "content")))

    def test_other_methods_are_unsupported(self):
        for method in ("PUT", "PATCH", "HEAD", "OPTIONS"):
            status, body = self.call(method)
            self.assertEqual((status, body), (405, "Method unsupported."))

    def test_base64_bodies_are_decoded(self):
        encoded = base64.b64encode("Grüße aus EFS".encode("utf-8")).decode("ascii")
        self.assertEqual(self.call("POST", encoded, base64_encoded=True), (200, "Grüße aus EFS\n"))

    def test_separate_walls_per_path(self):
        self.call("POST", "on the default wall")
        self.assertEqual(self.call("POST", "on wall a", path="/wall/a"), (200, "on wall a\n"))
        self.assertEqual(self.call("GET", path="/wall/b"), (200, "No message yet."))
        self.assertEqual(self.call("GET"), (200, "on the default wall\n"))
        self.assertTrue(os.path.exists(os.path.join(self.mount, "walls", "a")))


class BadInput(MountedWall):
    def test_empty_body_is_400(self):
        for body in (None, "", "   \n"):
            status, message = self.call("POST", body)
            self.assertEqual(status, 400)
            self.assertIn("empty", message)

    def test_body_over_the_limit_is_413_and_nothing_is_written(self):
        status, message = self.call("POST", "x" * (64 * 1024 + 1))
        self.assertEqual(status, 413)
        self.assertEqual(message, "The message is 65537 bytes; the limit is 65536 bytes.")
        self.assertEqual(self.call("GET"), (200, "No message yet."))
        self.assertEqual(self.call("POST", "x" * (64 * 1024))[0], 200)

    def test_the_limit_is_configurable(self):
        os.environ["MAX_BODY_BYTES"] = "10"
        self.assertEqual(self.call("POST", "0123456789")[0], 200)
        self.assertEqual(self.call("POST", "0123456789a")[0], 413)

    def test_body_that_is_not_utf8_is_400(self):
        latin1 = base64.b64encode("café".encode("latin-1")).decode("ascii")
        self.assertEqual(self.call("POST", latin1, base64_encoded=True), (400, "The message must be UTF-8 text."))
        self.assertEqual(self.call("POST", "\ud800")[0], 400)

    def test_invalid_base64_is_400(self):
        status, message = self.call("POST", "not base64!!", base64_encoded=True)
        self.assertEqual(status, 400)
        self.assertIn("base64", message)

    def test_unmounted_file_system_is_503(self):
        os.environ["MOUNT_PATH"] = os.path.join(self.mount, "not-mounted")
        for method in ("GET", "POST", "DELETE"):
            status, message = self.call(method, "hello")
            self.assertEqual(status, 503)
            self.assertIn("not mounted", message)

    def test_wall_names_cannot_leave_the_mount(self):
        for path in ("/wall/..", "/wall/.hidden", "/wall/a%2Fb", "/wall/" + "x" * 65):
            self.assertEqual(self.call("POST", "x", path=path)[0], 400, path)
        for path in ("/etc/passwd", "/wall/a/b", "/wall/../content"):
            self.assertEqual(self.call("GET", path=path)[0], 404, path)
        self.assertEqual(os.listdir(self.mount), [])

    def test_events_that_are_not_http_api_requests_are_400(self):
        for bad in (None, [], "GET", {}, {"requestContext": "x"}, {"requestContext": {"http": {}}},
                    {"requestContext": {"http": {"method": 7}}}):
            answer = message_wall.handler(bad, None)
            self.assertEqual(answer["statusCode"], 400, bad)

    def test_an_unexpected_failure_is_500_without_a_trace(self):
        # A directory where the lock file should be: opening it fails (even as root).
        os.mkdir(os.path.join(self.mount, "content.lock"))
        with self.assertLogs("message_wall", level="ERROR") as logged:  # the trace goes to the log, not the client
            status, message = self.call("POST", "hello")
        self.assertEqual(status, 500)
        self.assertEqual(message, "Internal error: the request was not completed.")
        self.assertIn("IsADirectoryError", "\n".join(logged.output))


def random_event(rng):
    """An event that is malformed in at least one way a client or a misconfiguration could cause."""
    kind = rng.randrange(8)
    junk = lambda: rng.choice([None, 0, -1, 3.5, True, [], {}, "", "x" * rng.randrange(100), {"a": [1]}])  # noqa: E731
    if kind == 0:
        return junk()
    if kind == 1:
        return {"requestContext": {"http": {"method": junk()}}, "rawPath": junk()}
    if kind == 2:
        return event(rng.choice(["POST", "post"]), base64.b64encode(rng.randbytes(rng.randrange(1, 64)) + b"\xff").decode(), base64_encoded=True)
    if kind == 3:
        return event("POST", "".join(rng.choice("!@#$%^&*") for _ in range(rng.randrange(1, 20))), base64_encoded=True)
    if kind == 4:
        return event(rng.choice(["GET", "POST", "DELETE"]), "x", path="/" + "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 30))) + "/../x")
    if kind == 5:
        return event("POST", rng.choice([None, "", " ", "\n\t"]))
    if kind == 6:
        return event(rng.choice(["PUT", "TRACE", "CONNECT", "X" * rng.randrange(1, 10)]), "x")
    not_text = rng.choice([0, -1, 3.5, True, [], {"a": [1]}])
    return event("POST", not_text if rng.random() < 0.5 else "x" * (64 * 1024 + rng.randrange(1, 1000)))


class Fuzz(MountedWall):
    def test_thousands_of_malformed_events_always_answer_4xx_with_a_message(self):
        rng = random.Random(20200616)
        statuses = set()
        for _ in range(3000):
            answer = message_wall.handler(random_event(rng), None)
            self.assertIsInstance(answer["statusCode"], int)
            self.assertGreaterEqual(answer["statusCode"], 400)
            self.assertLess(answer["statusCode"], 500)
            self.assertTrue(answer["body"])
            statuses.add(answer["statusCode"])
        self.assertEqual(statuses, {400, 404, 405, 413})
        self.assertEqual(self.call("GET"), (200, "No message yet."))


WRITERS = 16
MESSAGES_PER_WRITER = 200
MESSAGE_PATTERN = re.compile(r"^writer-(\d+)-message-(\d+)-[a-z]+$")


def writer(mount, index, barrier):
    os.environ["MOUNT_PATH"] = mount
    barrier.wait()
    padding = "abcdefghijklmnopqrstuvwxyz" * (1 + index % 4)
    for n in range(MESSAGES_PER_WRITER):
        message = f"writer-{index}-message-{n}-{padding}"
        answer = message_wall.handler(event("POST", message), None)
        if answer["statusCode"] != 200:
            raise SystemExit(f"POST failed: {answer}")
        # The answer is the wall right after this append: a message missing from it went
        # somewhere no reader will ever see (say, a file a DELETE had just unlinked).
        if message + "\n" not in answer["body"]:
            raise SystemExit(f"POST of {message} answered a wall without it")


def reader(mount, barrier, torn):
    os.environ["MOUNT_PATH"] = mount
    barrier.wait()
    for _ in range(150):
        body = message_wall.handler(event("GET"), None)["body"]
        if body != "No message yet.":
            if not body.endswith("\n") or any(not MESSAGE_PATTERN.match(line) for line in body.splitlines()):
                torn.value += 1


def deleter(mount, barrier, deletes):
    """Delete the wall three times, each when it has grown to 300 lines: mid-run, not by the clock."""
    os.environ["MOUNT_PATH"] = mount
    barrier.wait()
    for _ in range(200000):
        body = message_wall.handler(event("GET"), None)["body"]
        if body.count("\n") >= 300:
            message_wall.handler(event("DELETE"), None)
            deletes.value += 1
            if deletes.value == 3:
                return


class Concurrency(MountedWall):
    def test_many_processes_never_tear_a_line_and_lose_nothing_posted_after_the_last_delete(self):
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(WRITERS + 3)
        torn = context.Value("i", 0)
        deletes = context.Value("i", 0)
        processes = [context.Process(target=writer, args=(self.mount, i, barrier)) for i in range(WRITERS)]
        processes += [context.Process(target=reader, args=(self.mount, barrier, torn)) for _ in range(2)]
        processes.append(context.Process(target=deleter, args=(self.mount, barrier, deletes)))
        for p in processes:
            p.start()
        for p in processes:
            p.join(timeout=300)
            self.assertEqual(p.exitcode, 0)
        self.assertEqual(torn.value, 0, "a reader saw a torn or interleaved line")

        status, body = self.call("GET")
        self.assertEqual(status, 200)
        lines = body.splitlines() if body != "No message yet." else []
        self.assertTrue(body == "No message yet." or body.endswith("\n"))
        seen = {}
        for line in lines:
            match = MESSAGE_PATTERN.match(line)
            self.assertIsNotNone(match, f"torn line: {line!r}")
            key = (int(match.group(1)), int(match.group(2)))
            self.assertNotIn(key, seen, f"duplicated message {key}")
            seen[key] = True
        # Each writer posts in order and the deletes each happen at one instant, so what
        # survives of a writer is exactly its messages after the last delete: a suffix.
        for index in range(WRITERS):
            kept = sorted(n for (w, n) in seen if w == index)
            if kept:
                self.assertEqual(kept, list(range(kept[0], MESSAGES_PER_WRITER)), f"writer {index} lost a message")
        self.assertEqual(deletes.value, 3)
        # The deletes ran with at most about a thousand of the 3200 posts done: some must be left.
        self.assertGreater(len(lines), 0)


class LocalServer(MountedWall):
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

    def curl(self, method, data=None, content_type="application/x-www-form-urlencoded", path=""):
        request = urllib.request.Request(self.url + path, data=data.encode("utf-8") if isinstance(data, str) else data, method=method)
        if data is not None:
            request.add_header("content-type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def test_the_published_transcript_over_http(self):
        # curl -d sends application/x-www-form-urlencoded, as in the published transcript.
        self.assertEqual(self.curl("GET"), (200, "No message yet."))
        self.assertEqual(self.curl("POST", "Hello from EFS!"), (200, "Hello from EFS!\n"))
        self.assertEqual(self.curl("POST", "Hello again :)"), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.curl("GET"), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.curl("DELETE"), (200, "Messages deleted."))
        self.assertEqual(self.curl("GET"), (200, "No message yet."))

    def test_binary_content_types_arrive_base64_encoded_and_are_decoded(self):
        self.assertEqual(self.curl("POST", "bytes", content_type="application/octet-stream"), (200, "bytes\n"))
        self.assertEqual(self.curl("POST", b"\xff\xfe", content_type="application/octet-stream")[0], 400)

    def test_errors_over_http(self):
        self.assertEqual(self.curl("PUT", "x"), (405, "Method unsupported."))
        self.assertEqual(self.curl("POST", "x" * 70000)[0], 413)
        self.assertEqual(self.curl("GET", path="nowhere")[0], 404)

    def test_the_event_has_the_payload_2_0_shape(self):
        e = local_server.to_event("POST", "/wall/a?x=1", {"Content-Type": "text/plain", "Host": "h"}, b"hi", "127.0.0.1")
        self.assertEqual(e["version"], "2.0")
        self.assertEqual(e["rawPath"], "/wall/a")
        self.assertEqual(e["rawQueryString"], "x=1")
        self.assertEqual(e["requestContext"]["http"]["method"], "POST")
        self.assertEqual((e["body"], e["isBase64Encoded"]), ("hi", False))
        self.assertEqual(json.loads(json.dumps(e)), e)


if __name__ == "__main__":
    unittest.main()
