"""One scoring request end to end: fetch -> extract -> normalise -> chunk -> infer -> verdict.

Shared by the HTTP API and the in-process `fakeradar score`, so both answer with the
same JSON. Error responses come from the DaemonError subclasses raised on the way.

Input outcomes (documented in the README):
- html/url mode, the page parsed but holds no article -> 200, verdict "not_an_article"
  with a `reason`; an empty `html` string or empty `text` -> 422 `no_article`;
- binary or non-HTML content -> 415 (`binary_body`, `not_html`).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

from fakeradar.daemon.errors import BadRequest, Busy, NoArticle
from fakeradar.daemon.extract import (
    MIN_ARTICLE_WORDS,
    Article,
    article_from_text,
    extract_article,
)
from fakeradar.daemon.fetch import FetchLimits, Resolver, fetch, system_resolver
from fakeradar.daemon.scoring.base import Scorer, ScoreResult, verdict_for
from fakeradar.daemon.storage import LRUCache
from fakeradar.training.text import model_input

MAX_URL_CHARS = 4096
MODES = ("url", "html", "text")
_GENERATIONS = itertools.count()


@dataclass
class ScoreRequest:
    mode: str                    # "url" | "html" | "text"
    url: str | None = None
    html: str | None = None
    text: str | None = None
    title: str | None = None


@dataclass
class Remembered:
    """A scored document kept in the cache: its score, and what feedback needs."""

    result: ScoreResult
    title: str
    body: str
    url: str | None
    verdict: str
    generation: int        # the Pipeline (so the model) that scored it


def parse_score_request(payload: Any) -> ScoreRequest:
    """Validate a /v1/score body: exactly one of url | html (+url) | text (+title)."""
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object", code="bad_request")
    for key in ("url", "html", "text", "title"):
        if payload.get(key) is not None and not isinstance(payload[key], str):
            raise BadRequest(f"`{key}` must be a string", code="bad_request")
    given = [key for key in ("html", "text") if payload.get(key) is not None]
    if len(given) > 1 or (payload.get("text") is not None and payload.get("url")):
        raise BadRequest("send exactly one of `url`, `html` (+ optional `url`) or `text` "
                         "(+ optional `title`)", code="bad_request")
    mode = given[0] if given else "url"
    if mode == "url" and not payload.get("url"):
        raise BadRequest("send one of `url`, `html` or `text`", code="bad_request")
    if len(payload.get("url") or "") > MAX_URL_CHARS:
        raise BadRequest(f"`url` is longer than {MAX_URL_CHARS} characters", code="bad_url")
    return ScoreRequest(mode=mode, url=payload.get("url"), html=payload.get("html"),
                        text=payload.get("text"), title=payload.get("title"))


def document_id(text: str) -> str:
    """The id of a scored document: sha256 of its normalised model input."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ScoringGate:
    """At most `limit` extractions/inferences at once; others wait briefly, then 429.

    A flood of requests then degrades into quick refusals instead of piling up
    documents in memory.
    """

    def __init__(self, limit: int, wait_s: float, retry_after_s: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        self.wait_s, self.retry_after_s = wait_s, retry_after_s

    def __enter__(self) -> ScoringGate:
        if not self._slots.acquire(timeout=self.wait_s):
            raise Busy("the daemon is busy scoring other pages; retry shortly",
                       headers={"Retry-After": str(self.retry_after_s)})
        return self

    def __exit__(self, *exc_info) -> None:
        self._slots.release()


class Pipeline:
    """Everything a score needs, built once per daemon (or per `fakeradar score`)."""

    def __init__(self, scorer: Scorer, cache: LRUCache, gate: ScoringGate,
                 limits: FetchLimits, resolver: Resolver | None = None) -> None:
        self.scorer, self.cache, self.gate, self.limits = scorer, cache, gate, limits
        self.resolver = resolver or system_resolver
        # A reloaded model shares the cache: the answers of the model before it are scored
        # again, while feedback still finds the text and verdict the user saw.
        self.generation = next(_GENERATIONS)

    def score(self, request: ScoreRequest) -> dict[str, Any]:
        """Score one request; returns the /v1/score JSON (DaemonError on bad input)."""
        started = time.perf_counter()
        timings = {"fetch": 0.0, "extract": 0.0, "tokenize": 0.0, "infer": 0.0}
        html, url = request.html, request.url
        if request.mode == "url":
            page = fetch(url, self.limits, self.resolver)
            html, url = page.html, page.url
            timings["fetch"] = _ms_since(started)
        with self.gate:
            article = self._extract(request, html, url, timings)
            response = self._score_article(article, timings)
        timings["total"] = _ms_since(started)
        response["timings_ms"] = {key: round(value, 2) for key, value in timings.items()}
        return response

    def _extract(self, request: ScoreRequest, html: str | None, url: str | None,
                 timings: dict[str, float]) -> Article:
        begin = time.perf_counter()
        if request.mode == "text":
            if not request.text.strip():
                raise NoArticle("no article text found: `text` is empty")
            article = article_from_text(request.text, request.title)
        else:
            if not html.strip():
                raise NoArticle("no article text found: the page is empty")
            article = extract_article(html, url)
        timings["extract"] = _ms_since(begin)
        return article

    def _score_article(self, article: Article, timings: dict[str, float]) -> dict[str, Any]:
        text = model_input(article.title, article.body)
        doc_id = document_id(text)
        if article.reason is None and not text:
            raise NoArticle("no article text found: nothing is left after cleaning the text")
        if article.reason is not None:
            return self._response(doc_id, article, None, cached=False)
        remembered = self.cache.get(doc_id)
        if remembered is None or remembered.generation != self.generation:
            result = self.scorer.score(text)
            timings.update(result.timings_ms)
            verdict = verdict_for(result.p_fake, self.scorer.info.thresholds)
            remembered = Remembered(result, article.title, article.body, article.url, verdict,
                                    self.generation)
            self.cache.put(doc_id, remembered)
            return self._response(doc_id, article, remembered, cached=False)
        return self._response(doc_id, article, remembered, cached=True)

    def _response(self, doc_id: str, article: Article, remembered: Remembered | None,
                  cached: bool) -> dict[str, Any]:
        thresholds = self.scorer.info.thresholds
        result = remembered.result if remembered else None
        return {
            "id": doc_id,
            "verdict": remembered.verdict if remembered else "not_an_article",
            "p_fake": round(result.p_fake, 4) if result else None,
            "thresholds": {"suspect": thresholds.suspect, "credible": thresholds.credible},
            "article": article.to_json(),
            "passages": [p.to_json() for p in result.passages] if result else [],
            "model": self.scorer.describe(),
            "cached": cached,
            "reason": article.reason,
            "warnings": article.warnings + _score_warnings(article, result),
        }


def _score_warnings(article: Article, result: ScoreResult | None) -> list[str]:
    warnings = []
    if article.extractor == "beautifulsoup":
        warnings.append("trafilatura found no article; the text was taken from the page's "
                        "paragraphs by the BeautifulSoup fallback and may include boilerplate")
    if result and result.truncated:
        warnings.append(f"the article is long: only its first {result.windows} windows "
                        f"were scored")
    if result and article.extractor == "text" and article.words < MIN_ARTICLE_WORDS:
        warnings.append(f"the text has only {article.words} words; scores of short texts "
                        "are unreliable")
    return warnings


def _ms_since(begin: float) -> float:
    return (time.perf_counter() - begin) * 1000
