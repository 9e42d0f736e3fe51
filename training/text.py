"""The one text pipeline shared by training and the daemon.

Every example the model sees, at training time and at serving time, goes through
`model_input(title, body)`. The cleaning rules are applied identically to both
classes: they remove the publisher artefacts that leak ISOT's labels (Reuters
datelines, "Featured image via", tweet embeds, image credits, apostrophes stripped
from one class only) so the model has to learn from the content. Cleaning is
idempotent: cleaning a cleaned text changes nothing. Import-light on purpose: no
torch, no pandas.
"""

from __future__ import annotations

import re
import unicodedata

_DASH = r"[-\u2010-\u2015]+"
_MONTH_DAY = r"(?:,?\s+[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
# Agency datelines: "WASHINGTON (Reuters) - ", "LONDON/PARIS (Reuters) -",
# "SEOUL, Dec 1 (Reuters) -", "(Reuters) - " and ISOT's "WASHINGTON () - ".
_AGENCY_DATELINE = re.compile(
    rf"^[^()\n]{{0,80}}?{_MONTH_DAY}\s*"
    r"\((?:Reuters|AP|AFP|UPI|ACR|Reuters Breakingviews|Thomson Reuters Foundation)?\)"
    rf"\s*{_DASH}\s*"
)
# Bare datelines in capitals: "NEW YORK - ", "ST. LOUIS, Mo. - ", "SEOUL, Dec 1 - ".
_BARE_DATELINE = re.compile(
    rf"^[A-Z][A-Z.'\-]+(?:[ /]+[A-Z][A-Z.'\-]*)*(?:,\s+[A-Z][A-Za-z.]{{1,20}})?{_MONTH_DAY}"
    rf"\s+{_DASH}\s+"
)
_AGENCY_TAG = re.compile(r"\((?:Reuters|AP|AFP|UPI|ACR)\)\s*(?:[-\u2010-\u2015]+\s*)?")
_IMAGE_WORD = r"(?:featured\s+)?(?:image|photo|picture|screenshot|screengrab)s?"
# (pattern, cheap lowercase triggers): a pattern only runs on texts holding a trigger,
# which keeps cleaning the full ISOT (45k articles) to seconds rather than minutes.
_BOILERPLATE = [
    (re.compile(r"featured (?:image|photo)\w*[^\n]{0,200}$", re.IGNORECASE | re.MULTILINE),
     ("featured",)),
    # Image credits: the last sentence of a line ("...Photo by Andrew Burton/Getty Images.")
    # or a Getty credit anywhere.
    (re.compile(rf"(?:\b|(?<=\d)){_IMAGE_WORD}\s*"
                r"(?:(?:via|by|credit:?|courtesy of|:|is a\b|is from\b)[^\n.!?]{0,150}\.?\s*$"
                r"|(?:via|by|:)\s*[^\n]{0,80}?Getty Images\.?)",
                re.IGNORECASE | re.MULTILINE), ("image", "photo", "picture", "screen")),
    (re.compile(r"\b21st Century Wire\b(?: says)?|\b21WIRE(?:\.TV)?\b", re.IGNORECASE),
     ("21",)),
    # Embedded tweet signature: "- Name (@handle) December 31, 2017".
    (re.compile(r"(?:[-\u2010-\u2015]\s*)?(?:[A-Z][\w.'\-]* ){0,3}\(@\w+\)\s*"
                r"[A-Z][a-z]+ \d{1,2}, \d{4}"), ("(@",)),
    # Instagram embed: "A post shared by Name (@handle) on Nov 25, 2017 at 12:51pm PST".
    (re.compile(r"A post shared by [^()\n]{0,80}\(@[\w.]+\) on [A-Z][a-z]+ \d{1,2}, \d{4}"
                r"(?: at \d{1,2}:\d{2}\s?[ap]m(?: [A-Z]{2,4})?)?"), ("a post shared",)),
    (re.compile(r"\([^()\n]{0,120}(?:Getty Images|/AP|/AFP|/Reuters)\)"), ("getty", "/a", "/r")),
    (re.compile(r"\(@\w+\)"), ("(@",)),  # handles left over from other embeds
    (re.compile(r"\(?(?:pic\.twitter\.com/|https?://|www\.|\bbit\.ly/)[^\s)]*\)?",
                re.IGNORECASE),
     ("pic.twitter", "http", "www.", "bit.ly")),
    (re.compile(r"\bSource link:\s*", re.IGNORECASE), ("source link",)),
    (re.compile(r"\b(?:READ MORE|Read more|Via|h/t):\s[^\n]{0,200}$", re.MULTILINE),
     ("read more", "via:", "h/t")),
    # Reuters' tweet-digest preamble, its time stamps and reporting credits.
    (re.compile(r"The following statements were posted to the verified Twitter accounts? of"
                r"[^\n]*?confirmed their accuracy\.", re.IGNORECASE), ("following statements",)),
    (re.compile(r"\[\d{3,4} (?:EST|EDT|GMT)\]"), ("[",)),
    (re.compile(r"\((?:Reporting|Writing|Editing|Additional reporting) by [^)]*\)",
                re.IGNORECASE), (" by ",)),
    (re.compile(r"\(\s*\)|\s--\s*$"), ("(", "--")),  # what removed links leave behind
    # A closing sentence that ends in a colon introduced an embed the scrape dropped
    # ("Watch the video below:").
    (re.compile(r"[^.!?\n]*:\s*$"), (":",)),
]
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u2032": "'", "`": "'", "\u201c": '"', "\u201d": '"',
                         "\u201e": '"', "\u200b": "", "\u200c": "", "\u200d": "",
                         "\ufeff": "", "\u00ad": ""})
_WHITESPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# ISOT's fake rows lost their apostrophes ("couldn t", "Trump s"); its real rows kept
# them. Both are mapped to the apostrophe form so punctuation cannot give the class away.
_CONTRACTION_GAP = re.compile(r"\b([A-Za-z]+) (t|s|m|re|ve|ll|d)\b")
_CONTRACTION_STEMS = {
    "m": {"i"},
    "re": {"you", "we", "they", "who", "what"},
    "ve": {"i", "you", "we", "they", "who", "would", "could", "should", "might", "must"},
    "ll": {"i", "you", "he", "she", "we", "they", "it", "that", "who"},
    "d": {"i", "you", "he", "she", "we", "they", "it", "that", "who"},
}


def _join_contraction(match: re.Match) -> str:
    stem, ending = match.group(1), match.group(2)
    if ending == "s" or (ending == "t" and stem[-1] in "nN"):
        return f"{stem}'{ending}"
    if stem.lower() in _CONTRACTION_STEMS.get(ending, ()):
        return f"{stem}'{ending}"
    return match.group(0)


def normalise_unicode(text: str) -> str:
    """NFKC, typographic quotes to ASCII, every kind of space to one space, no blank lines."""
    text = unicodedata.normalize("NFKC", text or "").translate(_QUOTES)
    text = _WHITESPACE.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def normalise_contractions(text: str) -> str:
    """Give "don t" and "don't" one spelling, whichever class a text comes from."""
    return _CONTRACTION_GAP.sub(_join_contraction, text)


def strip_dateline(text: str) -> str:
    """Remove a leading dateline ("WASHINGTON (Reuters) - ", "NEW YORK - ")."""
    text = _AGENCY_DATELINE.sub("", text, count=1)
    return _BARE_DATELINE.sub("", text, count=1)


def has_dateline(text: str) -> bool:
    """Whether a text opens with a dateline or an agency tag (the leakage canary)."""
    text = normalise_unicode(text)
    return strip_dateline(text) != text


def _clean_once(text: str) -> str:
    text = strip_dateline(normalise_unicode(text))
    text = _AGENCY_TAG.sub("", text)
    lowered = text.lower()
    for pattern, triggers in _BOILERPLATE:
        if any(trigger in lowered for trigger in triggers):
            text = pattern.sub(" ", text)
    return normalise_contractions(normalise_unicode(text))


def clean_body(text: str) -> str:
    """Strip datelines, agency tags, boilerplate, tweets and links from an article body.

    Applied until nothing changes (usually one extra pass that only confirms it), so
    that the result is a fixed point: clean_body(clean_body(x)) == clean_body(x).
    """
    for _ in range(4):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def clean_title(title: str) -> str:
    """Normalise a headline: one line, same unicode and contraction rules as the body."""
    title = normalise_unicode(title).replace("\n", " ")
    return normalise_contractions(title)


def model_input(title: str, body: str) -> str:
    """The exact string the model is trained on and scores: title, newline, body."""
    title, body = clean_title(title), clean_body(body)
    return f"{title}\n{body}" if title else body
