"""The URL rules of safe_fetch, each with a test; a local HTTP server stands in for the internet."""

import ipaddress
import os
import socket
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safe_fetch  # noqa: E402
from safe_fetch import FetchError  # noqa: E402

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


class Routes(BaseHTTPRequestHandler):
    """/ok, /big, /big-declared, /slow, /redirect?to=..., /loop, /missing."""

    def do_GET(self):  # noqa: N802
        path, _, query = self.path.partition("?")
        if path == "/ok":
            self.reply(200, b"image-bytes")
        elif path == "/big":
            self.reply(200, b"x" * 5000, length=False)
        elif path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Length", "999999999")
            self.end_headers()
        elif path == "/slow":
            time.sleep(2)
            self.reply(200, b"late")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", query.partition("=")[2])
            self.end_headers()
        elif path == "/loop":
            self.send_response(301)
            self.send_header("Location", "/loop")
            self.end_headers()
        else:
            self.reply(404, b"no")

    def reply(self, status, body, length=True):
        self.send_response(status)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(handler_class):
    """Start an HTTP server on 127.0.0.1 in a thread; return it and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def stop(server):
    server.shutdown()
    server.server_close()


class LocalServerCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.base = serve(Routes)

    @classmethod
    def tearDownClass(cls):
        stop(cls.server)

    def setUp(self):
        safe_fetch.ALLOWED_TEST_NETWORKS = LOOPBACK

    def tearDown(self):
        safe_fetch.ALLOWED_TEST_NETWORKS = []

    def fetch(self, url, max_bytes=1000, timeout=1.0):
        return safe_fetch.fetch(url, max_bytes, timeout)


class Fetching(LocalServerCase):
    def test_a_public_looking_url_is_fetched(self):
        self.assertEqual(self.fetch(self.base + "/ok"), b"image-bytes")

    def test_redirects_are_followed_and_checked(self):
        self.assertEqual(self.fetch(self.base + "/redirect?to=/ok"), b"image-bytes")
        with self.assertRaisesRegex(FetchError, "not public"):
            self.fetch(self.base + "/redirect?to=http://169.254.169.254/latest/meta-data/")
        with self.assertRaisesRegex(FetchError, "http or https"):
            self.fetch(self.base + "/redirect?to=file:///etc/passwd")
        with self.assertRaisesRegex(FetchError, "redirects more than 3 times"):
            self.fetch(self.base + "/loop")

    def test_a_body_over_the_limit_is_refused_while_reading(self):
        with self.assertRaisesRegex(FetchError, "larger than 1000 bytes"):
            self.fetch(self.base + "/big")

    def test_a_declared_length_over_the_limit_is_refused_before_reading(self):
        with self.assertRaisesRegex(FetchError, "larger than 1000 bytes"):
            self.fetch(self.base + "/big-declared")

    def test_a_slow_server_times_out(self):
        start = time.monotonic()
        with self.assertRaisesRegex(FetchError, "took too long"):
            self.fetch(self.base + "/slow", timeout=0.5)
        self.assertLess(time.monotonic() - start, 1.5)

    def test_an_error_status_is_refused(self):
        with self.assertRaisesRegex(FetchError, "answered HTTP 404"):
            self.fetch(self.base + "/missing")


class AddressRules(LocalServerCase):
    def setUp(self):
        safe_fetch.ALLOWED_TEST_NETWORKS = []  # production rules

    def test_loopback_is_refused_without_the_test_setting(self):
        for url in (self.base + "/ok", "http://localhost/", "http://[::1]/", "http://127.1/", "http://2130706433/"):
            with self.assertRaisesRegex(FetchError, "not public|does not resolve", msg=url):
                self.fetch(url)

    def test_private_link_local_and_metadata_addresses_are_refused(self):
        for url in ("http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
                    "http://100.64.0.1/", "http://[fd00:ec2::254]/", "http://[fe80::1]/", "http://0.0.0.0/",
                    "http://[::ffff:10.0.0.1]/", "http://224.0.0.1/", "http://240.0.0.1/"):
            with self.assertRaisesRegex(FetchError, "not public", msg=url):
                self.fetch(url)

    def test_a_name_that_resolves_to_a_private_address_is_refused(self):
        original = socket.getaddrinfo
        socket.getaddrinfo = lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
        try:
            with self.assertRaisesRegex(FetchError, "not public"):
                self.fetch("http://images.example.com/bird.jpg")
        finally:
            socket.getaddrinfo = original

    def test_any_private_answer_among_several_is_refused(self):
        original = socket.getaddrinfo
        socket.getaddrinfo = lambda host, port, **kw: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]
        try:
            with self.assertRaisesRegex(FetchError, "not public"):
                self.fetch("http://rebinding.example.com/")
        finally:
            socket.getaddrinfo = original

    def test_only_http_and_https(self):
        for url in ("ftp://example.com/a.jpg", "file:///etc/passwd", "gopher://example.com/", "data:image/png;base64,AAAA", "//example.com/a"):
            with self.assertRaisesRegex(FetchError, "http or https", msg=url):
                self.fetch(url)

    def test_malformed_urls(self):
        with self.assertRaisesRegex(FetchError, "credentials"):
            self.fetch("http://user:pass@example.com/")
        with self.assertRaisesRegex(FetchError, "name a host"):
            self.fetch("http:///path")
        with self.assertRaisesRegex(FetchError, "invalid port"):
            self.fetch("http://example.com:99999/")
        with self.assertRaisesRegex(FetchError, "at most 2048"):
            self.fetch("http://example.com/" + "a" * 3000)
        with self.assertRaisesRegex(FetchError, "does not resolve"):
            self.fetch("http://no-such-host.invalid/")


if __name__ == "__main__":
    unittest.main()
