"""Reading labelled news CSVs into one frame: ISOT, the notebook's splits, mapped CSVs.

Every loader returns a pandas frame with the columns `title, text, label, source`
(label 0 = fake, 1 = real), plus ISOT's `subject, date` which only the leakage audit
reads. Problems a user can fix (a missing file, a wrong column, one class only) raise
`DataError` with a one-line message; the CLI shows it without a traceback.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

LOGGER = logging.getLogger(__name__)
COLUMNS = ["title", "text", "label", "source"]


class DataError(Exception):
    """A problem with the user's data or options, worded for the user."""


@dataclass(frozen=True)
class CsvSource:
    """How to read one labelled CSV: which columns hold what, which labels mean fake."""

    path: Path
    label_col: str
    fake_values: tuple[str, ...]
    title_col: str | None = "title"
    text_col: str | None = "text"
    real_values: tuple[str, ...] = ()  # empty: every other non-empty label is real
    name: str = ""  # the `source` column; defaults to the file name without extension

    @property
    def source_name(self) -> str:
        return self.name or self.path.stem


# Mappings for the datasets people are most likely to have (see ../shared/data/README.md).
PRESETS: dict[str, dict] = {
    "fakenewsnet_v1": {"label_col": "label", "fake_values": ("fake",), "real_values": ("real",)},
    "fakenewsamt": {"label_col": "label", "fake_values": ("fake",), "real_values": ("real",)},
    "fa-kes": {"title_col": "article_title", "text_col": "article_content",
               "label_col": "labels", "fake_values": ("0",), "real_values": ("1",)},
    "fakenewsnet_v2_titles": {"title_col": "claim", "text_col": None, "label_col": "claim_label",
                              "fake_values": ("0",), "real_values": ("1",)},
    "notebook": {"text_col": "enhanced_cleaned_text", "label_col": "label",
                 "fake_values": ("0",), "real_values": ("1",)},
}
_SPEC_KEYS = {"path", "title", "text", "label", "fake", "real", "name", "preset"}
_SPEC_SPLIT = re.compile(r",(?=\s*(?:{})=)".format("|".join(sorted(_SPEC_KEYS))))


def parse_csv_spec(spec: str) -> CsvSource:
    """Parse `path=F,title=C,text=C,label=C,fake=V1|V2[,real=V][,name=N][,preset=P]`.

    `text=` (empty) means the file has headlines only; `preset=` fills in the columns
    of a known dataset, and the other keys override it.
    """
    fields: dict[str, str] = {}
    for part in _SPEC_SPLIT.split(spec.strip()):
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in _SPEC_KEYS:
            raise DataError(f"bad --csv spec {spec!r}: {part!r} is not one of "
                            f"{', '.join(sorted(_SPEC_KEYS))} followed by '='")
        fields[key] = value.strip()
    if "path" not in fields:
        raise DataError(f"bad --csv spec {spec!r}: it needs path=FILE")
    base = dict(_preset(fields["preset"])) if "preset" in fields else {}
    for key in ("title", "text"):  # an empty column name means "this file has none"
        if key in fields:
            base[f"{key}_col"] = fields[key] or None
    for key in ("label", "name"):
        if key in fields:
            base["label_col" if key == "label" else "name"] = fields[key]
    for key in ("fake", "real"):
        if key in fields:
            base[f"{key}_values"] = tuple(v.strip() for v in fields[key].split("|") if v.strip())
    if not base.get("label_col") or not base.get("fake_values"):
        raise DataError(f"bad --csv spec {spec!r}: it needs label=COLUMN and fake=VALUE[|VALUE]")
    return CsvSource(path=Path(fields["path"]).expanduser(), **base)


def preset_source(name: str, path: str) -> CsvSource:
    """A CsvSource for a known dataset: `fa-kes`, `fakenewsnet_v1`, ... (see PRESETS)."""
    return CsvSource(path=Path(path).expanduser(), name=name, **_preset(name))


def _preset(name: str) -> dict:
    if name not in PRESETS:
        raise DataError(f"unknown preset {name!r}; known: {', '.join(sorted(PRESETS))}")
    return PRESETS[name]


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as strings, decoding UTF-8 (with or without BOM), else cp1252/latin-1."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise DataError(f"{path}: this is a binary file, not a CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        encoding = "cp1252" if _decodes(raw, "cp1252") else "latin-1"
        LOGGER.warning("%s is not valid UTF-8 (byte %d); read it as %s", path, exc.start, encoding)
        text = raw.decode(encoding)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty") from None
    except pd.errors.ParserError as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise DataError(f"{path}: not a readable CSV ({reason})") from None


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def require_columns(frame: pd.DataFrame, needed: list[str], path: Path) -> None:
    """Fail with the columns that are missing and the ones the file does have."""
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; the file has "
                        f"{', '.join(map(str, frame.columns)) or 'no columns'}")


def load_csv_source(source: CsvSource) -> tuple[pd.DataFrame, dict]:
    """Load one mapped CSV; rows whose label is neither fake nor real are dropped and counted."""
    frame = read_csv(source.path)
    needed = [c for c in (source.title_col, source.text_col, source.label_col) if c]
    require_columns(frame, needed, source.path)
    labels = frame[source.label_col].map(_label_value)
    fake = labels.isin({_label_value(v) for v in source.fake_values})
    real = labels.isin({_label_value(v) for v in source.real_values}) if source.real_values \
        else (labels != "") & ~fake
    out = pd.DataFrame({
        "title": frame[source.title_col] if source.title_col else "",
        "text": frame[source.text_col] if source.text_col else "",
        "label": fake.map({True: 0, False: 1}),
        "source": source.source_name,
    })[fake | real].reset_index(drop=True)
    stats = {"path": str(source.path), "rows_read": len(frame),
             "unlabelled": int((~fake & ~real).sum())}
    _warn_if_one_class(out, source)
    return out, stats


def _label_value(value: object) -> str:
    """Compare labels as trimmed lower-case text; "1.0" counts as "1"."""
    text = str(value).strip().lower()
    return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text


def _warn_if_one_class(frame: pd.DataFrame, source: CsvSource) -> None:
    """One class in one file is fine when combined with others; say so all the same."""
    if frame.empty:
        raise DataError(f"{source.path}: no row has a label in fake values "
                        f"{'|'.join(source.fake_values)} or real values "
                        f"{'|'.join(source.real_values) or '(any other)'}")
    if frame["label"].nunique() < 2:
        LOGGER.warning("%s holds only %s rows", source.path,
                       "fake" if frame["label"].iloc[0] == 0 else "real")


def load_isot(directory: Path) -> tuple[pd.DataFrame, dict]:
    """Load ISOT's Fake.csv (label 0) and True.csv (label 1) exactly as distributed."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: not a directory holding ISOT's Fake.csv and True.csv")
    frames = []
    for file_name, label in (("Fake.csv", 0), ("True.csv", 1)):
        path = _find_case_insensitive(directory, file_name)
        frame = read_csv(path)
        require_columns(frame, ["title", "text"], path)
        for column in ("subject", "date"):
            if column not in frame.columns:
                frame[column] = ""
        frames.append(frame[["title", "text", "subject", "date"]].assign(label=label))
    out = pd.concat(frames, ignore_index=True).assign(source="isot")
    return out, {"path": str(directory), "rows_read": len(out), "unlabelled": 0}


def _find_case_insensitive(directory: Path, file_name: str) -> Path:
    for candidate in directory.iterdir():
        if candidate.name.lower() == file_name.lower():
            return candidate
    raise DataError(f"{directory}: no {file_name} (ISOT is distributed as Fake.csv and True.csv)")


def load_sources(isot_dir: Path | None, csv_sources: list[CsvSource]) -> tuple[pd.DataFrame, dict]:
    """Load everything asked for into one frame, keyed by a distinct `source` name each."""
    if isot_dir is None and not csv_sources:
        raise DataError("no input: give --isot DIR, --notebook-csv FILE, --csv SPEC or --preset")
    frames, stats = [], {}
    if isot_dir is not None:
        frame, stats["isot"] = load_isot(isot_dir)
        frames.append(frame)
    for source in csv_sources:
        if source.source_name in stats:
            source = replace(source, name=f"{source.source_name}_{len(stats)}")
        frame, stats[source.source_name] = load_csv_source(source)
        frames.append(frame)
    combined = pd.concat(frames, ignore_index=True)
    for column in ("subject", "date"):
        if column not in combined.columns:
            combined[column] = ""
        combined[column] = combined[column].fillna("")
    if combined["label"].nunique() < 2:
        only = "fake" if combined["label"].iloc[0] == 0 else "real"
        raise DataError(f"the input holds only {only} rows; a classifier needs fake and real ones")
    return combined, stats
