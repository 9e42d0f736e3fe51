"""The extension in a real Chromium against the real daemon and a real news page.

Builds dist/chrome with extension/build.py, loads it unpacked into Debian's
Chromium (driven by Playwright), starts `fakeradar serve` on the tiny model with
a token, and serves a page of the extraction benchmark from a local HTTP server.
The popup is opened as a tab with `?tab=<id>` (the toolbar popup is not a page
Playwright can drive), which checks that tab exactly as the toolbar popup checks
the active one.
"""

from __future__ import annotations

import gzip
import html
import itertools
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/lib/chromium/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
# BBC Newsbeat, 479 words: "Taylor Swift's AMA row seems to be over".
NEWS_PAGE_ID = "70cb2d5bca75"
NEWS_TITLE = "Taylor Swift's AMA row seems to be over"
TOKEN = "e2e-token-4242"
# Chromium must stay off the network: every host but the loopback fails to resolve.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost",
]
# Sentences in the style the tiny model learnt as real (wire-report words).
WIRE_PARAGRAPHS = [
    "The finance ministry said on Tuesday that the budget committee reported quarterly "
    "growth of two percent, according to a statement from officials.",
    "Economists and analysts at the treasury forecast that negotiations on the trade "
    "agreement would continue next week, a spokesperson for the delegation said.",
    "Parliament is expected to vote on the legislation after the committee completes its "
    "review, officials reported, according to the ministry statement.",
    "The delegation said the agreement would cut the budget deficit by one percent, and "
    "analysts said the forecast was in line with the quarterly figures.",
]
# ... and in the style it learnt as fake (sensational words).
SENSATIONAL_PARAGRAPHS = [
    "Shocking bombshell: insiders exposed the rigged hoax and the secret coverup, and people "
    "are furious at the liberal elites who lied about it all week.",
    "Wow, this viral scandal is insane. The traitor destroyed the evidence, the outrage is "
    "unbelievable and the disgusting lies are finally exposed.",
    "Breaking: the banned video the elites never wanted you to see shows the whole shocking "
    "coverup, and the furious people say it is a rigged scandal.",
]
TIMEOUT_MS = 30_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def article_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title></head><body><nav>Home | World</nav>"
            f"<article><h1>{html.escape(title)}</h1>{body}</article></body></html>")


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent: apt-get install --no-install-recommends chromium"
        if os.environ.get("CI") == "true":  # CI installs it: a skip there would hide a gap
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def extension_dir(tmp_path_factory) -> Path:
    """A fresh build of the Chrome variant, as `make extension` makes it."""
    out = tmp_path_factory.mktemp("extension-dist")
    subprocess.run([sys.executable, str(ROOT / "extension" / "build.py"), "--out", str(out),
                    "--browser", "chrome"], check=True, capture_output=True)
    return out / "chrome"


@dataclass
class Daemon:
    url: str
    home: Path


@pytest.fixture(scope="module")
def daemon(tiny_model_dir, tmp_path_factory) -> Iterator[Daemon]:
    """`fakeradar serve` on the tiny model, with a token, in its own data folder."""
    home = tmp_path_factory.mktemp("daemon-home")
    port = free_port()
    env = {**os.environ, "FAKERADAR_HOME": str(home), "FAKERADAR_TOKEN": TOKEN}
    log = open(home / "daemon.log", "w")  # noqa: SIM115 (closed at teardown)
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("fakeradar")), "serve", "--model", str(tiny_model_dir),
         "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, home / "daemon.log")
        yield Daemon(url, home)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def wait_for_health(url: str, process: subprocess.Popen, log: Path) -> None:
    request = urllib.request.Request(f"{url}/v1/health",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"fakeradar serve exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"fakeradar serve did not answer within 60 s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def site(shared_data, tmp_path_factory) -> Iterator[str]:
    """A local web server: the BBC page, articles in the tiny model's two styles, a form."""
    root = tmp_path_factory.mktemp("site")
    page = shared_data / "extraction_benchmark" / "html"
    (gz,) = page.glob(f"{NEWS_PAGE_ID}*.html.gz")
    (root / "news.html").write_bytes(gzip.decompress(gz.read_bytes()))
    (root / "wire.html").write_text(article_page("Ministry reports quarterly budget figures",
                                                 WIRE_PARAGRAPHS * 2))
    (root / "sensational.html").write_text(article_page("Shocking bombshell exposes rigged hoax",
                                                        SENSATIONAL_PARAGRAPHS * 2))
    (root / "empty.html").write_text("<!doctype html><html><head><title>Sign in</title></head>"
                                     "<body><form><input name=q><button>Go</button></form></body>"
                                     "</html>")
    handler = partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


class ExtensionBrowser:
    """Chromium with the extension loaded, and the handles the tests use."""

    def __init__(self, context):
        self.context = context
        self.worker = context.service_workers[0] if context.service_workers else \
            context.wait_for_event("serviceworker", timeout=TIMEOUT_MS)
        self.origin = "/".join(self.worker.url.split("/")[:3])
        # onInstalled seeds the defaults asynchronously: wait, so they don't overwrite ours.
        self.poll("async () => (await chrome.storage.local.get('daemonUrl')).daemonUrl")

    def poll(self, expression: str, arg=None, until=bool, timeout: float = 15):
        """Evaluates in the service worker until `until(value)`; returns the value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.worker.evaluate(expression, arg)
            if until(value) or time.monotonic() > deadline:
                return value
            time.sleep(0.1)

    def set_settings(self, **settings) -> None:
        self.worker.evaluate("s => chrome.storage.local.set(s)", settings)

    def settings(self) -> dict:
        return self.worker.evaluate("() => chrome.storage.local.get(null)")

    def open_tab(self, url: str):
        page = self.context.new_page()
        page.goto(url)
        return page, self.tab_id(url)

    def tab_id(self, url: str) -> int:
        return self.worker.evaluate(
            "async url => (await chrome.tabs.query({})).find(t => t.url === url).id", url)

    def open_popup(self, tab_id: int):
        popup = self.context.new_page()
        popup.set_viewport_size({"width": 380, "height": 640})
        popup.goto(f"{self.origin}/popup.html?tab={tab_id}")
        wait_for_outcome(popup)
        return popup

    def badge(self, tab_id: int) -> tuple[str, list[int]]:
        return (self.worker.evaluate("id => chrome.action.getBadgeText({tabId: id})", tab_id),
                self.worker.evaluate("id => chrome.action.getBadgeBackgroundColor({tabId: id})",
                                     tab_id))

    def wait_for_badge(self, tab_id: int, text: str) -> str:
        return self.poll("id => chrome.action.getBadgeText({tabId: id})", tab_id,
                         until=lambda value: value == text)


@pytest.fixture
def browser(chromium, extension_dir, daemon, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(chromium), headless=True,
            args=[*CHROMIUM_ARGS, f"--disable-extensions-except={extension_dir}",
                  f"--load-extension={extension_dir}"])
        try:
            extension = ExtensionBrowser(context)
            extension.set_settings(daemonUrl=daemon.url, token=TOKEN)
            yield extension
        finally:
            context.close()


class ToolbarPopup:
    """The real action popup, driven over CDP: Playwright does not expose it as a Page."""

    def __init__(self, browser: ExtensionBrowser, page):
        self.cdp = browser.context.new_cdp_session(page)
        self.page = page
        self.replies: dict[int, dict] = {}
        self.cdp.on("Target.receivedMessageFromTarget", self._receive)
        browser.worker.evaluate("() => chrome.action.openPopup()")
        target = self._wait(lambda: next(
            (t for t in self.cdp.send("Target.getTargets")["targetInfos"]
             if t["url"].startswith(browser.origin) and "/popup.html" in t["url"]), None))
        attached = self.cdp.send("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": False})
        self.session = attached["sessionId"]
        self.call_ids = itertools.count(1)

    def _receive(self, event: dict) -> None:
        message = json.loads(event["message"])
        if "id" in message:
            self.replies[message["id"]] = message

    def _wait(self, probe, timeout: float = TIMEOUT_MS / 1000):
        deadline = time.monotonic() + timeout
        while (value := probe()) is None and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        return value

    def evaluate(self, expression: str):
        """Runtime.evaluate in the popup; returns the value."""
        call_id = next(self.call_ids)
        message = {"id": call_id, "method": "Runtime.evaluate",
                   "params": {"expression": expression, "returnByValue": True}}
        self.cdp.send("Target.sendMessageToTarget",
                      {"sessionId": self.session, "message": json.dumps(message)})
        reply = self._wait(lambda: self.replies.get(call_id), timeout=10)
        return reply["result"]["result"].get("value")

    def wait_for_text(self, selector: str) -> str | None:
        return self._wait(lambda: self.evaluate(
            f"document.querySelector({json.dumps(selector)})?.textContent || null"))


def wait_for_outcome(popup) -> None:
    """Waits until the popup shows a result or an error (not the loading state)."""
    popup.locator("#result:not([hidden]), #error:not([hidden])").wait_for(timeout=TIMEOUT_MS)


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text().strip()


def test_popup_shows_verdict_passages_and_sets_the_badge(browser, site):
    news, tab_id = browser.open_tab(f"{site}/news.html")
    popup = browser.open_popup(tab_id)

    assert text_of(popup, "#verdict-label") in {"Looks suspect", "Uncertain", "Looks credible"}
    verdict = popup.locator("#verdict").get_attribute("data-verdict")
    assert text_of(popup, "#article-title") == NEWS_TITLE
    assert "479 words" in text_of(popup, "#article-meta")
    assert "fake-like" in text_of(popup, "#verdict-percent")
    assert "tiny-mobilebert-synthetic" in text_of(popup, "#model")
    # The bar: marker at p_fake, the band between the two thresholds.
    entry = browser.worker.evaluate(
        "async id => (await chrome.storage.session.get(`tab:${id}`))[`tab:${id}`]", tab_id)
    result = entry["result"]
    marker_left = popup.locator("#meter-marker").evaluate("e => parseFloat(e.style.left)")
    assert marker_left == pytest.approx(result["p_fake"] * 100, abs=0.1)
    assert text_of(popup, "#meter-credible") == f"{result['thresholds']['credible']:.2f}"
    assert text_of(popup, "#meter-suspect") == f"{result['thresholds']['suspect']:.2f}"
    passages = popup.locator("#passages .passage")
    assert passages.count() == len(result["passages"]) >= 1

    # The badge says the same as the popup, in the verdict's colour.
    expected_badge = {"suspect": "!", "uncertain": "?", "credible": "ok"}[verdict]
    text, colour = browser.badge(tab_id)
    assert text == expected_badge
    assert dominant_channel(colour) == {"suspect": "red", "credible": "green"}.get(verdict, "red")

    # A passage click selects that passage in the page.
    passages.nth(1).click()
    popup.locator("#passage-status").filter(has_text="Highlighted").wait_for(timeout=TIMEOUT_MS)
    selected = news.evaluate("() => getSelection().toString()")
    assert len(selected) >= 40 and squash(selected) in squash(result["passages"][1]["text"])

    ARTIFACTS.mkdir(exist_ok=True)
    popup.screenshot(path=str(ARTIFACTS / "popup.png"), full_page=True)

    # Reopening the popup shows the remembered result instead of scoring again.
    again = browser.open_popup(tab_id)
    assert again.locator("#result").get_attribute("data-source") == "memory"
    assert text_of(again, "#article-title") == NEWS_TITLE


def test_toolbar_popup_checks_the_active_tab(browser, site):
    page, tab_id = browser.open_tab(f"{site}/sensational.html")
    popup = ToolbarPopup(browser, page)
    assert popup.wait_for_text("#result:not([hidden]) #verdict-label") == "Looks suspect"
    assert popup.evaluate("document.getElementById('article-title').textContent") == \
        "Shocking bombshell exposes rigged hoax"
    assert browser.wait_for_badge(tab_id, "!") == "!"


def test_badge_follows_navigation_and_verdicts(browser, site):
    page, tab_id = browser.open_tab(f"{site}/sensational.html")
    popup = browser.open_popup(tab_id)
    assert text_of(popup, "#verdict-label") == "Looks suspect"
    text, colour = browser.badge(tab_id)
    assert (text, dominant_channel(colour)) == ("!", "red")

    page.goto(f"{site}/wire.html")
    assert browser.wait_for_badge(tab_id, "") == ""  # cleared when the tab navigated
    popup = browser.open_popup(tab_id)
    assert text_of(popup, "#verdict-label") == "Looks credible"
    assert popup.locator("#result").get_attribute("data-source") == "daemon"
    text, colour = browser.badge(tab_id)
    assert (text, dominant_channel(colour)) == ("ok", "green")


def test_auto_check_scores_allowed_sites_when_they_load(browser, site):
    # 127.0.0.1 is a required host permission (the daemon's), so no prompt is needed here.
    browser.set_settings(autoCheck=True, allowSites=["127.0.0.1"], denySites=[])
    _, tab_id = browser.open_tab(f"{site}/sensational.html")
    assert browser.wait_for_badge(tab_id, "!") == "!"

    browser.set_settings(denySites=["127.0.0.1"])  # the deny list wins
    page, tab_id = browser.open_tab(f"{site}/wire.html")
    page.wait_for_timeout(1500)
    assert browser.badge(tab_id)[0] == ""


def test_selected_text_is_checked_in_a_result_window(browser, site):
    news, tab_id = browser.open_tab(f"{site}/wire.html")
    selected = news.evaluate("""() => {
        const paragraphs = document.querySelectorAll('article p');
        const range = document.createRange();
        range.setStartBefore(paragraphs[0]);
        range.setEndAfter(paragraphs[2]);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        return getSelection().toString();
    }""")
    # The context menu's own click event, as Chromium dispatches it.
    with browser.context.expect_page(timeout=TIMEOUT_MS) as opened:
        browser.worker.evaluate(
            """async ({tabId, text, url}) => {
                const tab = await chrome.tabs.get(tabId);
                chrome.contextMenus.onClicked.dispatch(
                    {menuItemId: 'check-selection', selectionText: text, pageUrl: url}, tab);
            }""", {"tabId": tab_id, "text": selected, "url": f"{site}/wire.html"})
    window = opened.value
    wait_for_outcome(window)
    assert text_of(window, "#subject") == "selected text"
    assert text_of(window, "#verdict-label") == "Looks credible"
    meta = text_of(window, "#article-meta")
    assert f"{len(selected.split())} words" in meta and "read by text" in meta
    assert text_of(window, "#article-title") == "Ministry reports quarterly budget figures"


def test_feedback_reaches_the_daemon_store(browser, site, daemon):
    _, tab_id = browser.open_tab(f"{site}/news.html")
    popup = browser.open_popup(tab_id)
    popup.get_by_role("button", name="Wrong verdict?").click()
    popup.locator("#feedback-choices").get_by_role("button", name="real").click()
    popup.locator("#feedback-status").filter(has_text="Thanks").wait_for(timeout=TIMEOUT_MS)

    entry = browser.worker.evaluate(
        "async id => (await chrome.storage.session.get(`tab:${id}`))[`tab:${id}`]", tab_id)
    with sqlite3.connect(daemon.home / "feedback.sqlite3") as db:
        rows = db.execute("SELECT label, url, title FROM feedback WHERE score_id = ?",
                          (entry["result"]["id"],)).fetchall()
    assert rows == [("real", f"{site}/news.html", NEWS_TITLE)]


def test_popup_explains_failures(browser, site, daemon):
    _, tab_id = browser.open_tab(f"{site}/news.html")

    browser.set_settings(daemonUrl=f"http://127.0.0.1:{free_port()}")  # no daemon there
    popup = browser.open_popup(tab_id)
    assert "not running" in text_of(popup, "#error-title")
    commands = popup.locator("#error-commands code").all_inner_texts()
    assert commands == ["make serve", "fakeradar serve"]
    ARTIFACTS.mkdir(exist_ok=True)
    popup.screenshot(path=str(ARTIFACTS / "popup-daemon-down.png"), full_page=True)
    assert popup.get_by_role("button", name="Check again").first.is_visible()

    browser.set_settings(daemonUrl=daemon.url, token="")
    popup = browser.open_popup(tab_id)
    assert text_of(popup, "#error-title") == "The daemon needs a token"
    assert popup.get_by_role("button", name="Open options").is_visible()

    browser.set_settings(token=TOKEN)
    _, empty_tab = browser.open_tab(f"{site}/empty.html")
    popup = browser.open_popup(empty_tab)
    assert text_of(popup, "#verdict-label") == "Not an article"
    assert popup.get_by_role("button", name="Wrong verdict?").is_hidden()
    assert browser.wait_for_badge(empty_tab, "\u2013") == "\u2013"


def test_options_validate_persist_and_test_the_connection(browser, daemon):
    options = browser.context.new_page()
    options.goto(f"{browser.origin}/options.html")
    url_field = options.get_by_label("Address")
    url_field.wait_for()
    assert url_field.input_value() == daemon.url

    url_field.fill("http://example.com:8765")
    options.get_by_label("Never on these sites").fill("ads.example.com\nnot a host")
    options.get_by_role("button", name="Save").click()
    assert "this machine" in text_of(options, "#daemonUrl-error")
    assert "not a host" in text_of(options, "#denySites-error")
    assert url_field.get_attribute("aria-invalid") is not None
    assert browser.settings()["daemonUrl"] == daemon.url  # nothing saved

    url_field.fill(daemon.url.replace("127.0.0.1", "localhost"))
    options.get_by_label("Never on these sites").fill("ads.example.com\n*.tracker.net")
    options.get_by_role("button", name="Test connection").click()
    options.locator("#connection-status").filter(has_text="Connected").wait_for(timeout=TIMEOUT_MS)
    assert "tiny-mobilebert-synthetic" in text_of(options, "#connection-status")
    options.get_by_role("button", name="Save").click()
    options.locator("#save-status").filter(has_text="Saved.").wait_for(timeout=TIMEOUT_MS)

    options.reload()
    url_field = options.get_by_label("Address")
    url_field.wait_for()
    options.wait_for_function("() => document.getElementById('daemonUrl').value !== ''")
    assert url_field.input_value() == daemon.url.replace("127.0.0.1", "localhost")
    assert options.get_by_label("Token (optional)").input_value() == TOKEN
    assert options.get_by_label("Never on these sites").input_value() == \
        "ads.example.com\n*.tracker.net"
    assert not options.get_by_label("Check pages when they finish loading").is_checked()
    stored = browser.settings()
    assert stored["denySites"] == ["ads.example.com", "*.tracker.net"]
    assert stored["autoCheck"] is False


def dominant_channel(rgba: list[int]) -> str:
    red, green, _blue = rgba[:3]
    return "red" if red > green else "green"


def squash(text: str) -> str:
    """Lowercase, one space per whitespace run, straight quotes: how the popup searches."""
    table = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
    return " ".join(text.translate(table).lower().split())
