"""`fakeradar score`: in-process or through a running daemon, summary or JSON."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from fakeradar.daemon.app import create_app
from fakeradar.daemon.cli import main

ARTICLE = ("Shocking hoax exposed: the secret scandal is a bombshell and the outrage grows "
           "as furious elites try a coverup. ") * 6
PAGE = f"<html><head><title>Bombshell</title></head><body><article><p>{ARTICLE}</p>" \
       f"<p>{ARTICLE}</p></article></body></html>"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_score(*args: str, port: int, model_dir=None, stdin: str | None = None):
    extra = ["--model", str(model_dir)] if model_dir else []
    return CliRunner().invoke(main, ["score", *args, "--port", str(port), *extra], input=stdin)


def test_text_from_stdin_in_process(tiny_model_dir):
    result = run_score("--text", "-", "--title", "Bombshell", port=free_port(),
                       model_dir=tiny_model_dir, stdin=ARTICLE)
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("SUSPECT: p_fake") and "in-process" in result.output
    assert "Passages that weighed most" in result.output


def test_html_file_as_json(tiny_model_dir, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    result = run_score("--html", str(page), "--url", "https://news.example/a", "--json",
                       port=free_port(), model_dir=tiny_model_dir)
    body = json.loads(result.output)
    assert body["verdict"] == "suspect" and body["article"]["url"] == "https://news.example/a"
    assert body["article"]["extractor"] == "trafilatura"


def test_uses_the_running_daemon(live_server, tiny_scorer, tiny_model_dir):
    app = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir})
    port = urlsplit(live_server(app)).port
    run_score("--text", "-", port=port, stdin=ARTICLE)
    again = run_score("--text", "-", port=port, stdin=ARTICLE, model_dir="/no/such/model")
    assert again.exit_code == 0, again.output          # the daemon's model, not --model
    assert f"daemon at http://127.0.0.1:{port}" in again.output and "[cached]" in again.output


def test_daemon_errors_become_one_line(live_server, tiny_scorer, tiny_model_dir):
    app = create_app({"SCORER": tiny_scorer, "MODEL_DIR": tiny_model_dir})
    port = urlsplit(live_server(app)).port
    result = run_score("http://169.254.169.254/latest/meta-data/", port=port)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        result.output.strip()] and "(blocked_address)" in result.output


@pytest.mark.parametrize("url", ["http://127.0.0.1:22/", "http://2130706433/", "file:///etc/passwd"])
def test_hostile_urls_are_refused_in_process(tiny_model_dir, url):
    result = run_score(url, port=free_port(), model_dir=tiny_model_dir)
    assert result.exit_code == 1 and result.output.startswith("Error:")
    assert "Traceback" not in result.output


def test_usage_and_model_errors(tiny_model_dir, tmp_path):
    assert run_score(port=free_port()).exit_code == 2
    both = run_score("https://a.example", "--text", "-", port=free_port(), stdin="x")
    assert both.exit_code == 2 and "exactly one" in both.output
    missing = run_score("--text", "-", port=free_port(), model_dir=tmp_path / "none", stdin="x y")
    assert missing.exit_code == 1 and "make train" in missing.output


def test_a_legacy_charset_html_file_is_decoded(tiny_model_dir, tmp_path):
    page = tmp_path / "latin1.html"
    page.write_bytes(PAGE.replace("<head>", "<head><meta charset='iso-8859-1'>")
                     .replace("Bombshell", "Bombshell café").encode("latin-1"))
    result = run_score("--html", str(page), "--json", port=free_port(), model_dir=tiny_model_dir)
    assert json.loads(result.output)["article"]["title"] == "Bombshell café"
