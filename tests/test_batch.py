"""`fakeradar score-batch`: inputs, the daemon's pipeline and SSRF rules, resumable output."""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakeradar.daemon.batch import score_batch
from fakeradar.daemon.results import JsonlResults
from fakeradar.training.tiny import synthetic_example

FAKERADAR = Path(sys.executable).with_name("fakeradar")


def article(seed: int) -> tuple[str, str]:
    """A synthetic article long enough (~100+ words) to count as one."""
    rng = random.Random(seed)
    title, _ = synthetic_example(rng, seed % 2)
    paragraphs = [synthetic_example(rng, seed % 2)[1] for _ in range(4)]
    return title, "\n".join(paragraphs)


def write_pages(folder: Path, n: int) -> Path:
    """n saved pages, every third one gzipped, in two sub-folders."""
    for i in range(n):
        title, body = article(i)
        paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
        html = (f"<html><head><title>{title}</title></head><body><nav>Home | World</nav>"
                f"<article><h1>{title}</h1>{paragraphs}</article></body></html>").encode()
        path = folder / f"section{i % 2}" / f"page{i:03d}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        if i % 3 == 0:
            path.with_suffix(".html.gz").write_bytes(gzip.compress(html))
        else:
            path.write_bytes(html)
    return folder


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def invoke(*args: str):
    return CliRunner().invoke(score_batch, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def pages(tmp_path):
    return write_pages(tmp_path / "pages", 30)


def test_a_folder_of_pages_is_scored_through_the_daemon_pipeline(pages, tmp_path,
                                                                 tiny_model_dir, tiny_scorer):
    from fakeradar.daemon.pipeline import parse_score_request

    out = tmp_path / "out.jsonl"
    result = invoke(pages, "--out", out, "--model", tiny_model_dir, "--workers", "3")
    assert result.exit_code == 0, result.output
    got = {r["key"]: r for r in records(out)}
    assert sorted(got) == sorted(p.relative_to(pages).as_posix() for p in pages.rglob("*.*"))
    page = got["section1/page001.html"]
    assert page["status"] == "ok" and page["article"]["extractor"] == "trafilatura"
    assert got["section0/page000.html.gz"]["status"] == "ok"
    # the very same answer /v1/score gives for that page
    from fakeradar.daemon.app import build_pipeline
    from fakeradar.daemon.config import resolve

    html = (pages / "section1" / "page001.html").read_text()
    direct = build_pipeline(resolve({"MODEL_DIR": tiny_model_dir, "SCORER": tiny_scorer})).score(
        parse_score_request({"html": html}))
    assert page["p_fake"] == direct["p_fake"] and page["id"] == direct["id"]
    assert "scored 30 inputs" in result.stderr and "failures: none" in result.stderr
    rerun = invoke(pages, "--out", out, "--model", tiny_model_dir)
    assert "30 inputs already in" in rerun.stderr and "0 to score" in rerun.stderr
    assert len(records(out)) == 30


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_stopped_run_resumes_without_losing_or_repeating_an_input(pages, tmp_path,
                                                                    tiny_model_dir, stop):
    interrupted, clean = tmp_path / "interrupted.jsonl", tmp_path / "clean.jsonl"
    command = [str(FAKERADAR), "score-batch", str(pages), "--model", str(tiny_model_dir),
               "--workers", "2", "--out"]
    process = subprocess.Popen([*command, str(interrupted)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not interrupted.exists()
                                           or interrupted.read_text().count("\n") < 5):
        time.sleep(0.02)
    os.kill(process.pid, stop)
    _, stderr = process.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert process.returncode == 1 and "interrupted:" in stderr and "Traceback" not in stderr
    done_before = interrupted.read_text().count("\n")
    assert 5 <= done_before < 30, "the run must be killed half-way"
    with open(interrupted, "a") as handle:          # a crash in the middle of a line
        handle.write('{"key": "section0/page003.html", "status": "o')
    subprocess.run([*command, str(interrupted)], check=True, capture_output=True)
    subprocess.run([*command, str(clean)], check=True, capture_output=True)
    resumed = records(interrupted)
    keys = [r["key"] for r in resumed]
    assert len(keys) == len(set(keys)) == 30
    assert set(keys) == {r["key"] for r in records(clean)}
    by_key = {r["key"]: r["p_fake"] for r in records(clean)}
    assert all(r["p_fake"] == by_key[r["key"]] for r in resumed)


def test_a_torn_last_line_is_cut_off_and_redone(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text('{"key": "a", "status": "ok", "verdict": "credible"}\n{"key": "b", "sta')
    results = JsonlResults(out)
    assert results.done_keys() == {"a"}
    results.write({"key": "b", "status": "error", "error": {"code": "fetch_failed"}})
    results.close()
    assert [r["key"] for r in records(out)] == ["a", "b"]


def test_urls_follow_the_daemons_ssrf_rules(page_server, tmp_path, tiny_model_dir):
    title, body = article(1)
    page = f"<html><body><article><h1>{title}</h1><p>{body}</p></article></body></html>"
    page_server.routes["/story"] = (200, {"Content-Type": "text/html"}, page.encode())
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# local pages\n{page_server.base}/story\n{page_server.base}/missing\n"
                    f"{page_server.base}/story\nfile:///etc/passwd\n")
    blocked = invoke(urls, "--out", tmp_path / "blocked.jsonl", "--model", tiny_model_dir)
    assert "1 repeated keys skipped" in blocked.stderr
    causes = {r["key"]: r["error"]["code"] for r in records(tmp_path / "blocked.jsonl")}
    assert causes == {f"{page_server.base}/story": "blocked_address",
                      f"{page_server.base}/missing": "blocked_address",
                      "file:///etc/passwd": "bad_url"}
    assert "failures: blocked_address 2, bad_url 1" in blocked.stderr
    assert page_server.seen == []                     # nothing was fetched
    allowed = invoke(urls, "--out", tmp_path / "allowed.jsonl", "--model", tiny_model_dir,
                     "--allow-private")
    status = {r["key"]: (r["status"], (r["error"] or {}).get("code"))
              for r in records(tmp_path / "allowed.jsonl")}
    assert status[f"{page_server.base}/story"] == ("ok", None)
    assert status[f"{page_server.base}/missing"] == ("error", "upstream_status")
    assert "verdicts: " in allowed.stderr


def test_csv_and_jsonl_texts(tmp_path, tiny_model_dir):
    table = tmp_path / "texts.csv"
    with open(table, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "text"])
        writer.writeheader()
        for i in range(4):
            title, body = article(i)
            writer.writerow({"id": f"doc-{i}", "title": title, "text": body})
    result = invoke(table, "--out", tmp_path / "csv.jsonl", "--model", tiny_model_dir)
    assert result.exit_code == 0
    got = records(tmp_path / "csv.jsonl")
    assert sorted(r["key"] for r in got) == [f"doc-{i}" for i in range(4)]
    assert all(r["status"] == "ok" and r["article"]["extractor"] == "text" for r in got)
    lines = tmp_path / "texts.jsonl"
    lines.write_text(json.dumps({"text": article(5)[1]}) + "\n{not json\n"
                     + json.dumps({"title": "no text"}) + "\n")
    invoke(lines, "--out", tmp_path / "jsonl.jsonl", "--model", tiny_model_dir)
    outcome = {r["key"]: r["status"] if r["status"] == "ok" else r["error"]["code"]
               for r in records(tmp_path / "jsonl.jsonl")}
    assert outcome == {"row-1": "ok", "row-2": "bad_input", "row-3": "bad_input"}


def test_bad_inputs_are_one_line_errors(tmp_path, tiny_model_dir):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("headline,body\na,b\n")
    result = invoke(wrong, "--out", tmp_path / "o.jsonl", "--model", tiny_model_dir)
    assert result.exit_code == 1 and "has no `text` column" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke(empty, "--out", tmp_path / "o.jsonl", "--model", tiny_model_dir)
    assert result.exit_code == 1 and "holds no .html" in result.output
    good = tmp_path / "good.csv"
    good.write_text("text\nsome words\n")
    result = invoke(good, "--out", tmp_path / "o.jsonl", "--model", tmp_path / "nope")
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "o.jsonl").read_text()              # nothing scored, nothing lost
    assert "Traceback" not in result.output


def test_parquet_output_resumes_by_parts(pages, tmp_path, tiny_model_dir):
    import pyarrow.parquet as pq

    out = tmp_path / "parquet"
    invoke(pages, "--out", out, "--format", "parquet", "--model", tiny_model_dir)
    table = pq.read_table(out)
    assert table.num_rows == 30 and set(table.column("status").to_pylist()) == {"ok"}
    first = json.loads(table.column("record")[0].as_py())
    assert table.column("p_fake")[0].as_py() == first["p_fake"]
    rerun = invoke(pages, "--out", out, "--format", "parquet", "--model", tiny_model_dir)
    assert "0 to score" in rerun.stderr and pq.read_table(out).num_rows == 30
