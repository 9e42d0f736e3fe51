"""`fakeradar data`, `fakeradar audit` and `fakeradar baseline`: the data side of training."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from .sources import PRESETS, DataError

_DIR = click.Path(path_type=Path, file_okay=False)


def _user_errors(command: Callable) -> Callable:
    """Show DataError (and unwritable files) as a one-line message, never a traceback."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        logging.basicConfig(level=logging.WARNING, format="warning: %(message)s")
        try:
            return command(*args, **kwargs)
        except DataError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            raise click.ClickException(f"{exc.filename or ''}: {exc.strerror}") from None
    return wrapper


def _preset_source(spec: str):
    from .sources import preset_source

    name, sep, path = spec.partition("=")
    if not sep or not path:
        raise DataError(f"--preset {spec!r}: write NAME=PATH, e.g. fa-kes=FA-KES-Dataset.csv")
    return preset_source(name.strip(), path.strip())


@click.command(name="data")
@click.option("--isot", "isot_dir", type=_DIR, help="ISOT folder with Fake.csv and True.csv.")
@click.option("--notebook-csv", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="The original notebook's split CSV (title, enhanced_cleaned_text, label). "
                   "Repeatable.")
@click.option("--csv", "csv_specs", multiple=True, metavar="SPEC",
              help="Any labelled CSV, described by a SPEC (below). Repeatable.")
@click.option("--preset", "presets", multiple=True, metavar="NAME=PATH",
              help=f"A known dataset by name: {', '.join(sorted(PRESETS))}. Repeatable.")
@click.option("--out", required=True, type=_DIR, help="Folder for the splits and the report.")
@click.option("--split", "split_text", default="0.8,0.1,0.1", show_default=True,
              help="train,val,test fractions.")
@click.option("--seed", default=42, show_default=True, help="Seed of the split and audit.")
@click.option("--min-words", default=20, show_default=True, type=click.IntRange(0),
              help="Drop rows whose cleaned body has fewer words.")
@click.option("--allow-title-only", is_flag=True,
              help="Keep rows that have a headline but no body (e.g. fakenewsnet_v2_titles).")
@click.option("--no-audit", is_flag=True, help="Skip the leakage audit of ISOT rows.")
@_user_errors
def data(isot_dir, notebook_csv, csv_specs, presets, out, split_text, seed, min_words,
         allow_title_only, no_audit) -> None:
    """Clean, deduplicate and split labelled news into OUT/{train,val,test}.csv.

    Every input is cleaned by the same pipeline the daemon uses (datelines, agency
    tags, image credits, tweets and links removed; quotes and contractions
    normalised), near-empty bodies are dropped, duplicates are removed BEFORE the
    split (copies labelled both ways are dropped), and the split is stratified by
    label and source. OUT/data_report.md says what happened, with a leakage audit
    of the ISOT rows. Labels: 0 = fake, 1 = real.

    \b
    SPEC of --csv, comma-separated KEY=VALUE pairs:
      path=FILE  label=COLUMN  fake=VALUE[|VALUE]   (required)
      title=COLUMN (default title; empty: none)  text=COLUMN (default text)
      real=VALUE[|VALUE] (default: any other non-empty label)
      name=SOURCE (default: file name)  preset=NAME (start from a preset)

    \b
    Examples:
      fakeradar data --isot ISOT/ --out runs/data
      fakeradar data --isot ISOT/ --preset fa-kes=FA-KES-Dataset.csv --out runs/mixed
      fakeradar data --csv 'path=my.csv,title=headline,text=body,label=y,fake=1' --out runs/my
      fakeradar data --preset fakenewsnet_v2_titles=titles.csv --allow-title-only --out runs/t
    """
    from .data import PrepareOptions, parse_split, prepare_data
    from .sources import parse_csv_spec, preset_source

    # Several notebook splits share the source name "notebook"; load_sources numbers them.
    sources = [preset_source("notebook", str(path)) for path in notebook_csv]
    sources += [parse_csv_spec(spec) for spec in csv_specs]
    sources += [_preset_source(spec) for spec in presets]
    options = PrepareOptions(fractions=parse_split(split_text), seed=seed, min_words=min_words,
                             allow_title_only=allow_title_only, audit=not no_audit)
    report = prepare_data(isot_dir, sources, out, options)
    splits = ", ".join(f"{name} {counts['rows']} ({counts['fake']} fake / {counts['real']} real)"
                       for name, counts in report["splits"].items())
    click.echo(f"Wrote {out}/train.csv, val.csv, test.csv: {splits}")
    click.echo(f"Report: {out}/data_report.md")


@click.command(name="audit")
@click.option("--isot", "isot_dir", type=_DIR, help="Raw ISOT folder: audit before and after.")
@click.option("--data", "data_dir", type=_DIR, help="A folder written by `fakeradar data`.")
@click.option("--min-words", default=20, show_default=True, type=click.IntRange(0),
              help="As in `fakeradar data` (for --isot).")
@click.option("--seed", default=42, show_default=True)
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the audit as JSON here.")
@_user_errors
def audit(isot_dir, data_dir, min_words, seed, json_path) -> None:
    """Leakage audit: can artefacts alone (metadata, first/last tokens, a dateline) tell
    fake from real?

    Quick cross-validated logistic regressions that each see one artefact. With
    --isot they run on the raw ISOT rows and on the same rows after cleaning and
    deduplication; with --data on the prepared splits. After cleaning they should be
    near chance (the majority-class rate).
    """
    from .audit import audit_markdown, leakage_audit
    from .data import PrepareOptions, clean_frame, deduplicate, drop_short

    if (isot_dir is None) == (data_dir is None):
        raise DataError("give exactly one of --isot DIR or --data DIR")
    if isot_dir is not None:
        from .sources import load_isot

        raw, _ = load_isot(isot_dir)
        kept, _ = drop_short(clean_frame(raw), PrepareOptions(min_words=min_words))
        result = leakage_audit(raw, deduplicate(kept)[0], seed)
    else:
        import pandas as pd

        from .baseline import load_split

        splits = [load_split(data_dir, name) for name in ("train", "val", "test")]
        result = leakage_audit(None, pd.concat(splits, ignore_index=True), seed)
    click.echo(audit_markdown(result), nl=False)
    if json_path:
        json_path.write_text(json.dumps(result, indent=2) + "\n")


@click.command(name="baseline")
@click.option("--data", "data_dir", required=True, type=_DIR,
              help="A folder written by `fakeradar data`.")
@click.option("--seed", default=42, show_default=True)
@_user_errors
def baseline(data_dir, seed) -> None:
    """TF-IDF + logistic regression on DATA's splits: fit on train, report on test.

    Writes DATA/baseline/metrics.json and DATA/baseline/model.joblib.
    """
    from .baseline import metrics_text, run_baseline

    metrics = run_baseline(data_dir, seed)
    click.echo(metrics_text(metrics))
    click.echo(f"Saved {data_dir}/baseline/metrics.json and model.joblib")
