"""The daemon's settings: defaults in one mapping, environment overrides, test overrides.

Order of precedence (flaskr): DEFAULTS < FAKERADAR_* environment variables < the
command line < the test config passed to `create_app`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fakeradar.daemon.errors import DaemonError

CHECKOUT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PORT = 8765

DEFAULTS: dict[str, Any] = {
    "HOST": "127.0.0.1",             # never 0.0.0.0: the daemon reads what the user reads
    "PORT": DEFAULT_PORT,            # the documented fixed port the extension talks to
    "MODEL_DIR": None,               # None -> the current model of MODELS_DIR (followed live)
    "MODELS_DIR": None,              # folder of models + `current` pointer; None -> registry's
    "FOLLOW_CURRENT": False,         # set when MODEL_DIR came from the pointer: reload on change
    "RELOAD_CHECK_S": 1.0,           # how often (at most) requests stat the pointer file
    "BACKEND": "auto",               # auto | onnx | torch
    "TOKEN": None,                   # optional bearer token; None -> no token required
    "HOME": None,                    # per-user data dir (feedback DB); None -> user_home()
    "ALLOWED_ORIGINS": [],           # extra allowed Origins besides browser extensions
    "ALLOW_PRIVATE": False,          # url mode may fetch LAN/loopback hosts
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,   # request body cap (a page's HTML) -> 413
    "MAX_CONCURRENT_SCORES": 2,      # scoring jobs at once; more wait QUEUE_WAIT_S then 429
    "QUEUE_WAIT_S": 2.0,
    "RETRY_AFTER_S": 2,
    "CACHE_SIZE": 512,               # scored documents remembered (LRU) for repeats/feedback
    "FETCH_TIMEOUT_S": 10.0,
    "FETCH_MAX_BYTES": 5 * 1024 * 1024,
    "FETCH_MAX_REDIRECTS": 5,
    "WAITRESS_THREADS": 8,           # HTTP worker threads; scoring itself is bounded above
    # waitress drops bodies above this without an answer; between MAX_CONTENT_LENGTH and
    # this the client gets a proper 413 JSON (waitress spools such bodies to disk, not RAM)
    "WAITRESS_MAX_BODY": 64 * 1024 * 1024,
    "RESOLVER": None,                # DNS resolver for url mode; tests inject one
    "SCORER": None,                  # a ready Scorer; tests of API plumbing inject one
}

# setting -> (environment variable, parser)
ENVIRONMENT: dict[str, tuple[str, Callable[[str], Any]]] = {
    "HOST": ("FAKERADAR_HOST", str),
    "PORT": ("FAKERADAR_PORT", int),
    "MODEL_DIR": ("FAKERADAR_MODEL", str),
    "MODELS_DIR": ("FAKERADAR_MODELS_DIR", str),
    "BACKEND": ("FAKERADAR_BACKEND", str),
    "TOKEN": ("FAKERADAR_TOKEN", lambda v: v or None),
    "HOME": ("FAKERADAR_HOME", str),
    "ALLOWED_ORIGINS": ("FAKERADAR_ALLOWED_ORIGINS",
                        lambda v: [o.strip().rstrip("/") for o in v.split(",") if o.strip()]),
    "ALLOW_PRIVATE": ("FAKERADAR_ALLOW_PRIVATE", lambda v: v.lower() in ("1", "true", "yes")),
}


class ConfigError(DaemonError):
    """A setting has a value the daemon cannot use."""


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings the FAKERADAR_* environment variables override."""
    environ = os.environ if environ is None else environ
    overrides = {}
    for key, (name, parse) in ENVIRONMENT.items():
        if name in environ:
            try:
                overrides[key] = parse(environ[name])
            except ValueError:
                raise ConfigError(f"{name}={environ[name]!r} is not a valid value") from None
    return overrides


def resolve(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """DEFAULTS, then the environment, then `overrides`; paths made concrete."""
    settings = {**DEFAULTS, **from_environment(), **(overrides or {})}
    from fakeradar.daemon.registry import current_model_dir, models_root

    settings["MODELS_DIR"] = Path(settings["MODELS_DIR"] or models_root())
    if settings["MODEL_DIR"] is None:   # no --model: follow the registry's `current` pointer
        settings["MODEL_DIR"], settings["FOLLOW_CURRENT"] = (
            current_model_dir(settings["MODELS_DIR"]), True)
    settings["MODEL_DIR"] = Path(settings["MODEL_DIR"])
    settings["HOME"] = Path(settings["HOME"] or user_home())
    if settings["BACKEND"] not in ("auto", "onnx", "torch"):
        raise ConfigError(f"backend must be auto, onnx or torch, not {settings['BACKEND']!r}")
    return settings


def user_home() -> Path:
    """FAKERADAR_HOME, else the platform's per-user data directory."""
    if os.environ.get("FAKERADAR_HOME"):
        return Path(os.environ["FAKERADAR_HOME"])
    from platformdirs import user_data_dir

    return Path(user_data_dir("fakeradar", appauthor=False))


def default_model_dir() -> Path:
    """The model `models/current` names, else models/default, of this checkout when run
    from one, else of the per-user directory (registry.models_root)."""
    from fakeradar.daemon.registry import current_model_dir, models_root

    return current_model_dir(models_root())


def daemon_url(host: str, port: int) -> str:
    """The base URL of a daemon bound to host:port (IPv6 literals bracketed)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"
