"""The URL rules of safe_fetch, each with a test; a local HTTP server stands in for the internet.

Nothing here leaves the machine: the servers listen on 127.0.0.1 (or ::1), host names are
resolved by a stub, and tests that could otherwise connect elsewhere run under a guard that
fails any connection to another address.
"""

import ipaddress
import os
import socket
import socketserver
import subprocess
import sys
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safe_fetch  # noqa: E402
from safe_fetch import FetchError  # noqa: E402
from test_support import (MALFORMED_URLS, PUBLIC_IPV4, NoNetwork, allow_local_server, fuzzed_urls,  # noqa: E402
                          loopback_only, production_rules, resolving_to, serve, stop, tls_server)

HERE = os.path.dirname(os.path.abspath(__file__))
DRIP_INTERVAL = 0.15  # below every socket timeout these tests use, so only a real deadline stops a drip


def within_deadline(test, deadline, started):
    """The fetch ended within its deadline plus a small margin."""
    elapsed = time.monotonic() - started
    test.assertLess(elapsed, deadline * 1.5 + 0.5, f"took {elapsed:.2f} s with a {deadline} s deadline")


class Routes(BaseHTTPRequestHandler):
    """/ok, /big, /big-declared, /slow, /redirect?to=..., /loop, /missing, /echo..., /drip-body, /drip-headers, /hop?n=."""

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
        elif path.startswith("/echo"):
            self.reply(200, f"{self.path} {self.headers['Host']}".encode())
        elif path == "/drip-body":
            # Headers at once, then the body one byte at a time (40 bytes, 6 s, then the server stops).
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.drip(b"x" * 40)
        elif path == "/drip-headers":
            # The whole answer one byte at a time, status line included (6 s, then it stops).
            self.drip(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"[:40])
        elif path == "/hop":
            # Each hop answers after 0.45 s: one or two fit in a 1 s deadline, three do not.
            time.sleep(0.45)
            n = int(query.partition("=")[2] or 0)
            self.send_response(302)
            self.send_header("Location", f"/hop?n={n - 1}" if n > 1 else "/ok")
            self.end_headers()
        else:
            self.reply(404, b"no")

    def drip(self, data):
        try:
            self.wfile.flush()
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(DRIP_INTERVAL)
        except OSError:  # the client gave up
            pass

    def reply(self, status, body, length=True):
        try:
            self.send_response(status)
            if length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (a timeout test)
            pass

    def log_message(self, *args):
        pass


class StalledTls(socketserver.BaseRequestHandler):
    """Reads the TLS ClientHello, then drips a handshake record that never completes (6 s, then stops)."""

    def handle(self):
        try:
            self.request.recv(4096)
            self.request.sendall(b"\x16\x03\x03\x40\x00")  # handshake record of 16 KiB: the client waits for all of it
            for _ in range(40):
                self.request.sendall(b"\x00")
                time.sleep(DRIP_INTERVAL)
        except OSError:
            pass


class IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class LocalServerCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server, cls.base = serve(Routes)
        cls.port = cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        stop(cls.server)

    def setUp(self):
        allow_local_server(self.port)

    def tearDown(self):
        production_rules()

    def fetch(self, url, max_bytes=1000, timeout=1.0, **kwargs):
        return safe_fetch.fetch(url, max_bytes, timeout, **kwargs)


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

    def test_a_non_ascii_path_is_sent_percent_encoded(self):
        answer = self.fetch(self.base + "/echo/v\u00f6gel.png?name=gr\u00e8be")
        self.assertEqual(answer, f"/echo/v%C3%B6gel.png?name=gr%C3%A8be 127.0.0.1:{self.port}".encode())

    def test_an_ipv6_literal_is_sent_in_brackets_in_the_host_header(self):
        server = IPv6Server(("::1", 0), Routes)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        try:
            allow_local_server(port)
            safe_fetch.ALLOWED_TEST_NETWORKS = [ipaddress.ip_network("::1/128")]
            self.assertEqual(self.fetch(f"http://[::1]:{port}/echo"), f"/echo [::1]:{port}".encode())
        finally:
            stop(server)


class Deadline(LocalServerCase):
    """One wall-clock deadline covers resolution, connection, TLS, headers, body and every redirect."""

    def test_a_server_dripping_the_body_cannot_hold_the_fetch_past_the_deadline(self):
        started = time.monotonic()
        with self.assertRaisesRegex(FetchError, "took too long"):
            self.fetch(self.base + "/drip-body", timeout=1.0)
        within_deadline(self, 1.0, started)

    def test_a_server_dripping_the_headers_cannot_hold_the_fetch_past_the_deadline(self):
        started = time.monotonic()
        with self.assertRaisesRegex(FetchError, "took too long"):
            self.fetch(self.base + "/drip-headers", timeout=1.0)
        within_deadline(self, 1.0, started)

    def test_redirect_hops_share_one_deadline(self):
        self.assertEqual(self.fetch(self.base + "/hop?n=1", timeout=1.0), b"image-bytes")
        started = time.monotonic()
        with self.assertRaisesRegex(FetchError, "took too long"):
            self.fetch(self.base + "/hop?n=3", timeout=1.0)
        within_deadline(self, 1.0, started)

    def test_a_slow_resolver_counts_against_the_deadline(self):
        released = threading.Event()
        try:
            with resolving_to("127.0.0.1", delay=lambda: released.wait(3)), loopback_only():
                started = time.monotonic()
                with self.assertRaisesRegex(FetchError, "took too long"):
                    self.fetch(f"http://images.example.com:{self.port}/ok", timeout=0.5)
                within_deadline(self, 0.5, started)
        finally:
            released.set()

    def test_a_tls_handshake_that_never_completes_counts_against_the_deadline(self):
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), StalledTls)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        try:
            allow_local_server(port)
            started = time.monotonic()
            with self.assertRaisesRegex(FetchError, "took too long"):
                self.fetch(f"https://127.0.0.1:{port}/", timeout=1.0)
            within_deadline(self, 1.0, started)
        finally:
            stop(server)

    def test_https_is_verified_and_a_dripping_body_over_tls_stops_at_the_deadline(self):
        with tls_server(Routes) as tls:
            if tls is None:
                self.skipTest("the openssl command is needed to make a certificate")
            base, context = tls
            allow_local_server(int(base.rsplit(":", 1)[1]))
            self.assertEqual(self.fetch(base + "/ok", ssl_context=context), b"image-bytes")
            with self.assertRaisesRegex(FetchError, "could not be fetched"):
                self.fetch(base + "/ok")  # the default trust store does not know the certificate
            started = time.monotonic()
            with self.assertRaisesRegex(FetchError, "took too long"):
                self.fetch(base + "/drip-body", ssl_context=context, timeout=1.0)
            within_deadline(self, 1.0, started)

    def test_no_time_left_is_refused_before_any_work(self):
        with resolving_to(PUBLIC_IPV4) as asked, NoNetwork():
            with self.assertRaisesRegex(FetchError, "took too long"):
                self.fetch("http://images.example.com/bird.jpg", timeout=0)
        self.assertEqual(asked, [])


class Ports(LocalServerCase):
    def test_only_ports_80_and_443_by_default(self):
        production_rules()
        for url, port in (("http://example.com:22/", 22), ("https://example.com:8443/bird.jpg", 8443), (self.base + "/ok", self.port)):
            with self.subTest(url=url), resolving_to(PUBLIC_IPV4) as asked, NoNetwork():
                with self.assertRaises(FetchError) as raised:
                    self.fetch(url)
                self.assertEqual(str(raised.exception), f"The URL's port {port} is not allowed; allowed ports: 80, 443.")
                self.assertEqual(asked, [], "refused before any resolution")

    def test_a_redirect_to_another_port_is_refused(self):
        with self.assertRaisesRegex(FetchError, "port 22 is not allowed"):
            self.fetch(self.base + "/redirect?to=http://127.0.0.1:22/")

    def test_allowed_ports_are_parsed_and_checked(self):
        self.assertEqual(safe_fetch.parse_allowed_ports(None), frozenset({80, 443}))
        self.assertEqual(safe_fetch.parse_allowed_ports(" 443, 8443 ,8080"), frozenset({443, 8443, 8080}))
        for text in ("", " ", "abc", "0", "65536", "80,,443", "80;443", "-1", "+80", "\uff18\uff10", "80 443"):
            with self.subTest(text=text), self.assertRaises(ValueError) as raised:
                safe_fetch.parse_allowed_ports(text)
            self.assertIn("ALLOWED_PORTS must be a comma-separated list of ports from 1 to 65535", str(raised.exception))
            self.assertIn(repr(text), str(raised.exception))

    def test_allowed_ports_come_from_the_environment_at_import(self):
        def imported(value):
            env = {k: v for k, v in os.environ.items() if k != "ALLOWED_PORTS"}
            if value is not None:
                env["ALLOWED_PORTS"] = value
            return subprocess.run([sys.executable, "-c", "import safe_fetch; print(sorted(safe_fetch.ALLOWED_PORTS))"],
                                  cwd=HERE, env=env, capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(imported(None).stdout.strip(), "[80, 443]")
        self.assertEqual(imported("443,8443").stdout.strip(), "[443, 8443]")
        failed = imported("443,https")
        self.assertNotEqual(failed.returncode, 0)
        self.assertIn("ValueError: ALLOWED_PORTS must be a comma-separated list of ports from 1 to 65535", failed.stderr)


# The IPv4 rules: one sample address per refused range, and the reason's key words.
REFUSED_IPV4 = [
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "this network"), ("10.0.0.1", "private"), ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"), ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"),
    ("169.254.169.254", "instance metadata"), ("169.254.170.2", "link-local"), ("169.254.0.1", "link-local"),
    ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.0.0.1", "IETF protocol assignments"),
    ("192.0.2.1", "documentation"), ("192.88.99.1", "6to4 relay"), ("192.168.1.1", "private"),
    ("198.18.0.1", "benchmarking"), ("198.19.255.254", "benchmarking"), ("198.51.100.1", "documentation"),
    ("203.0.113.1", "documentation"), ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"), ("255.255.255.254", "reserved"), ("255.255.255.255", "broadcast"),
]
REFUSED_IPV6 = [
    ("::", "unspecified"), ("::1", "loopback"), ("fc00::1", "unique local"), ("fd12:3456::1", "unique local"),
    ("fd00:ec2::254", "instance metadata"), ("fd00:ec2::23", "EC2"), ("fe80::1", "link-local"), ("febf::1", "link-local"),
    ("fec0::1", "site-local"), ("ff02::1", "multicast"), ("ff0e::1", "multicast"), ("2001:db8::1", "documentation"),
    ("2001:db8:ffff::1", "documentation"), ("3fff::1", "documentation"), ("100::1", "discard"),
    ("2001:2::1", "IETF protocol assignments"), ("2001:10::1", "IETF protocol assignments"),
    ("64:ff9b:1::a00:1", "local-use NAT64"), ("64:ff9b:1::808:808", "local-use NAT64"),
    ("::ffff:0:a00:1", "IPv4-translated"), ("4000::1", "outside the global unicast range"),
    ("1000::1", "outside the global unicast range"), ("5f00::1", "outside the global unicast range"),
    ("fe80::1%eth0", "zone"), ("2606:4700::1%1", "zone"),
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.32.0.1", "198.17.255.255",
          "198.20.0.1", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001::200e", "2001:200::1",
          "::ffff:8.8.8.8", "::ffff:93.184.216.34", "64:ff9b::808:808", "64:ff9b::5db8:d822"]


def v4_int(text):
    return int(ipaddress.IPv4Address(text))


def embedding_forms(v4, public="8.8.8.8"):
    """Every IPv6 form that carries ``v4``: (form name, IPv6 address)."""
    n, p = v4_int(v4), v4_int(public)
    return [
        ("IPv4-mapped", str(ipaddress.IPv6Address((0xFFFF << 32) | n))),
        ("IPv4-compatible", str(ipaddress.IPv6Address(n))),
        ("6to4", str(ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1))),
        ("Teredo server", str(ipaddress.IPv6Address((0x20010000 << 96) | (n << 64) | (p ^ 0xFFFFFFFF)))),
        ("Teredo client", str(ipaddress.IPv6Address((0x20010000 << 96) | (p << 64) | (n ^ 0xFFFFFFFF)))),
        ("NAT64", str(ipaddress.IPv6Address((0x64FF9B << 96) | n))),
    ]


class AddressClassification(unittest.TestCase):
    """One function decides, from explicit tables: the same answers on every Python patch version."""

    def test_ipv4_special_ranges_are_refused(self):
        for address, reason in REFUSED_IPV4:
            with self.subTest(address=address):
                self.assertIn(reason, safe_fetch.address_problem(address) or "allowed")

    def test_ipv6_special_ranges_are_refused(self):
        for address, reason in REFUSED_IPV6:
            with self.subTest(address=address):
                self.assertIn(reason, safe_fetch.address_problem(address) or "allowed")

    def test_ipv6_forms_carrying_a_non_public_ipv4_are_unwrapped_and_refused(self):
        for v4, reason in REFUSED_IPV4:
            for form, address in embedding_forms(v4):
                if address in ("::", "::1"):
                    continue  # 0.0.0.0 and 0.0.0.1 as IPv4-compatible are :: and ::1, in the IPv6 table
                with self.subTest(form=form, address=address, ipv4=v4):
                    problem = safe_fetch.address_problem(address) or "allowed"
                    self.assertIn(form, problem)
                    self.assertIn(v4, problem)
                    self.assertIn(reason, problem)

    def test_the_6to4_wrapper_of_the_metadata_address_is_refused(self):
        problem = safe_fetch.address_problem("2002:a9fe:a9fe::")
        self.assertEqual(problem, "6to4 address carrying 169.254.169.254: link-local (169.254.0.0/16), the instance metadata address")

    def test_deprecated_tunnel_forms_are_refused_even_around_a_public_ipv4(self):
        for form, address in embedding_forms("93.184.216.34"):
            if form in ("IPv4-mapped", "NAT64"):
                continue
            with self.subTest(form=form, address=address):
                self.assertIn(form.split()[0], safe_fetch.address_problem(address) or "allowed")

    def test_public_addresses_are_allowed(self):
        for address in PUBLIC:
            with self.subTest(address=address):
                self.assertIsNone(safe_fetch.address_problem(address))

    def test_a_refused_address_never_gets_a_connection(self):
        samples = [a for a, _ in REFUSED_IPV4 + REFUSED_IPV6 if "%" not in a]
        samples += [address for v4 in ("169.254.169.254", "10.0.0.1", "127.0.0.1") for _, address in embedding_forms(v4)]
        samples += [address for _, address in embedding_forms("93.184.216.34") if not address.startswith(("::ffff:", "64:ff9b:"))]
        for address in samples:
            with self.subTest(address=address), resolving_to(address), NoNetwork():
                with self.assertRaisesRegex(FetchError, "^The URL points to an address that is not public.$"):
                    safe_fetch.fetch("http://images.example.com/bird.jpg", 1000, 1.0)

    def test_a_refused_literal_never_gets_a_connection(self):
        for address in ("2002:a9fe:a9fe::", "2001:0:808:808::5601:5601", "::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "::ffff:a9fe:a9fe"):
            with self.subTest(address=address), NoNetwork():
                with self.assertRaisesRegex(FetchError, "not public"):
                    safe_fetch.fetch(f"http://[{address}]/latest/meta-data/", 1000, 1.0)


class AddressRules(LocalServerCase):
    def setUp(self):
        production_rules()
        safe_fetch.ALLOWED_PORTS = frozenset({80, 443, self.port})  # the port, not the loopback address

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
        with resolving_to(), NoNetwork():  # no DNS server is asked
            with self.assertRaisesRegex(FetchError, "does not resolve"):
                self.fetch("http://no-such-host.invalid/")


class MalformedUrls(unittest.TestCase):
    def tearDown(self):
        production_rules()

    def test_every_malformed_url_is_refused_with_a_message_before_resolution(self):
        for url in MALFORMED_URLS:
            with self.subTest(url=url), resolving_to(PUBLIC_IPV4) as asked, NoNetwork():
                with self.assertRaises(FetchError) as raised:
                    safe_fetch.fetch(url, 1000, 1.0)
                self.assertTrue(str(raised.exception).endswith("."), str(raised.exception))
                self.assertEqual(asked, [])

    def test_fuzzed_urls_raise_fetch_error_and_nothing_else(self):
        refused = 0
        with resolving_to("10.0.0.1"), NoNetwork():
            for url in fuzzed_urls(400):
                with self.subTest(url=url):
                    try:
                        safe_fetch.fetch(url, 1000, 1.0)
                    except FetchError:
                        refused += 1
        self.assertEqual(refused, 400)

    def test_an_international_host_name_is_resolved_in_its_ascii_form(self):
        with resolving_to("10.0.0.1") as asked, NoNetwork():
            with self.assertRaisesRegex(FetchError, "not public"):
                safe_fetch.fetch("http://B\u00fccher.example/v\u00f6gel.png", 1000, 1.0)
        self.assertEqual(asked, ["xn--bcher-kva.example"])


if __name__ == "__main__":
    unittest.main()
