"""Fetching a page for url mode without becoming an SSRF proxy.

Only http/https. The host is resolved once, every address it resolves to is
checked (loopback, private, link-local, CGNAT, multicast, reserved, unspecified,
IPv4-mapped/embedded IPv6 are refused unless `allow_private`), and the connection
goes to the vetted address itself, with the Host header and TLS SNI/certificate
check on the original name, so a second DNS answer cannot swap the target
(DNS rebinding). Every redirect is re-checked, redirects, bytes and total time
are capped, and only HTML/text content types are accepted. Follows OWASP's SSRF
prevention cheat sheet.
"""

from __future__ import annotations

import codecs
import http.client
import ipaddress
import logging
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from fakeradar.daemon.errors import (
    BadRequest,
    BlockedAddress,
    FetchError,
    FetchTimeout,
    UnsupportedContent,
)

LOGGER = logging.getLogger(__name__)

# host, port -> the addresses it resolves to. Injectable so tests can map public-looking
# names to private addresses without touching real DNS.
Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# address -> why it is refused, or None; `blocked_reason` unless a test narrows it.
AddressPolicy = Callable[[IPAddress], str | None]

HTML_TYPES = {"text/html", "application/xhtml+xml", "text/plain"}
REDIRECT_CODES = {301, 302, 303, 307, 308}
USER_AGENT = "fakeradar/0.1 (+local fake-news checker)"
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchLimits:
    max_bytes: int = 5 * 1024 * 1024    # decoded body size; a news page is rarely above 1 MB
    timeout: float = 10.0                # seconds for the whole fetch, redirects included
    max_redirects: int = 5
    allow_private: bool = False          # True lets url mode reach LAN/loopback hosts


@dataclass
class Page:
    url: str                             # the final URL after redirects
    html: str
    content_type: str
    charset: str                         # the charset used to decode, and `charset_source`
    charset_source: str                  # "header" | "bom" | "meta" | "detected" | "fallback"
    redirects: list[str] = field(default_factory=list)


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the OS resolver; FetchError when the name does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}", code="dns_failed") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def blocked_reason(ip: IPAddress) -> str | None:
    """Why `ip` must not be reached from a localhost daemon, or None when it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return f"an IPv6 address embedding the IPv4 address {embedded}"
    checks = [("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified),
              ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
              ("CGNAT", isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT),
              ("private", ip.is_private), ("reserved", ip.is_reserved),
              ("non-global", not ip.is_global)]
    return next((f"a {name} address" for name, hit in checks if hit), None)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string spells, including decimal/octal/hex IPv4 forms.

    `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` all mean 127.0.0.1 to the C
    resolver; they are decoded here so they are checked like the dotted form.
    """
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and re.search(r"\d", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def vet_url(url: str, resolver: Resolver, allow_private: bool,
            policy: AddressPolicy | None = None) -> tuple[str, int, str, str]:
    """Check a URL and resolve its host: (scheme, port, host, vetted address)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise BadRequest(f"malformed URL {url!r}: {exc}", code="bad_url") from None
    if parts.scheme not in ("http", "https"):
        raise BadRequest(f"only http and https URLs can be fetched, not {parts.scheme or 'none'}:",
                         code="bad_url")
    if not parts.hostname:
        raise BadRequest(f"URL {url!r} has no host", code="bad_url")
    if parts.username or parts.password:
        raise BadRequest("URLs with credentials (user@host) are not fetched", code="bad_url")
    host = parts.hostname
    literal = parse_ip_literal(host)
    addresses = [str(literal)] if literal else resolver(host, port)
    if not addresses:
        raise FetchError(f"{host} resolves to no address", code="dns_failed")
    for address in addresses:
        reason = (policy or blocked_reason)(ipaddress.ip_address(address.split("%")[0]))
        if reason and not allow_private:
            raise BlockedAddress(f"refusing to fetch {host}: it resolves to {address}, {reason} "
                                 "(--allow-private permits this)")
    return parts.scheme, port, host, addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a vetted address; the Host header still names the original host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a vetted address; SNI and the certificate check use the original host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, limits: FetchLimits = FetchLimits(), resolver: Resolver = system_resolver,
          policy: AddressPolicy | None = None) -> Page:
    """Fetch an HTML page safely (module doc); DaemonError subclasses on failure.

    `resolver` and `policy` (default `blocked_reason`) are injectable for tests.
    """
    deadline = time.monotonic() + limits.timeout
    redirects: list[str] = []
    while True:
        scheme, port, host, address = vet_url(url, resolver, limits.allow_private, policy)
        response, conn, sock = _request(scheme, host, port, address, url, deadline)
        try:
            location = response.getheader("Location")
            if response.status in REDIRECT_CODES and location:
                if len(redirects) >= limits.max_redirects:
                    raise FetchError(f"more than {limits.max_redirects} redirects",
                                     code="too_many_redirects")
                redirects.append(url)
                url = urljoin(url, location)
                continue
            if response.status >= 400:
                raise FetchError(f"{url} answered HTTP {response.status}", code="upstream_status")
            return _read_page(url, response, sock, limits, deadline, redirects)
        finally:
            conn.close()


def _request(scheme: str, host: str, port: int, address: str, url: str, deadline: float):
    remaining = _remaining(deadline)
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address, remaining)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,text/plain",
               "Accept-Encoding": "gzip, deflate"}
    try:
        conn.request("GET", path, headers=headers)
        sock = conn.sock   # getresponse may hand it over to the response and close conn
        sock.settimeout(_remaining(deadline))   # connecting took part of the time
        return conn.getresponse(), conn, sock
    except (TimeoutError, FetchTimeout):
        conn.close()
        raise FetchTimeout(f"{host} did not answer in time") from None
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        raise FetchError(f"cannot fetch {url}: {exc.__class__.__name__}: {exc}") from None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchTimeout("the page took too long to fetch")
    return left


def _read_page(url: str, response, sock: socket.socket, limits: FetchLimits, deadline: float,
               redirects: list[str]) -> Page:
    content_type, header_charset = _parse_content_type(response.getheader("Content-Type", ""))
    if content_type and content_type not in HTML_TYPES:
        raise UnsupportedContent(f"{url} is {content_type}, not an HTML page", code="not_html")
    body = _read_body(response, sock, limits, deadline)
    if b"\x00" in body[:4096]:
        raise UnsupportedContent(f"{url} returned a binary body, not an HTML page",
                                 code="binary_body")
    html, charset, source = decode_html(body, header_charset)
    return Page(url=url, html=html, content_type=content_type or "text/html",
                charset=charset, charset_source=source, redirects=redirects)


def _parse_content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.I)
    return media.strip().lower(), match.group(1) if match else None


def _read_body(response, sock: socket.socket, limits: FetchLimits, deadline: float) -> bytes:
    """Read at most max_bytes (after decompression) before the deadline.

    `read1` returns after one receive, and each receive may wait only the time that is
    left, so neither a slow drip nor a stall stretches the fetch past its deadline.
    """
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    inflater = zlib.decompressobj(47) if encoding in ("gzip", "deflate", "x-gzip") else None
    chunks, size = [], 0
    while True:
        try:
            sock.settimeout(_remaining(deadline))
            raw = response.read1(_CHUNK)
        except TimeoutError:
            raise FetchTimeout("the page took too long to fetch") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"the connection broke while reading the page: {exc}") from None
        if not raw:
            break
        try:
            data = inflater.decompress(raw, limits.max_bytes + 1 - size) if inflater else raw
        except zlib.error as exc:
            raise FetchError(f"the page's {encoding} body is corrupt: {exc}") from None
        size += len(data)
        if size > limits.max_bytes:
            raise FetchError(f"the page is larger than {limits.max_bytes} bytes",
                             code="page_too_large")
        chunks.append(data)
    return b"".join(chunks)


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str, str]:
    """Decode bytes: BOM, then the HTTP header, then <meta charset>, then detection."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name, "bom"
    meta = _META_CHARSET.search(body[:4096])
    candidates = [(header_charset, "header"),
                  (meta.group(1).decode("ascii", "ignore") if meta else None, "meta")]
    for name, source in candidates:
        if name and _known_codec(name):
            return body.decode(name, errors="replace"), name.lower(), source
    try:
        body.decode("utf-8")
        return body.decode("utf-8"), "utf-8", "detected"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    name = best.encoding if best else "utf-8"
    return body.decode(name, errors="replace"), name, "detected" if best else "fallback"


def _known_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
        return True
    except LookupError:
        return False
