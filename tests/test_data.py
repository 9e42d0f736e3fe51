"""`fakeradar data`: loading, cleaning, deduplication before the split, reports, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from synthetic_isot import CONFLICT_BODY, write_isot

from fakeradar.daemon.cli import main
from fakeradar.training.data import PrepareOptions, parse_split, prepare_data
from fakeradar.training.sources import DataError, load_csv_source, parse_csv_spec, preset_source
from fakeradar.training.text import has_dateline

SHARED_CSVS = {
    "fakenewsnet_v1": "fakenewsnet_v1/fakenewsnet_v1_buzzfeed_politifact.csv",
    "fa-kes": "fa-kes/FA-KES-Dataset.csv",
    "fakenewsamt": "fakenewsamt/fakenewsamt.csv",
    "fakenewsnet_v2_titles": "fakenewsnet_v2_titles/fakenewsnet_unified_titles_urls.csv",
}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, dict]:
    """The synthetic ISOT prepared once for the whole module."""
    root = tmp_path_factory.mktemp("prepared")
    report = prepare_data(write_isot(root / "isot"), [], root / "out")
    return root / "out", report


def _splits(out: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(out / f"{name}.csv", keep_default_na=False)
            for name in ("train", "val", "test")}


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame["text"].str.lower().str.replace(r"[\W_]+", "", regex=True)


def test_splits_have_the_contract_columns_and_clean_text(prepared) -> None:
    out, _ = prepared
    for frame in _splits(out).values():
        assert list(frame.columns) == ["title", "text", "label", "source"]
        assert set(frame["label"]) == {0, 1}
        assert not frame["text"].map(has_dateline).any()
        assert not frame["text"].str.contains("Featured image|Getty|Reuters|pic.twitter").any()


def test_no_article_spans_two_splits_and_duplicates_are_reported(prepared) -> None:
    out, report = prepared
    keys = {name: set(_key(frame)) for name, frame in _splits(out).items()}
    assert not keys["train"] & keys["val"] and not keys["train"] & keys["test"]
    assert not keys["val"] & keys["test"]
    assert sum(len(k) for k in keys.values()) == report["kept"]["rows"]
    duplicates = report["duplicates"]
    assert duplicates["duplicates_removed"] == 3  # an exact copy in each file + an upper-cased one
    assert duplicates["same_body_other_title_removed"] == 1
    assert duplicates["label_conflict_rows_removed"] == 2
    assert duplicates["label_conflict_articles"] == 1
    assert not any(CONFLICT_BODY[:30] in text for f in _splits(out).values() for text in f["text"])


def test_empty_and_short_bodies_are_dropped(prepared) -> None:
    _, report = prepared
    assert report["dropped_short"]["empty_body"] == 1
    assert report["dropped_short"]["body_under_20_words"] == 1
    assert report["input"]["rows"] == 2 * 150 + 8
    assert report["kept"]["rows"] == 2 * 150  # every original kept, every planted row gone


def test_split_keeps_the_class_balance(prepared) -> None:
    _, report = prepared
    kept_share = report["kept"]["fake"] / report["kept"]["rows"]
    for name, counts in report["splits"].items():
        assert abs(counts["fake"] / counts["rows"] - kept_share) < 0.02, name
    assert report["splits"]["train"]["rows"] == pytest.approx(0.8 * report["kept"]["rows"], abs=2)


def test_reports_are_written_with_the_audit(prepared) -> None:
    out, report = prepared
    assert json.loads((out / "data_report.json").read_text()) == report
    markdown = (out / "data_report.md").read_text()
    assert "| dateline |" in markdown and "Leakage audit" in markdown
    assert {row["name"] for row in report["audit"]["canaries"]} == {
        "metadata", "first_tokens", "dateline", "last_tokens"}


def test_split_is_reproducible_and_seeded(tmp_path) -> None:
    isot = write_isot(tmp_path / "isot", per_class=40)
    runs = [prepare_data(isot, [], tmp_path / name, PrepareOptions(seed=seed, audit=False))
            for name, seed in (("a", 1), ("b", 1), ("c", 2))]
    assert runs[0]["splits"] == runs[1]["splits"]
    test_texts = [set(_splits(tmp_path / name)["test"]["text"]) for name in "abc"]
    assert test_texts[0] == test_texts[1] and test_texts[0] != test_texts[2]


def test_parse_split_accepts_fractions_and_rejects_nonsense() -> None:
    assert parse_split("0.7,0.15,0.15") == (0.7, 0.15, 0.15)
    for bad in ("0.8,0.1", "0.5,0.5,0.5", "a,b,c", "0,0.5,0.5"):
        with pytest.raises(DataError):
            parse_split(bad)


def test_csv_spec_maps_columns_and_labels(tmp_path) -> None:
    path = tmp_path / "my, data.csv"
    path.write_text("headline,body,y\nA,one two three,1\nB,four five six,0\nC,seven,\n")
    source = parse_csv_spec(f"path={path},title=headline,text=body,label=y,fake=1,name=mine")
    frame, stats = load_csv_source(source)
    assert frame.to_dict("records") == [
        {"title": "A", "text": "one two three", "label": 0, "source": "mine"},
        {"title": "B", "text": "four five six", "label": 1, "source": "mine"}]
    assert stats["unlabelled"] == 1


@pytest.mark.parametrize("preset", sorted(SHARED_CSVS))
def test_every_shared_dataset_loads_through_its_mapping(shared_data, preset: str) -> None:
    frame, stats = load_csv_source(preset_source(preset, str(shared_data / SHARED_CSVS[preset])))
    assert set(frame["label"]) == {0, 1}
    assert len(frame) == stats["rows_read"] - stats["unlabelled"] > 400
    if preset == "fakenewsnet_v2_titles":
        assert stats["unlabelled"] == 213 and (frame["text"] == "").all()
    else:
        assert (frame["text"].str.split().str.len() > 10).mean() > 0.95


def test_generic_spec_reads_fa_kes_like_its_preset(shared_data) -> None:
    path = shared_data / SHARED_CSVS["fa-kes"]
    spec = f"path={path},title=article_title,text=article_content,label=labels,fake=0,real=1"
    generic, _ = load_csv_source(parse_csv_spec(spec))
    preset, _ = load_csv_source(preset_source("fa-kes", str(path)))
    assert generic.drop(columns="source").equals(preset.drop(columns="source"))


def test_mixed_sources_and_title_only_rows(shared_data, tmp_path) -> None:
    titles = shared_data / SHARED_CSVS["fakenewsnet_v2_titles"]
    amt = shared_data / SHARED_CSVS["fakenewsamt"]
    args = ["data", "--preset", f"fakenewsamt={amt}", "--preset",
            f"fakenewsnet_v2_titles={titles}", "--out", str(tmp_path / "out"), "--no-audit"]
    result = CliRunner().invoke(main, [*args, "--allow-title-only"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "data_report.json").read_text())
    assert set(report["kept"]["by_source"]) == {"fakenewsamt", "fakenewsnet_v2_titles"}
    assert report["dropped_short"]["title_only_kept"] > 20000
    test = pd.read_csv(tmp_path / "out" / "test.csv", keep_default_na=False)
    assert set(test["source"]) == {"fakenewsamt", "fakenewsnet_v2_titles"}
    without = CliRunner().invoke(main, args[:3] + args[5:] + ["--preset", args[4]])
    assert without.exit_code == 0 and "fakenewsnet_v2_titles" not in json.loads(
        (tmp_path / "out" / "data_report.json").read_text())["kept"]["by_source"]


def _fail(args: list[str]) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a ClickException, not a crash
    message = result.output.strip().splitlines()[-1]
    assert message.startswith("Error:")
    return message


def test_bad_inputs_give_one_line_errors(tmp_path) -> None:
    out = str(tmp_path / "out")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("headline,content,y\nA,b,1\n")
    message = _fail(["data", "--csv", f"path={wrong},label=y,fake=1", "--out", out])
    assert "missing column(s) title, text; the file has headline, content, y" in message
    assert "no such file" in _fail(["data", "--preset", f"fa-kes={tmp_path}/none.csv",
                                    "--out", out])
    assert "Fake.csv" in _fail(["data", "--isot", str(tmp_path), "--out", out])
    assert "no input" in _fail(["data", "--out", out])
    assert "unknown preset" in _fail(["data", "--preset", f"nope={wrong}", "--out", out])
    assert "bad --csv spec" in _fail(["data", "--csv", f"{wrong}", "--out", out])
    assert "--split" in _fail(["data", "--csv", f"path={wrong},label=y,fake=1", "--split",
                               "0.9,0.2,0.1", "--out", out])


def test_unreadable_binary_empty_and_one_class_csvs(tmp_path) -> None:
    out = str(tmp_path / "out")
    cases = {
        "broken.csv": (b"title,text,label\nA,b,fake\nA,b,c,d,e\n", "not a readable CSV"),
        "binary.csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file"),
        "empty.csv": (b"", "empty"),
        "one.csv": (b"title,text,label\nA,some body text,fake\nB,other body,fake\n", "only fake"),
    }
    for name, (content, expected) in cases.items():
        (tmp_path / name).write_bytes(content)
        spec = f"path={tmp_path / name},label=label,fake=fake"
        assert expected in _fail(["data", "--csv", spec, "--out", out]), name


def test_out_dir_that_is_a_file_is_refused(tmp_path) -> None:
    isot = write_isot(tmp_path / "isot", per_class=10)
    (tmp_path / "taken").write_text("x")
    assert "is a file" in _fail(["data", "--isot", str(isot), "--out", str(tmp_path / "taken")])


def test_cp1252_csv_is_read_with_a_warning(tmp_path, caplog) -> None:
    body = " ".join(["caf\u00e9 na\u00efve \u2019quoted\u2019 words"] * 6)
    rows = [f"Title {i},{body} {i},{i % 2}" for i in range(20)]
    (tmp_path / "legacy.csv").write_bytes(("title,text,label\n" + "\n".join(rows)).encode("cp1252"))
    result = CliRunner().invoke(main, ["data", "--csv", f"path={tmp_path / 'legacy.csv'},"
                                       "label=label,fake=0", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "not valid UTF-8" in caplog.text and "cp1252" in caplog.text
    train = pd.read_csv(tmp_path / "out" / "train.csv")
    assert train["text"].str.contains("caf\u00e9 na\u00efve 'quoted'").all()


def test_rows_with_empty_titles_keep_their_body(tmp_path) -> None:
    body = "word " * 30
    lines = [f",{body}{i},{i % 2}" for i in range(20)]
    (tmp_path / "untitled.csv").write_text("title,text,label\n" + "\n".join(lines) + "\n")
    report = prepare_data(None, [parse_csv_spec(f"path={tmp_path / 'untitled.csv'},label=label,"
                                                "fake=0")], tmp_path / "out")
    assert report["kept"]["rows"] == 20


def test_notebook_splits_combine_with_numbered_sources(tmp_path) -> None:
    body = " ".join(["plain notebook words"] * 8)
    for name in ("train", "test"):
        rows = [f"T{name}{i},{body} {name} {i},{i % 2}" for i in range(10)]
        (tmp_path / f"{name}.csv").write_text("title,enhanced_cleaned_text,label\n"
                                              + "\n".join(rows) + "\n")
    result = CliRunner().invoke(main, ["data", "--notebook-csv", str(tmp_path / "train.csv"),
                                       "--notebook-csv", str(tmp_path / "test.csv"),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "data_report.json").read_text())
    assert report["kept"]["by_source"] == {"notebook": {"fake": 5, "real": 5},
                                           "notebook_1": {"fake": 5, "real": 5}}
