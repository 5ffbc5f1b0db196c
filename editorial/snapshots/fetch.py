"""Fetching a source's web page safely, on an editor's behalf.

A capture is a request the server makes to an address an editor typed, so it must not become a
way into the network it runs in: only http and https; the host is resolved once, every address
it resolves to is checked (loopback, private, link-local, reserved, multicast, metadata, and
the IPv4 inside an IPv4-mapped IPv6 address), and the connection goes to the address that was
checked, so a second lookup cannot answer differently. Every redirect is checked the same way.
``SNAPSHOT_ALLOW_PRIVATE`` lifts the address check (tests, a private mirror), never the scheme.

No database here: ``fetch`` returns what happened, ``editorial.snapshots.capture`` records it.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.cache import caches

from archive.models import Outcome

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
USER_AGENT = "IncidentArchive-snapshot/1.0 (+preserving cited sources)"
# Metadata services that sit in ranges the checks below would not otherwise name.
METADATA = (
    ipaddress.ip_network("169.254.169.254/32"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
)


class Refused(Exception):
    """A URL the archive will not fetch; the message is the reason a person reads."""


class Failed(Exception):
    """A fetch that got no usable answer (timeout, connection, oversize); the message says."""

    retryable = True


class TooLarge(Failed):
    """An answer over the size cap: it will be as large on the next try."""

    retryable = False


@dataclass
class Hop:
    """One response: a redirect on the way, or the last answer."""

    url: str
    address: str
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    request_headers: list[tuple[str, str]]


@dataclass
class Fetched:
    url: str
    outcome: str = Outcome.FAILED
    error: str = ""
    hops: list[Hop] = field(default_factory=list)
    retryable: bool = False

    @property
    def final(self) -> Hop | None:
        return self.hops[-1] if self.hops else None

    @property
    def sha256(self) -> str:
        final = self.final
        return hashlib.sha256(final.body).hexdigest() if final is not None else ""


def address_refusal(address: str) -> str:
    """What kind of address this is when it may not be fetched ("" when it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_refusal(str(ip.ipv4_mapped))
    if any(ip in network for network in METADATA):
        return "a cloud metadata address"
    for kind, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} address"
    if not ip.is_global:
        return "not a public address"
    return ""


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (one lookup; the fetch connects to one of these)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Failed(f"{host} could not be resolved: {error}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def open_socket(address: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout)


def pause(seconds: float) -> None:
    time.sleep(seconds)


def host_wait(host: str) -> None:
    """Keep SNAPSHOT_HOST_INTERVAL seconds between requests to one host, across workers (the
    shared cache holds when each host may next be asked)."""
    interval = settings.SNAPSHOT_HOST_INTERVAL
    if interval <= 0:
        return
    cache = caches["shared"]
    key = "snapshot-host:" + hashlib.sha256(host.lower().encode()).hexdigest()
    now = time.time()
    wait = max(0.0, float(cache.get(key, 0.0)) - now)
    cache.set(key, now + wait + interval, timeout=int(wait + interval) + 60)
    if wait:
        pause(wait)


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address, self.seconds = address, timeout

    def connect(self) -> None:
        self.sock = open_socket(self.address, self.port, self.seconds)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address, self.seconds = address, timeout

    def connect(self) -> None:
        sock = open_socket(self.address, self.port, self.seconds)
        # The certificate is checked against the host name, not the address.
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def checked_target(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and address to fetch ``url`` from, or Refused with why."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise Refused(f"Only http and https addresses are fetched, not {parts.scheme or 'none'}.")
    host = parts.hostname
    if not host:
        raise Refused("The address names no host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("The address has an invalid port.") from None
    addresses = resolve(host, port)
    if not addresses:
        raise Failed(f"{host} resolved to no address.")
    if not settings.SNAPSHOT_ALLOW_PRIVATE:
        # All of them: a name that answers with one public and one private address could
        # otherwise be fetched from the private one on another try.
        for address in addresses:
            kind = address_refusal(address)
            if kind and address == host:
                raise Refused(f"{host} is {kind}.")
            if kind:
                raise Refused(f"{host} resolves to {address}, {kind}.")
    return parts.scheme, host, port, addresses[0]


def fetch(url: str) -> Fetched:
    """Fetch ``url``, following redirects, within the timeout and size cap of the settings."""
    fetched = Fetched(url=url)
    deadline = time.monotonic() + settings.SNAPSHOT_TIMEOUT
    current = url
    try:
        for _hop in range(settings.SNAPSHOT_MAX_REDIRECTS + 1):
            hop = _request(current, deadline)
            fetched.hops.append(hop)
            location = dict((k.lower(), v) for k, v in hop.headers).get("location")
            if hop.status in REDIRECTS and location:
                current = urljoin(current, location)
                continue
            if 200 <= hop.status < 300:
                fetched.outcome = Outcome.CAPTURED
            else:
                fetched.error = f"HTTP {hop.status} {hop.reason}".strip()
                fetched.retryable = hop.status >= 500 or hop.status == 429
            return fetched
        fetched.error = f"More than {settings.SNAPSHOT_MAX_REDIRECTS} redirects."
    except Refused as refusal:
        fetched.outcome = Outcome.REFUSED
        where = f"Redirected to {current}: " if current != url else ""
        fetched.error = f"{where}{refusal}"
    except Failed as failure:
        fetched.error = str(failure)
        fetched.retryable = failure.retryable
    return fetched


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise Failed(f"No complete answer within {settings.SNAPSHOT_TIMEOUT:g} seconds.")
    return left


def _request(url: str, deadline: float) -> Hop:
    scheme, host, port, address = checked_target(url)
    host_wait(host)
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    connection = connection_class(host, port, address=address, timeout=_remaining(deadline))
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    request_headers = [("User-Agent", USER_AGENT), ("Accept", "*/*")]
    limit = settings.SNAPSHOT_MAX_BYTES
    try:
        connection.request("GET", target, headers=dict(request_headers))
        response = connection.getresponse()
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"The answer is {int(declared)} bytes, over the limit of {limit}.")
        body = bytearray()
        while True:
            if connection.sock is not None:
                connection.sock.settimeout(_remaining(deadline))
            chunk = response.read(CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                raise TooLarge(f"The answer is over the limit of {limit} bytes.")
        return Hop(
            url=url,
            address=address,
            status=response.status,
            reason=response.reason,
            headers=list(response.getheaders()),
            body=bytes(body),
            request_headers=[("Host", parts.netloc), *request_headers],
        )
    except TimeoutError:
        raise Failed(f"No complete answer within {settings.SNAPSHOT_TIMEOUT:g} seconds.") from None
    except ssl.SSLError as error:
        raise Failed(f"TLS failed: {error}") from None
    except (OSError, http.client.HTTPException) as error:
        raise Failed(f"The connection failed: {error or type(error).__name__}") from None
    finally:
        connection.close()
