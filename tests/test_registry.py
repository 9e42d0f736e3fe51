"""The model registry: side-by-side models, the `current` pointer, use / rollback / list."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from fakeradar.daemon import config
from fakeradar.daemon.registry import (
    RegistryError,
    current_model_dir,
    current_name,
    list_models,
    models,
    read_pointer,
    rollback,
    use_model,
)
from fakeradar.training.modeldir import ModelDirError, read_info, write_info


def add_model(root, source, name: str, f1: float | None = None):
    """A copy of `source` named `name`, with test metrics when f1 is given."""
    shutil.copytree(source, root / name)
    info = read_info(root / name)
    info.name = name
    info.metrics = {"test": {"f1_weighted": f1, "accuracy": f1}} if f1 is not None else {}
    write_info(root / name, info)
    return root / name


@pytest.fixture
def root(tmp_path, tiny_model_dir):
    root = tmp_path / "models"
    add_model(root, tiny_model_dir, "default")
    add_model(root, tiny_model_dir, "mine-20261126-101500", f1=0.91)
    add_model(root, tiny_model_dir, "mine-20261126-111500", f1=0.93)
    return root


def test_without_a_pointer_the_current_model_is_default(root):
    assert read_pointer(root) is None
    assert current_model_dir(root) == root / "default" and current_name(root) == "default"


def test_use_then_rollback_walks_back_to_the_implicit_default(root):
    use_model(root, "mine-20261126-101500")
    use_model(root, "mine-20261126-111500")
    assert read_pointer(root) == "mine-20261126-111500"
    assert rollback(root) == "mine-20261126-101500"
    assert rollback(root) == "default"
    assert current_model_dir(root) == root / "default"
    with pytest.raises(RegistryError, match="nothing to roll back to"):
        rollback(root)
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")]   # atomic writes only


def test_rollback_skips_a_model_deleted_since(root):
    use_model(root, "mine-20261126-101500")
    use_model(root, "mine-20261126-111500")
    shutil.rmtree(root / "mine-20261126-101500")
    assert rollback(root) == "default"


@pytest.mark.parametrize("name", ["../default", "current", ".hidden", "a/b", ""])
def test_use_refuses_names_that_are_not_one_model_folder(root, name):
    with pytest.raises(RegistryError):
        use_model(root, name)
    assert read_pointer(root) is None


def test_use_refuses_a_broken_model_and_keeps_the_pointer(root):
    use_model(root, "mine-20261126-101500")
    (root / "broken").mkdir()
    (root / "broken" / "fakeradar.json").write_text("{not json")
    with pytest.raises(ModelDirError, match="corrupt"):
        use_model(root, "broken")
    assert read_pointer(root) == "mine-20261126-101500"


def test_a_pointer_to_a_missing_model_falls_back_to_default(root):
    (root / "current").write_text("gone-20200101-000000\n")
    assert current_model_dir(root) == root / "default"


def test_list_marks_the_current_model_and_reports_broken_ones(root):
    use_model(root, "mine-20261126-111500")
    (root / "broken").mkdir()
    entries = {entry.name: entry for entry in list_models(root)}
    assert [name for name, entry in entries.items() if entry.current] == ["mine-20261126-111500"]
    assert entries["mine-20261126-111500"].metrics["f1_weighted"] == 0.93
    assert "no fakeradar.json" in entries["broken"].problem


def test_models_cli_list_use_rollback(root):
    runner = CliRunner()
    used = runner.invoke(models, ["use", "mine-20261126-101500", "--models-dir", str(root)])
    assert used.exit_code == 0 and "current model: mine-20261126-101500" in used.output
    listed = runner.invoke(models, ["list", "--models-dir", str(root)])
    current_line = next(line for line in listed.output.splitlines() if line.startswith("* "))
    assert "mine-20261126-101500" in current_line and "0.9100" in current_line
    as_json = json.loads(runner.invoke(models, ["list", "--json", "--models-dir",
                                                str(root)]).output)
    assert {e["name"] for e in as_json} == {"default", "mine-20261126-101500",
                                            "mine-20261126-111500"}
    back = runner.invoke(models, ["rollback", "--models-dir", str(root)])
    assert back.exit_code == 0 and "current model: default" in back.output
    missing = runner.invoke(models, ["use", "nope", "--models-dir", str(root)])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    assert "Traceback" not in missing.output


def test_daemon_config_follows_the_pointer_unless_a_model_is_given(root, monkeypatch):
    monkeypatch.setenv("FAKERADAR_MODELS_DIR", str(root))
    monkeypatch.delenv("FAKERADAR_MODEL", raising=False)
    use_model(root, "mine-20261126-111500")
    followed = config.resolve()
    assert followed["MODEL_DIR"] == root / "mine-20261126-111500" and followed["FOLLOW_CURRENT"]
    assert config.resolve(followed)["FOLLOW_CURRENT"]        # `serve` resolves twice
    pinned = config.resolve({"MODEL_DIR": root / "default"})
    assert pinned["MODEL_DIR"] == root / "default" and not pinned["FOLLOW_CURRENT"]
