"""Small ISOT-shaped CSVs whose labels leak ONLY through ISOT's artefacts.

Bodies of both classes come from the same random vocabulary; the one content signal
(a class word in the middle of the body) sits far from the first and last tokens, so
the edge canaries must fall to chance once the artefacts are gone while a real model
can still learn the class. Real rows get Reuters datelines and typographic
apostrophes; fake rows get "Featured image via", 21st Century Wire, (ACR), tweets,
links, image credits and stripped apostrophes; subject and date differ by class.
Planted: exact and near-exact duplicates, same body with another title, a body in
both files (label conflict), empty and near-empty bodies, U+00A0 spaces.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

WORDS = ("market council river policy school budget summer engine garden letter bridge "
         "station report village doctor museum harbor ticket forest island paper window "
         "camera airport tower farmer signal valley lawyer kitchen").split()
CITIES = ["WASHINGTON", "NEW YORK", "LONDON/PARIS", "SEOUL, Dec 1", "BEIJING", "ST. LOUIS"]
FAKE_CLASS_WORDS = ["outrage", "shocking", "exposed"]
REAL_CLASS_WORDS = ["quarterly", "ministry", "delegation"]
CONFLICT_BODY = ("This exact same article text appears in both files and so nobody can say "
                 "whether it is fake or real, which is why the pipeline must drop every copy.")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(7, 12))]
    return " ".join(words).capitalize() + "."


def neutral_body(rng: random.Random, class_words: list[str]) -> str:
    """Random sentences with the class signal in the middle and a contraction."""
    first = " ".join(_sentence(rng) for _ in range(3))
    last = " ".join(_sentence(rng) for _ in range(3))
    middle = f"The {rng.choice(class_words)} {rng.choice(WORDS)} couldn't wait."
    return f"{first} {middle} {last}"


def real_row(rng: random.Random, i: int) -> dict:
    body = neutral_body(rng, REAL_CLASS_WORDS).replace("'", "\u2019")
    return {"title": f"Real story {i} on {rng.choice(WORDS)}",
            "text": f"{rng.choice(CITIES)} (Reuters) -\u00a0{body}",
            "subject": "politicsNews", "date": f"December {rng.randint(1, 28)}, 2017 "}


def fake_row(rng: random.Random, i: int) -> dict:
    body = neutral_body(rng, FAKE_CLASS_WORDS).replace("'", " ")
    extras = [
        f"{body} Featured image via {rng.choice(['Chip', 'Alex', 'Win'])} Somodevilla/Getty Images",
        f"21st Century Wire says {body} READ MORE: https://21stcenturywire.com/x",
        f"{body} (ACR) pic.twitter.com/Ab{i}x  Jo Doe (@jodoe{i}) May {i % 28 + 1}, 2017",
        f"{body} Photo by Andrew Burton/Getty Images.",
    ]
    return {"title": f"Fake story {i} on {rng.choice(WORDS)}", "text": extras[i % len(extras)],
            "subject": "News", "date": f"March {rng.randint(1, 28)}, 2016"}


def write_isot(directory: Path, per_class: int = 150, seed: int = 0) -> Path:
    """Write Fake.csv and True.csv into `directory` and return it."""
    rng = random.Random(seed)
    fake = [fake_row(rng, i) for i in range(per_class)]
    real = [real_row(rng, i) for i in range(per_class)]
    fake += [dict(fake[0]),  # exact duplicate
             {**fake[1], "text": "  " + fake[1]["text"].upper() + "  "},  # near-exact
             {**fake[2], "title": "Another headline for the same body"},
             {**fake[3], "text": ""},  # empty body
             {**fake[4], "text": "Too short to be an article."},
             {**fake[5], "text": CONFLICT_BODY}]
    real += [dict(real[0]), {**real[1], "text": CONFLICT_BODY}]
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in (("Fake.csv", fake), ("True.csv", real)):
        with open(directory / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["title", "text", "subject", "date"])
            writer.writeheader()
            writer.writerows(rows)
    return directory
