"""Fetch an image from an untrusted URL without letting the URL reach inside the network.

The rules, each refused with a ``FetchError`` whose message is safe to show the client:

- **URL**: http or https only, at most 2048 characters, no spaces or control characters, no
  credentials, a host that is an IP literal or a valid (IDNA) domain name, a decimal port.
  Non-ASCII in the path or query is sent percent-encoded (UTF-8). All of this is checked
  before anything is resolved.
- **Ports**: only those in ``ALLOWED_PORTS`` (environment variable, a comma-separated list,
  default ``80,443``; a bad value fails the import with a ``ValueError`` naming it).
- **Addresses**: the host is resolved once and every address it resolves to must be public
  unicast (``address_problem``, from explicit tables, so the answer does not depend on the
  Python patch version). IPv6 forms that carry an IPv4 address are unwrapped: IPv4-mapped
  (``::ffff:0:0/96``) and NAT64 (``64:ff9b::/96``, what DNS64 answers) are judged by the IPv4
  they carry; IPv4-compatible, IPv4-translated, 6to4 and Teredo are refused, naming a
  non-public IPv4 they carry; local-use NAT64 (``64:ff9b:1::/48``) is refused. The client is
  told only that the address is not public (not what a name resolved to). The connection
  goes to the checked address, so a second DNS answer cannot rebind it.
- **Redirects**: at most 3, followed by hand, each hop checked by the same rules.
- **Deadline**: one wall-clock deadline (``timeout_seconds``) for the whole fetch: resolution,
  connection, TLS handshake, sending, headers, body and every redirect hop. Before each socket
  operation the socket's timeout is set to the time left, so a server that drips one byte at
  a time cannot stretch the fetch. The resolver cannot be interrupted: it runs in a daemon
  thread that is abandoned, not waited for, when the deadline passes.
- **Size**: at most ``max_bytes`` of body, refused as soon as it is declared or read.
"""

import http.client
import io
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
from urllib.parse import quote, urljoin, urlsplit

MAX_REDIRECTS = 3
MAX_URL_LENGTH = 2048
DEFAULT_ALLOWED_PORTS = frozenset({80, 443})

# Networks a test may allow (loopback, for a local HTTP server). Empty in production: only
# code, never configuration, can open it.
ALLOWED_TEST_NETWORKS = []

NOT_PUBLIC = "The URL points to an address that is not public."


class FetchError(Exception):
    """The URL or what it answered is not acceptable; the message is safe to show the client."""


def parse_allowed_ports(text):
    """The ports of ``ALLOWED_PORTS`` (``None``: the default, 80 and 443); a ValueError names a bad value."""
    if text is None:
        return DEFAULT_ALLOWED_PORTS
    items = text.split(",")
    if all(item.strip().isascii() and item.strip().isdigit() and 1 <= int(item.strip()) <= 65535 for item in items):
        return frozenset(int(item) for item in items)
    raise ValueError(f"ALLOWED_PORTS must be a comma-separated list of ports from 1 to 65535, e.g. '80,443'; got {text!r}.")


ALLOWED_PORTS = parse_allowed_ports(os.environ.get("ALLOWED_PORTS"))


# --- Addresses ------------------------------------------------------------------------------

def _table(rows):
    return [(ipaddress.ip_network(network), reason) for network, reason in rows]


# Every IPv4 range that is not publicly routable unicast (IANA special-purpose registry, RFC 6890
# and successors), most specific first: the first match names the reason.
IPV4_REFUSED = _table([
    ("0.0.0.0/32", "unspecified (0.0.0.0)"),
    ("0.0.0.0/8", "'this network' (0.0.0.0/8)"),
    ("10.0.0.0/8", "private (10.0.0.0/8)"),
    ("100.64.0.0/10", "carrier-grade NAT shared space (100.64.0.0/10)"),
    ("127.0.0.0/8", "loopback (127.0.0.0/8)"),
    ("169.254.169.254/32", "link-local (169.254.0.0/16), the instance metadata address"),
    ("169.254.0.0/16", "link-local (169.254.0.0/16)"),
    ("172.16.0.0/12", "private (172.16.0.0/12)"),
    ("192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"),
    ("192.0.2.0/24", "documentation (192.0.2.0/24)"),
    ("192.88.99.0/24", "6to4 relay anycast (192.88.99.0/24)"),
    ("192.168.0.0/16", "private (192.168.0.0/16)"),
    ("198.18.0.0/15", "benchmarking (198.18.0.0/15)"),
    ("198.51.100.0/24", "documentation (198.51.100.0/24)"),
    ("203.0.113.0/24", "documentation (203.0.113.0/24)"),
    ("224.0.0.0/4", "multicast (224.0.0.0/4)"),
    ("255.255.255.255/32", "limited broadcast (255.255.255.255)"),
    ("240.0.0.0/4", "reserved (240.0.0.0/4)"),
])

# IPv6 ranges refused outright, most specific first. The forms carrying an IPv4 address are
# handled before this table (see address_problem); anything outside 2000::/3, the only range
# allocated for global unicast, is refused after it.
IPV6_REFUSED = _table([
    ("::/128", "unspecified (::)"),
    ("::1/128", "loopback (::1)"),
    ("100::/64", "discard-only (100::/64)"),
    ("64:ff9b:1::/48", "local-use NAT64 (64:ff9b:1::/48)"),
    ("2001::/23", "IETF protocol assignments (2001::/23)"),
    ("2001:db8::/32", "documentation (2001:db8::/32)"),
    ("3fff::/20", "documentation (3fff::/20)"),
    ("fd00:ec2::254/128", "unique local (fc00::/7), the EC2 instance metadata address"),
    ("fd00:ec2::/32", "unique local (fc00::/7), EC2 instance services (fd00:ec2::/32)"),
    ("fc00::/7", "unique local (fc00::/7)"),
    ("fe80::/10", "link-local (fe80::/10)"),
    ("fec0::/10", "site-local (fec0::/10)"),
    ("ff00::/8", "multicast (ff00::/8)"),
])
GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")

_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_TEREDO = ipaddress.ip_network("2001::/32")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _ipv4(value):
    return ipaddress.IPv4Address(value & 0xFFFFFFFF)


def _ipv4_problem(ip):
    for network, reason in IPV4_REFUSED:
        if ip in network:
            return reason
    return None


def _carried_ipv4(ip):
    """The IPv4 addresses an IPv6 address carries: [(form, IPv4)], and whether the form is refused anyway."""
    n = int(ip)
    if ip in _MAPPED:
        return [("IPv4-mapped", _ipv4(n))], False
    if ip in _NAT64:  # well-known NAT64 prefix: what DNS64 answers in an IPv6-only subnet
        return [("NAT64", _ipv4(n))], False
    if ip in _TRANSLATED:
        return [("IPv4-translated", _ipv4(n))], True
    if ip in _COMPATIBLE:
        return [("IPv4-compatible", _ipv4(n))], True
    if ip in _SIX_TO_FOUR:
        return [("6to4", _ipv4(n >> 80))], True
    if ip in _TEREDO:  # 2001:0:<server>:<flags>:<port>:<client XOR ffff:ffff>
        return [("Teredo server", _ipv4(n >> 64)), ("Teredo client", _ipv4(~n))], True
    return [], False


def address_problem(address):
    """Why ``address`` (text or ipaddress object) is not a public unicast address, or None when it is.

    IPv4: refused when in IPV4_REFUSED. IPv6: a zone index is refused; IPv4-mapped and NAT64
    (64:ff9b::/96) addresses are judged by the IPv4 they carry; IPv4-compatible,
    IPv4-translated, 6to4 and Teredo addresses are refused, naming a non-public IPv4 they carry
    (for Teredo, server and client); then IPV6_REFUSED, then anything outside 2000::/3.
    Only explicit tables and bit arithmetic: ``ipaddress``'s is_private/is_global, whose
    answers changed between patch versions, are not used.
    """
    ip = address if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else ipaddress.ip_address(address)
    if ip.version == 4:
        return _ipv4_problem(ip)
    if ip.scope_id:
        return f"IPv6 address with a zone index ({ip.scope_id})"
    for network, reason in IPV6_REFUSED[:2]:  # :: and ::1, before they read as IPv4-compatible
        if ip in network:
            return reason
    carried, refused_anyway = _carried_ipv4(ip)
    for form, ipv4 in carried:
        problem = _ipv4_problem(ipv4)
        if problem:
            return f"{form} address carrying {ipv4}: {problem}"
    if carried:
        if refused_anyway:
            kind = carried[0][0].split()[0]
            return (f"{kind} address carrying {' and '.join(str(ipv4) for _, ipv4 in carried)}: "
                    "a deprecated or translation-only form, refused whatever IPv4 it carries")
        return None  # IPv4-mapped or NAT64 of a public IPv4
    for network, reason in IPV6_REFUSED[2:]:
        if ip in network:
            return reason
    if ip not in GLOBAL_UNICAST:
        return "outside the global unicast range (2000::/3)"
    return None


def _test_allowed(ip):
    candidates = [ip] + ([ip.ipv4_mapped] if ip.version == 6 and ip.ipv4_mapped else [])
    return any(candidate in net for candidate in candidates for net in ALLOWED_TEST_NETWORKS)


def check_address(address):
    """Raise FetchError unless ``address`` is public (or allowed by a test)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise FetchError(NOT_PUBLIC)
    if not _test_allowed(ip) and address_problem(ip):
        raise FetchError(NOT_PUBLIC)


# --- Time -----------------------------------------------------------------------------------

class _Deadline:
    """One monotonic deadline for a whole fetch."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def remaining(self):
        """Seconds left; FetchError when none are."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise self.error()
        return left

    def error(self):
        return FetchError(f"Fetching the image took too long: the whole fetch, redirects included, is limited to {self.seconds:g} s.")


class _DeadlineSocket:
    """The parts of a socket http.client uses, each operation given only the time left.

    Like a socket, it stays open while a file made by ``makefile`` is open: http.client closes
    the connection as soon as it has read the headers of a response that ends the connection.
    """

    def __init__(self, sock, deadline):
        self._sock = sock
        self._deadline = deadline
        self._files = 0
        self._closed = False

    def _arm(self):
        self._sock.settimeout(self._deadline.remaining())

    def sendall(self, data):
        self._arm()
        return self._sock.sendall(data)

    def recv_into(self, buffer):
        self._arm()
        return self._sock.recv_into(buffer)

    def makefile(self, mode="rb", buffering=None, **_):
        if mode != "rb":
            raise ValueError("only 'rb' is supported")
        self._files += 1
        return io.BufferedReader(_DeadlineReader(self))

    def file_closed(self):
        self._files -= 1
        if self._closed and self._files <= 0:
            self._sock.close()

    def close(self):
        self._closed = True
        if self._files <= 0:
            self._sock.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, sock):
        super().__init__()
        self._sock = sock

    def readable(self):
        return True

    def readinto(self, buffer):
        return self._sock.recv_into(buffer)

    def close(self):
        if not self.closed:
            self._sock.file_closed()
        super().close()


def _resolve(host, port, deadline):
    """socket.getaddrinfo, given up on (in a daemon thread) when the deadline passes."""
    result = {}

    def run():
        try:
            result["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as error:  # pylint: disable=broad-except  (handed to the caller)
            result["error"] = error

    worker = threading.Thread(target=run, name="safe_fetch-resolve", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise deadline.error()
    if "error" in result:
        if isinstance(result["error"], (OSError, UnicodeError, ValueError)):
            raise FetchError("The URL's host name does not resolve.")
        raise result["error"]
    return result["infos"]


def resolve_public(host, port, deadline):
    """Resolve ``host`` and return one address, after checking that all of them are public."""
    addresses = [info[4][0] for info in _resolve(host, port, deadline)]
    if not addresses:
        raise FetchError("The URL's host name does not resolve.")
    for address in addresses:
        check_address(address)
    ip = ipaddress.ip_address(addresses[0])
    # An IPv4-mapped address is connected to as the IPv4 it carries.
    return str(ip.ipv4_mapped) if ip.version == 6 and ip.ipv4_mapped else str(ip)


# --- URLs -----------------------------------------------------------------------------------

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


class _Target:
    """A checked URL: scheme, ASCII host, port, request target, and the Host header."""

    def __init__(self, scheme, host, port, target, ip_literal):
        self.scheme, self.host, self.port, self.target = scheme, host, port, target
        self.ip_literal = ip_literal
        name = f"[{host}]" if ip_literal is not None and ip_literal.version == 6 else host
        self.host_header = name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"


def _ascii_host(text):
    """A host name as DNS knows it (IDNA, lower case), or FetchError."""
    if not text:
        raise FetchError("url must name a host.")
    try:
        host = text.lower().encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError("url's host is not a valid domain name.")
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise FetchError("url's host is not a valid domain name.")
    return host


def _split_host_port(netloc):
    """(host text, port text or None, bracketed) of a netloc without userinfo."""
    if netloc.startswith("["):
        end = netloc.find("]")
        rest = netloc[end + 1:]
        if end < 0 or (rest and not rest.startswith(":")):
            raise FetchError("url is not a valid URL: a bracketed host must be an IPv6 address.")
        return netloc[1:end], (rest[1:] if rest else None), True
    host, colon, port = netloc.partition(":")
    return host, (port if colon else None), False


def _encode_target(text):
    """Percent-encode what is not ASCII (as UTF-8); keep everything else as the client wrote it."""
    try:
        return quote(text, safe="".join(chr(c) for c in range(0x21, 0x7F)))
    except UnicodeEncodeError:
        raise FetchError("url is not valid text: it holds a lone surrogate.")


def parse_url(url):
    """Check ``url`` without resolving anything; return a _Target or raise FetchError."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise FetchError(f"url must be an http or https URL of at most {MAX_URL_LENGTH} characters.")
    if _CONTROL_OR_SPACE.search(url):
        raise FetchError("url must not contain spaces or control characters; percent-encode them.")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchError("url is not a valid URL.")
    if parts.scheme not in ("http", "https"):
        raise FetchError("url must use http or https.")
    if "@" in parts.netloc:
        raise FetchError("url must not carry credentials.")
    host_text, port_text, bracketed = _split_host_port(parts.netloc)
    if not host_text:
        raise FetchError("url must name a host.")
    ip_literal = None
    if bracketed:
        try:
            ip_literal = ipaddress.IPv6Address(host_text)
        except ValueError:
            raise FetchError("url is not a valid URL: a bracketed host must be an IPv6 address.")
        if ip_literal.scope_id:
            raise FetchError("url must not name an IPv6 zone.")
        host = str(ip_literal)
    else:
        host = _ascii_host(host_text)
        try:
            ip_literal = ipaddress.IPv4Address(host)  # dotted quad: nothing to resolve
        except ValueError:
            pass  # a name, or a legacy IPv4 form (127.1, 2130706433) the resolver reads
    if port_text:
        if not (port_text.isascii() and port_text.isdigit() and 1 <= int(port_text) <= 65535):
            raise FetchError("url has an invalid port: use a number from 1 to 65535.")
        port = int(port_text)
    else:
        port = 443 if parts.scheme == "https" else 80
    if port not in ALLOWED_PORTS:
        raise FetchError(f"The URL's port {port} is not allowed; allowed ports: {', '.join(str(p) for p in sorted(ALLOWED_PORTS))}.")
    target = _encode_target(parts.path or "/") + ("?" + _encode_target(parts.query) if parts.query else "")
    return _Target(parts.scheme, host, port, target, ip_literal)


def _redirect_url(url, location):
    if not location:
        raise FetchError("The URL redirects without a location.")
    try:
        location = location.encode("latin-1").decode("utf-8")  # http.client reads headers as latin-1
    except UnicodeError:
        pass
    try:
        return urljoin(url, location)
    except ValueError:
        raise FetchError("The URL redirects to a location that is not a valid URL.")


# --- Fetching -------------------------------------------------------------------------------

class _PinnedConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand, whatever DNS answers now, within the deadline."""

    def __init__(self, target, address, deadline, ssl_context):
        super().__init__(target.host, target.port)
        self._target, self._address, self._deadline, self._ssl_context = target, address, deadline, ssl_context

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self._deadline.remaining())
        try:
            if self._target.scheme == "https":
                context = self._ssl_context or ssl.create_default_context()
                sock.settimeout(self._deadline.remaining())  # the handshake runs in wrap_socket
                sock = context.wrap_socket(sock, server_hostname=self._target.host)
        except BaseException:
            sock.close()
            raise
        self.sock = _DeadlineSocket(sock, self._deadline)


def fetch(url, max_bytes, timeout_seconds, ssl_context=None, accept="image/*"):
    """Return the body of ``url`` (following up to three checked redirects), all within ``timeout_seconds``.

    ``accept`` is the Accept header: the media types the caller can use, so that a server
    that negotiates sends one of them.
    """
    deadline = _Deadline(timeout_seconds)
    for _ in range(MAX_REDIRECTS + 1):
        target = parse_url(url)
        deadline.remaining()
        address = str(target.ip_literal) if target.ip_literal is not None else None
        if address is not None:
            check_address(address)
        else:
            address = resolve_public(target.host, target.port, deadline)
        connection = _PinnedConnection(target, address, deadline, ssl_context)
        response = None
        try:
            connection.putrequest("GET", target.target, skip_host=True, skip_accept_encoding=True)
            for name, value in (("Host", target.host_header), ("User-Agent", "ml-inference/1.0"),
                                ("Accept", accept), ("Accept-Encoding", "identity")):
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                url = _redirect_url(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise FetchError(f"The URL answered HTTP {response.status}.")
            return read_limited(response, max_bytes, deadline)
        except (socket.timeout, TimeoutError):
            raise deadline.error()
        except (OSError, http.client.HTTPException, ssl.SSLError, ValueError):
            if deadline.at <= time.monotonic():
                raise deadline.error()
            raise FetchError("The image could not be fetched from the URL.")
        finally:
            if response is not None:
                response.close()
            connection.close()
    raise FetchError(f"The URL redirects more than {MAX_REDIRECTS} times.")


def read_limited(response, max_bytes, deadline):
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"The image is larger than {max_bytes} bytes.")
    chunks, total = [], 0
    while True:
        deadline.remaining()
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise FetchError(f"The image is larger than {max_bytes} bytes.")
        chunks.append(chunk)
