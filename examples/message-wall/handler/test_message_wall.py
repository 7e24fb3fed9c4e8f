"""Tests of the MessageWall handler on a real local directory: real files, locks and processes."""

import ast
import base64
import json
import multiprocessing
import os
import random
import re
import shutil
import string
import subprocess
import sys
import unittest
import unittest.mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import local_server  # noqa: E402
import message_wall  # noqa: E402
from test_support import RESPONSE_LIMIT, MountedWall, ServedWall, event, payload_size, tree  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


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
        # A directory where the wall's lock file should be: opening it fails (even as root).
        os.makedirs(message_wall.lock_slot(os.path.join(self.mount, "content")))
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


ONE_LINE = re.compile("[^\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]+")


def abusive_event(rng):
    """A well-formed request meant to hurt: odd stages and paths, control characters, big bodies."""
    chars = ["a", "é", "🙂", "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u2028", " ", "\\", '"']
    body = "".join(rng.choice(chars) for _ in range(rng.randrange(0, 12)))
    if rng.random() < 0.1:
        body = rng.choice(["x", "é"]) * rng.randrange(1000, 3000)
    stage = rng.choice([None, "$default", "default", "prod", "", 7, None, "default"])
    prefix = "/" + stage if isinstance(stage, str) and stage and stage != "$default" and rng.random() < 0.8 else ""
    name = rng.choice(["a", "b", "name\n", "x" * 64, "x" * 65, "..", "a.lock", "é", "a b"])
    path = prefix + rng.choice(["/", "/MessageWall", f"/wall/{name}", f"/MessageWall/wall/{name}", "/MessageWall/",
                                "/nowhere", f"/wall/{name}/x", "//", ""])
    method = rng.choice(["GET", "POST", "POST", "POST", "DELETE", "PUT"])
    e = event(method, body, path=path, base64_encoded=False)
    if stage is not None:
        e["requestContext"]["stage"] = stage
    if method == "POST" and rng.random() < 0.2:
        e["body"], e["isBase64Encoded"] = base64.b64encode(body.encode("utf-8")).decode("ascii"), True
    return e


class AbuseFuzz(MountedWall):
    def test_abusive_requests_never_fail_never_forge_a_line_never_overflow(self):
        os.environ["MAX_WALL_BYTES"] = "8192"
        rng = random.Random(20240601)
        statuses = set()
        full = refused_lines = 0
        for _ in range(3000):
            answer = message_wall.handler(abusive_event(rng), None)
            statuses.add(answer["statusCode"])
            full += answer["body"].startswith("The wall is full")
            refused_lines += answer["body"].startswith("The message must be one line")
            self.assertIn(answer["statusCode"], (200, 400, 404, 405, 413), answer)
            self.assertTrue(answer["body"])
            self.assertEqual(answer["headers"]["x-content-type-options"], "nosniff")
            self.assertLess(payload_size(answer), RESPONSE_LIMIT)
        self.assertEqual(statuses, {200, 400, 404, 405, 413})
        walls = [os.path.join(self.mount, "content")]
        if os.path.isdir(os.path.join(self.mount, "walls")):
            walls += [os.path.join(self.mount, "walls", n) for n in os.listdir(os.path.join(self.mount, "walls"))]
        for wall in walls:
            if os.path.exists(wall) and not wall.endswith(".lock"):
                with open(wall, "rb") as f:
                    content = f.read()
                self.assertLessEqual(len(content), 8192)
                self.assertTrue(content.endswith(b"\n"))
                for line in content.decode("utf-8").split("\n")[:-1]:
                    self.assertRegex(line, ONE_LINE, f"a stored line that is not one line of text: {line!r}")
        names = {n[:-len(".lock")] if n.endswith(".lock") else n for n in os.listdir(os.path.join(self.mount, "walls"))}
        self.assertLessEqual(names, {"a", "b", "x" * 64})
        self.assertGreater(full, 0, "no wall was ever full")
        self.assertGreater(refused_lines, 0, "no message was refused for a line break")


WRITERS = 16
MESSAGES_PER_WRITER = 200
MESSAGE_PATTERN = re.compile(r"^writer-(\d+)-message-(\d+)-[a-z]+$")


def writer(mount, index, barrier, path="/"):
    os.environ["MOUNT_PATH"] = mount
    barrier.wait()
    padding = "abcdefghijklmnopqrstuvwxyz" * (1 + index % 4)
    for n in range(MESSAGES_PER_WRITER):
        message = f"writer-{index}-message-{n}-{padding}"
        answer = message_wall.handler(event("POST", message, path=path), None)
        if answer["statusCode"] != 200:
            raise SystemExit(f"POST failed: {answer}")
        # The answer is the wall right after this append: a message missing from it went
        # somewhere no reader will ever see (say, a file a DELETE had just unlinked).
        if message + "\n" not in answer["body"]:
            raise SystemExit(f"POST of {message} answered a wall without it")


def reader(mount, barrier, torn, path="/"):
    os.environ["MOUNT_PATH"] = mount
    barrier.wait()
    for _ in range(150):
        body = message_wall.handler(event("GET", path=path), None)["body"]
        if body != "No message yet.":
            if not body.endswith("\n") or any(not MESSAGE_PATTERN.match(line) for line in body.splitlines()):
                torn.value += 1


def deleter(mount, barrier, deletes, path="/"):
    """Delete the wall three times, each when it has grown to 300 lines: mid-run, not by the clock."""
    os.environ["MOUNT_PATH"] = mount
    barrier.wait()
    for _ in range(200000):
        body = message_wall.handler(event("GET", path=path), None)["body"]
        if body.count("\n") >= 300:
            message_wall.handler(event("DELETE", path=path), None)
            deletes.value += 1
            if deletes.value == 3:
                return


class Concurrency(MountedWall):
    def test_many_processes_never_tear_a_line_and_lose_nothing_posted_after_the_last_delete(self):
        self.race("/")

    def test_the_same_on_a_named_wall_whose_deletes_are_counted(self):
        # A DELETE of a named wall takes walls.count too; its lock slot stays for the writers
        # waiting on it, so none of them appends to a wall nobody will read.
        self.race("/wall/team")
        team = os.path.lexists(os.path.join(self.mount, "walls", "team"))
        with open(os.path.join(self.mount, "walls.count"), "rb") as record:
            self.assertEqual(message_wall.parse_count(record.read()), (int(team), "-", ""))

    def race(self, path):
        context = multiprocessing.get_context("fork")
        barrier = context.Barrier(WRITERS + 3)
        torn = context.Value("i", 0)
        deletes = context.Value("i", 0)
        processes = [context.Process(target=writer, args=(self.mount, i, barrier, path)) for i in range(WRITERS)]
        processes += [context.Process(target=reader, args=(self.mount, barrier, torn, path)) for _ in range(2)]
        processes.append(context.Process(target=deleter, args=(self.mount, barrier, deletes, path)))
        for p in processes:
            p.start()
        for p in processes:
            p.join(timeout=300)
            self.assertEqual(p.exitcode, 0)
        self.assertEqual(torn.value, 0, "a reader saw a torn or interleaved line")

        status, body = self.call("GET", path=path)
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


class LocalServer(ServedWall):
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



# Findings of the abuse review: each test below failed on the handler before the fix.

def fill_message(room, limit):
    """A message of 2-byte characters (the worst JSON growth: "é" is 2 bytes, 6 as \u00e9) whose
    line (message + newline) takes at most ``room`` bytes, ``limit`` bytes of body at most."""
    size = min(room - 1, limit)
    return "é" * (size // 2) + "a" * (size % 2)


class WallCap(MountedWall):
    def test_a_wall_fills_up_to_its_cap_then_a_post_is_413_and_changes_nothing(self):
        # Before: 96 POSTs of 64 KiB made every answer larger than Lambda's 6 MB response limit.
        message = "x" * (64 * 1024)
        full = None
        for n in range(120):
            answer = self.answer("POST", message)
            self.assertLess(payload_size(answer), RESPONSE_LIMIT, f"answer to POST {n + 1} is over the response limit")
            if answer["statusCode"] != 200:
                full = answer
                break
        self.assertIsNotNone(full, "the wall was never full")
        wall = self.wall_bytes()
        self.assertEqual(len(wall), 15 * (64 * 1024 + 1))  # 15 lines fit in the default 1 MiB
        self.assertEqual(full["statusCode"], 413)
        self.assertEqual(
            full["body"],
            f"The wall is full: it holds {len(wall)} bytes, this message needs {64 * 1024 + 1} more "
            f"and the cap is {1024 * 1024} bytes (MAX_WALL_BYTES). DELETE the wall to empty it.")
        self.assertEqual(self.call("POST", "y" * 10)[0], 200)  # a message that still fits goes in
        after = self.wall_bytes()
        self.assertEqual(after, wall + b"y" * 10 + b"\n")
        status, body = self.call("GET")
        self.assertEqual((status, body.encode("utf-8")), (200, after))
        self.assertEqual(self.call("DELETE"), (200, "Messages deleted."))
        self.assertEqual(self.call("POST", message), (200, message + "\n"))

    def test_a_message_that_fills_the_wall_exactly_is_accepted_one_more_byte_is_not(self):
        os.environ["MAX_WALL_BYTES"] = "100"
        self.assertEqual(self.call("POST", "a" * 49)[0], 200)
        self.assertEqual(self.call("POST", "b" * 49), (200, "a" * 49 + "\n" + "b" * 49 + "\n"))
        status, message = self.call("POST", "c")
        self.assertEqual(status, 413)
        self.assertIn("full", message)
        self.assertEqual(self.wall_bytes(), b"a" * 49 + b"\n" + b"b" * 49 + b"\n")
        # Walls are capped one by one.
        self.assertEqual(self.call("POST", "c", path="/wall/other"), (200, "c\n"))

    def test_the_largest_possible_answer_fits_the_response_limit(self):
        # The largest cap allowed, filled with the characters that grow most in JSON.
        cap = message_wall.MAX_WALL_BYTES_CEILING
        os.environ["MAX_WALL_BYTES"] = str(cap)
        os.environ["MAX_BODY_BYTES"] = str(cap)
        size = 0
        while size < cap:
            message = fill_message(cap - size, 700_000)
            answer = self.answer("POST", message)
            self.assertEqual(answer["statusCode"], 200)
            self.assertLess(payload_size(answer), RESPONSE_LIMIT)
            size += len(message.encode("utf-8")) + 1
        self.assertEqual(len(self.wall_bytes()), cap)
        largest = self.answer("GET")
        self.assertEqual(largest["statusCode"], 200)
        self.assertNotIn("isBase64Encoded", largest)  # a text answer: never base64
        self.assertGreater(payload_size(largest), 2.9 * cap)  # really the worst case: about 3x
        self.assertLess(payload_size(largest), RESPONSE_LIMIT)
        self.assertLess(len(json.dumps(largest, ensure_ascii=False).encode("utf-8")), RESPONSE_LIMIT)
        refused = self.answer("POST", "z")
        self.assertEqual(refused["statusCode"], 413)
        self.assertEqual(len(self.wall_bytes()), cap)

    def test_the_cap_must_be_a_positive_whole_number_within_the_ceiling(self):
        ceiling = message_wall.MAX_WALL_BYTES_CEILING
        self.assertLess(3 * ceiling + 64 * 1024, RESPONSE_LIMIT)
        self.assertEqual(message_wall.DEFAULT_MAX_WALL_BYTES, 1024 * 1024)
        self.assertEqual(message_wall.max_wall_bytes(), 1024 * 1024)
        os.environ["MAX_WALL_BYTES"] = str(ceiling)
        self.assertEqual(message_wall.max_wall_bytes(), ceiling)
        for bad in ("0", "-5", "abc", "1.5", "1e6", "0x100", str(ceiling + 1)):
            os.environ["MAX_WALL_BYTES"] = bad
            with self.assertRaisesRegex(ValueError, f"MAX_WALL_BYTES={re.escape(bad)}.*whole number of bytes from 1 to {ceiling}"):
                message_wall.max_wall_bytes()
            for method in ("GET", "POST"):
                with self.assertLogs("message_wall", level="ERROR") as logged:
                    status, message = self.call(method, "hello")
                self.assertEqual((status, message), (500, "Internal error: the function is misconfigured (see its log)."))
                self.assertIn("MAX_WALL_BYTES", "\n".join(logged.output))
            self.assertIsNone(self.wall_bytes())
        del os.environ["MAX_WALL_BYTES"]
        for bad in ("64k", "0", "6000001"):
            os.environ["MAX_BODY_BYTES"] = bad
            with self.assertRaisesRegex(ValueError, f"MAX_BODY_BYTES={bad} is not a whole number of bytes"):
                message_wall.max_body_bytes()
            with self.assertLogs("message_wall", level="ERROR"):
                self.assertEqual(self.call("POST", "hello")[0], 500)
        os.environ["MAX_BODY_BYTES"] = ""  # empty is unset: the default
        self.assertEqual(message_wall.max_body_bytes(), 64 * 1024)

    def test_a_message_larger_than_any_wall_is_413_and_creates_nothing(self):
        os.environ["MAX_WALL_BYTES"] = "10"
        self.assertEqual(self.call("POST", "0123456789", path="/wall/new"),
                         (413, "The message needs 11 bytes and a wall holds at most 10 bytes (MAX_WALL_BYTES)."))
        self.assertEqual(tree(self.mount), set())

    def test_a_bad_cap_fails_the_import_with_a_clear_error(self):
        env = {**os.environ, "MAX_WALL_BYTES": "lots"}
        result = subprocess.run([sys.executable, "-c", "import message_wall"], cwd=HERE, env=env,
                                capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("message_wall.ConfigurationError: MAX_WALL_BYTES=lots is not a whole number of bytes from 1 to",
                      result.stderr)
        self.assertTrue(issubclass(message_wall.ConfigurationError, ValueError))

    def test_a_wall_too_large_to_answer_is_409_and_delete_still_empties_it(self):
        # A wall written before the cap, or by something else than this handler.
        with open(os.path.join(self.mount, "content"), "wb") as wall:
            wall.write(b"x" * 7_000_000)
        answer = self.answer("GET")
        self.assertEqual(answer["statusCode"], 409)
        self.assertEqual(
            answer["body"],
            "The wall holds 7000000 bytes: its answer would be over the 6 MB response limit "
            "(walls are capped at 1048576 bytes, MAX_WALL_BYTES). DELETE the wall to empty it.")
        status, message = self.call("POST", "one more")
        self.assertEqual(status, 413)
        self.assertIn("DELETE", message)
        self.assertEqual(os.path.getsize(os.path.join(self.mount, "content")), 7_000_000)
        self.assertEqual(self.call("DELETE"), (200, "Messages deleted."))
        self.assertEqual(self.call("GET"), (200, "No message yet."))

    def test_a_wall_under_the_cap_whose_answer_would_not_fit_is_409(self):
        # Control characters written around the handler: 1 byte each, 6 in JSON (\u0001).
        with open(os.path.join(self.mount, "content"), "wb") as wall:
            wall.write(b"\x01" * 1_000_000)
        answer = self.answer("GET")
        self.assertEqual(answer["statusCode"], 409)
        self.assertLess(payload_size(answer), 1000)
        self.assertEqual(self.call("POST", "x")[0], 413)
        self.assertEqual(os.path.getsize(os.path.join(self.mount, "content")), 1_000_000)

    def test_a_wall_that_is_not_utf8_is_answered_not_a_500(self):
        with open(os.path.join(self.mount, "content"), "wb") as wall:
            wall.write("café\n".encode("latin-1"))
        self.assertEqual(self.call("GET"), (200, "caf\ufffd\n"))
        self.assertEqual(self.call("POST", "ok"), (200, "caf\ufffd\nok\n"))


def new_wall_poster(mount, names, barrier, accepted, refused):
    """POST one message to each of ``names``, new walls all, counting the answers."""
    os.environ["MOUNT_PATH"] = mount
    os.environ["MAX_WALLS"] = str(WALL_COUNT_CAP)
    barrier.wait()
    for name in names:
        status = message_wall.handler(event("POST", name, path=f"/wall/{name}"), None)["statusCode"]
        counter = accepted if status == 200 else refused if status == 409 else None
        if counter is None:
            raise SystemExit(f"POST to new wall {name}: {status}")
        with counter.get_lock():
            counter.value += 1


WALL_COUNT_CAP = 5


class WallCount(MountedWall):
    def test_a_post_to_one_wall_past_the_cap_is_409_and_creates_nothing(self):
        # Before: any number of walls, each up to MAX_WALL_BYTES, on an open endpoint.
        os.environ["MAX_WALLS"] = "3"
        for name in ("a", "b", "c"):
            self.assertEqual(self.call("POST", f"on {name}", path=f"/wall/{name}"), (200, f"on {name}\n"))
        before = tree(self.mount)
        self.assertEqual(self.call("POST", "one too many", path="/wall/d"), (
            409, "Too many walls: there are 3 and the cap is 3 (MAX_WALLS). POST to an existing wall, or DELETE one to make room."))
        self.assertEqual(tree(self.mount), before)
        self.assertNotIn("walls/d", before)
        # Existing walls and the default wall still take messages; the default wall is not counted.
        self.assertEqual(self.call("POST", "again", path="/wall/a"), (200, "on a\nagain\n"))
        self.assertEqual(self.call("POST", "default"), (200, "default\n"))
        # A DELETE makes room and leaves nothing of the wall.
        self.assertEqual(self.call("DELETE", path="/wall/b"), (200, "Messages deleted."))
        self.assertEqual(self.call("POST", "now d", path="/wall/d"), (200, "now d\n"))
        self.assertEqual(self.call("POST", "no room", path="/wall/e")[0], 409)
        walls = {name for name in tree(self.mount) if name.startswith("walls/")}
        self.assertEqual(walls, {"walls/a", "walls/c", "walls/d"})

    def test_the_default_is_100_walls(self):
        self.assertEqual(message_wall.max_walls(), 100)
        for n in range(100):
            self.assertEqual(self.call("POST", "x", path=f"/wall/w{n}")[0], 200)
        self.assertEqual(self.call("POST", "x", path="/wall/w100")[0], 409)

    def test_processes_creating_walls_at_once_never_pass_the_cap(self):
        context = multiprocessing.get_context("fork")
        posters = 6
        barrier = context.Barrier(posters)
        accepted, refused = context.Value("i", 0), context.Value("i", 0)
        processes = [context.Process(target=new_wall_poster, args=(self.mount, [f"p{i}-{n}" for n in range(10)], barrier, accepted, refused))
                     for i in range(posters)]
        for p in processes:
            p.start()
        for p in processes:
            p.join(timeout=120)
            self.assertEqual(p.exitcode, 0)
        self.assertEqual((accepted.value, refused.value), (WALL_COUNT_CAP, posters * 10 - WALL_COUNT_CAP))
        self.assertEqual(message_wall.wall_count(os.path.join(self.mount, "walls")), WALL_COUNT_CAP)

    def test_the_wall_count_cap_must_be_a_whole_number_within_the_ceiling(self):
        self.assertEqual(message_wall.MAX_WALLS_CEILING, 10_000)
        for bad in ("0", "-1", "ten", "2.5", "10001"):
            os.environ["MAX_WALLS"] = bad
            with self.assertRaisesRegex(ValueError, f"MAX_WALLS={re.escape(bad)} is not a whole number of walls from 1 to 10000"):
                message_wall.max_walls()
            with self.assertLogs("message_wall", level="ERROR") as logged:
                self.assertEqual(self.call("GET")[0], 500)
            self.assertIn("MAX_WALLS", "\n".join(logged.output))
        self.assertEqual(tree(self.mount), set())


class ReadersCreateNoFile(MountedWall):
    def test_gets_and_deletes_of_unknown_walls_leave_the_mount_unchanged(self):
        # Before: every GET of an unknown wall left a lock file behind (1,000 GETs, 1,000 files).
        for n in range(1000):
            self.assertEqual(self.call("GET", path=f"/wall/unknown-{n}"), (200, "No message yet."))
        self.assertEqual(self.call("GET"), (200, "No message yet."))
        self.assertEqual(self.call("DELETE"), (200, "Messages deleted."))
        self.assertEqual(self.call("DELETE", path="/wall/nobody"), (200, "Messages deleted."))
        self.assertEqual(tree(self.mount), set())
        self.call("POST", "hi", path="/wall/team")
        before = tree(self.mount)
        slot = os.path.relpath(message_wall.lock_slot(os.path.join(self.mount, "walls", "team")), self.mount)
        self.assertEqual(before, {"walls", "walls/team", "locks", slot, "walls.count"})
        for n in range(1000):
            self.assertEqual(self.call("GET", path=f"/wall/other-{n}"), (200, "No message yet."))
        self.assertEqual(tree(self.mount), before)

    def test_a_wall_without_a_lock_file_is_read_and_deleted_under_the_lock(self):
        # The 2020 function locked the content file itself: its walls have no lock file.
        slot = message_wall.lock_slot(os.path.join(self.mount, "content"))
        with open(os.path.join(self.mount, "content"), "w", encoding="utf-8") as wall:
            wall.write("from 2020\n")
        self.assertEqual(self.call("GET"), (200, "from 2020\n"))
        self.assertTrue(os.path.exists(slot))
        shutil.rmtree(os.path.join(self.mount, "locks"))
        self.assertEqual(self.call("DELETE"), (200, "Messages deleted."))
        self.assertEqual(tree(self.mount), {"locks", os.path.relpath(slot, self.mount)})


class WallNames(MountedWall):
    def test_a_name_with_a_trailing_newline_is_400_and_creates_nothing(self):
        for method in ("POST", "GET", "DELETE"):
            status, message = self.call(method, "x", path="/wall/name\n")
            self.assertEqual(status, 400, method)
            self.assertIn("Wall names", message)
        self.assertEqual(tree(self.mount), set())


class OneLineMessages(MountedWall):
    def test_a_message_with_a_line_break_is_400_and_the_wall_is_unchanged(self):
        self.call("POST", "first")
        for body in ("forged\nline", "a\r\nb", "x\r", "\nfake line"):
            status, message = self.call("POST", body)
            self.assertEqual(status, 400, repr(body))
            self.assertIn("one line", message)
            self.assertRegex(message, "line break|carriage return")
        status, message = self.call("POST", "Hello\nforged")
        self.assertEqual(message, "The message must be one line of text: character 6 is a line break (U+000A). "
                                  "Line breaks and control characters are refused; tab is allowed.")
        encoded = base64.b64encode(b"via\nbase64").decode("ascii")
        self.assertEqual(self.call("POST", encoded, base64_encoded=True)[0], 400)
        self.assertEqual(self.wall_bytes(), b"first\n")
        self.assertEqual(self.call("GET"), (200, "first\n"))

    def test_control_characters_are_400_tab_is_allowed(self):
        for char in ("\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\x0b", "\x0c"):
            status, message = self.call("POST", f"a{char}b")
            self.assertEqual(status, 400, repr(char))
            self.assertIn(f"character 2 is", message)
            self.assertIn(f"U+{ord(char):04X}", message)
        self.assertIsNone(self.wall_bytes())
        self.assertEqual(self.call("POST", "a\tb"), (200, "a\tb\n"))
        self.assertEqual(self.call("POST", "Grüße ✓ 🙂"), (200, "a\tb\nGrüße ✓ 🙂\n"))


class Headers(MountedWall):
    def assert_plain_nosniff(self, answer, what):
        headers = {name.lower(): value for name, value in answer["headers"].items()}
        self.assertEqual(headers.get("content-type"), "text/plain; charset=utf-8", what)
        self.assertEqual(headers.get("x-content-type-options"), "nosniff", what)

    def test_every_answer_is_plain_text_with_nosniff(self):
        os.environ["MAX_WALL_BYTES"] = "20"
        cases = [
            ("GET", None, "/"), ("POST", "<script>alert(1)</script>", "/wall/x"), ("POST", "too long for the cap", "/"),
            ("POST", "", "/"), ("POST", "x" * 70000, "/"), ("POST", "a\nb", "/"), ("GET", None, "/nowhere"),
            ("GET", None, "/wall/.."), ("PUT", "x", "/"), ("DELETE", None, "/"),
        ]
        statuses = set()
        for method, body, path in cases:
            answer = self.answer(method, body, path=path)
            statuses.add(answer["statusCode"])
            self.assert_plain_nosniff(answer, (method, body, path))
        self.assertEqual(statuses, {200, 400, 404, 405, 413})
        for bad in (None, {}, {"requestContext": {"http": {}}}):
            self.assert_plain_nosniff(message_wall.handler(bad, None), bad)
        os.makedirs(message_wall.lock_slot(os.path.join(self.mount, "content")))
        with self.assertLogs("message_wall", level="ERROR"):
            self.assert_plain_nosniff(self.answer("POST", "x"), "500")
        os.environ["MOUNT_PATH"] = os.path.join(self.mount, "missing")
        self.assert_plain_nosniff(self.answer("GET"), "503")


class Paths(MountedWall):
    def test_the_reference_url_under_the_default_stage(self):
        # https://<api>/default/MessageWall: rawPath /default/MessageWall, stage "default".
        url = {"path": "/default/MessageWall", "stage": "default"}
        self.assertEqual(self.call("GET", **url), (200, "No message yet."))
        self.assertEqual(self.call("POST", "Hello from EFS!", **url), (200, "Hello from EFS!\n"))
        self.assertEqual(self.call("POST", "Hello again :)", **url), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.call("GET", **url), (200, "Hello from EFS!\nHello again :)\n"))
        # The same wall as / and /MessageWall (on the $default stage) and /default/ (stage default).
        for path, stage in (("/", None), ("/MessageWall", None), ("/MessageWall/", None), ("/default", "default"),
                            ("/default/", "default"), ("/", "$default")):
            self.assertEqual(self.call("GET", path=path, stage=stage), (200, "Hello from EFS!\nHello again :)\n"), path)
        self.assertEqual(self.call("DELETE", **url), (200, "Messages deleted."))
        self.assertEqual(self.call("GET", **url), (200, "No message yet."))
        self.assertFalse(os.path.exists(os.path.join(self.mount, "content")))

    def test_named_walls_under_the_stage_and_under_message_wall(self):
        self.assertEqual(self.call("POST", "one", path="/wall/team"), (200, "one\n"))
        for path, stage in (("/MessageWall/wall/team", None), ("/default/wall/team", "default"),
                            ("/default/MessageWall/wall/team", "default"), ("/prod/wall/team", "prod")):
            self.assertEqual(self.call("GET", path=path, stage=stage), (200, "one\n"), path)
        self.assertEqual(self.call("POST", "two", path="/default/MessageWall/wall/team", stage="default"), (200, "one\ntwo\n"))
        self.assertEqual(self.call("GET"), (200, "No message yet."))

    def test_other_paths_are_404_and_create_nothing(self):
        for path, stage in (("/default/MessageWall", None), ("/default/MessageWall", "$default"), ("/default", None),
                            ("/default/nowhere", "default"), ("/default/MessageWall", "prod"), ("/messagewall", None),
                            ("/MessageWallx", None), ("/MessageWall/x", None), ("/MessageWall/MessageWall", None),
                            ("/wall", None), ("/MessageWall/wall", None), ("/defaultMessageWall", "default"),
                            ("/default/default/MessageWall", "default")):
            for method in ("GET", "POST", "DELETE"):
                status, message = self.call(method, "x", path=path, stage=stage)
                self.assertEqual(status, 404, (method, path, stage))
                self.assertEqual(message, "Not found. Use /, /MessageWall, /wall/<name> or /MessageWall/wall/<name>.")
        self.assertEqual(tree(self.mount), set())


class ReferenceUrlsOverHttp(ServedWall):
    def transcript(self, path):
        self.assertEqual(self.curl("GET", path=path), (200, "No message yet."))
        self.assertEqual(self.curl("POST", "Hello from EFS!", path=path), (200, "Hello from EFS!\n"))
        self.assertEqual(self.curl("POST", "Hello again :)", path=path), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.curl("GET", path=path), (200, "Hello from EFS!\nHello again :)\n"))
        self.assertEqual(self.curl("DELETE", path=path), (200, "Messages deleted."))
        self.assertEqual(self.curl("GET", path=path), (200, "No message yet."))

    def test_the_published_transcript_at_default_message_wall(self):
        self.transcript("/default/MessageWall")

    def test_the_published_transcript_at_message_wall(self):
        self.transcript("/MessageWall")

    def test_both_urls_are_one_wall_and_other_paths_are_404(self):
        self.curl("POST", "Hello from EFS!", path="/default/MessageWall")
        self.assertEqual(self.curl("GET", path="/MessageWall"), (200, "Hello from EFS!\n"))
        self.assertEqual(self.curl("GET", path="/"), (200, "Hello from EFS!\n"))
        self.assertEqual(self.curl("GET", path="/default/wall/a"), (200, "No message yet."))
        for path in ("/default/nowhere", "/prod/MessageWall", "/Default/MessageWall", "/default/MessageWall/extra"):
            self.assertEqual(self.curl("GET", path=path)[0], 404, path)

    def test_the_local_server_builds_events_for_the_default_stage(self):
        e = local_server.to_event("GET", "/default/MessageWall?x=1", {"Host": "h"}, b"", "127.0.0.1")
        self.assertEqual((e["rawPath"], e["requestContext"]["stage"]), ("/default/MessageWall", "default"))
        self.assertEqual(e["requestContext"]["http"]["path"], "/default/MessageWall")
        self.assertEqual(local_server.to_event("GET", "/default", {}, b"", "127.0.0.1")["requestContext"]["stage"], "default")
        for target in ("/MessageWall", "/", "/defaults/x", "/wall/a"):
            self.assertEqual(local_server.to_event("GET", target, {}, b"", "127.0.0.1")["requestContext"]["stage"], "$default", target)

    def test_answers_over_http_are_plain_text_with_nosniff(self):
        for method, data, path in (("GET", None, "/MessageWall"), ("POST", "a\nb", "/"), ("GET", None, "/nowhere"), ("PUT", "x", "/")):
            status, headers, _ = self.request(method, data, path=path)
            self.assertEqual(headers.get("content-type"), "text/plain; charset=utf-8", (method, path, status))
            self.assertEqual(headers.get("x-content-type-options"), "nosniff", (method, path, status))


# Findings of the second review (issue 17, item 5): each test below failed on the handler before
# the fix (walls/<name>.lock kept after DELETE; a new-wall POST listed walls/ under walls.lock).

# The bound the handler promises: MAX_WALLS named walls and the default one, LOCK_SLOTS lock
# files, walls.count, and the directories walls/ and locks/. No temporary file is ever made.
LOCK_SLOTS = 64


def file_bound(max_walls):
    return max_walls + 1 + LOCK_SLOTS + 1 + 2


def cycler(mount, index, names, barrier, failures):
    """POST to a wall of ``names`` (often a new one) then DELETE another, over and over."""
    os.environ["MOUNT_PATH"] = mount
    os.environ["MAX_WALLS"] = str(WALL_COUNT_CAP)
    rng = random.Random(index)
    barrier.wait()
    for n in range(150):
        name = rng.choice(names)
        message = f"cycler-{index}-{n}"
        answer = message_wall.handler(event("POST", message, path=f"/wall/{name}"), None)
        if answer["statusCode"] == 200 and message + "\n" not in answer["body"]:
            failures.put(f"POST {message} to {name} answered a wall without it")
        elif answer["statusCode"] == 409 and not answer["body"].startswith("Too many walls"):
            failures.put(f"POST to {name}: {answer}")
        elif answer["statusCode"] not in (200, 409):
            failures.put(f"POST to {name}: {answer}")
        for method in ("GET", "DELETE") if rng.random() < 0.6 else ("GET",):
            answer = message_wall.handler(event(method, path=f"/wall/{rng.choice(names)}"), None)
            if answer["statusCode"] != 200:
                failures.put(f"{method}: {answer}")


class WallFiles(MountedWall):
    def entries(self):
        return {name for name in tree(self.mount)}

    def test_post_then_delete_cycles_leave_no_file_behind(self):
        # Before: 3000 cycles with MAX_WALLS=5 left 3000 lock files, walls/cycle-<n>.lock (here
        # 1000, each with five fsyncs: the old handler left one file per cycle, any number shows it).
        os.environ["MAX_WALLS"] = "5"
        for n in range(1000):
            self.assertEqual(self.call("POST", "hello", path=f"/wall/cycle-{n}"), (200, "hello\n"))
            self.assertEqual(self.call("DELETE", path=f"/wall/cycle-{n}"), (200, "Messages deleted."))
        left = self.entries()
        self.assertEqual([name for name in left if "cycle-" in name], [], "a deleted wall left a file")
        self.assertEqual(os.listdir(os.path.join(self.mount, "walls")), [])
        self.assertLessEqual(len(left), file_bound(5) - 6)  # no wall at all: locks, walls.count, directories
        # The default wall too: its DELETE leaves nothing of it.
        self.call("POST", "default")
        self.call("DELETE")
        self.assertEqual([name for name in self.entries() if name.startswith("content")], [])

    def test_a_delete_keeps_the_lock_file_every_request_locks(self):
        # Removing a lock file under its lock would let a request waiting on it (the old file)
        # and a later one (a new file at the same path) both hold "the" exclusive lock. The
        # wall's lock is a slot shared with other names, never removed: the same file after a DELETE.
        slot = message_wall.lock_slot(os.path.join(self.mount, "walls", "team"))
        self.call("POST", "x", path="/wall/team")
        before = os.stat(slot).st_ino
        self.assertEqual(self.call("DELETE", path="/wall/team"), (200, "Messages deleted."))
        self.assertEqual(os.stat(slot).st_ino, before)
        others = [name for name in (f"n{n}" for n in range(1000))
                  if message_wall.lock_slot(os.path.join(self.mount, "walls", name)) == slot]
        self.assertGreater(len(others), 5)  # about 1000 / 64 names share it

    def test_the_files_on_the_mount_are_bounded_whatever_clients_do(self):
        os.environ["MAX_WALLS"] = "5"
        rng = random.Random(17)
        names = [f"n{n}" for n in range(400)]
        for _ in range(2000):
            path = rng.choice(["/", f"/wall/{rng.choice(names)}", f"/wall/{rng.choice(names)}"])
            self.assertIn(self.call("POST", "x", path=path)[0], (200, 409))
            if rng.random() < 0.8:  # most walls deleted as soon as made: the cheapest way to new names
                self.assertEqual(self.call("DELETE", path=path)[0], 200)
            self.assertEqual(self.call(rng.choice(["GET", "DELETE"]), path=f"/wall/{rng.choice(names)}")[0], 200)
        self.assertLessEqual(len(self.entries()), file_bound(5))
        self.assertEqual(message_wall.LOCK_SLOTS, LOCK_SLOTS)

    def test_no_directory_is_listed_on_the_request_path(self):
        # Before: every POST to a new wall listed walls/ while holding walls.lock.
        os.environ["MAX_WALLS"] = "3"
        listing = AssertionError("a request listed a directory")
        with unittest.mock.patch.object(message_wall.os, "scandir", side_effect=listing), \
                unittest.mock.patch.object(message_wall.os, "listdir", side_effect=listing):
            for n in range(3):
                self.assertEqual(self.call("POST", "x", path=f"/wall/w{n}"), (200, "x\n"))
            self.assertEqual(self.call("POST", "x", path="/wall/w3"), (
                409, "Too many walls: there are 3 and the cap is 3 (MAX_WALLS). POST to an existing wall, or DELETE one to make room."))
            self.assertEqual(self.call("DELETE", path="/wall/w0"), (200, "Messages deleted."))
            self.assertEqual(self.call("POST", "y", path="/wall/w3"), (200, "y\n"))
            self.assertEqual(self.call("POST", "z", path="/wall/w1"), (200, "x\nz\n"))
            self.assertEqual(self.call("POST", "x", path="/wall/w4")[0], 409)
            self.assertEqual(self.call("GET", path="/wall/w3"), (200, "y\n"))

    def test_processes_creating_and_deleting_walls_keep_an_exact_count_and_bounded_files(self):
        context = multiprocessing.get_context("fork")
        processes_count = 6
        barrier = context.Barrier(processes_count)
        failures = context.Queue()
        names = [f"r{n}" for n in range(12)]
        processes = [context.Process(target=cycler, args=(self.mount, i, names, barrier, failures)) for i in range(processes_count)]
        for p in processes:
            p.start()
        for p in processes:
            p.join(timeout=300)
            self.assertEqual(p.exitcode, 0)
        problems = []
        while not failures.empty():
            problems.append(failures.get())
        self.assertEqual(problems, [])
        self.assertLessEqual(len(self.entries()), file_bound(WALL_COUNT_CAP))
        # The count is exact: exactly as many new walls fit as the cap leaves room for.
        os.environ["MAX_WALLS"] = str(WALL_COUNT_CAP)
        existing = message_wall.wall_count(os.path.join(self.mount, "walls"))
        self.assertLessEqual(existing, WALL_COUNT_CAP)
        for n in range(WALL_COUNT_CAP - existing):
            self.assertEqual(self.call("POST", "x", path=f"/wall/after-{n}")[0], 200)
        self.assertEqual(self.call("POST", "x", path="/wall/one-too-many")[0], 409)


def die_midway(mount, method, name, when):
    """One request that dies (as a Lambda timeout would end it) before or after its wall changed."""
    os.environ["MOUNT_PATH"] = mount
    os.environ["MAX_WALLS"] = "3"
    original = message_wall.append_line if method == "POST" else message_wall.remove_wall

    def act(*args, **kwargs):
        if when == "after":
            original(*args, **kwargs)
        os._exit(3)

    setattr(message_wall, "append_line" if method == "POST" else "remove_wall", act)
    message_wall.handler(event(method, "x", path=f"/wall/{name}"), None)
    os._exit(0)  # not reached when the change was made


class CountRepair(MountedWall):
    def count_record(self):
        with open(os.path.join(self.mount, "walls.count"), "rb") as record:
            return message_wall.parse_count(record.read())

    def die(self, method, name, when):
        process = multiprocessing.get_context("fork").Process(target=die_midway, args=(self.mount, method, name, when))
        process.start()
        process.join(timeout=60)
        self.assertEqual(process.exitcode, 3, "the request did not reach its change")

    def test_a_request_that_dies_midway_leaves_the_count_exact(self):
        os.environ["MAX_WALLS"] = "3"
        self.assertEqual(self.call("POST", "a", path="/wall/a")[0], 200)
        for method, name, when, walls in (("POST", "b", "before", {"a"}), ("POST", "b", "after", {"a", "b"}),
                                          ("DELETE", "a", "before", {"a", "b"}), ("DELETE", "a", "after", {"b"})):
            self.die(method, name, when)
            self.assertEqual(set(os.listdir(os.path.join(self.mount, "walls"))), walls, (method, when))
            self.assertEqual(self.count_record()[1:], ("0" if method == "POST" else "1", name))  # the change in flight
            # The next request to take the count repairs it: exactly 3 - len(walls) more fit.
            for n in range(3 - len(walls)):
                self.assertEqual(self.call("POST", "x", path=f"/wall/fill-{n}")[0], 200, (method, when))
            self.assertEqual(self.call("POST", "x", path="/wall/one-too-many"), (
                409, "Too many walls: there are 3 and the cap is 3 (MAX_WALLS). POST to an existing wall, or DELETE one to make room."))
            for n in range(3 - len(walls)):
                self.assertEqual(self.call("DELETE", path=f"/wall/fill-{n}")[0], 200)
            self.assertEqual(self.count_record(), (len(walls), "-", ""))

    def test_a_record_that_is_not_one_is_counted_again(self):
        for name in ("a", "b"):
            self.call("POST", "x", path=f"/wall/{name}")
        for bad in (b"", b"garbage", b"0000000002 - " + b" " * 64 + b"\n" + b"more", b"00000000x2 - " + b" " * 64 + b"\n"):
            with open(os.path.join(self.mount, "walls.count"), "wb") as record:
                record.write(bad)
            self.assertEqual(self.call("POST", "y", path="/wall/c"), (200, "y\n"), bad)
            self.assertEqual(self.count_record(), (3, "-", ""))
            self.assertEqual(self.call("DELETE", path="/wall/c"), (200, "Messages deleted."))

    def test_a_mount_of_the_earlier_layout_is_counted_once_and_its_lock_files_removed(self):
        os.environ["MAX_WALLS"] = "3"
        os.makedirs(os.path.join(self.mount, "walls"))
        for name in ("walls/a", "walls/b", "walls/a.lock", "walls/b.lock", "walls/gone.lock", "walls.lock", "content.lock"):
            with open(os.path.join(self.mount, name), "w", encoding="utf-8") as f:
                f.write("old\n" if "." not in name else "")
        self.assertEqual(self.call("POST", "c", path="/wall/c"), (200, "c\n"))
        self.assertEqual(self.call("POST", "d", path="/wall/d")[0], 409)
        self.assertEqual({name for name in tree(self.mount) if ".lock" in name}, set())
        with unittest.mock.patch.object(message_wall.os, "scandir", side_effect=AssertionError("listed")):
            self.assertEqual(self.call("DELETE", path="/wall/a"), (200, "Messages deleted."))
            self.assertEqual(self.call("POST", "d", path="/wall/d"), (200, "d\n"))
            self.assertEqual(self.call("POST", "new", path="/wall/b"), (200, "old\nnew\n"))


def imported_modules(path):
    with open(path, encoding="utf-8") as source:
        tree_ = ast.parse(source.read(), path)
    for node in ast.walk(tree_):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


class Hygiene(unittest.TestCase):
    def test_no_test_file_is_imported_by_a_test_or_the_bench(self):
        # Shared test helpers live in test_support.py; tests import no other test file and the
        # bench imports no test file at all.
        bench = os.path.join(HERE, "..", "..", "..", "bench", "message-wall", "bench.py")
        self.assertEqual([m for m in imported_modules(bench) if m.split(".")[-1].startswith("test")], [])
        for name in os.listdir(HERE):
            if name.startswith("test_") and name.endswith(".py"):
                tests = [m for m in imported_modules(os.path.join(HERE, name)) if m.startswith("test_")]
                self.assertTrue(set(tests) <= {"test_support"}, f"{name} imports {tests}")
                if name == "test_support.py":
                    self.assertEqual(tests, [])

if __name__ == "__main__":
    unittest.main()
