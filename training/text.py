"""The one text pipeline shared by training and the daemon.

Every example the model sees, at training time and at serving time, goes through
`model_input(title, body)`. The cleaning rules are applied identically to both
classes: they remove the publisher artefacts that leak ISOT's labels (Reuters
datelines, "Featured image via", tweet embeds, image credits) so the model has
to learn from the content. Import-light on purpose: no torch, no pandas.
"""

from __future__ import annotations

import re
import unicodedata

# Leading datelines such as "WASHINGTON (Reuters) - ", "LONDON/PARIS (Reuters) -",
# "SEOUL, Dec 1 (Reuters) -" or a bare "NEW YORK - ".
_DATELINE = re.compile(
    r"""^\s*
    (?:[A-Z][A-Za-z.'\-]*(?:[ /,][A-Z][A-Za-z.'\-]*)*)      # CITY or CITY/CITY, COUNTRY
    (?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?                  # optional date: Dec 1
    \s*(?:\((?:Reuters|AP|AFP|[A-Z][A-Za-z ]{1,20})\))?     # optional agency tag
    \s*[-\u2013\u2014]+\s+""",
    re.VERBOSE,
)
_AGENCY_TAG = re.compile(r"\((?:Reuters|AP|AFP|ACR)\)\s*[-\u2013\u2014]?\s*")
_BOILERPLATE = [
    re.compile(r"Featured image (?:via|by|credit)[^\n]*", re.IGNORECASE),
    re.compile(r"(?:Photo|Image|Picture)s? (?:by|via|credit:?)\s[^\n.]{0,120}\.?", re.IGNORECASE),
    re.compile(r"\b21st Century Wire\b(?: says)?", re.IGNORECASE),
    re.compile(r"pic\.twitter\.com/\S+", re.IGNORECASE),
    re.compile(r"\S*@\w+\)?\s+\w+ \d{1,2}, \d{4}", re.IGNORECASE),  # tweet signature
    re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE),
    re.compile(r"\bREAD MORE:[^\n]*", re.IGNORECASE),
]
_WHITESPACE = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def normalise_unicode(text: str) -> str:
    """NFKC, typographic quotes to ASCII, and every kind of space to one space."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.translate(_QUOTES)
    text = _WHITESPACE.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                         "\u00a0": " ", "\u200b": ""})


def clean_body(text: str) -> str:
    """Strip datelines, agency tags, boilerplate and links from an article body."""
    text = normalise_unicode(text)
    text = _DATELINE.sub("", text, count=1)
    text = _AGENCY_TAG.sub("", text)
    for pattern in _BOILERPLATE:
        text = pattern.sub(" ", text)
    return normalise_unicode(text)


def clean_title(title: str) -> str:
    return normalise_unicode(title).replace("\n", " ")


def model_input(title: str, body: str) -> str:
    """The exact string the model is trained on and scores: title, blank line, body."""
    title, body = clean_title(title), clean_body(body)
    return f"{title}\n{body}" if title else body
