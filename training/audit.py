"""Leakage audit: how much of the label do dataset artefacts alone give away?

Each canary is a quick cross-validated logistic regression that sees one artefact
only: the metadata (subject + date), the first or last tokens of the body, or whether
the body opens with a dateline. On raw ISOT they reach close to 1.0; after cleaning
they should sit near chance (the majority-class rate). What remains above chance is
the part of the label that a model could still learn without reading the article.
"""

from __future__ import annotations

import pandas as pd

from .text import has_dateline

EDGE_TOKENS = 5  # how many leading / trailing tokens the edge canaries see
FOLDS = 5
CANARIES = {
    "metadata": "subject + date columns",
    "first_tokens": f"first {EDGE_TOKENS} tokens of the body",
    "dateline": "body opens with a dateline / agency tag",
    "last_tokens": f"last {EDGE_TOKENS} tokens of the body",
}


def canary_documents(frame: pd.DataFrame, name: str) -> list[str] | None:
    """The one-artefact view of each row that canary `name` classifies (None: not present)."""
    if name == "metadata":
        if "subject" not in frame or not (frame["subject"].astype(str) + frame["date"]).any():
            return None
        return (frame["subject"].astype(str) + " date_" + frame["date"].astype(str)).tolist()
    if name == "dateline":
        return ["dateline" if has_dateline(text) else "none" for text in frame["text"]]
    tokens = (text.split() for text in frame["text"].astype(str))
    if name == "first_tokens":
        return [" ".join(f"{i}_{tok}" for i, tok in enumerate(t[:EDGE_TOKENS])) for t in tokens]
    return [" ".join(f"{i}_{tok}" for i, tok in enumerate(t[-EDGE_TOKENS:])) for t in tokens]


def canary_accuracy(documents: list[str], labels: list[int], seed: int = 42) -> float | None:
    """Cross-validated accuracy of logistic regression on bag-of-tokens of `documents`."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    smallest_class = pd.Series(labels).value_counts().min() if len(set(labels)) == 2 else 0
    if smallest_class < 2:
        return None
    folds = StratifiedKFold(n_splits=min(FOLDS, smallest_class), shuffle=True, random_state=seed)
    model = make_pipeline(CountVectorizer(token_pattern=r"\S+", binary=True),
                          LogisticRegression(max_iter=1000))
    try:
        scores = cross_val_score(model, documents, labels, cv=folds, scoring="accuracy")
    except ValueError:  # an empty vocabulary: the artefact is absent from every row
        return majority_rate(labels)
    return round(float(scores.mean()), 4)


def majority_rate(labels: list[int]) -> float:
    """Accuracy of always guessing the larger class: what "chance" means here."""
    return round(float(pd.Series(labels).value_counts(normalize=True).max()), 4)


def leakage_audit(before: pd.DataFrame | None, after: pd.DataFrame, seed: int = 42) -> dict:
    """Canary accuracies on the raw rows (`before`, may be None) and the cleaned ones."""
    result = {"folds": FOLDS, "canaries": []}
    for stage, frame in (("before", before), ("after", after)):
        if frame is not None:
            result[f"rows_{stage}"] = len(frame)
            result[f"chance_{stage}"] = majority_rate(frame["label"].tolist())
    for name, description in CANARIES.items():
        row = {"name": name, "description": description}
        for stage, frame in (("before", before), ("after", after)):
            documents = canary_documents(frame, name) if frame is not None else None
            row[stage] = None if documents is None else \
                canary_accuracy(documents, frame["label"].tolist(), seed)
        result["canaries"].append(row)
    return result


def audit_markdown(audit: dict) -> str:
    """The audit as a Markdown table: accuracy before and after cleaning, against chance."""
    def cell(value: float | None, stage: str) -> str:
        if value is None:
            return "removed" if stage == "after" else "n/a"
        return f"{value:.3f}"

    lines = [
        f"Cross-validated ({audit['folds']}-fold) logistic regression on one artefact at a time. "
        f"Chance (majority class): before {cell(audit.get('chance_before'), 'before')}, "
        f"after {cell(audit.get('chance_after'), 'after')}.",
        "",
        "| canary | what it sees | before cleaning | after cleaning |",
        "| --- | --- | ---: | ---: |",
    ]
    for row in audit["canaries"]:
        lines.append(f"| {row['name']} | {row['description']} | {cell(row['before'], 'before')} "
                     f"| {cell(row['after'], 'after')} |")
    return "\n".join(lines) + "\n"
