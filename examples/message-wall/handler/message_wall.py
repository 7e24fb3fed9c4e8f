"""MessageWall: a message wall kept in one file on a shared EFS mount.

A Lambda handler for API Gateway HTTP API events (payload format 2.0), standard library only.

    GET     answers the wall, or "No message yet."
    POST    appends the body and a newline, answers the whole wall
    DELETE  removes the wall, answers "Messages deleted."
    other   "Method unsupported."

The default wall lives in ``<mount>/content``; ``/wall/<name>`` addresses a separate wall in
``<mount>/walls/<name>``. Every operation on a wall holds a ``flock`` on a lock file next to
it (shared to read, exclusive to append or delete), so that concurrent execution
environments never interleave a line, and a delete can never drop a message whose POST was
answered after it: the writer opens the wall only after it holds the lock.
"""

import base64
import binascii
import fcntl
import logging
import os
import re
from contextlib import contextmanager

LOGGER = logging.getLogger(__name__)

DEFAULT_MOUNT_PATH = "/mnt/msg"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
WALL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TEXT_PLAIN = {"content-type": "text/plain; charset=utf-8"}


class HttpError(Exception):
    """A client-visible failure: status code and message."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def respond(status, text, headers=None):
    return {"statusCode": status, "headers": {**TEXT_PLAIN, **(headers or {})}, "body": text}


def mount_path():
    return os.environ.get("MOUNT_PATH", DEFAULT_MOUNT_PATH)


def max_body_bytes():
    raw = os.environ.get("MAX_BODY_BYTES", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BODY_BYTES


def wall_file(raw_path):
    """Map the request path to the wall's file; names are checked so no path leaves the mount."""
    path = raw_path if isinstance(raw_path, str) and raw_path else "/"
    if path == "/":
        return os.path.join(mount_path(), "content")
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "wall":
        name = parts[1]
        if not WALL_NAME_PATTERN.match(name):
            raise HttpError(400, "Wall names are 1 to 64 letters, digits, '-' or '_'.")
        return os.path.join(mount_path(), "walls", name)
    raise HttpError(404, "Not found. Use / or /wall/<name>.")


def check_mounted():
    if not os.path.isdir(mount_path()):
        raise HttpError(503, "The message store is not available: the file system is not mounted.")


@contextmanager
def locked(path, exclusive):
    """Hold a flock on ``<path>.lock``; the lock file is never removed, the wall may be."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_wall(path):
    try:
        with open(path, "r", encoding="utf-8") as wall:
            return wall.read()
    except FileNotFoundError:
        return ""


def get_messages(path):
    with locked(path, exclusive=False):
        content = read_wall(path)
    return respond(200, content or "No message yet.")


def post_message(path, text):
    line = (text + "\n").encode("utf-8")
    with locked(path, exclusive=True):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        content = read_wall(path)
    return respond(200, content)


def delete_messages(path):
    with locked(path, exclusive=True):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    return respond(200, "Messages deleted.")


def request_body(event):
    """The body as text: base64-decoded when flagged, non-empty, within the limit, UTF-8."""
    body = event.get("body")
    if body is None or body == "":
        raise HttpError(400, "The message is empty: send the text as the request body.")
    if not isinstance(body, str):
        raise HttpError(400, "The request body must be text.")
    if event.get("isBase64Encoded") is True:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(400, "The request body is flagged base64 but is not valid base64.")
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    limit = max_body_bytes()
    if len(raw) > limit:
        raise HttpError(413, f"The message is {len(raw)} bytes; the limit is {limit} bytes.")
    if not raw.strip():
        raise HttpError(400, "The message is empty: send the text as the request body.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "The message must be UTF-8 text.")


def request_method(event):
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    method = http.get("method") if isinstance(http, dict) else None
    if not isinstance(method, str) or not method:
        raise HttpError(400, "Not an HTTP API (payload 2.0) request: requestContext.http.method is missing.")
    return method.upper()


def handle(event):
    if not isinstance(event, dict):
        raise HttpError(400, "Not an HTTP API (payload 2.0) request.")
    method = request_method(event)
    path = wall_file(event.get("rawPath"))
    if method not in ("GET", "POST", "DELETE"):
        return respond(405, "Method unsupported.", {"allow": "GET, POST, DELETE"})
    check_mounted()
    if method == "GET":
        return get_messages(path)
    if method == "POST":
        return post_message(path, request_body(event))
    return delete_messages(path)


def handler(event, context):
    """Lambda entry point: always answers, never raises."""
    try:
        return handle(event)
    except HttpError as error:
        return respond(error.status, error.message, error.headers)
    except Exception:  # pylint: disable=broad-except
        LOGGER.exception("message wall request failed")
        return respond(500, "Internal error: the request was not completed.")
