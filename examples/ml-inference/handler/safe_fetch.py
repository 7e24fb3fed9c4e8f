"""Fetch an image from an untrusted URL without letting the URL reach inside the network.

Only http and https; the host is resolved once and every address it resolves to must be a
public one (no private, loopback, link-local, multicast, reserved or cloud metadata
addresses); the connection goes to that checked address (so a second DNS answer cannot
rebind it); redirects are followed by hand, each checked the same way; and a deadline and a
byte limit bound the download.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 3

# Networks never to connect to, beyond what ipaddress flags as private or reserved.
BLOCKED_NETWORKS = [
    ipaddress.ip_network("100.64.0.0/10"),    # carrier-grade NAT (shared address space)
    ipaddress.ip_network("169.254.0.0/16"),   # link-local, including 169.254.169.254 metadata
    ipaddress.ip_network("fd00:ec2::/32"),    # EC2 IPv6 metadata
    ipaddress.ip_network("64:ff9b::/96"),     # NAT64 to anywhere, including private IPv4
]

# Networks a test may allow (loopback, for a local HTTP server). Empty in production: only
# code, never configuration, can open it.
ALLOWED_TEST_NETWORKS = []


class FetchError(Exception):
    """The URL or what it answered is not acceptable; the message is safe to show the client."""


def check_address(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in net for net in ALLOWED_TEST_NETWORKS):
        return
    if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or any(ip in net for net in BLOCKED_NETWORKS)):
        raise FetchError("The URL points to an address that is not public.")


def resolve_public(host, port):
    """Resolve ``host`` and return one address, after checking that all of them are public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("The URL's host name does not resolve.")
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise FetchError("The URL's host name does not resolve.")
    for address in addresses:
        check_address(address)
    return addresses[0]


def parse_url(url):
    if not isinstance(url, str) or len(url) > 2048:
        raise FetchError("url must be an http or https URL of at most 2048 characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError("url must use http or https.")
    if not parts.hostname:
        raise FetchError("url must name a host.")
    if parts.username or parts.password:
        raise FetchError("url must not carry credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("url has an invalid port.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever DNS answers now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._context = context

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url, max_bytes, timeout_seconds, ssl_context=None):
    """Return the body of ``url`` (following up to three checked redirects)."""
    deadline = time.monotonic() + timeout_seconds
    for _ in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = parse_url(url)
        address = resolve_public(host, port)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("Fetching the image took too long.")
        if scheme == "https":
            connection = _PinnedHTTPSConnection(host, port, address, remaining, ssl_context or ssl.create_default_context())
        else:
            connection = _PinnedHTTPConnection(host, port, address, remaining)
        try:
            connection.request("GET", path, headers={"Host": host if port in (80, 443) else f"{host}:{port}",
                                                     "User-Agent": "ml-inference/1.0", "Accept": "image/*"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError("The URL redirects without a location.")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"The URL answered HTTP {response.status}.")
            return read_limited(response, max_bytes, deadline)
        except (socket.timeout, TimeoutError):
            raise FetchError("Fetching the image took too long.")
        except (OSError, http.client.HTTPException, ssl.SSLError):
            raise FetchError("The image could not be fetched from the URL.")
        finally:
            connection.close()
    raise FetchError(f"The URL redirects more than {MAX_REDIRECTS} times.")


def read_limited(response, max_bytes, deadline):
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"The image is larger than {max_bytes} bytes.")
    chunks, total = [], 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError("Fetching the image took too long.")
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"The image is larger than {max_bytes} bytes.")
        chunks.append(chunk)
