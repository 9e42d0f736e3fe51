"""The Flask application factory (flaskr style): `create_app(test_config=None)`.

The scorer is loaded and warmed once here and kept on the app (`app.extensions
["fakeradar"]`), never per request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Flask

from fakeradar.daemon import api, config, errors, reload, security
from fakeradar.daemon.fetch import FetchLimits
from fakeradar.daemon.pipeline import Pipeline, ScoringGate
from fakeradar.daemon.storage import FeedbackStore, LRUCache

LOGGER = logging.getLogger(__name__)


@dataclass
class Daemon:
    """What the views share: the scoring pipeline and the feedback store."""

    pipeline: Pipeline
    feedback: FeedbackStore
    version: str


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the daemon app; ModelDirError when the model directory is missing or corrupt."""
    app = Flask(__name__)
    app.config.from_mapping(config.resolve(test_config))
    app.json.sort_keys = False
    errors.init_app(app)
    security.init_app(app)
    app.extensions["fakeradar"] = Daemon(pipeline=build_pipeline(app.config),
                                         feedback=FeedbackStore(app.config["HOME"]),
                                         version=_version())
    app.register_blueprint(api.bp)
    reload.init_app(app, app.extensions["fakeradar"])   # POST /v1/reload + pointer watch
    return app


def build_pipeline(settings: dict[str, Any]) -> Pipeline:
    """The scoring pipeline for resolved settings (also used by in-process `fakeradar score`)."""
    scorer = settings["SCORER"]
    if scorer is None:
        from fakeradar.daemon.scoring.base import load_scorer

        scorer = load_scorer(settings["MODEL_DIR"], settings["BACKEND"])
    limits = FetchLimits(max_bytes=settings["FETCH_MAX_BYTES"], timeout=settings["FETCH_TIMEOUT_S"],
                         max_redirects=settings["FETCH_MAX_REDIRECTS"],
                         allow_private=settings["ALLOW_PRIVATE"])
    gate = ScoringGate(settings["MAX_CONCURRENT_SCORES"], settings["QUEUE_WAIT_S"],
                       settings["RETRY_AFTER_S"])
    return Pipeline(scorer, LRUCache(settings["CACHE_SIZE"]), gate, limits, settings["RESOLVER"])


def _version() -> str:
    try:
        return version("fakeradar")
    except PackageNotFoundError:
        return "unknown"
