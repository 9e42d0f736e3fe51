"""The shared text pipeline: artefacts out, content kept, idempotent, class-blind."""

from __future__ import annotations

import csv
import random
import re

import pytest
from synthetic_isot import fake_row, real_row

from fakeradar.training.text import (
    clean_body,
    clean_title,
    has_dateline,
    model_input,
    normalise_contractions,
)

# What must never survive cleaning (case-insensitive).
LEFTOVERS = re.compile(r"\(reuters\)|featured image|getty images|21st century wire|\(acr\)|"
                       r"pic\.twitter|https?://|www\.|\(@\w+\)", re.IGNORECASE)


@pytest.mark.parametrize("raw, expected", [
    ("WASHINGTON (Reuters) - The head of a faction said.", "The head of a faction said."),
    ("LONDON/PARIS (Reuters) - A deal was struck.", "A deal was struck."),
    ("SEOUL, Dec 1 (Reuters) - North Korea fired.", "North Korea fired."),
    ("WASHINGTON/KHOBAR, Saudi Arabia (Reuters) - Talks ended.", "Talks ended."),
    ("(Reuters) - The company said.", "The company said."),
    ("WASHINGTON () - The senator said.", "The senator said."),
    ("NEW YORK - Stocks rose.", "Stocks rose."),
    ("ST. LOUIS, Mo. \u2014 Voters queued.", "Voters queued."),
])
def test_leading_datelines_are_stripped(raw: str, expected: str) -> None:
    assert has_dateline(raw)
    assert clean_body(raw) == expected
    assert not has_dateline(clean_body(raw))


@pytest.mark.parametrize("text", [
    "Donald Trump - the man himself - spoke.",
    "The Senate voted on Tuesday.",
    "A photo by the journalist showed the crowd. Then the speech began.",
])
def test_ordinary_openings_and_content_are_kept(text: str) -> None:
    assert clean_body(text) == text


@pytest.mark.parametrize("raw, expected", [
    ("The story. Featured image via Chip Somodevilla/Getty Images", "The story."),
    ("21st Century Wire says The story went on.", "The story went on."),
    ("The story (ACR) went on.", "The story went on."),
    ("He wrote pic.twitter.com/Abc12 and https://t.co/xyz then left.", "He wrote and then left."),
    ("It ended.Photo by Andrew Burton/Getty Images.", "It ended."),
    ("Look at this. Jo Doe (@jodoe) December 31, 2017 He left.", "Look at this. He left."),
    ("The rally ended. Watch the video below:", "The rally ended."),
    ("MUCH MORE! [0804 EST] -- Source link: (bit.ly/2jBh4LU) (bit.ly/2jpEXYR)", "MUCH MORE!"),
])
def test_boilerplate_is_removed(raw: str, expected: str) -> None:
    assert clean_body(raw) == expected


def test_unicode_and_whitespace_are_normalised() -> None:
    raw = "He said\u00a0\u201cno\u201d  to\u200b them\u2019 ideas.\n\n\n  Next\tline "
    assert clean_body(raw) == 'He said "no" to them\' ideas.\nNext line'


def test_stripped_and_kept_apostrophes_read_the_same() -> None:
    stripped = "Trump couldn t say it s over, Clinton s team won t, I m sure we re fine."
    kept = "Trump couldn\u2019t say it\u2019s over, Clinton\u2019s team won\u2019t, I\u2019m " \
           "sure we\u2019re fine."
    assert clean_body(stripped) == clean_body(kept)
    assert normalise_contractions("plan B t is a letter") == "plan B t is a letter"


def test_cleaning_is_identical_for_both_classes_after_artefacts() -> None:
    rng_fake, rng_real = random.Random(7), random.Random(7)
    for i in range(40):
        fake, real = fake_row(rng_fake, i), real_row(rng_real, i)
        # Same seed, same neutral words; only artefacts and class words differ.
        assert not LEFTOVERS.search(clean_body(fake["text"]))
        assert not LEFTOVERS.search(clean_body(real["text"]))
        assert "couldn't" in clean_body(fake["text"]) and "couldn't" in clean_body(real["text"])


def test_cleaning_is_idempotent_on_synthetic_rows() -> None:
    rng = random.Random(3)
    for i in range(60):
        for row in (fake_row(rng, i), real_row(rng, i)):
            once = clean_body(row["text"])
            assert clean_body(once) == once
            assert clean_title(clean_title(row["title"])) == clean_title(row["title"])


def test_model_input_joins_clean_title_and_body() -> None:
    assert model_input(" A\u00a0title\n", "WASHINGTON (Reuters) - Body.") == "A title\nBody."
    assert model_input("", "Body only.") == "Body only."


def _isot_rows(shared_data, file_name: str) -> list[dict]:
    with open(shared_data / "isot_sample" / file_name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("file_name", ["Fake.csv", "True.csv"])
def test_isot_sample_keeps_no_dateline_or_boilerplate(shared_data, file_name: str) -> None:
    for row in _isot_rows(shared_data, file_name):
        cleaned = clean_body(row["text"])
        assert not has_dateline(cleaned), cleaned[:80]
        assert not LEFTOVERS.search(cleaned), LEFTOVERS.search(cleaned).group(0)
        assert "\u00a0" not in cleaned and "\u2019" not in cleaned
        assert not re.search(r"\b(?:couldn|don|isn|won) t\b", cleaned)
        assert clean_body(cleaned) == cleaned
