"""MessageWall: a message wall kept in one file on a shared EFS mount.

A Lambda handler for API Gateway HTTP API events (payload format 2.0), standard library only.

    GET     answers the wall, or "No message yet."
    POST    appends the body and a newline, answers the whole wall
    DELETE  removes the wall, answers "Messages deleted."
    other   405 "Method unsupported."

Paths. On a named stage (``requestContext.stage`` not ``$default``) API Gateway puts the stage
in front of the path (``https://<api>/default/MessageWall`` arrives as rawPath
``/default/MessageWall``); that ``/<stage>`` prefix is removed first. Then:

    /  and  /MessageWall                      the default wall, ``<mount>/content``
    /wall/<name>  and  /MessageWall/wall/<name>   a separate wall, ``<mount>/walls/<name>``

Trailing slashes are ignored; names are 1 to 64 letters, digits, ``-`` or ``_`` (else 400);
any other path is 404. So the reference URLs ``/default/MessageWall`` (stage ``default``) and
``/MessageWall`` (``$default`` stage) both reach the default wall, as ``/`` always did.

One message, one line. A message is UTF-8 text without line breaks or control characters:
CR, LF and every other C0 control, DEL, the C1 controls (U+0080 to U+009F) and the Unicode
line and paragraph separators (U+2028, U+2029) are refused with 400; tab is allowed. So every
message is stored as exactly one line and no message can forge another.

Limits, from the environment (checked at import and at each use; a bad value fails the import
with a ValueError that names the variable, and answers 500 "misconfigured" if set later):

    MOUNT_PATH       the mount, default /mnt/msg
    MAX_BODY_BYTES   largest message in bytes, default 65536 (64 KiB); over it: 413
    MAX_WALL_BYTES   largest wall in bytes, default 1048576 (1 MiB), at most
                     MAX_WALL_BYTES_CEILING (1978154)
    MAX_WALLS        most named walls, default 100, at most MAX_WALLS_CEILING (10000)

A POST that would make the wall larger than MAX_WALL_BYTES is refused with 413 "The wall is
full" (with the wall's size and the cap; DELETE empties it), and nothing is written. Lambda
refuses a response payload over 6 MB, and the JSON of an answer can be up to three times the
wall's bytes (a 2-byte character such as "é" becomes the 6 characters \\u00e9; answers are never
base64-encoded, which would add only a third); the ceiling keeps three times the largest wall
plus 64 KiB of envelope under 6,000,000 bytes, so no answer can exceed the limit. A wall
written around this handler (before the cap, or by another program) whose answer would not
fit is answered with 409 and the same advice; DELETE always works. A wall that is not valid
UTF-8 is answered with U+FFFD for the bad bytes.

Named walls are counted: a POST that would create one more than MAX_WALLS is refused with 409
"Too many walls" (with the count and the cap; POST to an existing wall or DELETE one), and
nothing is written. With both caps the messages on the mount never exceed (MAX_WALLS + 1) x
MAX_WALL_BYTES, about 101 MiB by default; without the count, an open endpoint could fill the
file system one new wall name at a time.

Every answer is ``text/plain; charset=utf-8`` with ``X-Content-Type-Options: nosniff``.

Locking. Every read or change of a wall holds a ``flock`` (shared to read, exclusive to
append or delete) so that concurrent execution environments never interleave a line, and a
delete can never drop a message whose POST was answered after it: the writer opens the wall
only after it holds the lock. The lock is one of LOCK_SLOTS (64) fixed files,
``<mount>/locks/00`` to ``63``, chosen by a CRC-32 of the wall's path: walls that share a slot
wait for each other, nothing more. Slots are never removed, so a DELETE leaves nothing of its
wall behind and no request that holds or waits for a lock can lose it (removing a lock file
under its lock would let a waiter, holding the old file, and a newcomer, creating a new one at
the same path, both hold "the" exclusive lock). Only a POST creates a slot (and ``locks/``),
before its wall, so a GET or DELETE that finds neither has nothing to read or remove and
answers without creating any file; one that finds a wall without its slot (a wall of an
earlier version) creates the slot and takes the lock.

Counting. ``<mount>/walls.count`` holds the number of named walls in a fixed-size record and is
its own lock. Creating or removing a named wall holds it exclusively (after the wall's slot,
always in that order; appends to an existing wall and reads never take it) and writes the
record twice, fsync'd: first the change in flight (count, name, whether the wall existed),
then the new count. A request that dies between the two (a Lambda timeout) leaves the first,
and the next holder repairs it from whether that one wall exists: the count stays exact, and no
request lists the directory. Only a mount without a record (new, or written by an earlier
version) is listed, once, to start the count; the earlier layout's lock files (``walls.lock``,
``content.lock``, ``walls/<name>.lock``) are removed then. A POST to a new wall is refused
before any file is made when the record, read under a shared lock, is at the cap.

Files on the mount, whatever clients do: at most MAX_WALLS + 1 walls, LOCK_SLOTS lock files,
``walls.count`` and the directories ``walls`` and ``locks``; no temporary file is made. With the
defaults that is 101 + 64 + 1 + 2 = 168 entries.

EFS. "NFS client applications can use NFS version 4 file locking (including byte-range
locking) for read and write operations on Amazon EFS files"; locks are advisory, and "any one
particular file can have up to 512 locks across all instances connected and users accessing
the file" (Amazon EFS User Guide, "Features of Amazon EFS", File locking:
https://docs.aws.amazon.com/efs/latest/ug/features.html). One request holds at most two locks
(its slot and walls.count), far below 512 per file at the concurrency the API allows. Linux
emulates ``flock`` on NFS with a whole-file byte-range lock (flock(2), since 2.6.12): the lock
then belongs to the process, an exclusive one needs the file open for writing (lock files are
opened read-write), and closing any descriptor of the file releases it, so no request opens a
file it holds locked a second time. A Lambda environment serves one request at a time.
"""

import base64
import binascii
import fcntl
import json
import logging
import os
import re
import zlib
from contextlib import contextmanager

LOGGER = logging.getLogger(__name__)

DEFAULT_MOUNT_PATH = "/mnt/msg"
DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_MAX_WALL_BYTES = 1024 * 1024
# Lambda's limit on a synchronous response payload (the JSON the function returns) is "6 MB":
# the stricter, decimal reading.
RESPONSE_LIMIT_BYTES = 6_000_000
# The JSON of an answer: at most 3 bytes per byte of wall ("é" is 2 bytes, \u00e9 6; refused
# control characters aside, which would take 6), plus the status code and headers.
WORST_JSON_GROWTH = 3
ENVELOPE_BYTES = 64 * 1024
MAX_WALL_BYTES_CEILING = (RESPONSE_LIMIT_BYTES - ENVELOPE_BYTES) // WORST_JSON_GROWTH
# The bytes JSON writes as 6 characters (\u0001): C0 controls but tab and line feed, and DEL.
SIX_BYTE_ESCAPES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A)) + b"\x7f"
# A message body is never more than a request payload can be.
MAX_BODY_BYTES_CEILING = RESPONSE_LIMIT_BYTES
DEFAULT_MAX_WALLS = 100
# The walls directory is listed once, to start the count on a mount that has none: keep it small.
MAX_WALLS_CEILING = 10_000
# Lock files: a fixed number, whatever the walls are called, never removed (so a request that
# holds or waits for one never loses it to a DELETE). Two walls may share one: they then wait
# for each other, no more.
LOCK_SLOTS = 64
LOCKS_DIRECTORY = "locks"
COUNT_FILE = "walls.count"

WALL_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
DEFAULT_WALL_PREFIX = "MessageWall"
NOT_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
CHARACTER_NAMES = {"\n": "a line break", "\r": "a carriage return", "\u2028": "a line separator",
                   "\u2029": "a paragraph separator", "\x85": "a next-line control"}
BASE_HEADERS = {"content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff"}


class HttpError(Exception):
    """A client-visible failure: status code and message."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ConfigurationError(ValueError):
    """An environment variable with a value the handler cannot use."""


def respond(status, text, headers=None):
    return {"statusCode": status, "headers": {**BASE_HEADERS, **(headers or {})}, "body": text}


def payload_bytes(answer):
    """The size of the answer as a response payload; non-ASCII escaped, the larger of the two JSON forms."""
    return len(json.dumps(answer, ensure_ascii=True))


def mount_path():
    return os.environ.get("MOUNT_PATH", DEFAULT_MOUNT_PATH)


def count_setting(name, default, ceiling, unit):
    """A count from the environment: unset or empty means the default; anything but 1..ceiling is an error."""
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return default
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= ceiling:
        raise ConfigurationError(f"{name}={raw} is not a whole number of {unit} from 1 to {ceiling}.")
    return int(value)


def max_body_bytes():
    return count_setting("MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES_CEILING, "bytes")


def max_wall_bytes():
    return count_setting("MAX_WALL_BYTES", DEFAULT_MAX_WALL_BYTES, MAX_WALL_BYTES_CEILING, "bytes")


def max_walls():
    return count_setting("MAX_WALLS", DEFAULT_MAX_WALLS, MAX_WALLS_CEILING, "walls")


def limits():
    """Every limit, so that a misconfiguration fails every request alike."""
    return max_body_bytes(), max_wall_bytes(), max_walls()


def route_path(event):
    """The request path without the ``/<stage>`` API Gateway puts in front of it on a named stage."""
    raw_path = event.get("rawPath")
    path = raw_path if isinstance(raw_path, str) and raw_path else "/"
    context = event.get("requestContext")
    stage = context.get("stage") if isinstance(context, dict) else None
    if isinstance(stage, str) and stage and stage != "$default":
        prefix = "/" + stage
        if path == prefix or path.startswith(prefix + "/"):
            path = path[len(prefix):] or "/"
    return path


def wall_file(path):
    """Map the path to the wall's file; names are checked so no path leaves the mount."""
    trimmed = path.strip("/")
    parts = trimmed.split("/") if trimmed else []
    if parts[:1] == [DEFAULT_WALL_PREFIX]:
        parts = parts[1:]
    if not parts:
        return os.path.join(mount_path(), "content")
    if len(parts) == 2 and parts[0] == "wall":
        name = parts[1]
        if not WALL_NAME_PATTERN.fullmatch(name):
            raise HttpError(400, "Wall names are 1 to 64 letters, digits, '-' or '_'.")
        return os.path.join(walls_directory(), name)
    raise HttpError(404, "Not found. Use /, /MessageWall, /wall/<name> or /MessageWall/wall/<name>.")


def walls_directory():
    return os.path.join(mount_path(), "walls")


def check_mounted():
    if not os.path.isdir(mount_path()):
        raise HttpError(503, "The message store is not available: the file system is not mounted.")


def lock_slot(path):
    """The lock file of the wall at ``path``: one of LOCK_SLOTS fixed files, by a stable hash of its name."""
    key = os.path.relpath(path, mount_path()).encode("utf-8")
    return os.path.join(mount_path(), LOCKS_DIRECTORY, f"{zlib.crc32(key) % LOCK_SLOTS:02d}")


def open_lock(lock, create):
    """A descriptor of the lock file (read-write: NFS needs it for an exclusive lock); None when it does not exist and ``create`` is False."""
    if create:
        os.makedirs(os.path.dirname(lock), exist_ok=True)
    try:
        return os.open(lock, os.O_RDWR | (os.O_CREAT if create else 0), 0o640)
    except FileNotFoundError:
        if create:
            raise
        return None


@contextmanager
def locked(path, exclusive, create):
    """Hold a flock on the wall's lock slot and yield True; slots are never removed, the wall may be.

    With ``create`` False (readers and deleters) nothing is created for a wall that does not
    exist: when there is neither the slot's lock file nor a wall, yield False without locking.
    A writer creates the slot before the wall, and slots are never removed, so a missing slot
    means no wall of this slot was ever written here (a wall of an earlier version is the
    exception: it gets its slot like any other).
    """
    lock = lock_slot(path)
    fd = open_lock(lock, create)
    if fd is None and os.path.lexists(path):
        fd = open_lock(lock, True)
    if fd is None:
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield True
    finally:
        os.close(fd)  # closing releases the lock


def read_wall(path):
    """The wall's bytes (empty when there is no wall), or None when it has more bytes than any answer can carry."""
    try:
        wall = open(path, "rb")
    except FileNotFoundError:
        return b""
    with wall:
        if os.fstat(wall.fileno()).st_size > RESPONSE_LIMIT_BYTES:
            return None
        content = wall.read(RESPONSE_LIMIT_BYTES + 1)
    return None if len(content) > RESPONSE_LIMIT_BYTES else content


def wall_size(path):
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def too_large(path, status):
    return HttpError(status, f"The wall holds {wall_size(path)} bytes: its answer would be over the 6 MB response "
                             f"limit (walls are capped at {max_wall_bytes()} bytes, MAX_WALL_BYTES). "
                             "DELETE the wall to empty it.")


def wall_answer(content):
    """The 200 answer of a wall's bytes, or None when it would be over the response limit."""
    try:
        text, valid = content.decode("utf-8"), True
    except UnicodeDecodeError:
        text, valid = content.decode("utf-8", errors="replace"), False
    answer = respond(200, text)
    # A byte of the wall takes at most 6 bytes of JSON (a control character as \u0001, a bad
    # byte as \ufffd); valid UTF-8 at most 3, but for the controls JSON writes as \u00XX.
    if 6 * len(content) + ENVELOPE_BYTES <= RESPONSE_LIMIT_BYTES:
        return answer
    if valid:
        escaped = len(content) - len(content.translate(None, SIX_BYTE_ESCAPES))
        if WORST_JSON_GROWTH * (len(content) + escaped) + ENVELOPE_BYTES <= RESPONSE_LIMIT_BYTES:
            return answer
    return answer if payload_bytes(answer) <= RESPONSE_LIMIT_BYTES else None


def wall_count(directory):
    """The named walls in ``directory``, listed: only to start the count on a mount that has none."""
    if not os.path.isdir(directory):
        return 0
    with os.scandir(directory) as entries:
        return sum(1 for entry in entries if WALL_NAME_PATTERN.fullmatch(entry.name))


def count_file():
    return os.path.join(mount_path(), COUNT_FILE)


def count_record(count, name=None, existed=False):
    """The fixed-size record of walls.count: the count, and the wall being created or removed, if any."""
    state = "-" if name is None else "1" if existed else "0"
    return f"{count:010d} {state} {name or '':<64}\n".encode("ascii")


COUNT_RECORD_BYTES = len(count_record(0))


def parse_count(data):
    """(count, state, name) of a walls.count record, or None when it is not one (empty, torn, foreign)."""
    if len(data) != COUNT_RECORD_BYTES or not data.isascii():
        return None
    text = data.decode("ascii")
    count, state, name = text[:10], text[11], text[13:-1].rstrip(" ")
    if not count.isdigit() or text[10] != " " or text[12] != " " or text[-1] != "\n" or state not in "-01":
        return None
    if (state == "-") != (name == "") or (name and not WALL_NAME_PATTERN.fullmatch(name)):
        return None
    return int(count), state, name


def remove_earlier_lock_files():
    """Remove the lock files of the earlier layout (one per wall, never removed, and walls.lock)."""
    legacy = [os.path.join(mount_path(), "walls.lock"), os.path.join(mount_path(), "content.lock")]
    if os.path.isdir(walls_directory()):
        with os.scandir(walls_directory()) as entries:
            legacy += [entry.path for entry in entries if entry.name.endswith(".lock")]
    for path in legacy:
        try:
            os.remove(path)
        except OSError:  # gone already, or not a file: harmless, this is only tidying
            pass


class WallCounter:
    """walls.count held exclusively: the exact number of named walls, changed only with a wall."""

    def __init__(self, fd):
        self.fd = fd
        self.count = self.settle()

    def write(self, record):
        os.pwrite(self.fd, record, 0)
        os.fsync(self.fd)

    def settle(self):
        """The count, repaired when a request died mid-change, started when there is none."""
        record = parse_count(os.pread(self.fd, COUNT_RECORD_BYTES + 1, 0))
        if record is None:
            # No count yet (a new mount, or one of an earlier version), or a record that is not
            # one: list the walls once. Every later request reads the record instead.
            count = wall_count(walls_directory())
            remove_earlier_lock_files()
            os.ftruncate(self.fd, 0)
            self.write(count_record(count))
            return count
        count, state, name = record
        if state != "-":
            # The request that wrote this died between its two writes: whether the wall exists
            # now says whether its change happened. Nobody else changes a named wall meanwhile:
            # creating or removing one takes this lock.
            exists = os.path.lexists(os.path.join(walls_directory(), name))
            count = count - (state == "1") + exists
            self.write(count_record(count))
        return count

    def change(self, name, existed, act):
        """Create (``existed`` False) or remove the wall ``name`` with ``act``, counted exactly even if this dies midway."""
        self.write(count_record(self.count, name, existed))
        try:
            act()
        finally:
            exists = os.path.lexists(os.path.join(walls_directory(), name))
            self.count = self.count - existed + exists
            self.write(count_record(self.count))


@contextmanager
def counted():
    """Hold an exclusive flock on walls.count (a lock and the record in one file) and yield its WallCounter."""
    fd = os.open(count_file(), os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield WallCounter(fd)
    finally:
        os.close(fd)  # closing releases the lock


def too_many_walls(count, cap):
    return HttpError(409, f"Too many walls: there are {count} and the cap is {cap} (MAX_WALLS). "
                          "POST to an existing wall, or DELETE one to make room.")


def is_named(path):
    return os.path.dirname(path) == walls_directory()


def refuse_when_full(path):
    """Refuse a new named wall past MAX_WALLS (409) before any file is made for it.

    Under a shared flock on walls.count no named wall is created or removed, so the count and
    the wall's absence are seen at one instant. A POST that passes is counted again under the
    exclusive lock, where the wall is created.
    """
    if not is_named(path):
        return
    cap = max_walls()
    try:
        fd = os.open(count_file(), os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        record = parse_count(os.pread(fd, COUNT_RECORD_BYTES + 1, 0))
        if record is not None and record[1] == "-" and record[0] >= cap and not os.path.lexists(path):
            raise too_many_walls(record[0], cap)
    finally:
        os.close(fd)


def append_line(path, line, new):
    """Append ``line`` and fsync; on failure take the wall back to what it was (a new wall: removed)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | (os.O_EXCL if new else 0), 0o640)
    size = os.fstat(fd).st_size
    try:
        written = 0
        while written < len(line):
            written += os.write(fd, line[written:])
        os.fsync(fd)
    except BaseException:
        try:
            if new:
                os.remove(path)
            else:
                os.ftruncate(fd, size)
        finally:
            os.close(fd)
        raise
    os.close(fd)


def get_messages(path):
    with locked(path, exclusive=False, create=False) as exists:
        content = read_wall(path) if exists else b""
    if content == b"":
        return respond(200, "No message yet.")
    answer = wall_answer(content) if content is not None else None
    if answer is None:
        raise too_large(path, 409)
    return answer


def post_message(path, text):
    line = (text + "\n").encode("utf-8")
    cap = max_wall_bytes()
    if len(line) > cap:  # refused before the lock: a new wall's lock file is not created for it
        raise HttpError(413, f"The message needs {len(line)} bytes and a wall holds at most {cap} bytes (MAX_WALL_BYTES).")
    refuse_when_full(path)
    with locked(path, exclusive=True, create=True):
        # Under the exclusive lock nobody else appends: the wall after this POST is exactly
        # what is there now plus this line, so check it before anything is written.
        content = read_wall(path)
        if content is None:
            raise too_large(path, 413)
        if len(content) + len(line) > cap:
            raise HttpError(413, f"The wall is full: it holds {len(content)} bytes, this message needs {len(line)} "
                                 f"more and the cap is {cap} bytes (MAX_WALL_BYTES). DELETE the wall to empty it.")
        answer = wall_answer(content + line)
        if answer is None:  # only a wall written around this handler, with characters JSON escapes
            raise too_large(path, 413)
        if not is_named(path) or os.path.lexists(path):
            append_line(path, line, new=False)
            return answer
        # A new named wall: counted and created under walls.count (after the wall's lock, always
        # in that order), so concurrent environments never pass the cap.
        walls = max_walls()
        with counted() as counter:
            if counter.count >= walls:
                raise too_many_walls(counter.count, walls)
            os.makedirs(walls_directory(), exist_ok=True)
            counter.change(os.path.basename(path), existed=False, act=lambda: append_line(path, line, new=True))
    return answer


def remove_wall(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def delete_messages(path):
    with locked(path, exclusive=True, create=False) as exists:
        if exists and os.path.lexists(path):
            if is_named(path):
                with counted() as counter:
                    counter.change(os.path.basename(path), existed=True, act=lambda: remove_wall(path))
            else:
                remove_wall(path)
    return respond(200, "Messages deleted.")


def describe(char):
    name = CHARACTER_NAMES.get(char, "a control character")
    return f"{name} (U+{ord(char):04X})"


def request_body(event):
    """The body as text: base64-decoded when flagged, non-empty, within the limit, UTF-8, one line."""
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
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "The message must be UTF-8 text.")
    bad = NOT_ONE_LINE.search(text)
    if bad:
        raise HttpError(400, f"The message must be one line of text: character {bad.start() + 1} is "
                             f"{describe(bad.group())}. Line breaks and control characters are refused; tab is allowed.")
    return text


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
    path = wall_file(route_path(event))
    if method not in ("GET", "POST", "DELETE"):
        return respond(405, "Method unsupported.", {"allow": "GET, POST, DELETE"})
    limits()
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
    except ConfigurationError as error:
        LOGGER.error("message wall misconfigured: %s", error)
        return respond(500, "Internal error: the function is misconfigured (see its log).")
    except Exception:  # pylint: disable=broad-except
        LOGGER.exception("message wall request failed")
        return respond(500, "Internal error: the request was not completed.")


# Check the limits once at import: a bad value fails the function's initialisation, by name.
limits()
