"""`fakeradar serve` and `fakeradar score`: the daemon's command-line side."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click

from fakeradar.daemon import config

HEALTH_PROBE_S = 0.5        # a local daemon answers /v1/health in milliseconds
SCORE_TIMEOUT_S = 60.0
LOGGER = logging.getLogger("fakeradar.daemon")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


model_option = click.option("--model", "model_dir", type=click.Path(path_type=Path),
                            help="Model directory [env FAKERADAR_MODEL; default models/default].")
backend_option = click.option("--backend", type=click.Choice(["auto", "onnx", "torch"]),
                              help="Scoring backend; auto = ONNX when exported, else torch.")
private_option = click.option("--allow-private", is_flag=True, default=None,
                              help="Let url mode fetch loopback/LAN addresses (off: SSRF guard).")
host_option = click.option("--host", help="Address to bind / reach [env FAKERADAR_HOST; "
                                          "default 127.0.0.1].")
port_option = click.option("--port", type=int, help=f"Port [env FAKERADAR_PORT; default "
                                                    f"{config.DEFAULT_PORT}].")


def _limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas before the server's threads start.

    glibc gives each thread its own arena (up to 8 per core); the memory of pages parsed
    and scored in one thread then stays reserved there. Measured with `make bench`'s 200
    requests: RSS 550-680 MB with glibc's default, 260-330 MB with 2 arenas, no slower.
    """
    import ctypes
    import ctypes.util

    m_arena_max = -8    # mallopt parameter from glibc's malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(m_arena_max, arenas)
    except (OSError, AttributeError):   # not glibc (macOS, musl): nothing to tune
        pass


def _overrides(**options: Any) -> dict[str, Any]:
    """Command-line options that were given, as config keys."""
    names = {"host": "HOST", "port": "PORT", "model_dir": "MODEL_DIR", "backend": "BACKEND",
             "allow_private": "ALLOW_PRIVATE"}
    return {names[k]: v for k, v in options.items() if v is not None}


def _settings(**options: Any) -> dict[str, Any]:
    from fakeradar.daemon.errors import DaemonError

    try:
        return config.resolve(_overrides(**options))
    except DaemonError as exc:
        raise click.ClickException(exc.message) from None


@click.command()
@host_option
@port_option
@model_option
@backend_option
@private_option
def serve(host, port, model_dir, backend, allow_private) -> None:
    """Run the scoring daemon on 127.0.0.1:8765 (the API the extension and curl use).

    \b
    The model is loaded and warmed once at start. Try it:
      curl -s localhost:8765/v1/health
      curl -s localhost:8765/v1/score -H 'Content-Type: application/json' \\
           -d '{"url": "https://example.com/story"}'
    """
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    _limit_malloc_arenas()
    settings = _settings(host=host, port=port, model_dir=model_dir, backend=backend,
                         allow_private=allow_private)
    app = _create_app_or_fail(settings)
    from waitress import create_server

    try:
        server = create_server(app, host=settings["HOST"], port=settings["PORT"],
                               threads=settings["WAITRESS_THREADS"],
                               max_request_body_size=settings["WAITRESS_MAX_BODY"])
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {settings['HOST']}:{settings['PORT']} "
                                   f"({exc.strerror}); is a daemon already running? "
                                   "Choose another one with --port") from None
    if settings["HOST"] not in ("127.0.0.1", "localhost", "::1"):
        LOGGER.warning("listening on %s, not loopback: other machines can reach the daemon; "
                       "set FAKERADAR_TOKEN", settings["HOST"])
    scorer = app.extensions["fakeradar"].pipeline.scorer
    LOGGER.info("fakeradar daemon on %s: model %s (%s), backend %s, device %s%s",
                config.daemon_url(settings["HOST"], settings["PORT"]), scorer.info.name,
                scorer.model_dir, scorer.backend, scorer.device,
                ", token required" if settings["TOKEN"] else "")
    server.run()


def _create_app_or_fail(settings: dict[str, Any]):
    from fakeradar.daemon.app import create_app
    from fakeradar.training.modeldir import ModelDirError

    try:
        return create_app(settings)
    except ModelDirError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("url", required=False)
@click.option("--html", "html_file", type=click.File("rb"),
              help="Score this saved HTML page ('-' reads stdin).")
@click.option("--url", "context_url", help="With --html: the page's address (for metadata).")
@click.option("--text", "text_file", type=click.File("r", encoding="utf-8", errors="replace"),
              help="Score plain text from this file ('-' reads stdin).")
@click.option("--title", help="With --text: the article's title.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON response.")
@host_option
@port_option
@model_option
@backend_option
@private_option
def score(url, html_file, context_url, text_file, title, as_json, host, port, model_dir,
          backend, allow_private) -> None:
    """Score a URL, a saved HTML page or a text; uses the running daemon when there is one.

    \b
    Examples:
      fakeradar score https://example.com/story
      fakeradar score --html page.html --url https://example.com/story
      echo "Some article text" | fakeradar score --text - --title "Its title" --json
    """
    payload = _payload(url, html_file, context_url, text_file, title)
    settings = _settings(host=host, port=port, model_dir=model_dir, backend=backend,
                         allow_private=allow_private)
    base = config.daemon_url(settings["HOST"], settings["PORT"])
    if _daemon_is_up(base, settings["TOKEN"]):
        response, where = _score_remotely(base, payload, settings["TOKEN"]), f"daemon at {base}"
    else:
        response, where = _score_in_process(payload, settings), "in-process"
    click.echo(json.dumps(response, indent=2) if as_json else format_summary(response, where))


def _payload(url, html_file, context_url, text_file, title) -> dict[str, str]:
    given = [name for name, value in (("URL", url), ("--html", html_file), ("--text", text_file))
             if value is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of URL, --html FILE or --text FILE")
    if html_file is not None:
        from fakeradar.daemon.fetch import decode_html

        html = decode_html(html_file.read())[0]   # BOM, <meta charset>, then detection
        return {"html": html, **({"url": context_url} if context_url else {})}
    if text_file is not None:
        return {"text": text_file.read(), **({"title": title} if title else {})}
    return {"url": url}


def _request(base: str, path: str, token: str | None, body: dict | None = None,
             timeout: float = SCORE_TIMEOUT_S) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as answer:   # noqa: S310 (localhost)
        return json.loads(answer.read())


def _daemon_is_up(base: str, token: str | None) -> bool:
    try:
        return _request(base, "/v1/health", token, timeout=HEALTH_PROBE_S).get("status") == "ok"
    except (OSError, ValueError):
        return False


def _score_remotely(base: str, payload: dict, token: str | None) -> dict:
    try:
        return _request(base, "/v1/score", token, payload)
    except urllib.error.HTTPError as exc:
        raise click.ClickException(_error_line(exc.read())) from None
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"the daemon at {base} did not answer: {exc}") from None


def _error_line(body: bytes) -> str:
    try:
        error = json.loads(body)["error"]
        return f"{error['message']} ({error['code']})"
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace")[:200]


def _score_in_process(payload: dict, settings: dict[str, Any]) -> dict:
    from fakeradar.daemon.app import build_pipeline
    from fakeradar.daemon.errors import DaemonError
    from fakeradar.daemon.pipeline import parse_score_request
    from fakeradar.training.modeldir import ModelDirError

    try:
        pipeline = build_pipeline(settings)
        return pipeline.score(parse_score_request(payload))
    except ModelDirError as exc:
        raise click.ClickException(str(exc)) from None
    except DaemonError as exc:
        raise click.ClickException(f"{exc.message} ({exc.code})") from None


def format_summary(response: dict, where: str) -> str:
    """A few readable lines: verdict, probability, article, top passages, model, timing."""
    article, thresholds = response["article"], response["thresholds"]
    lines = []
    if response["verdict"] == "not_an_article":
        lines.append(f"NOT AN ARTICLE: {response['reason']}")
    else:
        lines.append(f"{response['verdict'].upper()}: p_fake {response['p_fake']:.2f} "
                     f"(suspect >= {thresholds['suspect']}, credible <= {thresholds['credible']})"
                     + ("  [cached]" if response["cached"] else ""))
    meta = ", ".join(v for v in (article["site"], article["date"]) if v)
    lines.append(f"{article['title'] or '(untitled)'}" + (f" ({meta})" if meta else ""))
    lines.append(f"{article['words']} words, extracted by {article['extractor']}")
    if response["passages"]:
        lines.append("Passages that weighed most (p_fake):")
        for passage in response["passages"]:
            text = " ".join(passage["text"].split())
            shown = text if len(text) <= 110 else text[:107] + "..."
            lines.append(f"  {passage['p_fake']:.2f}  {shown}")
    lines += [f"warning: {w}" for w in response["warnings"]]
    model = response["model"]
    lines.append(f"model {model['name']} ({model['backend']}, {model['device']}), "
                 f"{response['timings_ms']['total']:.0f} ms, {where}")
    return "\n".join(lines)
