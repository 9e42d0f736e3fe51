"""Article extraction on real benchmark pages, the fallback, non-articles and languages."""

from __future__ import annotations

import gzip
import json

import pytest

from fakeradar.daemon.errors import UnsupportedContent
from fakeradar.daemon.extract import MIN_ARTICLE_WORDS, article_from_text, extract_article
from fakeradar.daemon.extract_bench import EXTRACTORS, measure_extraction, token_prf

SENTENCES = [f"Sentence number {i} tells a different part of the story about the town council."
             for i in range(12)]


def benchmark_page(shared_data, index: int) -> tuple[str, dict]:
    bench = shared_data / "extraction_benchmark"
    truth = json.loads((bench / "ground-truth.json").read_text())
    page_id = sorted(truth)[index]
    html = gzip.decompress((bench / "html" / f"{page_id}.html.gz").read_bytes()).decode()
    return html, truth[page_id]


def test_extraction_quality_on_the_benchmark(shared_data):
    """The daemon's extraction keeps the measured quality (F1 .971 when written)."""
    figures = measure_extraction(shared_data / "extraction_benchmark",
                                 EXTRACTORS["trafilatura (daemon path)"])
    assert figures["pages"] == 120
    assert figures["f1"] > 0.95 and figures["precision"] > 0.94 and figures["recall"] > 0.95


def test_benchmark_page_metadata(shared_data):
    html, truth = benchmark_page(shared_data, 0)
    article = extract_article(html, truth["url"])
    assert article.extractor == "trafilatura" and article.reason is None
    assert article.title and article.site and article.date and article.language == "en"
    assert not article.non_english and article.words >= MIN_ARTICLE_WORDS
    assert token_prf(article.body, truth["articleBody"])[2] > 0.9


def test_beautifulsoup_takes_over_when_trafilatura_finds_nothing():
    # trafilatura drops everything inside a comments section; the fallback keeps <p> text.
    html = ("<html><head><title>Council news</title></head><body><div class='comments'>"
            + "".join(f"<p>{s}</p>" for s in SENTENCES) + "</div></body></html>")
    article = extract_article(html, "https://example.com/story")
    assert article.extractor == "beautifulsoup" and article.reason is None
    assert article.paragraphs == SENTENCES and article.title == "Council news"


@pytest.mark.parametrize("html", [
    "<html><body></body></html>",
    "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav></body></html>",
    "<html><body><p>Subscribe to read this article.</p></body></html>",
    "just some words, no markup",
])
def test_pages_without_an_article_get_a_reason(html):
    article = extract_article(html)
    assert article.reason and "no article" in article.reason


def test_binary_content_is_refused():
    with pytest.raises(UnsupportedContent) as info:
        extract_article("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    assert info.value.code == "binary_body" and info.value.status == 415


def test_declared_foreign_language_is_flagged():
    body = "".join(f"<p>{s}</p>" for s in SENTENCES)
    article = extract_article(f"<html lang='de-DE'><body><article>{body}</article></body></html>")
    assert article.language == "de" and article.non_english and article.warnings


def test_undeclared_foreign_text_is_flagged_and_english_is_not():
    french = ("Le conseil municipal a voté mardi un nouveau budget pour les écoles de la ville, "
              "après des mois de débats entre les élus et les parents d'élèves. ") * 6
    assert article_from_text(french).non_english
    english = article_from_text(" ".join(SENTENCES))
    assert not english.non_english and english.language == "en" and not english.warnings


def test_token_prf():
    assert token_prf("a b c", "a b c") == (1.0, 1.0, 1.0)
    assert token_prf("", "a b") == (0.0, 0.0, 0.0)
    precision, recall, _ = token_prf("a a b x", "a b b")
    assert precision == 0.5 and recall == pytest.approx(2 / 3)
