"""The daemon's exceptions, each with its HTTP status and a stable error code.

Every error a client can cause is one of these; the app turns them into
`{"error": {"code", "message"}}` with the right status (DESIGN.md), so bad input
never becomes a 500.
"""

from __future__ import annotations


class DaemonError(Exception):
    """Base class: a client-visible failure with an HTTP status and a code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.headers = headers or {}

    def to_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


class BadRequest(DaemonError):
    status, code = 400, "bad_request"


class Unauthorized(DaemonError):
    status, code = 401, "unauthorized"


class Forbidden(DaemonError):
    status, code = 403, "forbidden"


class NotFound(DaemonError):
    status, code = 404, "not_found"


class UnsupportedContent(DaemonError):
    status, code = 415, "unsupported_content"


class NoArticle(DaemonError):
    status, code = 422, "no_article"


class Busy(DaemonError):
    status, code = 429, "busy"


class FetchError(DaemonError):
    """The page could not be fetched (bad gateway)."""

    status, code = 502, "fetch_failed"


class FetchTimeout(FetchError):
    status, code = 504, "fetch_timeout"


class BlockedAddress(Forbidden):
    """A URL resolves to an address the daemon must not reach (SSRF guard)."""

    code = "blocked_address"


def init_app(app) -> None:
    """Answer every error as JSON: project errors, HTTP errors, and (logged) bugs."""
    import logging

    from flask import jsonify
    from werkzeug.exceptions import HTTPException

    logger = logging.getLogger(__name__)

    @app.errorhandler(DaemonError)
    def daemon_error(exc: DaemonError):
        return jsonify(exc.to_json()), exc.status, exc.headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = {413: "too_large"}.get(exc.code, (exc.name or "error").lower().replace(" ", "_"))
        headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods",
                                                                      None) else {}
        return jsonify({"error": {"code": code, "message": exc.description}}), exc.code, headers

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        logger.exception("unexpected error while serving a request")
        message = "the daemon hit an unexpected error; see its log"
        return jsonify({"error": {"code": "internal_error", "message": message}}), 500
