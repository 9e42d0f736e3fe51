"""Where `fakeradar score-batch` keeps its results, durably and resumably.

JSONL: one record per line, each written, flushed and fsynced before the next input
counts as done. On open, every complete line's key is read; a torn last line (a crash
mid-write) is cut off, so its input is scored again rather than lost or duplicated.

Parquet: a folder of part files. Records are buffered and each part is written to a
temporary name and renamed, so a part is whole or absent; a crash loses only the
buffer (those inputs are redone on the next run).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PARQUET_FLUSH_EVERY = 256
# Flat columns for analysis in pandas/SQL; `record` keeps the whole answer as JSON.
PARQUET_COLUMNS = ("key", "kind", "source", "status", "id", "verdict", "p_fake", "title",
                   "url", "words", "error_code", "error_message", "record")


class ResultsError(Exception):
    """The output path cannot hold results of this format."""


def summary_row(record: dict[str, Any]) -> dict[str, Any]:
    """What the end-of-run summary needs from a record."""
    error = record.get("error") or {}
    return {"status": record["status"], "verdict": record.get("verdict"),
            "error_code": error.get("code")}


class JsonlResults:
    def __init__(self, path: Path) -> None:
        if path.is_dir():
            raise ResultsError(f"--out {path} is a folder; JSONL output is a file")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._records = self._read_and_repair()
        self._handle = open(path, "a", encoding="utf-8")

    def _read_and_repair(self) -> dict[str, dict]:
        """Keys of complete lines; cut a torn tail so appends start on a fresh line."""
        records: dict[str, dict] = {}
        if not self.path.is_file():
            return records
        good_end = 0
        with open(self.path, "rb") as handle:
            for line in handle:
                try:
                    record = json.loads(line) if line.endswith(b"\n") else None
                except ValueError:
                    record = None
                if not isinstance(record, dict) or "key" not in record:
                    break               # only the last line can be torn: stop there
                records[record["key"]] = summary_row(record)
                good_end += len(line)
        if good_end != self.path.stat().st_size:
            with open(self.path, "r+b") as handle:
                handle.truncate(good_end)
        return records

    def done_keys(self) -> set[str]:
        return set(self._records)

    def records(self) -> dict[str, dict]:
        return dict(self._records)

    def write(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._records[record["key"]] = summary_row(record)

    def close(self) -> None:
        self._handle.close()


class ParquetResults:
    def __init__(self, folder: Path, flush_every: int = PARQUET_FLUSH_EVERY) -> None:
        if folder.is_file():
            raise ResultsError(f"--out {folder} is a file; parquet output is a folder of parts")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.flush_every = folder, flush_every
        self._buffer: list[dict] = []
        self._records: dict[str, dict] = {}
        for part in sorted(folder.glob("part-*.parquet")):
            self._read_part(part)

    def _read_part(self, part: Path) -> None:
        import pyarrow.parquet as pq

        table = pq.read_table(part, columns=["key", "status", "verdict", "error_code"])
        for row in table.to_pylist():
            self._records[row.pop("key")] = row

    def done_keys(self) -> set[str]:
        return set(self._records)

    def records(self) -> dict[str, dict]:
        return dict(self._records)

    def write(self, record: dict[str, Any]) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the buffer as one new part (temp name, fsync, rename)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._buffer:
            return
        rows = [flat_row(record) for record in self._buffer]
        table = pa.Table.from_pylist(rows, schema=_schema())
        number = 1 + max((int(p.name[5:10]) for p in self.folder.glob("part-*.parquet")),
                         default=-1)
        final = self.folder / f"part-{number:05d}.parquet"
        tmp = self.folder / f".{final.name}.tmp"
        pq.write_table(table, tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        for record in self._buffer:
            self._records[record["key"]] = summary_row(record)
        self._buffer = []

    def close(self) -> None:
        self.flush()


def flat_row(record: dict[str, Any]) -> dict[str, Any]:
    article, error = record.get("article") or {}, record.get("error") or {}
    return {"key": record["key"], "kind": record["kind"], "source": record["source"],
            "status": record["status"], "id": record.get("id"),
            "verdict": record.get("verdict"), "p_fake": record.get("p_fake"),
            "title": article.get("title"), "url": article.get("url"),
            "words": article.get("words"), "error_code": error.get("code"),
            "error_message": error.get("message"),
            "record": json.dumps(record, ensure_ascii=False)}


def _schema():
    import pyarrow as pa

    types = {"p_fake": pa.float64(), "words": pa.int64()}
    return pa.schema([(name, types.get(name, pa.string())) for name in PARQUET_COLUMNS])


def open_results(path: Path, fmt: str) -> JsonlResults | ParquetResults:
    """The results store for `--format`: a JSONL file or a folder of parquet parts."""
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ResultsError("--format parquet needs pyarrow: pip install "
                               "'fakeradar[ray]'") from None
        return ParquetResults(path)
    return JsonlResults(path)
