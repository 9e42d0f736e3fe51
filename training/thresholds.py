"""Decision thresholds: where "suspect" and "credible" are right often enough to say so.

A verdict is only worth showing when it is usually right. The thresholds are chosen on
held-out predictions so that each confident verdict reaches a target precision
(TARGET, ~90%) on BOTH in-domain validation data and out-of-domain predictions
(leave-one-dataset-out), and everything between them is "uncertain".
"""

from __future__ import annotations

import numpy as np

from fakeradar.training.modeldir import Thresholds

TARGET = 0.90          # share of "suspect" that is fake, and of "credible" that is real
MIN_SUPPORT = 20       # fewer verdicts than this cannot show a precision
GRID = np.round(np.arange(0.50, 0.991, 0.01), 2)
FALLBACK = Thresholds()   # the contract's wide defaults, when the target is out of reach
SET_NAMES = {"in_domain_val": "in-domain validation data",
             "out_of_domain_loo": "unseen sources (leave-one-dataset-out)"}


def precision_at(p_fake: np.ndarray, labels: np.ndarray, threshold: float,
                 side: str) -> tuple[float, int]:
    """(precision, count) of "suspect" (p >= t, side fake) or "credible" (p <= t, side real)."""
    if side == "fake":
        chosen, right = p_fake >= threshold, labels == 0
    else:
        chosen, right = p_fake <= threshold, labels == 1
    count = int(chosen.sum())
    return (float(right[chosen].mean()) if count else float("nan")), count


def loosest_threshold(p_fake: np.ndarray, labels: np.ndarray, side: str) -> float | None:
    """The threshold nearest 0.5 from which on the verdict's precision stays >= TARGET."""
    grid = GRID if side == "fake" else np.round(1.0 - GRID, 2)
    passing = [precision_at(p_fake, labels, t, side) for t in grid]
    ok = [prec >= TARGET and count >= MIN_SUPPORT for prec, count in passing]
    # loosest t such that it and every stricter t (with enough support) pass
    for i, t in enumerate(grid):
        if all(ok[j] or passing[j][1] < MIN_SUPPORT for j in range(i, len(grid))) and ok[i]:
            return float(t)
    return None


def choose_thresholds(in_domain: tuple[np.ndarray, np.ndarray],
                      out_of_domain: tuple[np.ndarray, np.ndarray]
                      ) -> tuple[Thresholds, str, dict]:
    """Thresholds meeting TARGET on both sets (the stricter of the two), with the reason."""
    choice: dict = {"target_precision": TARGET}
    picked = {}
    for side, default in (("fake", FALLBACK.suspect), ("real", FALLBACK.credible)):
        found = {name: loosest_threshold(np.asarray(p), np.asarray(y), side)
                 for name, (p, y) in (("in_domain_val", in_domain),
                                      ("out_of_domain_loo", out_of_domain))}
        reachable = [t for t in found.values() if t is not None]
        strict = max if side == "fake" else min
        value = strict(reachable) if len(reachable) == 2 else default
        picked[side] = value
        choice[side] = {"found": found, "used": value, "fallback": len(reachable) < 2}
    thresholds = Thresholds(suspect=picked["fake"], credible=picked["real"])
    for name, (p, y) in (("in_domain_val", in_domain), ("out_of_domain_loo", out_of_domain)):
        choice[name] = describe(np.asarray(p), np.asarray(y), thresholds)
    return thresholds, reason_text(choice, thresholds), choice


def describe(p_fake: np.ndarray, labels: np.ndarray, thresholds: Thresholds) -> dict:
    """Precision and share of each verdict at the chosen thresholds."""
    suspect = precision_at(p_fake, labels, thresholds.suspect, "fake")
    credible = precision_at(p_fake, labels, thresholds.credible, "real")
    n = len(p_fake)
    return {"n": n, "suspect_precision": suspect[0], "suspect_share": suspect[1] / n,
            "credible_precision": credible[0], "credible_share": credible[1] / n,
            "uncertain_share": 1 - (suspect[1] + credible[1]) / n}


def reason_text(choice: dict, thresholds: Thresholds) -> str:
    """One paragraph for fakeradar.json `thresholds_reason` and the model card."""
    ind, ood = choice["in_domain_val"], choice["out_of_domain_loo"]
    parts = [f"suspect >= {thresholds.suspect:.2f} and credible <= {thresholds.credible:.2f}: "
             f"the loosest thresholds at which each verdict is right >= {TARGET:.0%} of the "
             "time on in-domain validation data AND on leave-one-dataset-out predictions "
             "(sources the model never saw)."]
    fell_back = [word for side, word in (("fake", "suspect"), ("real", "credible"))
                 if choice[side]["fallback"]]
    if fell_back:
        failed = sorted({SET_NAMES[name] for side in ("fake", "real")
                         for name, t in choice[side]["found"].items() if t is None})
        parts.append(f"No {' or '.join(fell_back)} threshold reaches {TARGET:.0%} on "
                     f"{' or '.join(failed)} at any value, so the contract's wide default(s) "
                     "are kept: a broad uncertain band rather than a precision the model "
                     "does not have.")
    parts.append(
        f"Validation: suspect right {ind['suspect_precision']:.0%} ({ind['suspect_share']:.0%} "
        f"of pages), credible right {ind['credible_precision']:.0%} "
        f"({ind['credible_share']:.0%}), uncertain {ind['uncertain_share']:.0%}. "
        f"Unseen sources: suspect right {ood['suspect_precision']:.0%} "
        f"({ood['suspect_share']:.0%}), credible right {ood['credible_precision']:.0%} "
        f"({ood['credible_share']:.0%}), uncertain {ood['uncertain_share']:.0%}.")
    return " ".join(parts)
