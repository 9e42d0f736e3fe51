"""Safe fetching: the SSRF matrix, redirects, limits, content types and charsets."""

from __future__ import annotations

import gzip
import time

import pytest

from fakeradar.daemon.errors import (
    BadRequest,
    BlockedAddress,
    FetchError,
    FetchTimeout,
    UnsupportedContent,
)
from fakeradar.daemon.fetch import FetchLimits, blocked_reason, decode_html, fetch

PAGE = b"<html><head><title>T</title></head><body><p>Hello world</p></body></html>"
HTML = {"Content-Type": "text/html; charset=utf-8"}
# Names a test resolves itself; nothing here touches real DNS.
FAKE_DNS = {"localhost": ["127.0.0.1"], "internal.example": ["10.0.0.5"],
            "metadata.example": ["169.254.169.254"], "mixed.example": ["93.184.216.34", "10.0.0.1"],
            "v6private.example": ["fd00::1"]}


def fake_resolver(host: str, port: int) -> list[str]:
    return FAKE_DNS[host]


def local_is_public(ip) -> str | None:
    """A policy treating the test server (127.0.0.1) as a public host, all else as usual."""
    return None if str(ip) == "127.0.0.1" else blocked_reason(ip)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://localhost:8765/v1/health", "http://0.0.0.0/",
    "http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.254/", "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/",
    "http://127.1/", "http://100.64.0.1/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://[fe80::1]/", "http://[fd00::1]/", "http://[2002:7f00:1::]/",
    "http://internal.example/", "http://metadata.example/", "http://mixed.example/",
    "http://v6private.example/", "https://10.0.0.1:8443/",
])
def test_private_and_special_addresses_are_refused(url):
    with pytest.raises(BlockedAddress) as info:
        fetch(url, resolver=fake_resolver)
    assert info.value.status == 403 and "--allow-private" in info.value.message


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://x.org/",
                                 "javascript:alert(1)", "http://", "http://user:pw@example.com/",
                                 "http://[::1/", "//example.com/x"])
def test_other_schemes_and_malformed_urls_are_bad_requests(url):
    with pytest.raises(BadRequest) as info:
        fetch(url, resolver=fake_resolver)
    assert info.value.code == "bad_url"


def test_public_addresses_pass_the_check():
    import ipaddress

    for address in ("93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"):
        assert blocked_reason(ipaddress.ip_address(address)) is None


def test_fetches_a_page_connecting_to_the_vetted_address_once(page_server):
    page_server.routes["/story"] = (200, HTML, PAGE)
    lookups = []

    def counting_resolver(host, port):
        lookups.append(host)
        return ["127.0.0.1"]

    page = fetch(f"http://news.example:{page_server.port}/story",
                 FetchLimits(allow_private=True), resolver=counting_resolver)
    assert "Hello world" in page.html and page.charset == "utf-8"
    assert lookups == ["news.example"]   # one lookup; the connection reused its answer
    assert page_server.seen[-1]["host"] == f"news.example:{page_server.port}"


def test_redirect_to_a_private_address_is_refused(page_server):
    page_server.routes["/a"] = (302, {"Location": "http://internal.example/admin"}, b"")
    dns = {"public.example": ["127.0.0.1"], **FAKE_DNS}
    with pytest.raises(BlockedAddress, match="internal.example"):
        fetch(f"http://public.example:{page_server.port}/a",
              resolver=lambda host, port: dns[host], policy=local_is_public)
    assert [r["path"] for r in page_server.seen] == ["/a"]   # the private hop was never made


def test_redirects_are_followed_and_capped(page_server):
    page_server.routes["/r1"] = (301, {"Location": "/r2"}, b"")
    page_server.routes["/r2"] = (307, {"Location": f"{page_server.base}/story"}, b"")
    page_server.routes["/story"] = (200, HTML, PAGE)
    page = fetch(f"{page_server.base}/r1", FetchLimits(allow_private=True))
    assert page.url.endswith("/story") and len(page.redirects) == 2
    page_server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    with pytest.raises(FetchError) as info:
        fetch(f"{page_server.base}/loop", FetchLimits(allow_private=True, max_redirects=5))
    assert info.value.code == "too_many_redirects" and len(page_server.seen) == 3 + 6


@pytest.mark.parametrize(("headers", "body", "error", "code"), [
    ({"Content-Type": "application/pdf"}, b"%PDF-1.4", UnsupportedContent, "not_html"),
    ({"Content-Type": "image/png"}, b"\x89PNG\r\n", UnsupportedContent, "not_html"),
    (HTML, b"\x00\x01\x02binary" * 100, UnsupportedContent, "binary_body"),
    (HTML, b"<p>" + b"x" * 5000 + b"</p>", FetchError, "page_too_large"),
])
def test_unwanted_bodies_are_refused(page_server, headers, body, error, code):
    page_server.routes["/p"] = (200, headers, body)
    with pytest.raises(error) as info:
        fetch(f"{page_server.base}/p", FetchLimits(allow_private=True, max_bytes=4096))
    assert info.value.code == code


def test_a_gzip_bomb_stops_at_the_byte_cap(page_server):
    bomb = gzip.compress(b"<p>" + b"a" * 20_000_000)
    page_server.routes["/bomb"] = (200, {**HTML, "Content-Encoding": "gzip"}, bomb)
    with pytest.raises(FetchError) as info:
        fetch(f"{page_server.base}/bomb", FetchLimits(allow_private=True, max_bytes=1_000_000))
    assert info.value.code == "page_too_large"
    page_server.routes["/gz"] = (200, {**HTML, "Content-Encoding": "gzip"}, gzip.compress(PAGE))
    assert "Hello world" in fetch(f"{page_server.base}/gz", FetchLimits(allow_private=True)).html


def test_upstream_errors_and_refused_connections_are_bad_gateway(page_server):
    with pytest.raises(FetchError) as info:
        fetch(f"{page_server.base}/missing", FetchLimits(allow_private=True))
    assert info.value.status == 502 and "404" in info.value.message
    with pytest.raises(FetchError) as info:
        fetch("http://127.0.0.1:9/", FetchLimits(allow_private=True))   # discard port: closed
    assert info.value.status == 502


def test_a_slow_drip_is_cut_at_the_total_deadline(page_server):
    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        for _ in range(50):
            handler.wfile.write(b"<p>x</p>")
            handler.wfile.flush()
            time.sleep(0.1)

    page_server.routes["/slow"] = (200, {}, drip)
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as info:
        fetch(f"{page_server.base}/slow", FetchLimits(allow_private=True, timeout=1.0))
    assert info.value.status == 504 and time.monotonic() - started < 2.5


def test_a_late_answer_then_a_stall_still_ends_at_the_deadline(page_server):
    def late_then_stall(handler):
        time.sleep(0.8)                     # most of the time goes on waiting for headers
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.flush()
        time.sleep(3)                       # then the body stalls

    page_server.routes["/late"] = (200, {}, late_then_stall)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(f"{page_server.base}/late", FetchLimits(allow_private=True, timeout=1.0))
    # each wait gets only the time left; a per-wait timeout would end near 0.8 + 1.0 s
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(("body", "header", "charset", "source"), [
    ("<meta charset='iso-8859-1'><p>café</p>".encode("latin-1"), None, "iso-8859-1", "meta"),
    ("<p>café</p>".encode("latin-1"), "latin-1", "latin-1", "header"),
    ("<p>café</p>".encode(), "no-such-charset", "utf-8", "detected"),
    (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", None, "utf-8-sig", "bom"),
])
def test_charset_comes_from_bom_header_meta_then_detection(body, header, charset, source):
    html, used, how = decode_html(body, header)
    assert "café" in html and used == charset and how == source


def test_undeclared_legacy_charset_is_detected():
    text = "Москва — столица России, крупнейший по численности населения город страны. " * 5
    html, used, how = decode_html(f"<p>{text}</p>".encode("cp1251"))
    assert how == "detected" and "Москва" in html
