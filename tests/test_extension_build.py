"""The extension's build, its JavaScript unit tests (node --test) and `web-ext lint`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTENSION = ROOT / "extension"
WEB_EXT = EXTENSION / "node_modules" / ".bin" / "web-ext"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, str(EXTENSION / "build.py"), "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not installed (the extension's unit tests run on node >= 20)")
    return path


def read_manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_chrome_build_keeps_the_base_manifest_and_minimal_permissions(dist):
    base = read_manifest(EXTENSION)
    chrome = read_manifest(dist / "chrome")
    assert chrome == base
    assert chrome["background"] == {"service_worker": "service-worker.js", "type": "module"}
    assert sorted(chrome["permissions"]) == ["activeTab", "contextMenus", "scripting", "storage"]
    assert chrome["host_permissions"] == ["http://127.0.0.1/*", "http://localhost/*"]
    assert "'unsafe" not in chrome["content_security_policy"]["extension_pages"]


def test_firefox_build_runs_background_scripts_and_declares_no_data_collection(dist):
    firefox = read_manifest(dist / "firefox")
    assert firefox["background"] == {"scripts": ["service-worker.js"], "type": "module"}
    gecko = firefox["browser_specific_settings"]["gecko"]
    assert gecko["id"] and gecko["data_collection_permissions"] == {"required": ["none"]}
    assert "minimum_chrome_version" not in firefox


def test_builds_ship_the_runtime_files_only_and_zip_them(dist):
    chrome_files = sorted(p.relative_to(dist / "chrome").as_posix()
                          for p in (dist / "chrome").rglob("*") if p.is_file())
    assert {"popup.html", "options.html", "service-worker.js", "icons/icon-16.png",
            "icons/icon-128.png"} <= set(chrome_files)
    assert not any(name.endswith((".py", "package.json")) or name.startswith("tests/")
                   for name in chrome_files)
    for browser in ("chrome", "firefox"):
        with zipfile.ZipFile(dist / f"fakeradar-{browser}-0.1.0.zip") as archive:
            assert sorted(archive.namelist()) == chrome_files


def test_javascript_unit_tests_pass(node):
    run = subprocess.run([node, "--test", "extension/tests/"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


def test_web_ext_lint_finds_no_errors_in_the_firefox_build(node, dist):
    if not WEB_EXT.exists():
        pytest.skip("web-ext is not installed: run `make test` or `cd extension && npm ci`")
    run = subprocess.run([str(WEB_EXT), "lint", "--source-dir", str(dist / "firefox"),
                          "--output", "json", "--no-config-discovery"],
                         capture_output=True, text=True, timeout=120)
    report = json.loads(run.stdout)
    assert report["summary"]["errors"] == 0, report["errors"]
    assert report["summary"]["warnings"] == 0, report["warnings"]
