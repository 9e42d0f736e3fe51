"""Shared fixtures: the ../shared data folder, an isolated user data dir, a tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip: a user's clone has no ../shared (CI always has it)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (only developers' machines and CI have it)")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def isolated_user_dir(tmp_path_factory, monkeypatch) -> Path:
    """Point fakeradar's per-user data directory (feedback DB, cache) at a temp dir."""
    path = tmp_path_factory.mktemp("fakeradar-home")
    monkeypatch.setenv("FAKERADAR_HOME", str(path))
    return path
