"""Outbound URLs a tenant supplies (review webhooks, any later notification target): checked, resolved once, pinned.

A URL is refused unless it is ``http`` or ``https``, carries no user name or password, and every address its host
resolves to is a public unicast address: loopback, private, shared (carrier-grade NAT), link-local, multicast,
unspecified, reserved, documentation and cloud-metadata addresses are refused, in IPv4 and IPv6 alike, including
IPv4 addresses embedded in IPv6 ones (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64) and the numeric host
forms a resolver accepts (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``). Names that only ever mean this
machine or its cloud's metadata service (``localhost``, ``*.localhost``, ``metadata.google.internal``, …) are
refused without asking the resolver.

The instance administrator may allow-list hosts (``AIMS_OUTBOUND_ALLOW_HOSTS``: host names, IP addresses or
networks in CIDR form, comma-separated); an allow-listed host skips the address classes, nothing else.

The check runs twice: when the URL is saved (:func:`url_problem`, whose message names the problem without echoing
what the host resolved to) and when a request is sent (:func:`post`). A request resolves the host once, checks every
address, and connects to a vetted address itself while sending the URL's host name in the ``Host`` header and as
the TLS server name (certificates are verified against that name): a resolver that answers differently afterwards
(DNS rebinding) is never asked again. Redirects are not followed (a 3xx is the answer), the whole exchange has a
deadline, and at most :data:`MAX_RESPONSE_BYTES` of the answer are read. Failures raise :class:`OutboundFailed`
whose ``detail`` is for the server's log only: callers show tenants no more than "failed".
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

#: How much of an answer is read (the status is what counts; the body is drained only this far).
MAX_RESPONSE_BYTES = 64 * 1024
#: Schemes an outbound request may use.
SCHEMES = ("http", "https")
#: Names that always mean this machine, the local network or a cloud's metadata service (lower case, no dot at
#: the end); any name below ``localhost`` too.
BLOCKED_NAMES = frozenset(
    {
        "localhost",
        "localhost.localdomain",
        "ip6-localhost",
        "ip6-loopback",
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
BLOCKED_SUFFIXES = (".localhost", ".internal", ".local", ".home.arpa")
#: Networks no tenant URL may reach, beyond what :mod:`ipaddress` already calls private or reserved: shared
#: address space (RFC 6598, where Alibaba's metadata service lives), benchmarking, and the IPv6 metadata
#: address of AWS (inside ULA space, named for the reader).
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("100.64.0.0/10", "198.18.0.0/15", "192.0.0.0/24", "fd00:ec2::254/128", "64:ff9b::/96", "64:ff9b:1::/48")
)

INTERNAL = "resolves to a private or internal address"


class OutboundRefused(ValueError):
    """The URL may not be called; ``str()`` is a message fit for the tenant (it names no address)."""


class OutboundFailed(Exception):
    """The request was allowed but did not get an answer. ``detail`` is for the server's log, never the tenant."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class Target:
    """A parsed outbound URL: what is sent where."""

    scheme: str
    host: str  # lower case, IPv6 without brackets, no dot at the end
    port: int
    path: str  # path and query, at least "/"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class Answer:
    """What came back: the HTTP status (a 3xx is not followed)."""

    status: int


# --- Allow-list ---------------------------------------------------------------------------------------------------


def _allow_list() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks = []
    for entry in getattr(settings, "AIMS_OUTBOUND_ALLOW_HOSTS", ()) or ():
        entry = str(entry).strip().lower().strip("[]").rstrip(".")
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry)
    return names, networks


def _name_allowed(host: str) -> bool:
    return host in _allow_list()[0]


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in _allow_list()[1] if network.version == address.version)


# --- Addresses ----------------------------------------------------------------------------------------------------


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo client, NAT64)."""
    found = []
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    packed = int(address)
    if packed >> 32 == 0 or (packed >> 32) == (0x64FF9B << 64):  # ::a.b.c.d and 64:ff9b::a.b.c.d
        found.append(ipaddress.IPv4Address(packed & 0xFFFFFFFF))
    return found


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for any address that is not plain public unicast (see the module's docstring)."""
    if address.version == 6 and any(is_internal(inner) for inner in _embedded_ipv4(address)):
        return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or getattr(address, "is_site_local", False)
        or any(address in network for network in BLOCKED_NETWORKS if network.version == address.version)
    )


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address of a numeric host in any form a resolver (``inet_aton``) or a browser reads: ``127.1``,
    ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``. None when ``host`` is not numeric; ``OutboundRefused`` when it
    looks numeric but is no address (a resolver might read it some other way)."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts = parts[:-1]
    if not parts or not all(parts) or not all(_looks_numeric(p) for p in parts):
        return None
    try:
        numbers = [_number(p) for p in parts]
    except ValueError:
        raise OutboundRefused("is not a valid address") from None
    if len(numbers) > 4 or any(n < 0 for n in numbers):
        raise OutboundRefused("is not a valid address")
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise OutboundRefused("is not a valid address")
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:], 16)
    if len(part) > 1 and part[0] == "0":
        return int(part, 8)
    return int(part)


def _looks_numeric(part: str) -> bool:
    lowered = part.lower()
    if lowered.startswith("0x"):
        return all(c in "0123456789abcdef" for c in lowered[2:])
    return part.isdigit()


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            raise OutboundRefused("is not a valid address") from None
    return _numeric_ipv4(host)


# --- Parsing and checking ---------------------------------------------------------------------------------------


def parse(url: str) -> Target:
    """The target of ``url``, or :class:`OutboundRefused` (scheme, credentials, host, port)."""
    if not isinstance(url, str) or not url or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise OutboundRefused("must be an http or https URL without spaces or control characters")
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise OutboundRefused("must be an http or https URL")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise OutboundRefused("must not contain a user name or password")
    host = (parts.hostname or "").rstrip(".")
    if not host or "\\" in host or "%" in host:
        raise OutboundRefused("must name a host")
    if not host.isascii():  # an internationalized name: its ASCII form is what is resolved and sent as Host
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise OutboundRefused("is not a valid URL") from None
    if port == 0:
        raise OutboundRefused("is not a valid URL")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def _check_name(target: Target) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The host's literal address if it is one; refuses internal literals and names, unless allow-listed."""
    if _name_allowed(target.host):
        return None
    literal = _literal(target.host)
    if literal is not None:
        if is_internal(literal) and not _address_allowed(literal):
            raise OutboundRefused(INTERNAL)
        return literal
    if target.host in BLOCKED_NAMES or target.host.endswith(BLOCKED_SUFFIXES):
        raise OutboundRefused(INTERNAL)
    return None


def resolve(target: Target) -> list[tuple]:
    """Resolve the host once: ``[(family, sockaddr)]``, every address vetted, or :class:`OutboundRefused`.

    Raises :class:`OutboundFailed` when the name does not resolve.
    """
    literal = _check_name(target)
    if literal is not None:  # connect to exactly the address vetted, however the resolver would read the form
        family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
        return [(family, (str(literal), target.port))]
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise OutboundFailed(f"could not resolve: {exc}") from None
    allowed_name = _name_allowed(target.host)
    vetted = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not allowed_name and is_internal(address) and not _address_allowed(address):
            raise OutboundRefused(INTERNAL)  # one bad address refuses the name: no choosing among them
        vetted.append((family, sockaddr))
    if not vetted:
        raise OutboundFailed("no address")
    return vetted


def url_problem(url: str, *, resolve_name: bool = True) -> str | None:
    """Why ``url`` may not be called (a message for the tenant), or None.

    With ``resolve_name`` the host is looked up too; a name that does not resolve now passes (the request checks
    again when it is sent).
    """
    try:
        target = parse(url)
        _check_name(target)
        if resolve_name:
            resolve(target)
    except OutboundRefused as exc:
        return str(exc)
    except OutboundFailed:
        return None
    return None


def sentence(problem: str) -> str:
    """A problem from :func:`url_problem` as a field message: "Resolves to a private or internal address."."""
    return problem[:1].upper() + problem[1:] + "."


# --- Sending ------------------------------------------------------------------------------------------------------


def _connect(sockaddr: tuple, timeout: float) -> socket.socket:
    """A TCP connection to a vetted address (nothing is resolved here, not even the address)."""
    family = socket.AF_INET6 if ":" in sockaddr[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect(sockaddr)
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the vetted address; ``host`` stays the URL's name for the ``Host`` header."""

    def __init__(self, target: Target, addresses: Iterable[tuple], timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._addresses = list(addresses)

    def _open_socket(self) -> socket.socket:
        last: OSError | None = None
        for _family, sockaddr in self._addresses:
            try:
                return _connect(sockaddr, self.timeout)
            except OSError as exc:
                last = exc
        raise last or OSError("no address")

    def connect(self):
        self.sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to the vetted address, the certificate verified against the URL's name (sent as SNI)."""

    def __init__(self, target: Target, addresses: Iterable[tuple], timeout: float):
        super().__init__(target, addresses, timeout)
        self.default_port = 443
        self._context = ssl.create_default_context()

    def connect(self):
        raw = self._open_socket()
        try:
            self.sock = self._context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = 10.0) -> Answer:
    """POST ``body`` to ``url`` under the policy; the answer's status (3xx included: redirects are not followed).

    Raises :class:`OutboundRefused` (the URL, or what its host resolves to now, is not allowed) or
    :class:`OutboundFailed` (no answer within ``timeout`` seconds, or not HTTP).
    """
    target = parse(url)
    addresses = resolve(target)
    deadline = time.monotonic() + timeout
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = cls(target, addresses, timeout)
    try:
        connection.putrequest("POST", target.path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", target.host_header)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.putheader("Connection", "close")
        connection.endheaders(body)
        _remaining(deadline, connection)
        response = connection.getresponse()
        _drain(response, deadline, connection)
        return Answer(status=response.status)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise OutboundFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()


def _remaining(deadline: float, connection: http.client.HTTPConnection) -> None:
    """Shorten the socket's timeout to what is left of the deadline (a slow server cannot stretch it)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    if connection.sock is not None:
        connection.sock.settimeout(left)


def _drain(response: http.client.HTTPResponse, deadline: float, connection: http.client.HTTPConnection) -> None:
    read = 0
    while read < MAX_RESPONSE_BYTES:
        _remaining(deadline, connection)
        chunk = response.read1(min(16 * 1024, MAX_RESPONSE_BYTES - read))
        if not chunk:
            break
        read += len(chunk)
