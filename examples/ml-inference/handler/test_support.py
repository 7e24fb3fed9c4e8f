"""Helpers shared by the MLInference tests: local servers, network guards, stubbed DNS, URL corpora.

Not a test file (it defines no tests); the tests import it, nothing imports the tests. The CDK
asset leaves it out with the tests (``test_*.py``). The small hub model
(``bench/ml-inference/tiny_model.py``) and the stand-in for Lambda's init phase and its 10 s
budget (``bench/ml-inference/lambda_harness.py``) live outside the handler directory so they
never ship in the asset; the bench imports them directly and the tests through this module.
"""

import contextlib
import ipaddress
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
from http.server import ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench", "ml-inference"))
import safe_fetch  # noqa: E402
from tiny_model import image_bytes, make_local_hub, png  # noqa: E402,F401  (re-exported for the tests)
from lambda_harness import ColdStart, cold_start, init_budget_for  # noqa: E402,F401  (re-exported for the tests)

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]
PUBLIC_IPV4 = "93.184.216.34"  # never contacted: every test that resolves to it also blocks connections


def serve(handler_class):
    """Start an HTTP server on 127.0.0.1 in a thread; return it and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop(server):
    server.shutdown()
    server.server_close()


def self_signed_certificate(directory):
    """(cert, key) files for 127.0.0.1, made with the openssl command; None when it is missing or fails."""
    if not shutil.which("openssl"):
        return None
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                           "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                          capture_output=True, timeout=60, check=False)
    return (cert, key) if made.returncode == 0 else None


@contextlib.contextmanager
def tls_server(handler_class):
    """An HTTPS server on 127.0.0.1 with a fresh self-signed certificate: yields (base URL, client SSL context), or None."""
    directory = tempfile.mkdtemp(prefix="tls-")
    try:
        pair = self_signed_certificate(directory)
        if pair is None:
            yield None
            return
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*pair)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"https://127.0.0.1:{server.server_address[1]}", ssl.create_default_context(cafile=pair[0])
        finally:
            stop(server)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def allow_local_server(port):
    """Let safe_fetch reach a local test server: loopback and its port, set by code as production never does."""
    safe_fetch.ALLOWED_TEST_NETWORKS = LOOPBACK
    safe_fetch.ALLOWED_PORTS = frozenset(safe_fetch.DEFAULT_ALLOWED_PORTS | {port})


def production_rules():
    """Back to the production rules: no test network, the default ports."""
    safe_fetch.ALLOWED_TEST_NETWORKS = []
    safe_fetch.ALLOWED_PORTS = safe_fetch.DEFAULT_ALLOWED_PORTS


class NoNetwork:
    """Fail any outgoing connection while active (also to loopback)."""

    def __init__(self, allow=()):
        self.allow = set(allow)

    def __enter__(self):
        self.saved = socket.socket.connect, socket.socket.connect_ex, socket.create_connection
        real_connect, real_connect_ex, real_create = self.saved
        allow = self.allow

        def check(address):
            host = address[0] if isinstance(address, tuple) else address
            if host not in allow:
                raise AssertionError(f"network access to {address!r} in a test")

        def connect(sock, address):
            check(address)
            return real_connect(sock, address)

        def connect_ex(sock, address):
            check(address)
            return real_connect_ex(sock, address)

        def create_connection(address, *args, **kwargs):
            check(address)
            return real_create(address, *args, **kwargs)

        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex
        socket.create_connection = create_connection
        return self

    def __exit__(self, *exc):
        socket.socket.connect, socket.socket.connect_ex, socket.create_connection = self.saved


def loopback_only():
    """Connections to 127.0.0.1 and ::1 only: what these tests may contact."""
    return NoNetwork(allow=("127.0.0.1", "::1"))


@contextlib.contextmanager
def resolving_to(*addresses, delay=None):
    """Stub ``socket.getaddrinfo``: every name resolves to ``addresses``, no DNS server is asked.

    Like the real one it refuses a NUL in the name and names IDNA cannot encode, and with no
    addresses it answers "Name or service not known"; ``delay`` (a bounded wait) stands in for
    a slow resolver. Yields the list of names asked, in order.
    """
    original = socket.getaddrinfo
    asked = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if isinstance(host, str):
            if "\x00" in host:
                raise ValueError("embedded null character")
            host.encode("idna")
        if delay is not None:
            delay()
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0)))
                for a in addresses]

    socket.getaddrinfo = fake_getaddrinfo
    try:
        yield asked
    finally:
        socket.getaddrinfo = original


# URLs that are malformed, each for a different reason; every one must be a 400 with a message.
MALFORMED_URLS = [
    "", " ", "http", "http:", "http://", "http:///x", "http://:80/", "http://user@/x", "http://@example.com/",
    "http://[::1", "http://::1]/", "http://[::1]x/", "http://[v1.fe]/", "http://[fe80::1%25eth0]/", "http://[not-an-ip]/",
    "http://exa mple.com/", "http://%zz/", "http://%65xample.com/", "http://exa%20mple.com/",
    "http://example.com:99999/", "http://example.com:abc/", "http://example.com:0/", "http://example.com:-1/",
    "http://example.com:+80/", "http://example.com: 80/", "http://example.com:８０/", "http://example.com:80:80/",
    "ftp://x", "javascript:alert(1)", "//example.com/a", "example.com/a.jpg", "http:\\\\example.com\\a",
    "http://example.com/" + "a" * 3000, "http://" + "a" * 64 + ".com/", "http://" + ("a" * 60 + ".") * 5 + "com/",
    "http://a..b/", "http://.example.com/", "http://example..com/",
    "http://\x00/", "http://exa\x00mple.com/", "http://example.com/\x00", "http://example.com/a\r\nHost: evil",
    "http://exa\r\nmple.com/", "http://example.com/\ta", "http://example.com/a b", "http://example.com/\x7f",
    "http://\u2100.com/", "http://\ud800.com/", "http://exam\u200bple.com/x\ud800",
    "http://\u0080/", "http://xn--/", "http://-/", "http://*.example.com/", "http://exa_mple!.com/",
    "http://example.com\\@evil.com/", "\x00http://example.com/",
    "\nhttp://example.com/",
]

_NASTY = ["\x00", "\r", "\n", "\t", " ", "\x7f", "[", "]", "@", ":", "%", "%zz", "%00", "\\", "#", "?", "/", "..",
          "\u2100", "\ufffd", "\u00e9", "\u200b", "\ud800", "\ufe52", "xn--", "-", ".", "\u00aa", "::", "[::1]", "\u0660"]
_SEEDS = ["http://example.com/bird.jpg", "https://images.example.org:443/a/b.png?x=1&y=2", "http://[2001:db8::1]/x",
          "http://10.0.0.1/x.jpg", "https://b\u00fccher.example/v\u00f6gel.png", "http://example.com:80/"]
_SCHEMES = ["", "ftp", "HTTP", "h ttp", "javascript", "http\x00", "https:", "file"]
_PORTS = ["", "0", "-1", "99999", "abc", "\uff18\uff10", "+80", " 80", "1e3", "0x50", "65536", "80:80", "8\u0660"]


def fuzzed_urls(count=400, seed=20240611):
    """``count`` URLs made by mutating well-formed ones, deterministic for a seed; most are malformed."""
    rng = random.Random(seed)
    urls = []
    while len(urls) < count:
        url = rng.choice(_SEEDS)
        for _ in range(rng.randint(1, 3)):
            kind = rng.randrange(7)
            at = rng.randint(0, len(url))
            if kind == 0:
                url = url[:at] + rng.choice(_NASTY) + url[at:]
            elif kind == 1 and url:
                url = url[:at] + rng.choice(_NASTY) + url[at + 1:]
            elif kind == 2:
                url = url[:at]
            elif kind == 3:
                url = rng.choice(_SCHEMES) + url[url.find(":"):]
            elif kind == 4:
                head, sep, rest = url.partition("://")
                host, slash, path = rest.partition("/")
                url = f"{head}{sep}{host.rsplit(':', 1)[0] if not host.endswith(']') else host}:{rng.choice(_PORTS)}{slash}{path}"
            elif kind == 5:
                url = url[:at] + "".join(rng.choice(_NASTY + list("abc.:/")) for _ in range(rng.randint(1, 12))) + url[at:]
            else:
                url = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x3000)])) for _ in range(rng.randint(0, 40)))
        urls.append(url)
    return urls
