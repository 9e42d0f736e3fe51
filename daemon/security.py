"""Who may talk to a localhost daemon: Host allowlist, Origin policy, optional token.

Any web page can make the browser send requests to 127.0.0.1, so (DESIGN.md):
- the Host header must name localhost, which defeats DNS rebinding (Syncthing's check);
- requests with a web-page Origin (http/https/null) are refused with 403; browser
  extensions and Origin-less clients such as curl are allowed, plus the origins in
  FAKERADAR_ALLOWED_ORIGINS (Ollama's OLLAMA_ORIGINS);
- with FAKERADAR_TOKEN set, every request needs `Authorization: Bearer <token>`
  (Jupyter's token);
- CORS headers are sent to allowed origins only, and preflights answered for them.
"""

from __future__ import annotations

import hmac

from flask import Flask, Response, current_app, request

from fakeradar.daemon.errors import Forbidden, Unauthorized

LOCAL_HOSTNAMES = {"localhost", "127.0.0.1", "[::1]", "::1"}
EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://", "safari-web-extension://")
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE = "600"


def init_app(app: Flask) -> None:
    """Check every request before routing; add CORS headers to allowed origins' answers."""
    app.before_request(check_request)
    app.after_request(add_cors_headers)


def host_allowed(host_header: str, extra_hosts: set[str]) -> bool:
    """True when the Host header names a loopback name (any port) or a configured host."""
    host = host_header.strip().lower()
    if host.startswith("["):
        name = host[:host.find("]") + 1] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name in LOCAL_HOSTNAMES or name in extra_hosts


def origin_allowed(origin: str | None, extra_origins: list[str]) -> bool:
    """No Origin (curl, scripts) and extension origins pass; web pages do not."""
    if origin is None:
        return True
    return origin.startswith(EXTENSION_SCHEMES) or origin.rstrip("/") in extra_origins


def check_request() -> Response | None:
    """before_request: Host, then Origin, then the token; answers preflights itself."""
    config = current_app.config
    bound = config["HOST"]
    extra_hosts = {bound, f"[{bound}]"} if bound not in ("0.0.0.0", "::") else set()
    if not host_allowed(request.host, extra_hosts):
        raise Forbidden(f"Host {request.host!r} is not allowed; use http://127.0.0.1:"
                        f"{config['PORT']}", code="host_not_allowed")
    origin = request.headers.get("Origin")
    if not origin_allowed(origin, config["ALLOWED_ORIGINS"]):
        raise Forbidden(f"requests from web pages ({origin}) are not allowed; add the origin to "
                        "FAKERADAR_ALLOWED_ORIGINS to permit it", code="origin_not_allowed")
    if request.method == "OPTIONS":
        return current_app.make_default_options_response()
    token = config["TOKEN"]
    if token and not _token_matches(request.headers.get("Authorization", ""), token):
        raise Unauthorized("a valid `Authorization: Bearer <token>` header is required "
                           "(the daemon was started with FAKERADAR_TOKEN)",
                           headers={"WWW-Authenticate": 'Bearer realm="fakeradar"'})
    return None


def _token_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def add_cors_headers(response: Response) -> Response:
    """after_request: CORS headers for allowed Origins only (never a wildcard)."""
    origin = request.headers.get("Origin")
    if origin and origin_allowed(origin, current_app.config["ALLOWED_ORIGINS"]):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        response.headers.add("Vary", "Origin")
    return response
