"""`fakeradar score-batch`: score many pages or texts, resumably, through the daemon's pipeline.

Inputs (one stable key each, so a rerun knows what is done):
  - a text file of URLs, one per line ('#' comments)          key = the URL
  - a folder of saved pages (*.html, *.htm, and their .gz)     key = the path inside it
  - a CSV or JSONL of texts: `text` (+ `title`, `id`)          key = `id`, else row-N

Every input goes through daemon/pipeline.py in-process (the same fetch with the same
SSRF rules, extraction, windowing and verdicts as `/v1/score`), so a record is the
/v1/score answer plus the input's key. Results are appended to JSONL one line at a
time (write, flush, fsync): a crash or Ctrl-C loses at most the inputs in flight, and
a rerun skips every key already written (a torn last line is dropped and redone).
`--engine ray` runs the same scoring on a Ray cluster (daemon/batch_ray.py).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from fakeradar.daemon.errors import DaemonError
from fakeradar.daemon.results import open_results

LOGGER = logging.getLogger(__name__)
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
INPUT_TYPES = ("auto", "urls", "html", "csv", "jsonl")


class BatchInputError(Exception):
    """The input file or folder cannot be read as the kind of input it claims to be."""


@dataclass(frozen=True)
class BatchItem:
    key: str                    # stable across reruns: URL, relative path, or row id
    kind: str                   # "url" | "html" | "text"
    source: str                 # where it came from: the URL, file path, or file:row
    text: str | None = None
    title: str | None = None
    url: str | None = None      # url inputs: the address to fetch


# --- reading inputs -------------------------------------------------------------------

def input_type(path: Path, declared: str = "auto") -> str:
    """The kind of input at `path`: urls, html (a folder), csv or jsonl."""
    if declared != "auto":
        return declared
    if path.is_dir():
        return "html"
    suffix = path.suffix.lower()
    return {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "urls")


def read_inputs(path: Path, declared: str = "auto") -> Iterator[BatchItem]:
    """The inputs at `path` in a stable order; BatchInputError when it cannot be read."""
    kind = input_type(path, declared)
    if kind == "html" and not path.is_dir():
        raise BatchInputError(f"{path} is not a folder of HTML files")
    if kind != "html" and not path.is_file():
        raise BatchInputError(f"{path} does not exist or is not a file")
    return {"urls": _url_items, "html": _html_items, "csv": _csv_items,
            "jsonl": _jsonl_items}[kind](path)


def _url_items(path: Path) -> Iterator[BatchItem]:
    for line in _text_lines(path):
        url = line.strip()
        if url and not url.startswith("#"):
            yield BatchItem(key=url, kind="url", source=url, url=url)


def _text_lines(path: Path) -> Iterator[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            yield from handle
    except UnicodeDecodeError:
        raise BatchInputError(f"{path} is not UTF-8 text (expected one URL per line)") from None


def _html_items(folder: Path) -> Iterator[BatchItem]:
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and p.name.lower().endswith(HTML_SUFFIXES))
    if not files:
        raise BatchInputError(f"{folder} holds no {', '.join(HTML_SUFFIXES)} files")
    for file in files:
        relative = file.relative_to(folder).as_posix()
        yield BatchItem(key=relative, kind="html", source=str(file))


def _csv_items(path: Path) -> Iterator[BatchItem]:
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        if "text" not in (reader.fieldnames or []):
            raise BatchInputError(f"{path} has no `text` column (columns: "
                                  f"{', '.join(reader.fieldnames or []) or 'none'}); expected "
                                  "text and optionally title, id")
        for number, row in enumerate(reader, start=1):
            yield _row_item(row, number, f"{path}:{number + 1}")


def _jsonl_items(path: Path) -> Iterator[BatchItem]:
    for number, line in enumerate(_text_lines(path), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict):
            # scored as an error record, so the summary names the line
            yield BatchItem(key=f"row-{number}", kind="text", source=f"{path}:{number}")
            continue
        yield _row_item(row, number, f"{path}:{number}")


def _row_item(row: dict, number: int, source: str) -> BatchItem:
    def field(name: str) -> str | None:
        value = row.get(name)
        return None if value in (None, "") else str(value)

    return BatchItem(key=field("id") or f"row-{number}", kind="text", source=source,
                     text=row.get("text") if isinstance(row.get("text"), str) else None,
                     title=field("title"))


# --- scoring one input ------------------------------------------------------------------

def load_request(item: BatchItem, max_bytes: int):
    """The /v1/score request for an input, checked by the API's own parser."""
    from fakeradar.daemon.errors import BadRequest
    from fakeradar.daemon.fetch import decode_html
    from fakeradar.daemon.pipeline import parse_score_request

    if item.kind == "url":
        return parse_score_request({"url": item.url})
    if item.kind == "text":
        if item.text is None:
            raise BadRequest("the row has no `text` (or is not a JSON object)", code="bad_input")
        return parse_score_request({"text": item.text, "title": item.title})
    raw = Path(item.source).read_bytes()
    if item.source.lower().endswith(".gz"):
        raw = _gunzip(raw, max_bytes)
    if len(raw) > max_bytes:
        raise BadRequest(f"the page is larger than {max_bytes} bytes", code="page_too_large")
    html, _, _ = decode_html(raw)
    return parse_score_request({"html": html})


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    from fakeradar.daemon.errors import BadRequest

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as handle:
            return handle.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise BadRequest(f"the file is not valid gzip: {exc}", code="bad_gzip") from None


def score_item(pipeline, item: BatchItem) -> dict[str, Any]:
    """One result record: the /v1/score answer, or the error, keyed by the input's key."""
    record: dict[str, Any] = {"key": item.key, "kind": item.kind, "source": item.source}
    try:
        response = pipeline.score(load_request(item, pipeline.limits.max_bytes))
    except DaemonError as exc:
        return {**record, "status": "error", "error": {"code": exc.code, "message": exc.message}}
    except OSError as exc:
        return {**record, "status": "error",
                "error": {"code": "unreadable", "message": f"{exc.strerror}: {exc.filename}"}}
    except Exception as exc:  # noqa: BLE001 - one odd page must not end a run of thousands
        LOGGER.exception("unexpected error while scoring %s", item.source)
        return {**record, "status": "error",
                "error": {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"}}
    response.pop("cached")    # depends on what this worker happened to score before
    return {**record, "status": "ok", "error": None, **response}


# --- the local engine -------------------------------------------------------------------

def build_batch_pipeline(settings: dict[str, Any]):
    """The daemon's pipeline, but callers wait for a scoring slot instead of getting 429."""
    from fakeradar.daemon.app import build_pipeline

    return build_pipeline({**settings, "QUEUE_WAIT_S": None})


def run_local(items: list[BatchItem], pipeline, results, workers: int, progress) -> None:
    """Score with `workers` threads (fetching in parallel; scoring bounded by the gate)."""
    pending = iter(items)
    in_flight: set[Future] = set()
    with ThreadPoolExecutor(workers, thread_name_prefix="score-batch") as pool:
        try:
            while True:
                for item in pending:
                    in_flight.add(pool.submit(score_item, pipeline, item))
                    if len(in_flight) >= 2 * workers:
                        break
                if not in_flight:
                    return
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    results.write(future.result())
                    progress.update()
        except KeyboardInterrupt:
            for future in in_flight:
                future.cancel()
            raise


# --- summary and command ----------------------------------------------------------------

def summarise(records: dict[str, dict]) -> dict[str, Any]:
    """Counts by verdict and failures by cause over every record in the output."""
    verdicts = Counter(r["verdict"] for r in records.values() if r["status"] == "ok")
    failures = Counter(r["error_code"] for r in records.values() if r["status"] == "error")
    return {"records": len(records), "verdicts": dict(verdicts.most_common()),
            "failures": dict(failures.most_common())}


def format_summary(summary: dict[str, Any], scored: int, seconds: float) -> str:
    rate = scored / seconds if seconds > 0 else 0.0
    lines = [f"scored {scored} inputs in {seconds:.1f} s ({rate:.2f}/s); "
             f"{summary['records']} records in the output"]
    lines.append("verdicts: " + (", ".join(f"{k} {v}" for k, v in summary["verdicts"].items())
                                 or "none"))
    lines.append("failures: " + (", ".join(f"{k} {v}" for k, v in summary["failures"].items())
                                 or "none"))
    return "\n".join(lines)


def pending_items(items: Iterator[BatchItem], done: set[str]) -> tuple[list[BatchItem], int]:
    """Inputs not yet in the output, each key once; and how many repeated keys were skipped."""
    seen, pending, repeated = set(done), [], 0
    for item in items:
        if item.key in seen:
            repeated += item.key not in done
            continue
        seen.add(item.key)
        pending.append(item)
    return pending, repeated


@click.command(name="score-batch")
@click.argument("inputs", type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Results: a .jsonl file (or a folder of parquet parts with --format "
                   "parquet). An existing output is resumed.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "parquet"]), default="jsonl",
              show_default=True)
@click.option("--type", "declared", type=click.Choice(INPUT_TYPES), default="auto",
              show_default=True, help="What INPUTS holds; auto: folder -> html, .csv, "
                                      ".jsonl/.ndjson, anything else -> one URL per line.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local",
              show_default=True)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="local: inputs fetched and scored at once [default 8]; ray: scoring "
                   "actors, each loading the model once [default 2].")
@click.option("--score-concurrency", type=click.IntRange(1, 64), default=None,
              help="local: documents in the model at once [default: the daemon's, 2].")
@click.option("--ray-address", envvar="RAY_ADDRESS", default=None,
              help="Ray cluster to use [env RAY_ADDRESS; default: start a local one].")
@click.option("--model", "model_dir", type=click.Path(path_type=Path),
              help="Model directory [env FAKERADAR_MODEL; default: the current model].")
@click.option("--backend", type=click.Choice(["auto", "onnx", "torch"]), default=None)
@click.option("--allow-private", is_flag=True, default=None,
              help="Let URLs reach loopback/LAN addresses (off: the daemon's SSRF guard).")
def score_batch(inputs: Path, out: Path, fmt: str, declared: str, engine: str,
                workers: int | None,
                score_concurrency: int | None, ray_address: str | None, model_dir: Path | None,
                backend: str | None, allow_private: bool | None) -> None:
    """Score many URLs, saved pages or texts into JSONL (or parquet); reruns resume.

    \b
    Examples:
      fakeradar score-batch urls.txt --out scores.jsonl
      fakeradar score-batch saved_pages/ --out pages.jsonl          (*.html, *.html.gz)
      fakeradar score-batch articles.csv --out texts.jsonl          (text, title, id)
      fakeradar score-batch saved_pages/ --out pages --format parquet --engine ray
    Interrupted (Ctrl-C, crash)? Run the same command again: finished inputs are skipped.
    """
    from tqdm import tqdm

    from fakeradar.daemon.results import ResultsError
    from fakeradar.training.modeldir import ModelDirError

    settings = _settings(model_dir, backend, allow_private, score_concurrency)
    try:
        results = open_results(out, fmt)
        pending, repeated = pending_items(read_inputs(inputs, declared), results.done_keys())
        # loaded here even for Ray: a model that cannot load fails before any worker starts
        pipeline = build_batch_pipeline(settings)
    except (BatchInputError, ResultsError, ModelDirError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(results.done_keys())} inputs already in {out}; {len(pending)} to score"
               + (f"; {repeated} repeated keys skipped" if repeated else ""), err=True)
    started = time.perf_counter()
    progress = tqdm(total=len(pending), unit="input", desc="scoring", disable=not pending)
    try:
        if engine == "ray":
            from fakeradar.daemon.batch_ray import run_ray

            run_ray(pending, settings, results, workers or 2, ray_address, progress)
        else:
            run_local(pending, pipeline, results, workers or 8, progress)
    except KeyboardInterrupt:
        raise click.ClickException(f"interrupted: {progress.n} inputs scored and saved in {out};"
                                   " run the same command again to resume") from None
    finally:
        progress.close()
        results.close()
    summary = summarise(results.records())
    click.echo(format_summary(summary, progress.n, time.perf_counter() - started), err=True)


def _settings(model_dir: Path | None, backend: str | None, allow_private: bool | None,
              score_concurrency: int | None) -> dict[str, Any]:
    """The daemon's settings: environment, then these options."""
    from fakeradar.daemon import config

    given = {"MODEL_DIR": model_dir, "BACKEND": backend, "ALLOW_PRIVATE": allow_private,
             "MAX_CONCURRENT_SCORES": score_concurrency}
    try:
        return config.resolve({k: v for k, v in given.items() if v is not None})
    except DaemonError as exc:
        raise click.ClickException(exc.message) from None
