"""The leakage audit: canaries near 1.0 on artefact-laden data, near chance once cleaned."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from synthetic_isot import write_isot

from fakeradar.daemon.cli import main
from fakeradar.training.audit import audit_markdown, canary_accuracy, leakage_audit
from fakeradar.training.data import PrepareOptions, clean_frame, deduplicate, drop_short
from fakeradar.training.sources import load_isot


@pytest.fixture(scope="module")
def synthetic_audit(tmp_path_factory) -> dict:
    raw, _ = load_isot(write_isot(tmp_path_factory.mktemp("isot"), per_class=200))
    kept, _ = drop_short(clean_frame(raw), PrepareOptions())
    return leakage_audit(raw, deduplicate(kept)[0])


def _canary(audit: dict, name: str) -> dict:
    return next(row for row in audit["canaries"] if row["name"] == name)


@pytest.mark.parametrize("name", ["metadata", "first_tokens", "dateline", "last_tokens"])
def test_canaries_fall_from_near_one_to_chance(synthetic_audit, name: str) -> None:
    row = _canary(synthetic_audit, name)
    assert row["before"] >= 0.95, row
    if name == "metadata":
        assert row["after"] is None  # subject and date are dropped by cleaning
    else:
        assert row["after"] <= synthetic_audit["chance_after"] + 0.1, row


def test_canary_accuracy_needs_two_classes() -> None:
    assert canary_accuracy(["a", "b", "c"], [1, 1, 1]) is None
    assert canary_accuracy(["x y"] * 10 + ["z w"] * 10, [0] * 10 + [1] * 10) == 1.0


def test_markdown_table_shows_removed_and_chance(synthetic_audit) -> None:
    table = audit_markdown(synthetic_audit)
    assert "| metadata | subject + date columns | 1.000 | removed |" in table
    assert "Chance (majority class)" in table


def test_audit_command_on_raw_isot_and_on_prepared_data(tmp_path) -> None:
    isot = write_isot(tmp_path / "isot", per_class=60)
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "--isot", str(isot), "--json", str(tmp_path / "a.json")])
    assert result.exit_code == 0, result.output
    assert "| dateline |" in result.output
    saved = json.loads((tmp_path / "a.json").read_text())
    assert _canary(saved, "dateline")["before"] >= 0.95

    assert runner.invoke(main, ["data", "--isot", str(isot), "--out", str(tmp_path / "d"),
                                "--no-audit"]).exit_code == 0
    result = runner.invoke(main, ["audit", "--data", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "| metadata | subject + date columns | n/a | removed |" in result.output


def test_audit_command_errors_are_one_line(tmp_path) -> None:
    for args in (["audit"], ["audit", "--data", str(tmp_path)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert result.output.strip().splitlines()[-1].startswith("Error:")


def test_isot_sample_dateline_canary_reaches_chance(shared_data) -> None:
    raw, _ = load_isot(shared_data / "isot_sample")
    kept, _ = drop_short(clean_frame(raw), PrepareOptions())
    audit = leakage_audit(raw, deduplicate(kept)[0])
    dateline = _canary(audit, "dateline")
    assert dateline["before"] > 0.95
    assert dateline["after"] <= audit["chance_after"] + 0.01
    for name in ("first_tokens", "last_tokens"):  # what is left is style, well below raw
        assert _canary(audit, name)["after"] < _canary(audit, name)["before"] - 0.05
