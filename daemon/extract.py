"""Article extraction: trafilatura first, BeautifulSoup when it finds nothing.

trafilatura with `favor_precision=True` scored best on the 120-page benchmark
(F1 .967, shared/notes/extraction.md); the fallback keeps the text of `<p>`
elements (F1 .812 there), which is still far better than the whole page text.
A page with too little text comes back as an Article with a `reason` instead of
being scored: scoring a cookie banner would produce a confident, meaningless number.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from fakeradar.daemon.errors import UnsupportedContent

LOGGER = logging.getLogger(__name__)

# Below this many words an extraction is a teaser, a paywall stub or navigation, not an
# article. The shortest real article body in the extraction benchmark has 18 words; the
# next ones have 67+, and text that short carries too little signal for the classifier.
MIN_ARTICLE_WORDS = 50
# Share of tokens that are common English function words: English news prose measures
# about 0.35-0.45; under 0.12 the text is very likely another language.
MIN_ENGLISH_STOPWORD_SHARE = 0.12
_ENGLISH_STOPWORDS = frozenset(
    "the of and to a in is that for it was on with as he she by at from his her be this are "
    "have has had not but or an they were which their been said would will its who we".split())
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class Article:
    title: str
    paragraphs: list[str]
    extractor: str                       # "trafilatura" | "beautifulsoup" | "text"
    url: str | None = None
    site: str | None = None
    date: str | None = None
    language: str | None = None          # declared by the page, else "en" or None by heuristic
    non_english: bool = False
    reason: str | None = None            # why this is not an article; None when it is one
    warnings: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    @property
    def words(self) -> int:
        return len(self.body.split())

    def to_json(self) -> dict:
        return {"title": self.title or None, "url": self.url, "site": self.site,
                "date": self.date, "language": self.language, "words": self.words,
                "extractor": self.extractor, "non_english": self.non_english}


def extract_article(html: str, url: str | None = None) -> Article:
    """Extract the article of an HTML page (module doc); UnsupportedContent for binary input."""
    check_textual(html)
    from trafilatura.utils import load_html

    tree = load_html(html)
    if tree is None:
        article = Article(title="", paragraphs=[], extractor="trafilatura", url=url)
        return _judge(article, declared_language=None)
    declared = _declared_language(tree)
    article = _with_trafilatura(tree, url)
    if article.words == 0:
        LOGGER.info("trafilatura found no text in %s; falling back to BeautifulSoup", url)
        article = paragraphs_with_beautifulsoup(html, url)
    return _judge(article, declared)


def article_from_text(text: str, title: str | None = None) -> Article:
    """Wrap text given directly (text mode) as an Article; no word minimum applies."""
    check_textual(text)
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    article = Article(title=(title or "").strip(), paragraphs=paragraphs, extractor="text")
    return _flag_language(article, declared_language=None)


def check_textual(content: str) -> None:
    """Refuse binary content posted or fetched as a page (NULs or mostly control bytes)."""
    head = content[:8192]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r\f")
    if "\x00" in head or controls > len(head) * 0.05:
        raise UnsupportedContent("the content is binary, not an HTML page or text",
                                 code="binary_body")


def _with_trafilatura(tree, url: str | None) -> Article:
    from trafilatura import bare_extraction

    doc = bare_extraction(tree, url=url, favor_precision=True, include_comments=False,
                          with_metadata=True)
    if doc is None:
        return Article(title="", paragraphs=[], extractor="trafilatura", url=url)
    paragraphs = [line.strip() for line in (doc.text or "").splitlines() if line.strip()]
    return Article(title=doc.title or "", paragraphs=paragraphs, extractor="trafilatura",
                   url=url or doc.url, site=doc.sitename or doc.hostname, date=doc.date)


def paragraphs_with_beautifulsoup(html: str, url: str | None) -> Article:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        tag.decompose()
    paragraphs = [p.get_text(" ", strip=True) for p in soup.find_all("p")]
    paragraphs = [p for p in paragraphs if p]
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    heading = soup.find("h1")
    return Article(title=heading.get_text(" ", strip=True) if heading else title,
                   paragraphs=paragraphs, extractor="beautifulsoup", url=url)


def _judge(article: Article, declared_language: str | None) -> Article:
    """Mark pages with too little text as not an article, and flag the language."""
    if article.words < MIN_ARTICLE_WORDS:
        found = f"only {article.words} words" if article.words else "no text"
        article.reason = (f"no article found: the page has {found} of article text "
                          f"(at least {MIN_ARTICLE_WORDS} are needed)")
    return _flag_language(article, declared_language)


def _flag_language(article: Article, declared_language: str | None) -> Article:
    words = [w.lower() for w in _WORD.findall(article.title + " " + article.body)]
    share = sum(w in _ENGLISH_STOPWORDS for w in words) / len(words) if words else 1.0
    looks_english = share >= MIN_ENGLISH_STOPWORD_SHARE
    article.language = declared_language or ("en" if looks_english and words else None)
    declared_foreign = bool(declared_language) and not declared_language.startswith("en")
    if words and (declared_foreign or not looks_english):
        article.non_english = True
        article.warnings.append(
            f"the text looks non-English (language {article.language or 'unknown'}); the model "
            "was trained on English news, so its score means little here")
    return article


def _declared_language(tree) -> str | None:
    """The page's declared language: <html lang>, then content-language/og:locale metas."""
    values = tree.xpath("/html/@lang | /html/@xml:lang",
                        namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
    values += tree.xpath("//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
                         "='content-language']/@content | //meta[@property='og:locale']/@content")
    for value in values:
        code = value.strip().replace("_", "-").split(",")[0].split("-")[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", code):
            return code
    return None
