"""machine.json: what the figures were measured on."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_bf16", "amx_int8",
         "amx_tile")


def cpu_info() -> dict:
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines()
                  if line.startswith("model name")), platform.processor())
    flags = set(next((line.split(":", 1)[1].split() for line in text.splitlines()
                      if line.startswith("flags")), []))
    return {"model": model, "flags": {flag: flag in flags for flag in FLAGS},
            "logical_cores": os.cpu_count()}


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def machine() -> dict:
    return {"cpu": cpu_info(), "platform": platform.platform(),
            "python": platform.python_version(),
            "versions": {name: _version(name) for name in
                         ("torch", "onnxruntime", "transformers", "trafilatura", "fakeradar")},
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}
