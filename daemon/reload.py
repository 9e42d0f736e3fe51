"""Swapping the daemon's model without a restart: `POST /v1/reload` and a pointer watch.

The new scorer is loaded and warmed completely before it is swapped in, as a whole new
`Pipeline` (the same cache, whose older answers it scores again, and the same gate): a
view looks `daemon.pipeline` up once, so requests in flight finish on the old model and
the old scorer is freed when the last of them ends. A model that fails to load leaves
the old one serving.

When the daemon follows the registry's `current` pointer (started without --model),
every request stats the pointer file at most once per RELOAD_CHECK_S; a change starts
the reload in a background thread, so no request waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

from fakeradar.daemon.errors import DaemonError
from fakeradar.daemon.pipeline import Pipeline
from fakeradar.daemon.registry import POINTER, current_model_dir
from fakeradar.training.modeldir import ModelDirError

LOGGER = logging.getLogger(__name__)
bp = Blueprint("reload", __name__, url_prefix="/v1")


class ReloadFailed(DaemonError):
    status, code = 503, "reload_failed"


class ModelReloader:
    """Builds a pipeline on another model directory and swaps it into the daemon."""

    def __init__(self, daemon: Any, settings: dict[str, Any]) -> None:
        self.daemon = daemon
        self.backend = settings["BACKEND"]
        self.follow = bool(settings.get("FOLLOW_CURRENT"))
        self.models_dir = Path(settings["MODELS_DIR"])
        self.check_every = settings.get("RELOAD_CHECK_S", 1.0)
        self._lock = threading.Lock()           # one reload at a time
        self._next_check = 0.0
        self._pointer_stamp = self._stamp()

    def target(self) -> Path:
        """The directory to serve: the pointer's model when following it, else the same one."""
        if self.follow:
            return current_model_dir(self.models_dir)
        return self.daemon.pipeline.scorer.model_dir

    def reload(self, model_dir: Path | None = None) -> tuple[Pipeline, Pipeline]:
        """Load `model_dir` (default: target()) fully, then swap; (old, new) pipelines."""
        from fakeradar.daemon.scoring.base import load_scorer

        with self._lock:
            path = Path(model_dir or self.target())
            old = self.daemon.pipeline
            try:
                scorer = load_scorer(path, self.backend)
            except (ModelDirError, OSError, ValueError) as exc:
                raise ReloadFailed(f"cannot load {path} ({exc}); still serving "
                                   f"{old.scorer.info.name}") from None
            new = Pipeline(scorer, old.cache, old.gate, old.limits, old.resolver)
            self.daemon.pipeline = new          # one assignment: atomic for the views
            LOGGER.info("model reloaded: %s -> %s (%s)", old.scorer.info.name,
                        scorer.info.name, path)
            return old, new

    def check_pointer(self) -> None:
        """Cheap per-request check; a changed pointer reloads in a background thread."""
        now = time.monotonic()
        if not self.follow or now < self._next_check:
            return
        self._next_check = now + self.check_every
        stamp = self._stamp()
        if stamp == self._pointer_stamp or self._lock.locked():
            return
        self._pointer_stamp = stamp
        if self.target() != self.daemon.pipeline.scorer.model_dir:
            threading.Thread(target=self._reload_logged, name="fakeradar-reload",
                             daemon=True).start()

    def _reload_logged(self) -> None:
        try:
            self.reload()
        except ReloadFailed as exc:
            LOGGER.error("%s", exc.message)

    def _stamp(self) -> tuple[int, int, int] | None:
        """What changes when the pointer is replaced: inode, size, mtime."""
        try:
            info = (self.models_dir / POINTER).stat()
        except OSError:
            return None
        return info.st_ino, info.st_size, info.st_mtime_ns


@bp.post("/reload")
def reload_model():
    """Load the current model (the pointer's, or the same directory re-read) and swap it in."""
    reloader: ModelReloader = current_app.extensions["fakeradar.reload"]
    old, new = reloader.reload()
    return jsonify({"reloaded": True, "model": _describe(new), "previous": _describe(old)})


def _describe(pipeline: Pipeline) -> dict:
    return {**pipeline.scorer.describe(), "path": str(pipeline.scorer.model_dir)}


def init_app(app: Flask, daemon: Any) -> None:
    """Register /v1/reload and the per-request pointer check."""
    reloader = ModelReloader(daemon, app.config)
    app.extensions["fakeradar.reload"] = reloader
    app.before_request(reloader.check_pointer)
    app.register_blueprint(bp)
