"""Reading the data folder written by `fakeradar data` (train.csv, val.csv, test.csv).

Each split has the columns title,text,label,source (label 0 = fake, 1 = real). The
reader checks them and adds `input`, the exact model input string (text.model_input).
"""

from __future__ import annotations

from pathlib import Path

from fakeradar.training.text import model_input

COLUMNS = ["title", "text", "label", "source"]
SPLITS = ("train", "val", "test")
DATA_HINT = "write one with `fakeradar data --isot DIR --out DATA_DIR`"


class SplitError(Exception):
    """A data folder or split is missing or malformed."""


def read_split(data_dir: str | Path, name: str, limit: int | None = None):
    """One split as a DataFrame with COLUMNS + `input`; SplitError with one clear line otherwise."""
    import pandas as pd

    path = Path(data_dir) / f"{name}.csv"
    if not Path(data_dir).is_dir():
        raise SplitError(f"data folder {data_dir} does not exist; {DATA_HINT}")
    if not path.is_file():
        raise SplitError(f"{path} is missing; {DATA_HINT}")
    return check_frame(_read_csv(pd, path), str(path), limit)


def _read_csv(pd, path: Path):
    try:
        return pd.read_csv(path, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SplitError(f"{path} is not a readable CSV ({str(exc).splitlines()[0]})") from None


def check_frame(frame, where: str, limit: int | None = None):
    """Validate columns and labels of a data-folder frame and add the `input` column."""
    import pandas as pd

    missing = [c for c in ("title", "text", "label") if c not in frame.columns]
    if missing:
        raise SplitError(f"{where} lacks column(s) {', '.join(missing)}; expected "
                         f"{','.join(COLUMNS)} (label 0 = fake, 1 = real)")
    labels = pd.to_numeric(frame["label"], errors="coerce")
    if labels.isna().any() or not labels.isin([0, 1]).all():
        raise SplitError(f"{where}: label must be 0 (fake) or 1 (real) in every row")
    if frame.empty:
        raise SplitError(f"{where} has no rows")
    if limit and limit < len(frame):   # a seeded sample, not the head: splits may be sorted
        frame = frame.sample(n=limit, random_state=42).sort_index()
    frame = frame.assign(label=labels.loc[frame.index].astype(int),
                         title=frame["title"].astype(str), text=frame["text"].astype(str))
    if "source" not in frame.columns:
        frame = frame.assign(source="")
    return frame.assign(input=[model_input(t, b) for t, b in zip(frame["title"], frame["text"],
                                                                  strict=True)])
