"""The HTTP API v1: /v1/health, /v1/score, /v1/feedback (shapes in the README)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from fakeradar.daemon.errors import BadRequest, NotFound, UnsupportedContent
from fakeradar.daemon.pipeline import document_id, parse_score_request
from fakeradar.daemon.storage import Feedback
from fakeradar.training.text import model_input

bp = Blueprint("api", __name__, url_prefix="/v1")
MAX_COMMENT_CHARS = 5000
_SHA256 = re.compile(r"[0-9a-f]{64}")


def json_body() -> Any:
    """The request's JSON: 415 unless it is declared JSON, 400 when it does not parse."""
    if request.mimetype != "application/json":
        raise UnsupportedContent(f"send the body as application/json, not "
                                 f"{request.mimetype or 'no content type'}",
                                 code="unsupported_media_type")
    try:
        return json.loads(request.get_data(cache=False))   # 413 past MAX_CONTENT_LENGTH
    except (ValueError, RecursionError) as exc:
        message = f"the body is not valid JSON: {exc}"[:300]
        raise BadRequest(message, code="malformed_json") from None


@bp.get("/health")
def health():
    """Whether the daemon is up, and which model, backend and device it scores with."""
    daemon = current_app.extensions["fakeradar"]
    info = daemon.pipeline.scorer.info
    return jsonify({
        "status": "ok",
        "version": daemon.version,
        "model": {"name": info.name, "base_model": info.base_model,
                  "path": str(daemon.pipeline.scorer.model_dir)},
        "backend": daemon.pipeline.scorer.backend,
        "device": daemon.pipeline.scorer.device,
        "thresholds": {"suspect": info.thresholds.suspect, "credible": info.thresholds.credible},
    })


@bp.post("/score")
def score():
    """Score a URL, a page's HTML or a text."""
    daemon = current_app.extensions["fakeradar"]
    return jsonify(daemon.pipeline.score(parse_score_request(json_body())))


@bp.post("/feedback")
def feedback():
    """Store the user's correction of a verdict for retraining."""
    daemon = current_app.extensions["fakeradar"]
    payload = json_body()
    item = _parse_feedback(payload)
    remembered = daemon.pipeline.cache.get(item.score_id)
    if remembered is not None:
        item.title, item.text, item.verdict = remembered.title, remembered.body, remembered.verdict
        item.p_fake, item.url = remembered.result.p_fake, item.url or remembered.url
    elif isinstance(payload.get("text"), str) and payload["text"].strip():
        item.title, item.text = payload.get("title") or "", payload["text"]
        if document_id(model_input(item.title, item.text)) != item.score_id:
            raise BadRequest("`id` is not the id of this title and text", code="id_mismatch")
    else:
        raise NotFound("the daemon no longer remembers this id (it was restarted or the page "
                       "was scored long ago); send `text` (and `title`) with the feedback",
                       code="unknown_id")
    item.model = daemon.pipeline.scorer.info.name
    return jsonify({"stored": True, "feedback_id": daemon.feedback.add(item)}), 201


def _parse_feedback(payload: Any) -> Feedback:
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    if not isinstance(payload.get("id"), str) or not _SHA256.fullmatch(payload["id"]):
        raise BadRequest("`id` must be the 64-hex-digit id of a score")
    if payload.get("label") not in ("fake", "real"):
        raise BadRequest('`label` must be "fake" or "real"')
    for key in ("url", "comment", "text", "title"):
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise BadRequest(f"`{key}` must be a string")
    if len(payload.get("comment") or "") > MAX_COMMENT_CHARS:
        raise BadRequest(f"`comment` is longer than {MAX_COMMENT_CHARS} characters")
    return Feedback(score_id=payload["id"], label=payload["label"], title="", text="",
                    url=payload.get("url"), comment=payload.get("comment"))
