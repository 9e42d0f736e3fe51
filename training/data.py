"""Prepare a training set: load, clean, drop near-empty rows, deduplicate, split, report.

    sources -> clean (text.py, same rules for both classes) -> drop short bodies
            -> deduplicate BEFORE splitting (so no article spans two splits)
            -> stratified split by label and source -> DIR/{train,val,test}.csv
            -> DIR/data_report.json + data_report.md (with the leakage audit for ISOT)
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from .sources import COLUMNS, CsvSource, DataError, load_sources
from .text import clean_body, clean_title

SPLITS = ("train", "val", "test")
_PARALLEL_FROM_ROWS = 5000  # below this, starting worker processes costs more than it saves


@dataclass(frozen=True)
class PrepareOptions:
    """Every knob of `fakeradar data`, with its default."""

    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train, val, test
    seed: int = 42  # shuffling, split and the audit's folds
    min_words: int = 20  # shorter cleaned bodies are dropped: not articles
    allow_title_only: bool = False  # keep rows with a headline and an empty body
    audit: bool = True  # run the leakage audit on ISOT rows


def parse_split(text: str) -> tuple[float, float, float]:
    """Parse "0.8,0.1,0.1" into train/val/test fractions (non-negative, summing to 1)."""
    try:
        parts = tuple(float(part) for part in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 3 or min(parts) < 0 or abs(sum(parts) - 1) > 1e-6 or parts[0] == 0:
        raise DataError(f"--split {text!r}: give train,val,test fractions summing to 1, "
                        "e.g. 0.8,0.1,0.1")
    return parts


def clean_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Clean titles and bodies with the shared pipeline; drop subject and date."""
    cleaned = frame[COLUMNS].copy()
    cleaned["title"] = _map_texts(clean_title, frame["title"].tolist(), "cleaning titles")
    cleaned["text"] = _map_texts(clean_body, frame["text"].tolist(), "cleaning bodies")
    return cleaned


def _map_texts(function, texts: list[str], description: str) -> list[str]:
    """Apply `function` to every text, on all cores when there are many."""
    workers = min(os.cpu_count() or 1, 8)
    progress = dict(total=len(texts), desc=description, unit="row", leave=False,
                    disable=len(texts) < _PARALLEL_FROM_ROWS)
    if workers < 2 or len(texts) < _PARALLEL_FROM_ROWS:
        return [function(text) for text in tqdm(texts, **progress)]
    with ProcessPoolExecutor(workers) as pool:
        return list(tqdm(pool.map(function, texts, chunksize=256), **progress))


def drop_short(frame: pd.DataFrame, options: PrepareOptions) -> tuple[pd.DataFrame, dict]:
    """Drop rows whose cleaned body is empty or shorter than `min_words` (counted by reason)."""
    words = frame["text"].str.split().str.len()
    has_title = frame["title"].str.strip() != ""
    title_only = (words == 0) & has_title & options.allow_title_only
    keep = (words >= options.min_words) | title_only
    reasons = {
        "empty_body": int(((words == 0) & ~title_only).sum()),
        f"body_under_{options.min_words}_words": int(((words > 0) & ~keep).sum()),
        "title_only_kept": int(title_only.sum()),
    }
    return frame[keep].reset_index(drop=True), reasons


def _normalised_key(texts: pd.Series) -> pd.Series:
    """Lower-case letters and digits only: catches copies that differ in spacing or case."""
    return texts.str.lower().str.replace(r"[\W_]+", "", regex=True)


def article_keys(frame: pd.DataFrame) -> pd.Series:
    """An article's identity: its normalised body, or its normalised title when it has none."""
    body, title = _normalised_key(frame["text"]), _normalised_key(frame["title"])
    return pd.Series(np.where(body != "", "b:" + body, "t:" + title), index=frame.index)


def deduplicate(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Keep one row per article; drop every copy of articles labelled both fake and real.

    Two rows are the same article when their normalised bodies match (whatever their
    titles); title-only rows are compared by normalised title.
    """
    key = article_keys(frame)
    labels_per_key = frame.groupby(key)["label"].transform("nunique")
    conflicting = labels_per_key > 1
    # "Duplicate": same title and body up to case, spacing and punctuation.
    title = _normalised_key(frame["title"])
    exact = pd.DataFrame({"title": title, "key": key}).duplicated() & ~conflicting
    repeated = key.duplicated() & ~conflicting
    cross_source = frame.groupby(key)["source"].transform("nunique") > 1
    stats = {
        "duplicates_removed": int(exact.sum()),
        "same_body_other_title_removed": int((repeated & ~exact).sum()),
        "label_conflict_rows_removed": int(conflicting.sum()),
        "label_conflict_articles": int(key[conflicting].nunique()),
        "articles_in_several_sources": int(key[cross_source & ~conflicting].nunique()),
        "label_conflict_rows_by_source": {str(k): int(v) for k, v in
                                          frame.loc[conflicting, "source"].value_counts().items()},
    }
    kept = frame[~conflicting & ~repeated].reset_index(drop=True)
    return kept, stats


def stratified_split(frame: pd.DataFrame, fractions: tuple[float, float, float],
                     seed: int) -> dict[str, pd.DataFrame]:
    """Split every (label, source) stratum by `fractions`, so each split keeps the balance."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in SPLITS}
    for _, stratum in sorted(frame.groupby(["label", "source"]).groups.items()):
        index = rng.permutation(np.asarray(stratum))
        n_val, n_test = (round(len(index) * share) for share in fractions[1:])
        parts["val"].append(index[:n_val])
        parts["test"].append(index[n_val:n_val + n_test])
        parts["train"].append(index[n_val + n_test:])
    return {name: frame.loc[rng.permutation(np.concatenate(chunks))].reset_index(drop=True)
            for name, chunks in parts.items()}


def _class_counts(frame: pd.DataFrame) -> dict:
    counts = {"rows": len(frame), "fake": int((frame["label"] == 0).sum()),
              "real": int((frame["label"] == 1).sum())}
    counts["by_source"] = {str(source): {"fake": int((group["label"] == 0).sum()),
                                         "real": int((group["label"] == 1).sum())}
                           for source, group in frame.groupby("source")}
    return counts


def _prepare_out_dir(out: Path) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DataError(f"--out {out}: exists and is a file, not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"--out {out}: cannot create it ({exc.strerror})") from None
    return out


def prepare_data(isot_dir: Path | None, csv_sources: list[CsvSource], out: Path,
                 options: PrepareOptions = PrepareOptions()) -> dict:
    """Run the whole preparation, write the splits and the report into `out`, return the report."""
    out = _prepare_out_dir(out)
    raw, source_stats = load_sources(isot_dir, csv_sources)
    cleaned = clean_frame(raw)
    kept, dropped = drop_short(cleaned, options)
    kept, duplicates = deduplicate(kept)
    if kept.empty:
        raise DataError(f"no rows left: every body is empty or under {options.min_words} words "
                        "after cleaning (headline-only data needs --allow-title-only)")
    if kept["label"].nunique() < 2:
        raise DataError("after cleaning and deduplication only one class is left")
    splits = stratified_split(kept, options.fractions, options.seed)
    report = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {**asdict(options), "fractions": list(options.fractions)},
        "sources": source_stats,
        "input": _class_counts(raw),
        "dropped_short": dropped,
        "duplicates": duplicates,
        "kept": _class_counts(kept),
        "splits": {name: _class_counts(split) for name, split in splits.items()},
        "audit": _isot_audit(raw, kept, options),
    }
    for name, split in splits.items():
        split[COLUMNS].to_csv(out / f"{name}.csv", index=False)
    (out / "data_report.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "data_report.md").write_text(report_markdown(report))
    return report


def _isot_audit(raw: pd.DataFrame, kept: pd.DataFrame, options: PrepareOptions) -> dict | None:
    """The leakage audit on the ISOT rows, raw against cleaned (None without ISOT input)."""
    if not options.audit or not (raw["source"] == "isot").any():
        return None
    from .audit import leakage_audit

    return leakage_audit(raw[raw["source"] == "isot"], kept[kept["source"] == "isot"],
                         options.seed)


def _counts_text(value: int | dict) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{name} {count}" for name, count in value.items()) or "0"
    return str(value)


def report_markdown(report: dict) -> str:
    """The data report for people: sources, what was dropped and why, the splits, the audit."""
    from .audit import audit_markdown

    lines = ["# Data report", "", f"Created {report['created_at']}; options: "
             + ", ".join(f"{k}={v}" for k, v in report["options"].items()), "",
             "## Sources", "", "| source | path | rows read | unlabelled | fake | real |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    by_source = report["input"]["by_source"]
    for name, stats in report["sources"].items():
        counts = by_source.get(name, {"fake": 0, "real": 0})
        lines.append(f"| {name} | {stats['path']} | {stats['rows_read']} | "
                     f"{stats['unlabelled']} | {counts['fake']} | {counts['real']} |")
    lines += ["", "## Dropped", ""]
    lines += [f"- {key.replace('_', ' ')}: {_counts_text(value)}" for key, value in
              {**report["dropped_short"], **report["duplicates"]}.items()]
    lines += ["", "## Splits", "", "| split | rows | fake | real | fake share |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for name, counts in report["splits"].items():
        share = counts["fake"] / counts["rows"] if counts["rows"] else 0.0
        lines.append(f"| {name} | {counts['rows']} | {counts['fake']} | {counts['real']} | "
                     f"{share:.3f} |")
    if report.get("audit"):
        lines += ["", "## Leakage audit (ISOT rows)", "", audit_markdown(report["audit"])]
    return "\n".join(lines) + "\n"
