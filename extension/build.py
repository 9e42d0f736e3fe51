"""Builds the extension for Chrome and Firefox from this one source tree.

Writes OUT/chrome/ and OUT/firefox/ (load them unpacked) and a zip of each,
OUT/fakeradar-<browser>-<version>.zip, ready for the stores. Both get the same
files; only the manifest differs, derived from manifest.json:
Firefox has no extension service worker (it runs background.scripts) and needs
a gecko id and its data-collection declaration. Standard library only.

    python extension/build.py [--out dist] [--browser chrome|firefox|all]
"""

from __future__ import annotations

import argparse
import json
import shutil
import zipfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parent
DEFAULT_OUT = SOURCE.parent / "dist"
# What ships: the pages, scripts and styles at the top level, and the icons.
# Tooling (this script, make_icons.py, package.json, tests/, node_modules/) does not.
SHIPPED_PATTERNS = ("*.js", "*.html", "*.css", "icons/*.png")
GECKO_ID = "fakeradar@fakeradar.org"
FIREFOX_MIN_VERSION = "140.0"  # first with data_collection_permissions
FIREFOX_ANDROID_MIN_VERSION = "142.0"  # the same on Android
ZIP_DATE = (2024, 1, 1, 0, 0, 0)  # fixed, so the same sources give the same zip


def chrome_manifest(base: dict) -> dict:
    """Chrome reads the base manifest as it is."""
    return dict(base)


def firefox_manifest(base: dict) -> dict:
    """Firefox MV3: background scripts instead of a service worker, and a gecko id."""
    manifest = {key: value for key, value in base.items() if key != "minimum_chrome_version"}
    background = base["background"]
    manifest["background"] = {"scripts": [background["service_worker"]],
                              "type": background.get("type", "classic")}
    manifest["browser_specific_settings"] = {
        "gecko": {
            "id": GECKO_ID,
            "strict_min_version": FIREFOX_MIN_VERSION,
            # Pages go only to the user's own daemon: nothing is collected.
            "data_collection_permissions": {"required": ["none"]},
        },
        "gecko_android": {"strict_min_version": FIREFOX_ANDROID_MIN_VERSION},
    }
    return manifest


MANIFESTS = {"chrome": chrome_manifest, "firefox": firefox_manifest}


def shipped_files() -> list[Path]:
    """The source files that go into every build, relative to the source folder."""
    files = {path.relative_to(SOURCE) for pattern in SHIPPED_PATTERNS
             for path in SOURCE.glob(pattern) if path.is_file()}
    return sorted(files)


def build(browser: str, out_dir: Path) -> Path:
    """Writes out_dir/<browser>/ and its zip; returns the folder."""
    base = json.loads((SOURCE / "manifest.json").read_text(encoding="utf-8"))
    target = out_dir / browser
    if target.exists():
        shutil.rmtree(target)
    for relative in shipped_files():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SOURCE / relative, target / relative)
    manifest = MANIFESTS[browser](base)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    write_zip(target, out_dir / f"fakeradar-{browser}-{base['version']}.zip")
    return target


def write_zip(folder: Path, zip_path: Path) -> None:
    """Zips a build folder with sorted entries and fixed dates (reproducible)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, path.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (dist/)")
    parser.add_argument("--browser", choices=[*MANIFESTS, "all"], default="all")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for browser in MANIFESTS if args.browser == "all" else [args.browser]:
        print(f"{browser}: {build(browser, args.out)}")


if __name__ == "__main__":
    main()
